"""What the terminal shows while a run goes, and at its end.

On a terminal: a live display (accounts done / total, the accounts running with their current
step, elapsed time), a line per finished account above it, and a summary table at the end. Not
on a terminal (CI logs, pipes): the same as plain lines, one per account, so logs stay greppable.
All text passes through the redactor on its way out.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..core.model import Listener
from ..core.redact import RedactingFilter, redact
from ..core.results import Outcome, Report, RunResult
from .history import changed_text, sync_time_text
from .pagecard import HEAD, card_lines, load_card

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from . import Outputs

BADGES = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP"}
STYLES = {"passed": "bold green", "failed": "bold red", "error": "bold magenta", "skipped": "yellow"}
OUTCOME_STYLES = {"synced": "green", "not_yet": "yellow", "no_photo": "magenta", "unknown": "red"}


def account_lines(result: RunResult, detail: bool = False, report_dir: Path | None = None) -> list[str]:
    """The failure, its next action and any warnings, indented under an account's line; with
    `detail` (the pytest plugin, which has room) also the step's documented wording and the URL;
    with `report_dir`, the first lines of the failure's page card."""
    lines = []
    if result.outcome:
        lines.append(f"    outcome: {outcome_text(result.outcome)}")
    failure = result.failure
    if changed_text(result):  # a changed account is never a plain failure
        lines.append(f"    changed: {changed_text(result)}")
    if failure is not None:
        where = f" at step {failure.step!r}" if failure.step else ""
        lines.append(f"    {failure.category}{where}: {failure.message}")
        step = next((s for s in result.steps if s.name == failure.step), None) if detail else None
        if step is not None and step.doc:
            lines.append(f"    doc: {step.doc}")
        if failure.action:
            lines.append(f"    next: {failure.action}")
        if detail and failure.details.get("url"):
            lines.append(f"    url: {failure.details['url']}")
        card = load_card(report_dir, failure.page_card) if report_dir is not None else None
        if card is not None:
            lines.append(f"    page card: {report_dir / str(failure.page_card)} (m365-replay explain "
                         f"{report_dir} --account {result.account})")
            lines += [f"      {line}" for line in card_lines(card)[:HEAD]]
    lines += attempt_lines(result)
    lines += [f"    warning: {warning}" for warning in result.warnings]
    return lines


def attempt_lines(result: RunResult) -> list[str]:
    """The earlier tries of an account that ran more than once (--retries), under its line."""
    if len(result.tries) < 2:
        return []
    tries = len(result.tries)
    head = f"flaky: passed on try {tries} of {tries}" if result.flaky else f"tried {tries} times, every try failed"
    lines = [f"    {head}"]
    for earlier in result.tries[:-1]:
        where = f" at step {earlier.step!r}" if earlier.step else ""
        said = f"{earlier.category}{where}: {earlier.message or ''}".rstrip(": ")
        lines.append(f"    try {earlier.number}: {said}")
    return lines


def flaky_mark(result: RunResult) -> str:
    """` flaky` beside the badge of an account that passed after a failed try, else nothing."""
    return " flaky" if result.flaky and result.status == "passed" else ""


def outcome_text(outcome: Outcome) -> str:
    """A check's answer in one line: `synced: SharePoint's copy shows the same picture as ...`."""
    status, message, checks = outcome.status, outcome.message, outcome.checks
    text = f"{status}: {message}" + (f" ({checks} checks)" if checks > 1 else "") if message else status
    timed = sync_time_text(outcome)  # qa-profile-photo --until-synced: how long SharePoint took
    return f"{text}; {timed}" if timed else text


def closing_lines(report: Report, outputs: Outputs | None, interrupted: bool) -> list[str]:
    """The last lines of every run's output: the counts and where to read more."""
    prefix = "Interrupted: " if interrupted else ""
    lines = [f"{prefix}{summary_line(report)}. Report: {outputs.report_dir / 'report.json' if outputs else ''}"]
    if outputs is not None and outputs.sync_times:
        lines[:0] = ["How long SharePoint took, against earlier runs:", *(f"  {line}" for line in outputs.sync_times)]
    if outputs is not None and outputs.html is not None:
        lines.append(f"HTML report: {outputs.html}")
    if outputs is not None and outputs.evidence:
        lines.append(f"Evidence for tickets: {outputs.evidence[0].parent}/ ({len(outputs.evidence)} zip(s))")
    return lines


