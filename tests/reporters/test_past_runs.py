"""The runs beside this one (runner/reporters/past.py): found newest first, by time and flow, read only
as far as needed; and the run diff that rests on it compares a run only with the same flow's previous
run. Synthetic reports: no browser."""

from __future__ import annotations

from pathlib import Path

from runner.core.results import Report, write_json_atomic
from runner.reporters import write_outputs
from runner.reporters.history import diff_with_previous, previous_report_dir
from runner.reporters.past import account_history, earlier_runs, head_of
from tests.support.sample import sample_report

ALICE, BOB = "alice@contoso.com", "bob@contoso.com"
SYNC, QA = "Sync a user's profile picture", "QA: change the photo and watch it sync"


def save(folder: Path, report: Report) -> Path:
    write_json_atomic(folder / "report.json", report.to_dict())
    return folder


def run_of(flow: str, started_at: str, kinds: list[str], accounts: list[str] | None = None) -> Report:
    report = sample_report(len(kinds), accounts=accounts or [ALICE, BOB][:len(kinds)], kinds=kinds,
                           started_at=started_at)
    report.flow = flow
    return report


def test_earlier_runs_are_the_siblings_newest_first_by_time_and_flow(tmp_path: Path) -> None:
    base = tmp_path / "m365-replay-results"
    monday = save(base / "monday", run_of(SYNC, "2026-11-23T09:00:00.000Z", ["passed"]))
    tuesday = save(base / "tuesday", run_of(QA, "2026-11-24T09:00:00.000Z", ["page_changed"]))
    thursday = save(base / "thursday", run_of(SYNC, "2026-11-26T09:00:00.000Z", ["passed"]))
    (base / "not-a-run").mkdir()
    (base / "broken").mkdir()
    (base / "broken" / "report.json").write_text("{not json")
    me = base / "wednesday"
    assert [p.folder.name for p in earlier_runs(me)] == ["thursday", "tuesday", "monday"]
    assert [p.folder.name for p in earlier_runs(me, before="2026-11-25T09:00:00.000Z")] == ["tuesday", "monday"]
    assert [p.flow for p in earlier_runs(me, flow=SYNC)] == [SYNC, SYNC]
    assert earlier_runs(thursday) and all(p.folder != thursday.resolve() for p in earlier_runs(thursday))
    # known by the head of the report: nothing parsed until asked
    found = earlier_runs(me, flow=QA)
    assert found[0].started_at == "2026-11-24T09:00:00.000Z" and found[0]._report is None
    assert found[0].report() is not None and found[0].report().runs[0].failure.category == "page_changed"
    assert found[0].report(mentioning="generated_photo") is found[0]._report, "parsed once, kept"
    assert earlier_runs(me)[2].report(mentioning='"generated_photo": {') is None, "no such mention, no parse"
    assert head_of(monday) is not None and head_of(base / "broken") is None and head_of(tuesday).flow == QA


def test_an_accounts_history_reads_its_runs_newest_first(tmp_path: Path) -> None:
    base = tmp_path / "results"
    save(base / "1", run_of(SYNC, "2026-11-23T09:00:00.000Z", ["bad_credentials", "passed"]))
    save(base / "2", run_of(SYNC, "2026-11-24T09:00:00.000Z", ["passed"], accounts=[BOB]))
    save(base / "3", run_of(QA, "2026-11-25T09:00:00.000Z", ["page_changed"]))
    history = list(account_history(base / "now", "Alice@contoso.com"))
    assert [(past.folder.name, run.status) for past, run in history] == [("3", "failed"), ("1", "failed")]
    assert [past.folder.name for past, _ in account_history(base / "now", ALICE, flow=SYNC)] == ["1"]
    assert [past.folder.name for past, _ in account_history(base / "now", BOB, before="2026-11-25T00:00:00Z")] == [
        "2", "1"]


def test_a_sync_run_after_a_qa_run_is_compared_with_the_previous_sync_run(tmp_path: Path) -> None:
    """The bug this fixes: the previous run was the newest sibling whatever its flow, so a sync run
    after a QA run reported "new → passed" for accounts the QA run never had, and "failed → passed"
    for those the QA run had failed."""
    base = tmp_path / "m365-replay-results"
    sync_before = save(base / "1-sync", run_of(SYNC, "2026-11-24T09:00:00.000Z", ["bad_credentials"]))
    save(base / "2-qa", run_of(QA, "2026-11-25T09:00:00.000Z", ["page_changed"], accounts=[BOB]))
    now = run_of(SYNC, "2026-11-26T09:00:00.000Z", ["passed", "passed"])
    here = save(base / "3-sync", now)
    previous, lines = diff_with_previous(here, now)
    assert previous == sync_before.resolve(), "the same flow's previous run, named by its folder"
    assert lines == [f"{ALICE}: failed (bad_credentials) → passed", f"{BOB}: new → passed"]
    assert previous_report_dir(here, now.started_at, QA) == (base / "2-qa").resolve()
    outputs = write_outputs(now, here)
    assert outputs.previous == sync_before.resolve()
    assert f"Since the previous run ({sync_before.resolve()})" in (here / "report.html").read_text(encoding="utf-8")
    # a first sync run after a QA run has nothing to compare with
    alone = tmp_path / "alone"
    save(alone / "qa", run_of(QA, "2026-11-25T09:00:00.000Z", ["page_changed"]))
    first = run_of(SYNC, "2026-11-26T09:00:00.000Z", ["passed"])
    assert diff_with_previous(save(alone / "sync", first), first) == (None, [])
    assert "new → passed" not in (write_outputs(first, alone / "sync").html or Path()).read_text(encoding="utf-8")
