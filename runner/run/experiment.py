"""An experiment's life: `start` (the replays, the observer watching from the first upload on),
`observe` (rounds until a time), and the report at the end of each (runner/reporters/experiment.py).

Why the observer watches during the start: every account is read from the moment its upload's steps
have passed, whatever its arm, so both arms are observed alike from their upload on (a fix arm
observed only once its fix had run would be read later, and look slower), and every account gets
observations that show SharePoint still without the new picture: the evidence a sceptical reader
asks for first. The record is saved after every observation (core/experiment.py), so a killed
process loses nothing and the same command, or `observe`, carries on from the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..checks.experiment import analyse
from ..core.experiment import Experiment, StartFailure, Subject, iso
from ..core.model import AccountSpec, Listener, RunOptions
from ..core.results import RunResult, now_iso
from ..reporters import write_outputs
from ..reporters.console import Fanout, LinePrinter, make_printer, setup_logging
from ..reporters.experiment import closing_lines, exit_code, round_line, write_reports
from ..secrets.credentials import CredentialStore
from .arms import ArmFlows, arm_flows, picture_of
from .engine import Engine
from .observer import Observer, ObserverError

FAILED_ROUNDS = 3  # rounds in a row that read nothing (a new sign-in before each) before the observer gives up


@dataclass
class Session:
    """How this process runs: where the experiment lives, the browser options of its replays and
    of its observer, the secrets, and what the terminal shows."""

    folder: Path
    options: RunOptions
    store: CredentialStore
    verbose: int = 0
    quiet: bool = False
    require_effect: bool = False


class Recorder(Listener):
    """Hears the replays and writes what matters to the record: when each upload's steps had all
    passed (the moment add-profile-photo's own check of Exchange starts), and how each account ended."""

    def __init__(self, exp: Experiment, flows: ArmFlows, session: Session, start_dir: str):
        self.exp, self.flows, self.session, self.start_dir = exp, flows, session, start_dir

    def step_started(self, account: str, step: str) -> None:
        if step == self.flows.uploaded_step:
            subject = self.exp.subject(account)
            subject.restart(now_iso(), picture_of(self.start_dir, account))
            subject.start_report = self.start_dir
            self.exp.save(self.session.folder)

    def account_finished(self, result: RunResult) -> None:
        subject = self.exp.subject(result.account)
        if result.status == "skipped":  # stopped: not a failure, the same command runs it again
            subject.uploaded_at, subject.observations = None, []
            subject.refresh()
        elif result.failure is not None:
            subject.failure = StartFailure(result.failure.category, result.failure.message, result.failure.step)
        elif subject.uploaded_at is None:
            subject.failure = StartFailure("error", f"the step {self.flows.uploaded_step!r} was never seen: the "
                                           "time of the upload is unknown")
        elif result.outcome is None or result.outcome.status != "synced":
            found = result.outcome.message if result.outcome is not None else "no check"
            subject.failure = StartFailure("upload_not_confirmed", f"Exchange does not show the new picture: {found}",
                                           self.flows.uploaded_step)
        else:
            subject.replayed_at = now_iso()
        if result.generated_photo is not None and subject.uploaded_at:
            subject.picture = f"{self.start_dir}/{result.generated_photo.file}"
            subject.picture_hashes = result.generated_photo.hashes or subject.picture_hashes
        self.exp.save(self.session.folder)


def _start_dir(folder: Path) -> str:
    """The replay's own report folder: start/, then start-2/... when the same command runs again."""
    name, n = "start", 1
    while (folder / name).exists():
        n += 1
        name = f"start-{n}"
    return name


def pending(exp: Experiment) -> list[Subject]:
    """The accounts a round reads: uploaded, not left out, not seen synced yet (a sighting is final)."""
    return [s for s in exp.accounts if s.observable and not s.synced]


async def watch(observer: Observer, exp: Experiment, session: Session, say: Callable[[str], None],
                stop: asyncio.Event | None = None, rounds: int | None = None,
                replaying: Callable[[], bool] = lambda: False) -> None:
    """Observation rounds every `exp.every_s` on a fixed schedule: until `stop` is set (one round
    after it), or `rounds` rounds, or, once no replay is `replaying`, the window after the last
    upload has ended or no account is left to read."""
    began, done, failed = time.monotonic(), 0, 0
    while True:
        stopping = stop is not None and stop.is_set()
        started = time.time()
        subjects = pending(exp)
        if subjects:
            current = await observer.round(subjects, lambda _: exp.save(session.folder, durable=False))
            analyse(exp)
            exp.save(session.folder)
            say(round_line(exp, current))
            failed = failed + 1 if current.unknown == current.accounts else 0
            if failed >= FAILED_ROUNDS:
                raise ObserverError(f"The observer {exp.observer} could not read any photo in {failed} rounds in a "
                                    f"row, each after a new sign-in; the last said: {_last_message(subjects)}")
            if failed:
                await observer.sign_in()
        done += 1
        ends = None if replaying() else exp.ends_at
        if stopping or (rounds is not None and done >= rounds) or (ends is not None and started >= ends):
            return  # the last round began at the end of the window, or later
        if not replaying() and not pending(exp):
            return
        wait = began + done * exp.every_s - time.monotonic()
        if ends is not None:
            wait = min(wait, ends - time.time())
        if stop is None:
            await asyncio.sleep(max(0.0, wait))
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, wait))


