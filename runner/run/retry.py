"""`--retries N`: an account whose try ended in a transient fault runs again from the start.

Which failures are worth another try, and which never are, is the whole point: a network that
dropped (`unreachable`), a page that stalled (`timeout`) or a browser that died (`browser_error`)
say nothing about the account or the procedure, so another try in a new fresh context is the
answer a person would give too. Everything about the account (`bad_credentials`, `locked`,
`mfa_required`...) is never retried: another try would only add a sign-in toward Entra's smart
lockout. Nor is `page_changed` (a real change must not be hidden behind a lucky second try), nor
`not_synced` (the check's answer, not a fault), nor `error` (a fault of m365-replay: fix it, do not
hide it).

Each try is kept: its evidence (screenshots, trace, video) moves to `<account>/attempt-N/` before
the next try starts in the account's folder, and report.json lists every try in `attempts`. An
account that passed after a failed try is `passed` with `flaky: true`.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.results import RunResult, slug

if TYPE_CHECKING:
    from ..core.model import Listener, RunOptions

RETRYABLE = ("unreachable", "timeout", "browser_error")
MAX_RETRIES = 3  # at most 4 tries, so at most 4 password submissions for an account in one run
ATTEMPT_DIR = "attempt-{n}"


def retryable(result: RunResult) -> bool:
    """Whether this answer is a transient fault that another try may clear."""
    return result.status == "failed" and result.failure is not None and result.failure.category in RETRYABLE


def backoff(retry: int, schedule: tuple[float, ...]) -> float:
    """Seconds to wait before retry number `retry` (1 for the first): the schedule's entry, the
    last one for every retry beyond it."""
    if not schedule or retry < 1:
        return 0.0
    return float(schedule[min(retry, len(schedule)) - 1])


def failure_screenshot(result: RunResult) -> str | None:
    """The screenshot of the step that failed (the last failed step that has one)."""
    return next((s.screenshot for s in reversed(result.steps) if s.status == "failed" and s.screenshot), None)


def describe(result: RunResult, attempt: int) -> dict[str, Any]:
    """One try as report.json's `attempts` lists it."""
    failure = result.failure
    return {
        "attempt": attempt,
        "status": result.status,
        "category": failure.category if failure else None,
        "message": failure.message if failure else None,
        "step": failure.step if failure else None,
        "started_at": result.started_at,
        "duration_ms": result.duration_ms,
        "final_url": result.final_url,
        "screenshot": failure_screenshot(result),
        "screenshots": [s.screenshot for s in result.steps if s.screenshot],
        "trace": result.trace,
        "video": result.video,
        "page_card": failure.page_card if failure else None,  # a sign-in that timed out leaves one
        "changed": list(result.changed),
    }


def set_aside(result: RunResult, report_dir: Path, attempt: int) -> dict[str, Any]:
    """Move a failed try's evidence into `<account>/attempt-N/` (the next try writes the account's
    folder afresh) and describe the try with its evidence where it now is."""
    folder = report_dir / slug(result.account)
    target = folder / ATTEMPT_DIR.format(n=attempt)

    def move(rel: str | None) -> str | None:
        if not rel:
            return None
        source = report_dir / rel
        if not source.is_file():
            return None
        try:
            inside = source.relative_to(folder)
        except ValueError:
            inside = Path(source.name)
        moved = target / inside
        try:
            moved.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, moved)
        except OSError:  # a file held open (an antivirus scan) or a full disk: it stays where it is
            return rel
        return str(moved.relative_to(report_dir))

    for step in result.steps:
        step.screenshot = move(step.screenshot)
    result.trace = move(result.trace)
    result.video = move(result.video)
    if result.failure is not None:
        result.failure.page_card = move(result.failure.page_card)
    return describe(result, attempt)


def combine(final: RunResult, earlier: list[dict[str, Any]], started_at: str | None, total_ms: int) -> RunResult:
    """The account's answer: the last try's, with every try listed, started when the first try
    started and lasting all of them (backoffs included), `flaky` when it passed after a failed try."""
    if not earlier:
        return final
    final.attempts = [*earlier, describe(final, len(earlier) + 1)]
    final.changed = list(dict.fromkeys([c for attempt in final.attempts for c in attempt.get("changed") or []]))
    final.flaky = final.status == "passed"
    final.started_at = started_at or final.started_at
    final.duration_ms = max(total_ms, final.duration_ms)
    return final


async def with_retries(run_once: Callable[[], Awaitable[RunResult]], options: RunOptions, listener: Listener
                       ) -> RunResult:
    """Run an account's tries, each from the start in a new context (`run_once`), until one is not
    a transient fault or the retries are spent; a stop (Ctrl-C) during a backoff ends with the
    last try's answer."""
    started = time.monotonic()
    result = await run_once()
    first_started_at = result.started_at
    earlier: list[dict[str, Any]] = []
    while retryable(result) and len(earlier) < options.retries:
        tries = options.retries + 1
        delay = backoff(len(earlier) + 1, options.retry_backoff)
        failure = result.failure
        assert failure is not None
        where = f" at step {failure.step!r}" if failure.step else ""
        listener.announce(f"{result.account}: try {len(earlier) + 1} of {tries} ended {failure.category}{where}; "
                          f"trying again from the start in a new context in {delay:g} s")
        listener.step_started(result.account, f"waiting {delay:g} s for try {len(earlier) + 2} of {tries}")
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # stopped while waiting: the last try's answer stands
            break
        earlier.append(set_aside(result, options.report_dir, len(earlier) + 1))
        result = await run_once()
    return combine(result, earlier, first_started_at, int((time.monotonic() - started) * 1000))
