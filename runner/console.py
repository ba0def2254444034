"""What the terminal shows while a run goes: a line per account, then a summary.

All text passes through the redactor on its way out.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from .engine import Listener
from .redact import RedactingFilter, redact
from .results import Report, RunResult

BADGES = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP"}


class LinePrinter(Listener):
    """Plain line-per-account output (CI logs, pipes)."""

    def __init__(self, out: TextIO | None = None, quiet: bool = False):
        self.out = out or sys.stdout
        self.quiet = quiet
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
        line = f"[{self.done}/{self.total}] {BADGES.get(result.status, result.status)} {result.account} " \
               f"({result.duration_ms / 1000:.1f}s)"
        if result.failure is not None:
            where = f" at step {result.failure.step!r}" if result.failure.step else ""
            line += f"\n    {result.failure.category}{where}: {result.failure.message}"
            if result.failure.action:
                line += f"\n    next: {result.failure.action}"
        for warning in result.warnings:
            line += f"\n    warning: {warning}"
        self.say(line)

    def announce(self, message: str) -> None:
        self.say(f">>> {message}")


def summary_line(report: Report) -> str:
    s = report.summary()
    parts = [f"{s['passed']} passed", f"{s['failed']} failed"]
    if s.get("skipped"):
        parts.append(f"{s['skipped']} skipped")
    return ", ".join(parts)


def setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("m365replay")
    root.handlers = [handler]
    root.setLevel(level)
    root.propagate = False
