"""Running a flow from the CLI: engine + terminal output + simulator lifetime + Ctrl-C."""

from __future__ import annotations

import asyncio
import sys

from .console import LinePrinter, setup_logging, summary_line
from .credentials import CredentialStore
from .engine import AccountSpec, Engine, Listener, RunOptions
from .flow import Flow
from .results import Report


def execute(flow: Flow, specs: list[AccountSpec], options: RunOptions, store: CredentialStore,
            verbose: int = 0, quiet: bool = False, listener: Listener | None = None,
            to_stderr: bool = False) -> Report:
    """Run every account; the report on disk is complete even when interrupted."""
    setup_logging(verbose)
    printer = listener or LinePrinter(out=sys.stderr if to_stderr else None, quiet=quiet)
    engine = Engine(flow, options, store, printer)
    sim = options.simulator
    if sim is not None:
        sim.start()
    try:
        asyncio.run(engine.run(specs))
    except KeyboardInterrupt:
        engine.write_report()
        raise
    finally:
        if sim is not None:
            sim.stop()
    if isinstance(printer, LinePrinter):
        printer.say(f"{summary_line(engine.report)}. Report: {engine.report_path}")
    return engine.report