def summary_line(report: Report) -> str:
    s = report.summary()
    parts = [f"{s['passed']} passed" + (f" ({s['flaky']} flaky)" if s.get("flaky") else ""), f"{s['failed']} failed"]
    if s.get("skipped"):
        parts.append(f"{s['skipped']} skipped")
    outcomes = s.get("outcomes")
    if outcomes:  # what the flow's check found, beside whether the replay ran
        return ", ".join(parts) + "; outcome: " + ", ".join(f"{n} {status}" for status, n in outcomes.items())
    return ", ".join(parts)


def outcome_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """(account, badge, time, the check's outcome or "", the failure or "") per account."""
    rows = []
    for run in report.runs:
        failure = run.failure
        why = ""
        if failure is not None:
            why = failure.category + (f" at {failure.step!r}" if failure.step else "")
            why += f"; changed: {', '.join(run.changed)}" if changed_text(run) else ""
        checked = run.outcome.status if run.outcome else ""
        if flaky_mark(run):
            why = f"flaky: passed on try {len(run.tries)}"
        rows.append((run.account, BADGES.get(run.status, run.status), f"{run.duration_ms / 1000:.1f}s", checked, why))
    return rows


class LinePrinter(Listener):
    """Plain line-per-account output (CI logs, pipes)."""

    def __init__(self, out: TextIO | None = None, quiet: bool = False, report_dir: Path | None = None):
        self.out = out or sys.stdout
        self.quiet = quiet
        self.report_dir = report_dir  # where page cards are read from
        self.total = 0
        self.done = 0

    def say(self, text: str) -> None:
        print(redact(text), file=self.out, flush=True)

    def run_started(self, report: Report, total: int, browser: str) -> None:
        self.total = total
        if not self.quiet:
            self.say(f"{report.flow}: {total} account(s), browser: {browser}")

    def account_finished(self, result: RunResult) -> None:
        self.done += 1
        if self.quiet and result.status == "passed":
            return
        line = f"[{self.done}/{self.total}] {BADGES.get(result.status, result.status)}{flaky_mark(result)} " \
               f"{result.account} ({result.duration_ms / 1000:.1f}s)"
        self.say("\n".join([line, *account_lines(result, report_dir=self.report_dir)]))

    def announce(self, message: str) -> None:
        self.say(f">>> {message}")

    def finish(self, report: Report, outputs: Outputs | None, interrupted: bool = False) -> None:
        """The summary table (unless quiet), changes since the previous run, where the reports are."""
        if not self.quiet and report.runs and len(report.runs) > 1:
            rows = outcome_rows(report)
            widths = [max(len(row[i]) for row in rows) for i in range(4)]
            for account, badge, took, checked, why in rows:
                self.say(f"  {account:<{widths[0]}}  {badge:<{widths[1]}}  {took:>{widths[2]}}  "
                         f"{checked:<{widths[3]}}  {why}".rstrip())
        if outputs is not None and outputs.previous is not None:
            self.say(f"Since the previous run ({outputs.previous}): "
                     + ("; ".join(outputs.changes) if outputs.changes else "no account changed its outcome"))
        for line in closing_lines(report, outputs, interrupted):
            self.say(line)


class _Board:
    """The live part of LiveProgress, redrawn by rich several times a second."""

    def __init__(self, progress: LiveProgress):
        self.progress = progress

    def __rich__(self) -> RenderableType:
        from rich.table import Table
        from rich.text import Text

        p = self.progress
        now = time.monotonic()
        elapsed = int(now - p.started)
        head = Text.assemble(
            (f"{p.flow}  ", "bold"),
            (f"{p.done}/{p.total} accounts done", "bold"),
            (f"  {p.failed} not passed" if p.failed else "", "red"),
            f"  elapsed {elapsed // 60}:{elapsed % 60:02d}",
        )
        table = Table.grid(padding=(0, 2))
        for account, (step, since) in list(p.running.items()):
            table.add_row(Text(f"  ⏵ {account}", "cyan", no_wrap=True),
                          Text(redact(step) or "starting…", no_wrap=True, overflow="ellipsis"),
                          Text(f"{now - since:.0f}s", "dim", no_wrap=True))
        from rich.console import Group

        return Group(head, table)


