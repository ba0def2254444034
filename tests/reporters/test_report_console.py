"""The terminal: a live display on a terminal, plain lines in CI logs, a summary at the end."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console

from runner.reporters import Outputs
from runner.reporters.console import LinePrinter, LiveProgress, _Board, make_printer
from tests.support.sample import sample_report, sample_run


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def outputs(tmp_path: Path, **kw: object) -> Outputs:
    return Outputs(tmp_path, html=tmp_path / "report.html", junit=tmp_path / "junit.xml", **kw)  # type: ignore[arg-type]


def test_a_terminal_gets_the_live_display_and_a_pipe_gets_lines() -> None:
    assert isinstance(make_printer(FakeTerminal()), LiveProgress)
    plain = make_printer(io.StringIO())
    assert isinstance(plain, LinePrinter) and not isinstance(plain, LiveProgress)


def test_live_display_shows_done_total_running_steps_and_elapsed(tmp_path: Path) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120, color_system=None)
    live = LiveProgress(console=console)
    report = sample_report(0)
    live.run_started(report, 3, "/usr/bin/chromium")
    try:
        live.account_started("alice@contoso.com")
        live.account_started("bob@contoso.com")
        live.step_started("alice@contoso.com", "Sign in with the work or school account")
        live.step_started("bob@contoso.com", "Go to Office.com")
        frame = Console(file=io.StringIO(), width=120, color_system=None)
        with frame.capture() as capture:
            frame.print(_Board(live))
        board = capture.get()
        assert "0/3 accounts done" in board and re.search(r"elapsed \d+:\d\d\b", board)  # how much: the machine's
        assert "alice@contoso.com" in board and "Sign in with the work or school account" in board
        assert "bob@contoso.com" in board and "Go to Office.com" in board
        live.account_finished(sample_run(0, "alice@contoso.com", "passed"))
        live.account_finished(sample_run(1, "bob@contoso.com", "bad_credentials"))
        with frame.capture() as capture:
            frame.print(_Board(live))
        board = capture.get()
        assert "2/3 accounts done" in board and "1 not passed" in board and "alice@contoso.com" not in board
    finally:
        report.runs = [sample_run(0, "alice@contoso.com", "passed"), sample_run(1, "bob@contoso.com",
                                                                                "bad_credentials")]
        live.finish(report, outputs(tmp_path))
    text = screen.getvalue()
    assert "PASS  alice@contoso.com" in text and "FAIL  bob@contoso.com" in text
    assert "next: Check the password stored" in text
    # the summary table and where the report is
    assert "Account" in text and "Result" in text and "bad_credentials at 'Sign in with the work" in text
    assert f"HTML report: {tmp_path / 'report.html'}" in text
    assert live.live is None, "the live display is stopped at the end"


def test_plain_lines_then_a_summary_table_changes_and_the_html_path(tmp_path: Path) -> None:
    out = io.StringIO()
    printer = LinePrinter(out=out)
    report = sample_report(3, accounts=["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"],
                           kinds=["passed", "page_changed", "passed"])
    printer.run_started(report, 3, "chromium")
    for run in report.runs:
        printer.account_finished(run)
    printer.finish(report, outputs(tmp_path, previous=tmp_path.parent / "earlier",
                                   changes=["bob@contoso.com: passed → failed (page_changed)"]))
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("[1/3] PASS alice@contoso.com")
    assert any(line.startswith("  bob@contoso.com    FAIL") and "page_changed at 'Click the OneDrive tile'" in line
               for line in lines)
    assert f"Since the previous run ({tmp_path.parent / 'earlier'}): bob@contoso.com: passed → failed " \
           "(page_changed)" in lines
    assert lines[-2] == f"2 passed, 1 failed. Report: {tmp_path / 'report.json'}"
    assert lines[-1] == f"HTML report: {tmp_path / 'report.html'}"


def test_quiet_shows_only_failures_and_the_summary(tmp_path: Path) -> None:
    out = io.StringIO()
    printer = LinePrinter(out=out, quiet=True)
    report = sample_report(2, accounts=["alice@contoso.com", "bob@contoso.com"], kinds=["passed", "error"])
    printer.run_started(report, 2, "chromium")
    for run in report.runs:
        printer.account_finished(run)
    printer.finish(report, outputs(tmp_path))
    text = out.getvalue()
    assert "alice@contoso.com" not in text and "ERROR bob@contoso.com" in text
    assert "1 passed, 1 failed." in text and "HTML report:" in text


def test_quiet_on_a_terminal_has_no_live_display() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=100, color_system=None)
    live = LiveProgress(console=console, quiet=True)
    live.run_started(sample_report(0), 2, "chromium")
    assert live.live is None
    live.account_finished(sample_run(0, "alice@contoso.com", "passed"))
    assert "alice@contoso.com" not in console.file.getvalue()  # type: ignore[attr-defined]
