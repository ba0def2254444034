"""report.json's records (runner/core/results.py): a report written before schema_version 2 reads into the
same typed records as one written now, and a report written now still carries the old names for the
readers of the last release. No browser."""

from __future__ import annotations

import json
from pathlib import Path

from runner.core.results import SCHEMA_VERSION, GeneratedPhoto, Outcome, Report, Side, Try, write_json_atomic
from runner.reporters.console import account_lines
from runner.reporters.data import load_report
from runner.reporters.history import merge

# one run as m365-replay wrote it before schema_version 2: `attempts` meant three things
V1_RUN = {
    "account": "alice@contoso.com", "status": "failed", "duration_ms": 4200, "final_url": "https://www.office.com/",
    "failure": {"category": "unreachable", "message": "https://www.office.com/ could not be reached after 3 tries.",
                "step": "Go to Office.com", "action": "Check the network.",
                "details": {"url": "https://www.office.com/", "attempts": 3}, "page_card": None},
    "steps": [{"name": "Go to Office.com", "doc": None, "status": "failed", "duration_ms": 900,
               "screenshot": "alice_contoso.com/01-failure.png", "message": "down"}],
    "started_at": "2026-11-25T10:15:00.000Z", "inputs": {}, "warnings": [], "trace": None, "video": None,
    "outcome": {"status": "not_yet", "reference": {"source": "https://outlook.office.com/p", "hash": "ab"},
                "candidate": {"source": "https://contoso-my.sharepoint.com/p", "hash": "cd", "image": "a/c.jpg"},
                "distance": 90, "threshold": 64, "checked_at": "2026-11-25T10:15:04.000Z", "attempts": 4,
                "message": "still differs"},
    "generated_photo": {"file": "alice_contoso.com/photo-generated.png", "seed": 7, "hashes": ["00", "11", "22"],
                        "compared_with": 2, "nearest_distance": 120, "threshold": 64},
    "attempts": [
        {"attempt": 1, "status": "failed", "category": "timeout", "message": "slow", "step": "Go to Office.com",
         "started_at": "2026-11-25T10:15:00.000Z", "duration_ms": 1000, "final_url": None,
         "screenshot": "alice_contoso.com/attempt-1/01.png", "screenshots": ["alice_contoso.com/attempt-1/01.png"],
         "trace": "alice_contoso.com/attempt-1/trace.zip", "video": None},
        {"attempt": 2, "status": "failed", "category": "unreachable", "message": "down", "step": "Go to Office.com",
         "started_at": "2026-11-25T10:15:02.000Z", "duration_ms": 900, "final_url": "https://www.office.com/",
         "screenshot": None, "screenshots": [], "trace": None, "video": None, "page_card": None},
    ],
    "flaky": False,
}
V1_REPORT = {"flow": "Sync a user's profile picture", "source": None, "flow_file": "flows/sync-profile-photo.yaml",
             "started_at": "2026-11-25T10:15:00.000Z", "finished_at": "2026-11-25T10:16:00.000Z",
             "summary": {"total": 1, "passed": 0, "failed": 1, "skipped": 0}, "interrupted": False,
             "runs": [V1_RUN], "doc_check": None}


def test_a_schema_1_report_reads_into_the_new_names() -> None:
    run = Report.from_dict(V1_REPORT).runs[0]
    assert [t.number for t in run.tries] == [1, 2] and run.tries[0].category == "timeout"
    assert run.tries[0].evidence == ["alice_contoso.com/attempt-1/01.png", "alice_contoso.com/attempt-1/trace.zip"]
    assert isinstance(run.outcome, Outcome) and run.outcome.checks == 4 and run.outcome.fetch_retries == 0
    assert run.outcome.reference == Side("https://outlook.office.com/p", hash="ab")
    assert run.outcome.images == ["a/c.jpg"]
    assert run.failure is not None and run.failure.details == {"url": "https://www.office.com/", "navigation_tries": 3}
    assert run.generated_photo == GeneratedPhoto("alice_contoso.com/photo-generated.png", 7, ["00", "11", "22"], 2,
                                                 120, 64)
    # what a person reads is the same whichever version the report was written in
    assert "    outcome: not_yet: still differs (4 checks)" in account_lines(run)
    assert "    try 1: timeout at step 'Go to Office.com': slow" in account_lines(run)


def test_schema_2_writes_the_new_names_and_the_old_ones_as_aliases(tmp_path: Path) -> None:
    write_json_atomic(tmp_path / "report.json", Report.from_dict(V1_REPORT).to_dict())
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["schema_version"] == SCHEMA_VERSION == 2
    run = data["runs"][0]
    assert [t["number"] for t in run["tries"]] == [1, 2]
    # the deprecated aliases: what a reader of schema 1 looks for, unchanged
    assert run["attempts"] == [{**{k: v for k, v in t.items() if k != "number"}, "attempt": t["number"]}
                               for t in run["tries"]]
    assert [a["attempt"] for a in run["attempts"]] == [1, 2] and run["attempts"][0]["category"] == "timeout"
    assert (run["outcome"]["checks"], run["outcome"]["attempts"]) == (4, 4)
    assert run["failure"]["details"]["navigation_tries"] == run["failure"]["details"]["attempts"] == 3
    # and read back, the same records (the aliases are not read twice)
    again = load_report(tmp_path)
    assert again.runs == Report.from_dict(V1_REPORT).runs


def test_merge_reads_both_versions_and_writes_the_current_one(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    write_json_atomic(old / "report.json", V1_REPORT)
    later = Report.from_dict(V1_REPORT)
    later.started_at = "2026-11-26T10:15:00.000Z"
    later.runs[0].account = "bob@contoso.com"
    later.runs[0].tries = [Try(1, "passed")]
    write_json_atomic(new / "report.json", later.to_dict())
    merged = merge([old, new], tmp_path / "merged")
    assert merged["schema_version"] == 2 and [r["account"] for r in merged["runs"]] == ["alice@contoso.com",
                                                                                      "bob@contoso.com"]
    assert merged["runs"][0]["outcome"]["checks"] == 4 and merged["runs"][0]["tries"][1]["number"] == 2
