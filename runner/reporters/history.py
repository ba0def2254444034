"""Runs in relation to other runs: what changed since the previous one, which accounts to rerun,
and merging the reports of shards or reruns into one.

"The previous run" is the newest run of the same flow beside this one that started before it
(past.py finds the runs beside it).
"""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from ..core.results import Outcome, Report, RunResult, slug
from .data import read_report_dict, report_from_dict
from .past import earlier_runs


def outcome(run: RunResult) -> str:
    if run.status == "passed" and run.flaky:  # passed only after a failed try (--retries)
        return "passed (flaky)"
    if run.status == "passed" or run.failure is None:
        return run.status
    return f"{run.status} ({run.failure.category})"


def checked(run: RunResult) -> str | None:
    """What the flow's check found (synced, not_yet...), None without a check."""
    return run.outcome.status if run.outcome else None


def previous_report_dir(report_dir: Path, started_at: str, flow: str | None = None) -> Path | None:
    """The newest run beside this one that started before `started_at`: of the same flow, when `flow`
    (its name) is given, since another flow's accounts tell nothing about this one's."""
    earlier = earlier_runs(report_dir, before=started_at, flow=flow)
    return earlier[0].folder if earlier else None


def changes(previous: Report, current: Report) -> list[str]:
    """One line per account whose result or check outcome differs: "alice: passed → failed
    (page_changed)", "bob: not_yet → synced" (the sync came since), or both in one line."""
    before = {r.account.lower(): r for r in previous.runs}
    lines = []
    for run in current.runs:
        old = before.get(run.account.lower())
        if old is None:
            lines.append(f"{run.account}: new → {outcome(run)}" + (f", {checked(run)}" if checked(run) else ""))
            continue
        changed = [f"{outcome(old)} → {outcome(run)}"] if outcome(old) != outcome(run) else []
        if checked(old) != checked(run) and (checked(old) or checked(run)):
            changed.append(f"{checked(old) or 'not checked'} → {checked(run) or 'not checked'}")
        if changed:
            lines.append(f"{run.account}: " + "; ".join(changed))
    return lines


def diff_with_previous(report_dir: Path, report: Report) -> tuple[Path | None, list[str]]:
    """What changed since the previous run of the same flow, and that run's folder (None when there
    is none): a sync run is never compared with a QA run before it."""
    for past in earlier_runs(report_dir, before=report.started_at, flow=report.flow)[:1]:
        previous = past.report()
        if previous is not None:
            return past.folder, changes(previous, report)
    return None, []


def not_passed(report: Report) -> list[RunResult]:
    """The accounts `--rerun-failed` runs again: everything that did not pass (failed, error,
    skipped by an interruption), in report order."""
    return [r for r in report.runs if r.status != "passed"]


def merge(folders: list[Path], out: Path) -> dict[str, Any]:
    """One report from several: the union of accounts; where an account ran more than once the
    latest run that actually ran wins (a rerun's answer replaces the first one). Each account's
    screenshots and trace are copied into `out` so the merged folder stands on its own. Reports of
    any schema version merge; the merged one is written in the current version."""
    if not folders:
        raise UsageError("report --merge needs at least one results folder")
    reports = [(folder, report_from_dict(read_report_dict(folder))) for folder in folders]
    flows = sorted({report.flow for _, report in reports})
    if len(flows) > 1:
        raise UsageError(f"Cannot merge reports of different flows: {', '.join(flows)}")
    chosen: dict[str, tuple[Path, RunResult]] = {}
    for folder, report in sorted(reports, key=lambda item: item[1].started_at):
        for run in report.runs:
            key = run.account.lower()
            if key in chosen and run.status == "skipped" and chosen[key][1].status != "skipped":
                continue
            chosen[key] = (folder, run)  # a dict keeps the order in which accounts first came
    out.mkdir(parents=True, exist_ok=True)
    for folder, run in chosen.values():
        _copy_artifacts(folder, out, run)
    first = min((report for _, report in reports), key=lambda report: report.started_at)
    finished = [report.finished_at for _, report in reports if report.finished_at]
    runs = [run for _, run in chosen.values()]
    checked = [report.doc_check for _, report in reports if isinstance(report.doc_check, dict)]
    merged = Report(first.flow, first.source, first.flow_file, first.started_at, max(finished) if finished else None,
                    runs, interrupted=any(run.status == "skipped" for run in runs),  # an account still unreached
                    # `run --doc-check` in any of them: the latest check's answer
                    doc_check=max(checked, key=lambda check: str(check.get("checked_at") or "")) if checked else None)
    return {**merged.to_dict(), "merged_from": [str(folder) for folder in folders]}