def _last_message(subjects: list[Subject]) -> str:
    return next((s.observations[-1].message for s in subjects if s.observations), "nothing")


def _round_printer(session: Session, printer: LinePrinter) -> Callable[[str], None]:
    return (lambda _: None) if session.quiet else printer.say


def _printer(session: Session, report_dir: Path | None = None) -> LinePrinter:
    setup_logging(session.verbose)
    return make_printer(sys.stdout, quiet=session.quiet, report_dir=report_dir)


def start(exp: Experiment, specs: list[AccountSpec], flows: ArmFlows, session: Session, observe_after: bool) -> int:
    """`experiment start`, and `run` with `observe_after` (observing on until the deadline): the exit
    code; Ctrl-C leaves the record complete and raises KeyboardInterrupt."""
    exp.save(session.folder)  # before any browser: the folder takes a file, and the split is on record
    start_dir = _start_dir(session.folder)
    printer = _printer(session, session.folder / start_dir)
    if not specs and exp.start_finished_at is not None:
        printer.say(f"Every account was replayed already ({exp.start_finished_at}); nothing to start.")
        return observe(exp, session, exp.deadline_s) if observe_after else finish(exp, session, printer)
    return _then_report(exp, session, printer, _start(exp, specs, flows, session, printer, start_dir, observe_after))


async def _start(exp: Experiment, specs: list[AccountSpec], flows: ArmFlows, session: Session,
                 printer: LinePrinter, start_dir: str, observe: bool) -> None:
    options = replace(session.options, report_dir=session.folder / start_dir)
    async with Observer(exp, flows, session.options, session.store, session.folder) as observer:
        exp.save(session.folder)  # with the SharePoint host the observer found
        if specs:
            await observer.can_read(specs[0].account)
        engine = Engine(flows.fix, options, session.store, Fanout(printer, Recorder(exp, flows, session, start_dir)))
        replayed = asyncio.Event()
        watcher = asyncio.create_task(watch(observer, exp, session, _round_printer(session, printer),
                                            None if observe else replayed, replaying=lambda: not replayed.is_set()))
        # an observer that can no longer read the photos stops the replays: no more accounts are changed
        watcher.add_done_callback(lambda task: task.cancelled() or task.exception() is None or engine.request_stop())
        try:
            if specs:
                await engine.run(specs)
                printer.finish(engine.report, write_outputs(engine.report, options.report_dir, compare=False),
                               interrupted=engine.report.interrupted)
            if not engine.stop_requested:
                exp.start_finished_at = exp.start_finished_at or now_iso()
                exp.save(session.folder)
            replayed.set()
            if engine.stop_requested:
                watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
    if not watcher.cancelled() and watcher.exception() is not None:
        raise watcher.exception()  # type: ignore[misc]
    if engine.stop_requested:
        raise KeyboardInterrupt


def observe(exp: Experiment, session: Session, until_s: float | None) -> int:
    """`experiment observe`: one round, or rounds until `until_s` after the last upload; then the report."""
    printer = _printer(session)
    if until_s is not None:
        exp.deadline_s = until_s
    ends = exp.ends_at
    if ends is not None and time.time() >= ends and exp.observed_until is not None:
        printer.say(f"Observation ended at {iso(ends)} ({exp.deadline_s:g} s after the last upload): nothing "
                    "more to observe.")
        return finish(exp, session, printer)
    if not pending(exp):
        printer.say("No account is waiting to be observed: every account in the test has been seen synced, "
                    "or none has been uploaded yet (`experiment start`).")
        return finish(exp, session, printer)
    return _then_report(exp, session, printer, _observe(exp, session, printer, until_s))


def _then_report(exp: Experiment, session: Session, printer: LinePrinter, work: Coroutine[Any, Any, None]) -> int:
    """Run `work`, then the report, whatever happened: an observer that cannot read the photos is
    said and exits 1; Ctrl-C leaves the record and its report complete, then goes on up (130)."""
    try:
        asyncio.run(work)
    except ObserverError as exc:
        return _stopped(exp, session, printer, str(exc))
    except KeyboardInterrupt:
        finish(exp, session, printer)
        raise
    return finish(exp, session, printer)


async def _observe(exp: Experiment, session: Session, printer: LinePrinter, until_s: float | None) -> None:
    async with Observer(exp, arm_flows(), session.options, session.store, session.folder) as observer:
        await watch(observer, exp, session, _round_printer(session, printer),
                    rounds=None if until_s is not None else 1)


def _stopped(exp: Experiment, session: Session, printer: LinePrinter, message: str) -> int:
    """The observer cannot read the photos: said, on record, and the run ends (exit 1)."""
    exp.observer_failure = message
    finish(exp, session, printer)
    print(f"error: {message}", file=sys.stderr)
    return 1


def finish(exp: Experiment, session: Session, printer: LinePrinter | None = None) -> int:
    """The analysis of what was observed so far, the record, report.html and junit.xml, and the
    terminal's lines; the exit code (--require-effect)."""
    analyse(exp)
    exp.save(session.folder)
    written = write_reports(exp, session.folder, session.require_effect)
    say = printer.say if printer is not None else print
    for line in closing_lines(exp, written):
        say(line)
    return exit_code(exp, session.require_effect)
