"""--retries in the reports, built from synthetic reports (no browser): the retry rules, a flaky pass and
a failure after reruns in junit.xml (valid, as Surefire writes them), the run diff, merge, evidence,
the terminal, notifications and report.json's round trip. tests/test_retries.py runs them for real."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from runner.core.model import Listener, RunOptions
from runner.core.results import CATEGORIES, Failure, RunResult, write_json_atomic
from runner.core.retry import RETRYABLE, account_policy, retryable
from runner.reporters.console import LinePrinter
from runner.reporters.data import load_report
from runner.reporters.evidence import write_evidence
from runner.reporters.history import changes, merge
from runner.reporters.junit import render_junit
from runner.reporters.notify import run_message
from runner.run.retry import with_retries
from tests.conftest import ROOT
from tests.support.sample import png, sample_report, sample_retried, write_artifacts

SCHEMA = ROOT / "tests" / "schemas" / "jenkins-junit.xsd"
ALICE, BOB, CAROL = "alice@contoso.com", "bob@contoso.com", "carol@contoso.com"


def retried_report():
    """alice passed on her second try (flaky), bob failed three tries, carol passed at once."""
    report = sample_report(3, accounts=[ALICE, BOB, CAROL], kinds=["passed", "page_changed", "passed"])
    sample_retried(report.runs[0])
    sample_retried(report.runs[1], failed_tries=2)
    return report


def test_only_transient_faults_are_retried_and_the_backoff_grows() -> None:
    for category in CATEGORIES:
        run = RunResult("a@contoso.com", "failed", 1, None, Failure(category, "m", None))
        assert retryable(run) == (category in ("unreachable", "timeout", "browser_error")), category
    assert RETRYABLE == ("unreachable", "timeout", "browser_error")
    assert not retryable(RunResult("a@contoso.com", "passed", 1, None, None))
    assert [account_policy(3).delay(n) for n in (1, 2, 3, 4)] == [5.0, 15.0, 45.0, 45.0]
    assert RunOptions(report_dir=Path(".")).retry_backoff == (5.0, 15.0, 45.0)


def test_a_stop_during_the_backoff_ends_with_the_last_try_answer(tmp_path: Path) -> None:
    """Ctrl-C while an account waits for its next try: that try never starts, the failure stands."""
    tries = []

    async def once() -> RunResult:
        tries.append(1)
        return RunResult("a@contoso.com", "failed", 5, None, Failure("unreachable", "down", "Go"),
                         started_at="2026-11-25T10:15:00.000Z")

    async def night() -> RunResult:
        options = RunOptions(report_dir=tmp_path, retries=2, retry_backoff=(30.0,))
        task = asyncio.ensure_future(with_retries(once, options, Listener()))
        await asyncio.sleep(0.2)
        task.cancel()
        return await task

    result = asyncio.run(night())
    assert len(tries) == 1 and result.failure is not None and result.failure.category == "unreachable"
    assert result.tries == [] and not result.flaky


def test_junit_writes_flaky_and_rerun_failures_as_surefire_does_and_validates(tmp_path: Path) -> None:
    schema = xmlschema.XMLSchema(str(SCHEMA))
    data = render_junit(retried_report(), Path("results"))
    schema.validate(data.decode())
    cases = {c.get("name"): c for c in ET.fromstring(data).iter("testcase")}
    alice = [e.tag for e in cases[ALICE] if e.tag != "system-out"]
    assert alice == ["flakyFailure"], "a flaky pass: its failed try, and no <failure>"
    flaky = cases[ALICE].find("flakyFailure")
    assert flaky is not None and flaky.get("type") == "unreachable"
    assert "try 1: unreachable" in (flaky.findtext("stackTrace") or "")
    assert "[[ATTACHMENT|results/alice_contoso.com/attempt-1/01-failure.png]]" in (flaky.findtext("system-out") or "")
    assert [e.tag for e in cases[BOB] if e.tag != "system-out"] == ["failure", "rerunFailure", "rerunFailure"]
    assert [e.tag for e in cases[CAROL]] == ["system-out"]
    suite = ET.fromstring(data).find("testsuite")
    assert suite is not None and (suite.get("failures"), suite.get("tests")) == ("1", "3"), "a flaky pass is a pass"
    # the schema is a real check of those elements: no stack trace, or no type, is refused
    bare = ('<testsuites><testsuite name="f" tests="1"><testcase name="a">{}</testcase></testsuite></testsuites>')
    assert schema.is_valid(bare.format('<flakyFailure type="t"><stackTrace>x</stackTrace></flakyFailure>'))
    assert not schema.is_valid(bare.format('<flakyFailure type="t"/>'))
    assert not schema.is_valid(bare.format('<rerunFailure><stackTrace>x</stackTrace></rerunFailure>'))


def test_the_run_diff_merge_and_evidence_keep_the_tries(tmp_path: Path) -> None:
    before = sample_report(3, accounts=[ALICE, BOB, CAROL], kinds=["passed", "page_changed", "passed"])
    after = retried_report()
    assert changes(before, after) == ["alice@contoso.com: passed → passed (flaky)"]
    assert changes(after, sample_report(1, accounts=[ALICE])) == ["alice@contoso.com: passed (flaky) → passed"]

    source = tmp_path / "night"
    source.mkdir()
    write_json_atomic(source / "report.json", after.to_dict())
    write_artifacts(after, source)
    for run in after.runs:
        for earlier in run.tries[:-1]:
            (source / str(earlier.screenshot)).parent.mkdir(parents=True, exist_ok=True)
            (source / str(earlier.screenshot)).write_bytes(png(8, 8, (200, 0, 0)))
            (source / str(earlier.trace)).write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    merged = merge([source], tmp_path / "merged")
    assert (tmp_path / "merged" / "alice_contoso.com" / "attempt-1" / "01-failure.png").is_file()
    assert (tmp_path / "merged" / "bob_contoso.com" / "attempt-2" / "trace.zip").is_file()
    assert merged["summary"]["flaky"] == 1

    [alice_zip, *_] = write_evidence(after, source)
    with zipfile.ZipFile(alice_zip) as archive:
        names = set(archive.namelist())
        summary = archive.read("summary.txt").decode()
    assert {"attempt-1/01-failure.png", "attempt-1/trace.zip"} <= names
    assert "Try 1:     unreachable at step 'Go to Office.com'" in summary and "Flaky:     passed on try 2" in summary


def test_the_terminal_and_the_notification_count_flaky_apart(tmp_path: Path) -> None:
    report = retried_report()
    out = io.StringIO()
    printer = LinePrinter(out)
    printer.run_started(report, 3, "chromium")
    for run in report.runs:
        printer.account_finished(run)
    printer.finish(report, None)
    text = out.getvalue()
    assert "[1/3] PASS flaky alice@contoso.com" in text
    assert "    flaky: passed on try 2 of 2\n    try 1: unreachable at step 'Go to Office.com'" in text
    assert "    tried 3 times, every try failed" in text
    assert "flaky: passed on try 2" in text.split("[3/3]", 1)[1], "the table tells the flaky pass"
    assert "2 passed (1 flaky), 1 failed" in text
    message = run_message(report, tmp_path, [], None)
    assert "**Sync a user's profile picture**: 2 passed (1 flaky: passed after a retry), 1 failed." in message.body


def test_report_json_keeps_attempts_and_flaky_and_counts_flaky_only_when_there(tmp_path: Path) -> None:
    report = retried_report()
    write_json_atomic(tmp_path / "report.json", report.to_dict())
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["summary"] == {"total": 3, "passed": 2, "failed": 1, "skipped": 0, "flaky": 1}
    assert [a["attempt"] for a in data["runs"][1]["attempts"]] == [1, 2, 3]
    again = load_report(tmp_path)
    assert again.runs[0].flaky and again.runs[0].tries == report.runs[0].tries
    assert "flaky" not in sample_report(8).summary(), "a run without retries keeps its summary as it was"


@pytest.mark.parametrize("text", [
    "https://login.microsoftonline.com/common/oauth2/authorize?client_id=00000003-0000-0ff1-ce00-000000000000"
    "&nonce=Nonce-Value-123&state=%2Fpersonal%2Fx&client-request-id=6f1c2b7e-1111-4000-8000-000000000001",
    "https://m365.cloud.microsoft/landingv2#code=Code-Value-123&id_token=eyJhbGciOi.eyJzdWIi.c2ln&session_state=S1",
    "https://sts.fabrikam.com/adfs/ls/?username=a%40fabrikam.com&wctx=LoginOptions%3D3%26estsrequest%3DCtx-Value-1",
    "https://a.com/cb?redirect_uri=https%3A%2F%2Fb.com%2Fcb%3Fcode%3DCode-Value-123%26x%3D1",
    "https://login.microsoftonline.com/common/login?sFT=AQABAAEAAAD--DLA3VO7QrddgJg7WevrAgDs_wUA9P9dbFAoldsVE7ed",
    "&lt;a href=&quot;https://x.com/?flowToken=Flow-Value-123&amp;ctx=Ctx-Value-1&quot;&gt;",
])
def test_no_token_value_leaves_in_a_url(text: str) -> None:
    from runner.core.redact import redact

    cut = redact(text) or ""
    for value in ("Nonce-Value-123", "%2Fpersonal%2Fx", "6f1c2b7e-1111", "Code-Value-123", "eyJhbGciOi", "S1&",
                  "Ctx-Value-1", "AQABAAEAAAD", "Flow-Value-123"):
        assert value not in cut, (value, cut)
    assert "…" in cut
    host_and_path = text.split("?")[0].split("#")[0]
    assert cut.startswith(host_and_path), "the host and the path are kept"


def test_what_is_not_a_token_is_kept() -> None:
    from runner.core.redact import redact

    photo = "https://outlook.office.com/owa/service.svc/s/GetPersonaPhoto?email=bob@contoso.com&UA=0&size=HR240x240"
    assert redact(photo) == photo
    app = "https://login.microsoftonline.com/common/oauth2/authorize?client_id=00000003-0000-0ff1-ce00-000000000000"
    assert redact(app) == app, "an application's client id is no secret"
    assert redact("https://www.microsoft365.com/?auth=2") == "https://www.microsoft365.com/?auth=2"
