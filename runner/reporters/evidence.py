"""`--evidence`: per account, one zip a helpdesk engineer attaches to the ticket.

It holds that account's screenshots, its trace (and video, when kept), its redacted log and a
summary.txt written for a person (account, time, outcome, category, action, AADSTS / Correlation
ID). Nothing of another account goes in, and every text file passes through the redactor once
more on the way in.
"""

from __future__ import annotations

import contextvars
import logging
import os
import zipfile
from pathlib import Path

from ..core.model import Listener
from ..core.redact import RedactingFilter, redact
from ..core.results import Report, RunResult, slug
from .html import aadsts_code, when
from .junit import outcome_lines

EVIDENCE_DIR = "evidence"
LOG_FILE = "log.txt"

current_account: contextvars.ContextVar[str | None] = contextvars.ContextVar("m365replay_account", default=None)


def summary_text(run: RunResult, report: Report) -> str:
    lines = [
        f"Account:   {run.account}",
        f"Procedure: {report.flow}",
    ]
    if report.source:
        lines.append(f"Document:  {report.source}")
    lines += [f"Time:      {when(run.started_at or report.started_at)} ({run.duration_ms / 1000:.1f} s)",
              f"Outcome:   {run.status}"]
    failure = run.failure
    if failure is not None:
        lines.append(f"Category:  {failure.category}")
        if failure.step:
            lines.append(f"Step:      {failure.step}")
        lines.append(f"Message:   {failure.message}")
        if failure.action:
            lines.append(f"Action:    {failure.action}")
        if aadsts_code(failure):
            lines.append(f"AADSTS:    {aadsts_code(failure)}")
        if failure.details.get("correlation_id"):
            lines.append(f"Correlation ID: {failure.details['correlation_id']}")
        if failure.details.get("timestamp"):
            lines.append(f"Error time: {failure.details['timestamp']}")
    if run.final_url:
        lines.append(f"Final URL: {run.final_url}")
    lines += tries_text(run)
    lines += [f"Check:     {line.strip()}" for line in outcome_lines(run, "")[:2]]  # what the flow's check found
    lines.append("")
    lines.append("Steps:")
    for n, step in enumerate(run.steps, 1):
        lines.append(f"  {n}. {step.status.upper():7} {step.name} ({step.duration_ms / 1000:.1f} s)")
        if step.message:
            lines.append(f"     {step.message}")
    if run.trace:
        lines += ["", f"Trace: {run.trace} (open with `playwright show-trace {Path(run.trace).name}`)"]
    return (redact("\n".join(lines)) or "") + "\n"


def tries_text(run: RunResult) -> list[str]:
    """The earlier tries of an account run more than once (--retries), for summary.txt."""
    lines = []
    for earlier in run.tries[:-1]:
        where = f" at step {earlier.step!r}" if earlier.step else ""
        lines.append(f"Try {earlier.number}:     {earlier.category}{where}: {earlier.message}")
    if run.flaky:
        lines.append(f"Flaky:     passed on try {len(run.tries)}")
    return lines


def _members(run: RunResult) -> list[tuple[str, str]]:
    """(file relative to the report folder, name in the zip) of everything an account's zip carries:
    its screenshots, the two pictures the check compared, trace, page card, video, earlier tries."""
    members = [(s.screenshot, f"screenshots/{Path(s.screenshot).name}") for s in run.steps if s.screenshot]
    members += [(image, f"check/{Path(image).name}") for image in run.outcome.images] if run.outcome else []
    if run.trace:
        members.append((run.trace, "trace.zip"))
    if run.failure is not None and run.failure.page_card:
        members.append((run.failure.page_card, "page.json"))
    if run.video:
        members.append((run.video, f"video{Path(run.video).suffix}"))
    for earlier in run.tries[:-1]:  # the earlier tries (--retries), each in its own folder
        members += [(rel, f"attempt-{earlier.number}/{Path(rel).name}") for rel in earlier.evidence]
    return members


def write_evidence(report: Report, report_dir: Path) -> list[Path]:
    """One zip per account under <report>/evidence/; returns their paths."""
    out = report_dir / EVIDENCE_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for run in report.runs:
        target = out / f"{slug(run.account)}.zip"
        tmp = target.with_name(f".{target.name}.tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("summary.txt", summary_text(run, report))
            for rel, name in _members(run):
                if (report_dir / rel).is_file():
                    zf.write(report_dir / rel, name)
            log = report_dir / slug(run.account) / LOG_FILE
            if log.is_file():
                zf.writestr(LOG_FILE, redact(log.read_text(encoding="utf-8", errors="replace")) or "")
        os.replace(tmp, target)
        written.append(target)
    return written


class AccountLogs(logging.Handler, Listener):
    """Collects the m365replay logger's records per account into <account>/log.txt.

    Which account a record belongs to comes from a context variable set when the account starts
    (asyncio copies it into the account's tasks and threads), else from the account named in the
    message. Step starts and the outcome are written too, so the log reads as a timeline.
    """

    def __init__(self, report_dir: Path):
        logging.Handler.__init__(self, logging.DEBUG)
        self.report_dir = report_dir
        self.accounts: list[str] = []
        self.lines: dict[str, list[str]] = {}
        self.addFilter(RedactingFilter())
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        self._logger = logging.getLogger("m365replay")
        self._old_level = self._logger.level
        self._handler_levels: list[tuple[logging.Handler, int]] = []

    def __enter__(self) -> AccountLogs:
        self._logger.addHandler(self)
        if self._logger.getEffectiveLevel() > logging.INFO:
            # capture INFO for the evidence while the terminal keeps the level it was given
            terminal_level = self._logger.getEffectiveLevel()
            for handler in self._logger.handlers:
                if handler is not self and handler.level < terminal_level:
                    self._handler_levels.append((handler, handler.level))
                    handler.setLevel(terminal_level)
            self._logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._old_level)
        for handler, level in self._handler_levels:
            handler.setLevel(level)
        self.flush_all()

    def _add(self, account: str, text: str) -> None:
        self.lines.setdefault(account, []).append(redact(text) or "")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            account = current_account.get()
            text = self.format(record)
            if account is None:
                message = record.getMessage()
                account = next((a for a in self.accounts if a in message), None)
            if account is not None:
                self._add(account, text)
        except Exception:  # a log line must never break a run
            self.handleError(record)

    def _stamp(self, text: str) -> str:
        return f"{self.formatter.formatTime(logging.makeLogRecord({}))} {text}" if self.formatter else text

    def account_started(self, account: str) -> None:
        current_account.set(account)
        self.accounts.append(account)
        self._add(account, self._stamp(f"START {account}"))

    def step_started(self, account: str, step: str) -> None:
        self._add(account, self._stamp(f"STEP {step}"))

    def account_finished(self, result: RunResult) -> None:
        outcome = result.status if result.failure is None else \
            f"{result.status} ({result.failure.category}): {result.failure.message}"
        self._add(result.account, self._stamp(f"END {outcome}"))
        self.write(result.account)

    def write(self, account: str) -> None:
        lines = self.lines.pop(account, None)
        if not lines:
            return
        folder = self.report_dir / slug(account)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / LOG_FILE).open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")

    def flush_all(self) -> None:
        for account in list(self.lines):
            self.write(account)
