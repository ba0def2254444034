"""Running a flow from the CLI: engine + terminal output + simulator lifetime + Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

from ..core.errors import UsageError
from ..core.folders import prepare_report_dir
from ..core.model import AccountSpec, Listener, RunOptions
from ..core.results import Report
from ..reporters import Outputs, write_outputs
from ..reporters.console import Fanout, LinePrinter, LiveProgress, make_printer, setup_logging
from ..reporters.data import read_report_dict, report_from_dict
from ..reporters.evidence import AccountLogs
from ..reporters.history import not_passed
from ..run.engine import Engine
from ..secrets.credentials import CredentialStore
from ..spec.flow import Flow
from ..spec.users import build_specs, parse_vars


def execute(flow: Flow, specs: list[AccountSpec], options: RunOptions, store: CredentialStore,
            verbose: int = 0, quiet: bool = False, listener: Listener | None = None,
            to_stderr: bool = False, evidence: bool = False, doc_check: dict | None = None) -> Report:
    """Run every account; the report on disk is complete even when interrupted, and report.html
    and junit.xml are rendered from whatever finished (also on Ctrl-C)."""
    prepare_report_dir(options.report_dir)
    setup_logging(verbose)
    printer = listener or make_printer(sys.stderr if to_stderr else sys.stdout, quiet=quiet,
                                       report_dir=options.report_dir)
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


def rerun_specs(flow: Flow, earlier: Path, accounts: tuple[str, ...], users: Path | None,
                variables: tuple[str, ...]) -> list[AccountSpec]:
    """`run --rerun-failed DIR`: the accounts that did not pass in DIR's report.

    Without --account/--users they run with the inputs they had then (still checked against the
    flow as it is now); with them, only the named accounts that did not pass run. --var applies
    on top either way.
    """
    report = report_from_dict(read_report_dict(earlier))
    if report.flow != flow.name:
        raise UsageError(f"--rerun-failed {earlier}: that is a report of {report.flow!r}, not of {flow.name!r}")
    failed = {run.account.lower(): run for run in not_passed(report)}
    if accounts or users is not None:
        return [spec for spec in build_specs(flow, accounts, users, variables) if spec.account.lower() in failed]
    shared = parse_vars(variables, flow)
    specs = []
    for run in failed.values():
        recorded = {k: v for k, v in (run.inputs or {}).items() if k in flow.inputs}
        try:
            inputs = flow.resolve_inputs({**recorded, **shared})
        except ValueError as exc:
            raise UsageError(f"{run.account} (from {earlier}): {exc}") from None
        specs.append(AccountSpec(run.account, inputs))
    return specs