class LiveProgress(LinePrinter):
    """A rich live display for terminals; finished accounts print above it as plain lines do."""

    def __init__(self, console: Console | None = None, quiet: bool = False, out: TextIO | None = None,
                 report_dir: Path | None = None):
        from rich.console import Console

        super().__init__(out=out, quiet=quiet, report_dir=report_dir)
        self.console = console or Console(file=self.out, highlight=False)
        self.running: dict[str, tuple[str, float]] = {}
        self.started = time.monotonic()
        self.failed = 0
        self.flow = ""
        self.live = None

    def say(self, text: str) -> None:
        self.console.print(redact(text), markup=False, highlight=False, soft_wrap=True)

    def run_started(self, report: Report, total: int, browser: str) -> None:
        from rich.live import Live

        self.total = total
        self.flow = report.flow
        self.started = time.monotonic()
        if self.quiet:  # only failures and the summary
            return
        self.say(f"{report.flow}: {total} account(s), browser: {browser}")
        self.live = Live(_Board(self), console=self.console, refresh_per_second=4, transient=True)
        self.live.start()

    def account_started(self, account: str) -> None:
        self.running[account] = ("", time.monotonic())

    def step_started(self, account: str, step: str) -> None:
        since = self.running.get(account, ("", time.monotonic()))[1]
        self.running[account] = (step, since)

    def account_finished(self, result: RunResult) -> None:
        self.running.pop(result.account, None)
        if result.status != "passed":
            self.failed += 1
        self.done += 1
        if self.quiet and result.status == "passed":
            return
        from rich.text import Text

        line = Text.assemble((f"{BADGES.get(result.status, result.status):5}", STYLES.get(result.status, "")),
                             (flaky_mark(result), "bold yellow"),
                             f" {result.account} ({result.duration_ms / 1000:.1f}s)  [{self.done}/{self.total}]")
        self.console.print(line, highlight=False)
        for extra in account_lines(result, report_dir=self.report_dir):
            self.say(extra)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def finish(self, report: Report, outputs: Outputs | None, interrupted: bool = False) -> None:
        from rich.table import Table

        self.stop()
        if not self.quiet and report.runs:
            table = Table(title=report.flow, title_justify="left")
            rows = outcome_rows(report)
            checked = any(row[3] for row in rows)
            for column in ("Account", "Result", "Time", *(("Outcome",) if checked else ()), "Failure"):
                table.add_column(column, justify="right" if column == "Time" else "left")
            for account, badge, took, outcome, why in rows:
                status = next((k for k, v in BADGES.items() if v == badge), "")
                table.add_row(account, f"[{STYLES.get(status, '')}]{badge}[/]", took,
                              *((f"[{OUTCOME_STYLES.get(outcome, '')}]{outcome}[/]",) if checked else ()),
                              redact(why) or "")
            self.console.print(table)
        if outputs is not None and outputs.previous is not None:
            self.say(f"Since the previous run ({outputs.previous}):")
            for line in outputs.changes or ["no account changed its outcome"]:
                self.say(f"  {line}")
        for line in closing_lines(report, outputs, interrupted):
            self.say(line)


class Fanout(Listener):
    """Several listeners as one (the terminal, the per-account log capture, a test's recorder)."""

    def __init__(self, *listeners: Listener | None):
        self.listeners = [listener for listener in listeners if listener is not None]

    def run_started(self, report: Report, total: int, browser: str) -> None:
        for listener in self.listeners:
            listener.run_started(report, total, browser)

    def account_started(self, account: str) -> None:
        for listener in self.listeners:
            listener.account_started(account)

    def step_started(self, account: str, step: str) -> None:
        for listener in self.listeners:
            listener.step_started(account, step)

    def account_finished(self, result: RunResult) -> None:
        for listener in self.listeners:
            listener.account_finished(result)

    def announce(self, message: str) -> None:
        for listener in self.listeners:
            listener.announce(message)

    def teach_waiting(self, account: str, page: Any) -> None:
        for listener in self.listeners:
            listener.teach_waiting(account, page)


def make_printer(out: TextIO, quiet: bool = False, report_dir: Path | None = None) -> LinePrinter:
    """A live display on a terminal, plain lines anywhere else."""
    isatty = getattr(out, "isatty", None)
    if isatty is not None and isatty():
        return LiveProgress(out=out, quiet=quiet, report_dir=report_dir)
    return LinePrinter(out=out, quiet=quiet, report_dir=report_dir)


def setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("m365replay")
    root.handlers = [handler]
    root.setLevel(level)
    root.propagate = False
