"""Earlier runs: the results folders beside this run's, newest first, each read only as far as asked.

A results folder defaults to `m365-replay-results/<timestamp>/`, so the runs before this one are its
sibling folders with a report.json; that needs no index file that could go stale. Everything that
looks back reads them here: the run diff and the sync's time over runs (history.py), the pictures
generated earlier (runner/checks/pictures.py), and an account's own history.

Results folders pile up, and the report.json of a big run is megabytes: a folder is first known by
the head of its report (when it started, which flow), read without parsing the whole file; the
report itself is parsed only when a caller asks for it, once.

    for past in earlier_runs(report_dir, before=report.started_at, flow=report.flow):
        past.folder, past.started_at, past.report()
    for past, run in account_history(report_dir, "alice@contoso.com", flow="Sign in"):
        run.status, run.failure
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import UsageError
from ..core.results import Report, RunResult
from .data import REPORT_FILE, read_report_dict, report_from_dict

HEAD = 8192  # the top-level fields come before `runs`, within the first few kilobytes
_FIELD_RE = {name: re.compile(rf'"{name}":\s*("(?:[^"\\]|\\.)*")') for name in ("started_at", "flow")}


@dataclass
class PastRun:
    """One earlier run: its folder, when it started and which flow it ran (its name); the report
    itself on demand."""

    folder: Path
    started_at: str
    flow: str
    _report: Report | None = field(default=None, repr=False, compare=False)

    def report(self, mentioning: str | None = None) -> Report | None:
        """The parsed report; None when it cannot be read, or (with `mentioning`) when its text does
        not contain that string, which skips the parse of a report with nothing wanted in it."""
        if self._report is not None:
            return self._report
        try:
            if mentioning is not None:
                text = (self.folder / REPORT_FILE).read_text(encoding="utf-8", errors="replace")
                if mentioning not in text:
                    return None
            self._report = report_from_dict(read_report_dict(self.folder))
        except (OSError, UsageError):
            return None
        return self._report

    def run_of(self, account: str) -> RunResult | None:
        """The account's run in this report, if it ran there."""
        report = self.report()
        wanted = account.lower()
        return next((run for run in report.runs if run.account.lower() == wanted), None) if report else None


def head_of(folder: Path) -> PastRun | None:
    """A results folder as known from the head of its report.json; None when it has no readable one."""
    try:
        with (folder / REPORT_FILE).open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(HEAD).split('"runs"', 1)[0]
    except OSError:
        return None
    found = {}
    for name, pattern in _FIELD_RE.items():
        match = pattern.search(head)
        with contextlib.suppress(ValueError):
            found[name] = json.loads(match.group(1)) if match else None
    if found.get("started_at") and found.get("flow") is not None:
        return PastRun(folder, str(found["started_at"]), str(found["flow"]))
    try:  # an unusual layout (a report written by another tool): the whole file
        report = report_from_dict(read_report_dict(folder))
    except UsageError:
        return None
    return PastRun(folder, report.started_at, report.flow, report) if report.started_at else None


def earlier_runs(report_dir: Path, before: str | None = None, flow: str | None = None) -> list[PastRun]:
    """The runs beside `report_dir` (its sibling folders with a report.json, never itself), newest
    first; only those that started before `before` (an ISO time, as report.json writes it) and only
    those of the flow named `flow`, when given."""
    me = report_dir.resolve()
    found = []
    with contextlib.suppress(OSError):
        for candidate in me.parent.iterdir():
            if candidate == me or not (candidate / REPORT_FILE).is_file():
                continue
            past = head_of(candidate)
            if past is None or (before is not None and not past.started_at < before):
                continue
            if flow is None or past.flow == flow:
                found.append(past)
    return sorted(found, key=lambda past: past.started_at, reverse=True)


def account_history(report_dir: Path, account: str, before: str | None = None, flow: str | None = None
                    ) -> Iterator[tuple[PastRun, RunResult]]:
    """An account's runs in the earlier runs (as earlier_runs selects them), newest first, each with
    the run it belongs to; reports are parsed one at a time as the caller goes on."""
    for past in earlier_runs(report_dir, before, flow):
        run = past.run_of(account)
        if run is not None:
            yield past, run
