"""After a run: re-render, merge shards and reruns, rerun the failed, evidence zips, and what
changed since the previous run. Built from synthetic reports: no browser needed."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import pytest

from runner.cli.runs import rerun_specs
from runner.core.errors import UsageError
from runner.core.redact import redactor
from runner.core.results import Report, write_json_atomic
from runner.reporters.data import load_report, report_from_dict
from runner.reporters.evidence import AccountLogs, write_evidence
from runner.reporters.history import changes, merge, previous_report_dir
from runner.spec.flow import load_flow
from tests.conftest import SHIPPED, cli
from tests.support.doccheck import reworded_summary
from tests.support.sample import sample_report, sample_run, write_artifacts

ALICE, BOB, CAROL = "alice@contoso.com", "bob@contoso.com", "carol@contoso.com"


def save(folder: Path, report: Report, artifacts: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomic(folder / "report.json", report.to_dict())
    if artifacts:
        write_artifacts(report, folder)
    return folder


def test_changes_name_each_account_whose_outcome_moved() -> None:
    before = sample_report(3, accounts=[ALICE, BOB, CAROL], kinds=["passed", "bad_credentials", "passed"])
    after = sample_report(3, accounts=[ALICE, BOB, "dave@contoso.com"], kinds=["page_changed", "passed", "passed"])
    assert changes(before, after) == [
        "alice@contoso.com: passed → failed (page_changed)",
        "bob@contoso.com: failed (bad_credentials) → passed",
        "dave@contoso.com: new → passed",
    ]
    assert changes(after, after) == []


def test_the_previous_run_is_the_newest_earlier_sibling(tmp_path: Path) -> None:
    base = tmp_path / "m365-replay-results"
    save(base / "20261124-090000", sample_report(1, started_at="2026-11-24T09:00:00.000Z"))
    save(base / "20261125-090000", sample_report(1, started_at="2026-11-25T09:00:00.000Z"))
    save(base / "20261126-090000", sample_report(1, started_at="2026-11-26T09:00:00.000Z"))
    (base / "not-a-run").mkdir()
    (base / "broken").mkdir()
    (base / "broken" / "report.json").write_text("{not json")
    current = base / "20261125-120000"
    assert previous_report_dir(current, "2026-11-25T12:00:00.000Z") == (base / "20261125-090000").resolve()
    assert previous_report_dir(current, "2026-11-20T12:00:00.000Z") is None


def test_merge_keeps_the_latest_real_answer_per_account_and_copies_its_files(tmp_path: Path) -> None:
    shard1 = save(tmp_path / "shard1", sample_report(2, accounts=[ALICE, BOB], kinds=["passed", "bad_credentials"]),
                  artifacts=True)
    shard2 = save(tmp_path / "shard2", sample_report(1, accounts=[CAROL], kinds=["page_changed"],
                                                     started_at="2026-11-25T10:20:00.000Z"), artifacts=True)
    rerun = save(tmp_path / "rerun", sample_report(2, accounts=[BOB, CAROL], kinds=["passed", "skipped"],
                                                   started_at="2026-11-25T11:00:00.000Z"), artifacts=True)
    merged = merge([shard1, shard2, rerun], tmp_path / "merged")
    assert [(r["account"], r["status"]) for r in merged["runs"]] == [
        (ALICE, "passed"), (BOB, "passed"), (CAROL, "failed")]  # carol's skipped rerun does not hide her answer
    assert merged["summary"] == {"total": 3, "passed": 2, "failed": 1, "skipped": 0}
    assert merged["started_at"] == "2026-11-25T10:15:00.000Z"
    for run in merged["runs"]:
        for step in run["steps"]:
            assert step["screenshot"] is None or (tmp_path / "merged" / step["screenshot"]).is_file()
    other = sample_report(1)
    other.flow = "Another procedure"
    with pytest.raises(UsageError, match="different flows"):
        merge([shard1, save(tmp_path / "other", other)], tmp_path / "m2")


def test_merge_keeps_the_latest_doc_check_answer(tmp_path: Path) -> None:
    earlier, later = sample_report(1, accounts=[ALICE]), sample_report(1, accounts=[BOB],
                                                                      started_at="2026-11-25T10:20:00.000Z")
    later.doc_check = reworded_summary(tmp_path)
    earlier.doc_check = {**later.doc_check, "checked_at": "2026-11-25T10:14:00.000Z", "result": "same"}
    plain = save(tmp_path / "plain", sample_report(1, accounts=[CAROL], started_at="2026-11-25T09:00:00.000Z"))
    merged = merge([plain, save(tmp_path / "a", earlier), save(tmp_path / "b", later)], tmp_path / "merged")
    assert merged["doc_check"] == later.doc_check
    save(tmp_path / "merged", report_from_dict(merged))
    assert report_from_dict(merged).doc_check == later.doc_check
    result = cli("report", "--merge", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "all"))
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "all" / "report.html").read_text(encoding="utf-8")
    assert 'id="doc-check" data-result="drift"' in html and "<del>Office.com.</del>" in html
    assert merge([plain], tmp_path / "none").get("doc_check") is None


def test_rerun_failed_takes_the_accounts_that_did_not_pass_with_their_inputs(tmp_path: Path) -> None:
    report = sample_report(4, accounts=[ALICE, BOB, CAROL, "dave@contoso.com"],
                           kinds=["passed", "bad_credentials", "skipped", "passed"])
    report.runs[1].inputs = {"tile": "SharePoint"}
    earlier = save(tmp_path / "earlier", report)
    flow = load_flow(SHIPPED)
    specs = rerun_specs(flow, earlier, (), None, ())
    assert [(s.account, s.inputs["tile"]) for s in specs] == [(BOB, "SharePoint"), (CAROL, "OneDrive")]
    assert [s.inputs["tile"] for s in rerun_specs(flow, earlier, (), None, ("tile=OneDrive",))] == ["OneDrive"] * 2
    assert [s.account for s in rerun_specs(flow, earlier, (ALICE, BOB), None, ())] == [BOB]
    with pytest.raises(UsageError, match=r"no report\.json"):
        rerun_specs(flow, tmp_path / "nowhere", (), None, ())
    report.flow = "Some other procedure"
    with pytest.raises(UsageError, match="a report of 'Some other procedure'"):
        rerun_specs(flow, save(tmp_path / "other", report), (), None, ())


def test_evidence_zip_per_account_has_what_a_ticket_needs_and_no_secret(tmp_path: Path) -> None:
    report = sample_report(2, accounts=[ALICE, BOB], kinds=["passed", "bad_credentials"])
    report.runs[1].failure.message += " Typed Tr0ub4dor-pw"  # type: ignore[union-attr]
    write_artifacts(report, tmp_path)
    (tmp_path / "bob_contoso.com" / "log.txt").write_text("10:15:02 INFO typed Tr0ub4dor-pw into passwd\n")
    redactor.add("Tr0ub4dor-pw")
    try:
        zips = write_evidence(report, tmp_path)
    finally:
        redactor.clear()
    assert [z.name for z in zips] == ["alice_contoso.com.zip", "bob_contoso.com.zip"]
    with zipfile.ZipFile(zips[1]) as zf:
        names = set(zf.namelist())
        assert names == {"summary.txt", "log.txt", "trace.zip", "screenshots/01-Go_to_Office.com.png",
                         "screenshots/02-Sign_in_with_the_work_or_school_account.png"}
        summary = zf.read("summary.txt").decode()
        everything = b"".join(zf.read(n) for n in names)
    assert b"Tr0ub4dor-pw" not in everything
    for expected in ("Account:   bob@contoso.com", "Time:      2026-11-25 10:15:01 UTC", "Outcome:   failed",
                     "Category:  bad_credentials", "Action:    Check the password stored", "AADSTS:    AADSTS50126",
                     "Correlation ID: 6f1c2b7e-0000-4000-8000-000000000001", "Typed ***"):
        assert expected in summary
    with zipfile.ZipFile(zips[0]) as zf:
        assert "Outcome:   passed" in zf.read("summary.txt").decode()
        assert not any(n.startswith("screenshots/") and "bob" in n for n in zf.namelist())


def test_account_logs_sort_records_by_account_and_mask_secrets(tmp_path: Path) -> None:
    log = logging.getLogger("m365replay")
    log.setLevel(logging.WARNING)
    redactor.add("pw-in-a-log")
    try:
        with AccountLogs(tmp_path) as logs:
            logs.account_started(ALICE)
            log.info("%s: retrying after ERR_CONNECTION_RESET with pw-in-a-log", ALICE)
            logs.step_started(ALICE, "Go to Office.com")
            logs.account_started(BOB)
            log.info("something about %s", BOB)
            logs.account_finished(sample_run(0, ALICE, "passed"))
            logs.account_finished(sample_run(1, BOB, "bad_credentials"))
        assert log.level == logging.WARNING, "the terminal's log level is given back"
    finally:
        redactor.clear()
    alice = (tmp_path / "alice_contoso.com" / "log.txt").read_text()
    bob = (tmp_path / "bob_contoso.com" / "log.txt").read_text()
    assert "START alice@contoso.com" in alice and "STEP Go to Office.com" in alice and "END passed" in alice
    assert "retrying after ERR_CONNECTION_RESET with ***" in alice and "pw-in-a-log" not in alice
    assert "something about bob@contoso.com" in bob and "END failed (bad_credentials)" in bob
    assert "bob" not in alice.replace("alice", "")


def test_report_command_rerenders_and_merges(tmp_path: Path) -> None:
    one = save(tmp_path / "one", sample_report(2, accounts=[ALICE, BOB], kinds=["passed", "page_changed"]), True)
    two = save(tmp_path / "two", sample_report(1, accounts=[BOB], kinds=["passed"],
                                               started_at="2026-11-26T10:00:00.000Z"), True)
    again = cli("report", str(one), "--evidence")
    assert again.returncode == 0, again.stderr
    assert f"{one}: 1 passed, 1 failed. HTML report: {one / 'report.html'}" in again.stdout
    assert (one / "report.html").is_file() and (one / "junit.xml").is_file()
    assert (one / "evidence" / "bob_contoso.com.zip").is_file()
    merged = cli("report", "--merge", str(one), str(two), "--out", str(tmp_path / "all"))
    assert merged.returncode == 0, merged.stderr
    assert "Merged 2 reports (2 accounts)." in merged.stdout
    data = json.loads((tmp_path / "all" / "report.json").read_text())
    assert data["summary"] == {"total": 2, "passed": 2, "failed": 0, "skipped": 0}
    assert load_report(tmp_path / "all").runs[1].account == BOB
    assert "2 passed" in (tmp_path / "all" / "report.html").read_text()
    # the later run in the same results folder says what changed
    diff = cli("report", str(two))
    assert f"since {one.resolve()}: bob@contoso.com: failed (page_changed) → passed" in diff.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["nowhere"], "nowhere: no report.json there"),
    (["--merge", "a", "b"], "report --merge needs --out DIR"),
    (["a", "--out", "b"], "--out is only for --merge"),
])
def test_report_command_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = cli("report", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
