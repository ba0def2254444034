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
the next try starts in the account's folder, and report.json lists every try in `tries`. An
account that passed after a failed try is `passed` with `flaky: true`. What Microsoft put into each
try's sign-in (`interrupts`, a snooze of the passkey campaign) is kept from every try, numbered.

The policy (runner/core/retry.py) is one for every retry; AccountTries is what an account's tries
do between and after them, driven by the async loop for `run` and by the pytest plugin's sync loop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.results import Interrupt, RunResult, Try, slug
from ..core.retry import Tries, account_policy, retrying

if TYPE_CHECKING:
    from ..core.model import Listener, RunOptions

ATTEMPT_DIR = "attempt-{n}"


def set_aside(result: RunResult, report_dir: Path, attempt: int) -> Try:
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
    return Try.of(result, attempt)


def combine(final: RunResult, earlier: list[Try], started_at: str | None, total_ms: int,
            interrupts: list[Interrupt] | None = None) -> RunResult:
    """The account's answer: the last try's, with every try listed, started when the first try
    started and lasting all of them (backoffs included), `flaky` when it passed after a failed try.
    `interrupts`: the earlier tries' (each numbered), kept before the last try's own: a snooze of
    the passkey campaign in a failed try happened on the server all the same, and later runs count it."""
    if not earlier:
        return final
    number = len(earlier) + 1
    final.interrupts = [*(interrupts or []), *(replace(i, try_number=number) for i in final.interrupts)]
    final.tries = [*earlier, Try.of(final, number)]
    final.changed = list(dict.fromkeys(change for one in final.tries for change in one.changed))  # any try's
    final.flaky = final.status == "passed"
    final.started_at = started_at or final.started_at
    final.duration_ms = max(total_ms, final.duration_ms)
    return final


class AccountTries(Tries[RunResult]):
    """An account's tries: each retry announced, each failed try's evidence set aside under
    `<account>/attempt-N/`, and the answer the last try's with every try listed (`combine`).
    `started`: when the first try started (time.monotonic()), for the whole duration."""

    def __init__(self, options: RunOptions, listener: Listener, started: float | None = None):
        super().__init__(account_policy(options.retries, options.retry_backoff))
        self.report_dir = options.report_dir
        self.listener = listener
        self.started = time.monotonic() if started is None else started
        self.kept: list[Try] = []

    def announce(self, answer: RunResult, wait: float) -> None:
        failure = answer.failure
        assert failure is not None
        tries = self.policy.retries + 1
        where = f" at step {failure.step!r}" if failure.step else ""
        self.listener.announce(f"{answer.account}: try {self.retried + 1} of {tries} ended {failure.category}{where}; "
                               f"trying again from the start in a new context in {wait:g} s")
        self.listener.step_started(answer.account, f"waiting {wait:g} s for try {self.retried + 2} of {tries}")

    def set_aside(self, answer: RunResult) -> None:
        super().set_aside(answer)
        self.kept.append(set_aside(answer, self.report_dir, self.retried))

    def answer(self, final: RunResult) -> RunResult:
        first = self.kept[0].started_at if self.kept else final.started_at
        met = [replace(i, try_number=n) for n, one in enumerate(self.earlier, 1) for i in one.interrupts]
        return combine(final, self.kept, first, int((time.monotonic() - self.started) * 1000), met)


async def with_retries(run_once: Callable[[], Awaitable[RunResult]], options: RunOptions, listener: Listener
                       ) -> RunResult:
    """Run an account's tries, each from the start in a new context (`run_once`), until one is not
    a transient fault or the retries are spent; a stop (Ctrl-C) during a backoff ends with the
    last try's answer."""
    return await retrying(AccountTries(options, listener), run_once, stop_keeps_answer=True)