def _copy_artifacts(source: Path, out: Path, run: RunResult) -> None:
    if source.resolve() == out.resolve():
        return
    paths = {s.screenshot for s in run.steps} | {run.trace, run.video, f"{slug(run.account)}/log.txt"}
    paths.add(run.failure.page_card if run.failure else None)
    paths |= set(run.outcome.images if run.outcome else [])
    paths.add(run.generated_photo.file if run.generated_photo else None)  # the picture `photo: generate` made
    for earlier in run.tries:  # the earlier tries' evidence (--retries), under attempt-N/
        paths |= set(earlier.evidence)
    for rel in filter(None, paths):
        src = source / str(rel)
        if src.is_file():
            dst = out / str(rel)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def changed_text(run: RunResult) -> str | None:
    """What a run that did not pass had already changed in the account (`changed`), in words for the
    terminal, report.html and junit.xml; None when it changed nothing, or passed (then it did what the
    flow says)."""
    if not run.changed or run.status == "passed":
        return None
    after = f"; step {run.failure.step!r} after it could not be completed" if run.failure and run.failure.step else ""
    return f"{', '.join(run.changed)}: a step that changes it passed before the failure{after}"


# ------------------------------------------------------------------------------ the sync's time over runs
HISTORY_RUNS = 10  # earlier runs of the same flow a sync time is set against
SLOWER = 1.25  # a sync time more than a quarter above (or below) the earlier runs' median, and by over 1 s


def sync_time_text(outcome: Outcome | None) -> str | None:
    """`synced_after_s` in words (None without one): when SharePoint was first found showing the
    picture, and when it was last found not yet showing it (the sync came in between)."""
    if outcome is None or outcome.synced_after_s is None:
        return None
    before = outcome.last_not_yet_s
    when = f"still not at {before:.1f} s" if before is not None else "at the first check"
    return f"synced {outcome.synced_after_s:.1f} s after the documented visit ({when})"


def _sync_times(report: Report) -> dict[str, float]:
    return {run.account.lower(): float(run.outcome.synced_after_s) for run in report.runs
            if run.outcome is not None and run.outcome.synced_after_s is not None}


def sync_times(report_dir: Path, report: Report, limit: int = HISTORY_RUNS) -> list[str]:
    """One line per account whose check timed the sync (`synced_after_s`, qa-profile-photo with
    --until-synced): this run's time against the earlier runs of the same flow beside it, newest
    first, and whether it is getting slower. Nothing when no account was timed."""
    now = _sync_times(report)
    if not now:
        return []
    series: dict[str, list[float]] = {account: [] for account in now}
    for past in earlier_runs(report_dir, before=report.started_at, flow=report.flow)[:limit * 3]:
        earlier = past.report()
        if earlier is None:
            continue
        for account, seconds in _sync_times(earlier).items():
            if account in series and len(series[account]) < limit:
                series[account].append(seconds)
    lines = []
    for run in report.runs:
        if run.account.lower() not in now:
            continue
        seconds, before = now[run.account.lower()], series[run.account.lower()]
        if not before:
            lines.append(f"{run.account}: synced after {seconds:.1f} s; no earlier timed run to compare with")
            continue
        median = statistics.median(before)
        verdict = "about the same"
        if seconds > median * SLOWER and seconds - median > 1:
            verdict = "slower"
        elif seconds * SLOWER < median and median - seconds > 1:
            verdict = "faster"
        lines.append(f"{run.account}: synced after {seconds:.1f} s, {verdict} (earlier runs, newest first: "
                     f"{', '.join(f'{s:.1f}' for s in before)} s; median {median:.1f} s)")
    return lines
