"""Counting the passkey registration campaign's snoozes per account, across runs.

Microsoft's registration campaign lets a user snooze it ("Not now"); a tenant can enforce
registration after a number of snoozes (Graph beta `enforceRegistrationAfterAllowedSnoozes`: after
3), and from then on the sign-in has no way out. A nightly QA run snoozes it every night, so the
QA lead needs to see the count coming: each run records its snoozes on the account's result
(`interrupts`, action "snoozed"; under --retries every try's, since each one was used on the
server), and this module counts them in the run history the results folder holds (the earlier
results folders beside this run's, as the CI examples keep them). Where no earlier run is kept,
the count is said to be unknown, never guessed; whether the way out is gone is decided by the
page (runner/signin/interrupts.py), never by this count.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from ..core.results import Interrupt

ALLOWED = 3  # the snoozes a tenant that enforces registration allows (enforceRegistrationAfterAllowedSnoozes)
HISTORY_RUNS = 100  # earlier results folders read at most (three months of nightly runs)
KIND = "passkey_campaign"
log = logging.getLogger("m365replay")


def earlier_snoozes(report_dir: Path, started_at: str, limit: int = HISTORY_RUNS) -> tuple[dict[str, int], int]:
    """Snoozes per account (lower case) in the runs beside `report_dir` that started before
    `started_at` (any flow: every sign-in meets the campaign), and how many such runs were read.
    The one place this reads the run history, through reporters/past.py's scan; a report that never
    mentions the campaign is not parsed."""
    from ..reporters.past import earlier_runs

    counts: dict[str, int] = {}
    runs = earlier_runs(report_dir, before=started_at)[:limit]
    for past in runs:
        report = past.report(mentioning=KIND)
        for run in report.runs if report is not None else []:
            used = sum(i.kind == KIND and i.action == "snoozed" for i in run.interrupts)
            if used:
                counts[run.account.lower()] = counts.get(run.account.lower(), 0) + used
    return counts, len(runs)


class SnoozeCounts:
    """The history, read once per run (on the first snooze, off the event loop), and the warning
    each snoozed account gets."""

    def __init__(self, report_dir: Path, started_at: str):
        self.report_dir = report_dir
        self.started_at = started_at
        self._history: tuple[dict[str, int], int] | None = None
        self._lock = asyncio.Lock()
        self._this_run: dict[str, int] = {}  # snoozes per account (lower case) in this run, every try's

    async def history(self) -> tuple[dict[str, int], int]:
        async with self._lock:
            if self._history is None:
                self._history = await asyncio.to_thread(earlier_snoozes, self.report_dir, self.started_at)
            return self._history

    async def warnings(self, account: str, interrupts: list[Interrupt]) -> list[str]:
        """The count line for an account this run snoozed the campaign for; none otherwise. Called once
        per try (`interrupts`: the try's own): with --retries, a snooze in a failed try was used on the
        server all the same, so the line of a later try counts it too, even one that met no campaign."""
        key = account.lower()
        self._this_run[key] = now = self._this_run.get(key, 0) + sum(
            i.kind == KIND and i.action == "snoozed" for i in interrupts)
        if not now:
            return []
        try:
            counts, runs = await self.history()
        except Exception as exc:  # best effort: the account's answer never depends on reading old reports
            log.warning("Could not read the earlier runs to count the passkey campaign's snoozes: %s", exc)
            runs, counts = 0, {}
        return [snooze_line(now, counts.get(key, 0) if runs else None, runs,
                            self.report_dir.resolve().parent)]


def snooze_line(now: int, before: int | None, runs: int, where: Path) -> str:
    """"Passkey registration snoozes: 3 allowed where the tenant enforces registration; 2 used ...",
    or "unknown" when no earlier run is kept to count from."""
    head = f"Passkey registration snoozes: {ALLOWED} allowed where the tenant enforces registration; "
    if before is None:
        return (head + f"{now} this run, earlier ones unknown (no earlier run is kept in {where}; keep the results "
                "folders between runs to count them).")
    used = before + now
    earlier = f"{runs} earlier run{'s' * (runs != 1)}"
    line = head + f"{used} used ({now} this run, {before} in the {earlier} kept in {where})."
    if used >= ALLOWED:
        return line + (" None left: the next sign-in may offer no way out. Register a passkey for this test account, "
                       "or have an admin exclude it from the registration campaign.")
    if used == ALLOWED - 1:
        return line + " One left before such a tenant makes registration required."
    return line
