"""Running a flow from the CLI: engine + terminal output + simulator lifetime + Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from pathlib import Path

from .console import Fanout, LinePrinter, LiveProgress, make_printer, setup_logging
from .credentials import CredentialStore
from .engine import Engine
from .errors import UsageError
from .flow import Flow
from .model import AccountSpec, Listener, RunOptions
from .reporters import Outputs, write_outputs
from .reporters.evidence import AccountLogs
from .results import Report


def execute(flow: Flow, specs: list[AccountSpec], options: RunOptions, store: CredentialStore,
            verbose: int = 0, quiet: bool = False, listener: Listener | None = None,
            to_stderr: bool = False, evidence: bool = False, doc_check: dict | None = None) -> Report:
    """Run every account; the report on disk is complete even when interrupted, and report.html
    and junit.xml are rendered from whatever finished (also on Ctrl-C)."""
    prepare_report_dir(options.report_dir)
    setup_logging(verbose)
    printer = listener or make_printer(sys.stderr if to_stderr else sys.stdout, quiet=quiet)
    logs = AccountLogs(options.report_dir) if evidence else None
    engine = Engine(flow, options, store, Fanout(printer, logs) if logs else printer)
    engine.report.doc_check = doc_check  # `run --doc-check` (doccheck.for_run), in report.json from the start
    sim = options.simulator
    if sim is not None:
        sim.start()
    try:
        with logs or contextlib.nullcontext():
            asyncio.run(engine.run(specs))
    except KeyboardInterrupt:
        engine.write_report()
        _finish(engine, printer, evidence, interrupted=True)
        raise
    except BaseException:
        if isinstance(printer, LiveProgress):
            printer.stop()  # give the terminal back before the error is printed
        raise
    finally:
        if sim is not None:
            sim.stop()
    _finish(engine, printer, evidence, interrupted=engine.report.interrupted)
    return engine.report


def _finish(engine: Engine, printer: Listener, evidence: bool, interrupted: bool = False) -> None:
    outputs: Outputs | None = None
    if engine.options.report_dir.is_dir():
        outputs = write_outputs(engine.report, engine.options.report_dir, evidence=evidence)
    if isinstance(printer, LinePrinter):
        printer.finish(engine.report, outputs, interrupted=interrupted)


def prepare_report_dir(path: Path) -> None:
    """Create the report folder and prove it takes a file, before any browser starts.

    Finding out at the first report.json write would be after a browser launched and perhaps
    an account signed in; now it is one clear sentence and exit 2, with nothing run.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".m365-replay-write-test-"):
            pass
    except FileExistsError:
        raise UsageError(f"Cannot use {path} as the report folder: it is a file; "
                         "choose another --report-dir.") from None
    except NotADirectoryError:
        raise UsageError(f"Cannot create the report folder {path}: part of that path is a file, not a folder; "
                         "choose another --report-dir.") from None
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise UsageError(f"Cannot write the report folder {path} ({reason}); choose another --report-dir or "
                         "fix its permissions.") from None
