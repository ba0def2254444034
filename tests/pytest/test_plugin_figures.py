"""QA's figures through the pytest plugin, as a QA pipeline runs it (a subprocess, real Chromium, the
simulator): the check's outcome and synced_after_s on each test in junit.xml (on the testcase where
the junit family allows it, on the testsuite where it does not), the outcome lines in pytest's
terminal summary as `run` prints them, and the same report.json / report.html as `run` writes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.pytest.test_plugin import pytest_run, users_file

pytestmark = pytest.mark.browser


def simulated(tmp_path: Path, *accounts: str) -> Path:
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n" + "".join(f"  - {entry}\n" for entry in accounts))
    return sim


def test_qa_loop_under_pytest_with_xdist_records_its_figures_on_each_test(tmp_path: Path) -> None:
    sim = simulated(tmp_path, "{upn: qa1@contoso.com, password: qa1-pw-1, photo_sync: 4s}",
                    "{upn: qa2@contoso.com, password: qa2-pw-1, photo_sync: 4s, photo_ui: my_account}")
    users = users_file(tmp_path, "{account: qa1@contoso.com}", "{account: qa2@contoso.com}")
    junit, results = tmp_path / "junit.xml", tmp_path / "results" / "night-1"
    result = pytest_run(tmp_path, "qa-profile-photo", "--m365-users", str(users), "--m365-simulator-accounts", str(sim),
                        "--m365-allow-changes", "--m365-until-synced", "120", "-n", "2", "--junitxml", str(junit),
                        "-o", "junit_family=xunit1", "--m365-report-dir", str(results), "--output", "out",
                        passwords={"qa1@contoso.com": "qa1-pw-1", "qa2@contoso.com": "qa2-pw-1"}, timeout=400)
    text = result.stdout + result.stderr
    assert result.returncode == 0, text

    # the same report.json and report.html as `run`, in the folder asked for (the evidence beside them)
    data = json.loads((results / "report.json").read_text())
    assert data["flow"] == "Prove the profile picture sync (QA)" and data["finished_at"]
    assert data["summary"]["outcomes"] == {"synced": 2}
    runs = {r["account"]: r for r in data["runs"]}
    for run in runs.values():
        assert (results / run["generated_photo"]["file"]).is_file()
        assert all((results / s["screenshot"]).is_file() for s in run["steps"] if s["screenshot"])
        assert run["outcome"]["reference"]["label"] == "the uploaded picture"
    html = (results / "report.html").read_text()
    seconds = {a: r["outcome"]["synced_after_s"] for a, r in runs.items()}
    assert all(isinstance(s, float) for s in seconds.values())
    assert f"synced {seconds['qa1@contoso.com']:.1f} s after the documented visit" in html

    # junit.xml (xunit1): the figures on each testcase, as numbers; the run itself never leaks in
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    for account in runs:
        props = {p.get("name"): p.get("value") for p in cases[f"qa-profile-photo[{account}]"].iter("property")}
        assert props["m365_outcome"] == "synced" and float(props["m365_synced_after_s"]) == seconds[account], props
        assert "m365_result" not in props
    assert "m365_result" not in junit.read_text()

    # pytest's terminal summary says it as `run` does
    summary = text.split("m365-replay: Prove the profile picture sync (QA)", 1)[1]
    said = "qa1@contoso.com: outcome: synced: SharePoint's copy shows the same picture as the uploaded picture"
    assert said in summary
    assert f"synced {seconds['qa2@contoso.com']:.1f} s after the documented visit" in summary
    assert f"2 passed, 0 failed; outcome: 2 synced. Report: {results / 'report.json'}" in summary
    assert f"HTML report: {results / 'report.html'}" in summary


def test_the_figures_go_to_the_testsuite_where_the_junit_family_forbids_them_on_a_testcase(tmp_path: Path) -> None:
    """pytest's default family, xunit2, has no properties on a testcase: there they are the testsuite's,
    named per account; the report goes to a new folder under m365-replay-results/, as `run`'s does."""
    sim = simulated(tmp_path, "{upn: alice@contoso.com, password: alice-pw-1, photo_sync: 3s}")
    junit = tmp_path / "junit.xml"
    result = pytest_run(tmp_path, "sync-profile-photo", "--m365-account", "alice@contoso.com",
                        "--m365-simulator-accounts", str(sim), "--m365-until-synced", "60", "-p", "no:xdist",
                        "--junitxml", str(junit), passwords={"alice@contoso.com": "alice-pw-1"})
    text = result.stdout + result.stderr
    assert result.returncode == 0, text
    [folder] = list((tmp_path / "m365-replay-results").iterdir())
    run = json.loads((folder / "report.json").read_text())["runs"][0]
    seconds = run["outcome"]["synced_after_s"]
    root = ET.parse(junit).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.find("properties").iter("property")}  # type: ignore[union-attr]
    assert props["m365_outcome:alice@contoso.com"] == "synced"
    assert float(props["m365_synced_after_s:alice@contoso.com"]) == seconds
    [case] = list(root.iter("testcase"))
    assert case.find("properties") is None, "xunit2 allows no properties on a testcase"
    assert f"1 passed, 0 failed; outcome: 1 synced. Report: {folder / 'report.json'}" in text


def test_a_report_folder_that_cannot_be_written_stops_the_session_before_any_test(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder")
    result = pytest_run(tmp_path, "sync-profile-photo", "--m365-account", "alice@contoso.com",
                        "--m365-report-dir", str(taken), "--collect-only", "-q")
    text = result.stdout + result.stderr
    assert result.returncode == 4, text
    assert f"Cannot use {taken} as the report folder: it is a file; choose another --m365-report-dir." in text
    assert "Traceback" not in text
