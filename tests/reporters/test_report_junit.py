"""junit.xml against the schema Jenkins reads, and the details CI servers show from it."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from runner.core.redact import redactor
from runner.reporters.junit import render_junit, write_junit
from tests.conftest import ROOT
from tests.support.sample import sample_report, sample_run

SCHEMA = ROOT / "tests" / "schemas" / "jenkins-junit.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA))


def test_every_outcome_validates_against_the_jenkins_schema(schema: xmlschema.XMLSchema, tmp_path: Path) -> None:
    path = write_junit(sample_report(16), tmp_path)
    schema.validate(str(path))  # raises with the exact path of anything invalid


def test_one_testcase_per_account_with_failure_and_steps(tmp_path: Path) -> None:
    report = sample_report(8)
    root = ET.fromstring(render_junit(report, Path("m365-replay-results/20261125-101500")))
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.get("name") == report.flow
    counts = (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped"))
    assert counts == ("8", "2", "1", "1")
    assert suite.get("timestamp") == "2026-11-25T10:15:00" and suite.get("time") == "69.120"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [r.account for r in report.runs]
    assert {c.get("classname") for c in cases} == {report.flow}
    assert cases[0].get("time") == f"{report.runs[0].duration_ms / 1000:.3f}"
    bad = cases[2]
    failure = bad.find("failure")
    assert failure is not None and failure.get("type") == "bad_credentials"
    assert failure.get("message") == "bad_credentials: The password was not accepted (AADSTS50126)."
    assert "next: Check the password stored" in (failure.text or "")
    assert "correlation_id: 6f1c2b7e-0000-4000-8000-000000000002" in (failure.text or "")
    out = bad.findtext("system-out") or ""
    assert "1. [passed] Go to Office.com" in out and "doc: Sign in with their work or school account," in out
    assert "[[ATTACHMENT|m365-replay-results/20261125-101500/user00002_contoso.com/02-Sign_in_with_the_work" in out
    assert "[[ATTACHMENT|m365-replay-results/20261125-101500/user00002_contoso.com/trace.zip]]" in out
    assert cases[6].find("error") is not None and cases[6].find("error").get("type") == "error"  # type: ignore[union-attr]
    assert cases[7].find("skipped") is not None and cases[0].find("failure") is None


def test_control_characters_and_secrets_never_reach_the_xml(schema: xmlschema.XMLSchema, tmp_path: Path) -> None:
    run = sample_run(0, "odd@contoso.com", "page_changed")
    run.failure.message = "Title \x1b[31m<b>&\x00 with pw Secret-Pass-9"  # type: ignore[union-attr]
    report = sample_report(0)
    report.runs = [run]
    redactor.add("Secret-Pass-9")
    try:
        data = render_junit(report, tmp_path)
    finally:
        redactor.clear()
    assert b"Secret-Pass-9" not in data and b"with pw ***" in data
    schema.validate(data.decode())


def test_the_schema_rejects_what_ci_servers_would_not_read(schema: xmlschema.XMLSchema) -> None:
    """The schema is a real check: a testcase without a name, or a failure after system-out, is refused."""
    good = '<testsuites><testsuite name="f" tests="1"><testcase name="a" classname="f"/></testsuite></testsuites>'
    schema.validate(good)
    for bad in (
        '<testsuites><testsuite name="f" tests="1"><testcase classname="f"/></testsuite></testsuites>',
        '<testsuites><testsuite name="f" tests="1"><testcase name="a"><system-out>x</system-out>'
        '<failure message="m"/></testcase></testsuite></testsuites>',
        '<testsuites><testsuite tests="1"/></testsuites>',
    ):
        assert not schema.is_valid(bad)
