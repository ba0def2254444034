"""The figures of a pytest session where QA reads them: the same report.json and report.html as `run`
writes (--m365-report-dir), the check's outcome on each test in junit.xml, and the outcome lines in
pytest's terminal summary.

Why through the test's user_properties: under xdist the tests run in worker processes and only
their reports reach the controller, which writes junit.xml and the terminal. So a worker records its
run on the test (the whole RunResult, and `m365_outcome` / `m365_synced_after_s`), and the controller
(SessionReport, registered only there) takes the RunResult off again before any reporter sees it,
writes the flow's report.json after every test (a crash or Ctrl-C leaves what finished) and report.html
at the end. The runs' evidence is written by the workers straight into the same folder (the engine's
report folder), so the report's links hold.

Why two junit forms: pytest writes a test's properties into its <testcase>, which the junit families
xunit1 and legacy allow and xunit2 (pytest's default) forbids; there they become properties of the
<testsuite>, named `m365_outcome:<account>`, `m365_synced_after_s:<account>` and `m365_flaky:<account>`,
as the issue decided. Only the controller knows the family, so a worker records every figure on the
test the same way (record_on_test) and the controller puts it where the family allows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..core.results import Report, RunResult
    from ..reporters import Outputs
    from ..spec.flow import Flow

BASE_KEY = pytest.StashKey[Path]()  # the session's report folder (--m365-report-dir, or a new default one)
FLOWS_KEY = pytest.StashKey[list[Path]]()  # the flow files the session collected
WORKER_INPUT = "m365_report_dir"  # the controller's decision, handed to xdist workers
RESULT_PROPERTY = "m365_result"  # the run, on its way from a worker to the controller; never in junit.xml
FLAKY = "m365_flaky"  # passed on a later try (--m365-retries): its earlier tries in a line
FIGURES = ("m365_outcome", "m365_synced_after_s", FLAKY)  # a test's properties in junit.xml


def report_base(config: pytest.Config) -> Path:
    """The session's report folder: the worker's from its controller, else --m365-report-dir, else a new
    one under m365-replay-results/ as `run` makes it (created when the first run writes into it)."""
    given = getattr(config, "workerinput", {}).get(WORKER_INPUT)
    if given:
        return Path(given)
    chosen = config.getoption("--m365-report-dir", None)
    if chosen:
        from ..core.errors import UsageError
        from ..core.folders import prepare_report_dir

        try:
            prepare_report_dir(Path(chosen), "--m365-report-dir")  # one that cannot be written stops the session
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
        return (config.invocation_params.dir / chosen).resolve()
    from ..core.results import default_report_dir

    return (config.invocation_params.dir / default_report_dir()).resolve()


def flow_folder(config: pytest.Config, flow: Path) -> Path:
    """Where one flow's report goes: the session's folder, or with several flow files its sub-folder."""
    base = config.stash[BASE_KEY]
    flows = config.stash.get(FLOWS_KEY, [])
    return base if len(flows) <= 1 else base / flow.stem


def record_on_test(node: pytest.Item, flow: Flow, folder: Path, result: RunResult) -> None:
    """The run on its test: its figures for junit.xml, and the whole run for the session's report."""
    if result.outcome is not None:
        node.user_properties.append(("m365_outcome", result.outcome.status))
        if result.outcome.synced_after_s is not None:  # timed (--m365-until-synced): seconds, a number
            node.user_properties.append(("m365_synced_after_s", result.outcome.synced_after_s))
    if result.flaky:
        from ..reporters.console import attempt_lines

        node.user_properties.append((FLAKY, " / ".join(line.strip() for line in attempt_lines(result))))
    meta = {"name": flow.name, "source": flow.source, "file": str(flow.path), "folder": str(folder)}
    node.user_properties.append((RESULT_PROPERTY, json.dumps({"flow": meta, "run": result.to_dict()})))


@dataclass
class FlowReport:
    report: Report
    folder: Path
    outputs: Outputs | None = None


@dataclass
class SessionReport:
    """The controller's side (a plugin object): one report per flow, written as the tests finish."""

    config: pytest.Config
    flows: dict[str, FlowReport] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    flaky: set[str] = field(default_factory=set)  # the tests that passed on a later try (node ids)

    @pytest.hookimpl(tryfirst=True)  # before junitxml and any other reporter reads the properties
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        blobs = [value for name, value in report.user_properties if name == RESULT_PROPERTY]
        figures = [(name, value) for name, value in report.user_properties if name in FIGURES]
        suite = self._suite_family()
        report.user_properties[:] = [(name, value) for name, value in report.user_properties
                                     if name != RESULT_PROPERTY and not (suite and name in FIGURES)]
        if not blobs or report.nodeid in self.seen:
            return
        self.seen.add(report.nodeid)
        data = json.loads(str(blobs[-1]))
        run = self._add(data["flow"], data["run"])
        if run.flaky and run.status == "passed":
            self.flaky.add(report.nodeid)
        xml = self._xml()
        if suite and xml is not None:
            for name, value in figures:
                xml.add_global_property(f"{name}:{run.account}", value)

    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, Any] | None:
        """A flow x account that passed only on a later try (--m365-retries) is counted and shown as FLAKY
        (`1 flaky` in the summary line, `f` in the progress), still a pass for the exit code."""
        if report.when == "call" and report.passed and report.nodeid in self.flaky:
            return "flaky", "f", ("FLAKY", {"yellow": True})
        return None

    def _add(self, meta: dict[str, Any], run_data: dict[str, Any]) -> RunResult:
        from ..core.results import Report, RunResult, now_iso, write_json_atomic

        flow = self.flows.get(meta["file"])
        if flow is None:
            report = Report(flow=meta["name"], source=meta.get("source"), flow_file=meta["file"], started_at=now_iso())
            flow = self.flows[meta["file"]] = FlowReport(report, Path(meta["folder"]))
        run = RunResult.from_dict(run_data)
        flow.report.runs.append(run)
        write_json_atomic(flow.folder / "report.json", flow.report.to_dict())
        return run

    def _xml(self) -> Any:
        try:
            from _pytest.junitxml import xml_key
        except ImportError:  # pytest moved it: the figures stay on the testcase
            return None
        return self.config.stash.get(xml_key, None)

    def _suite_family(self) -> bool:
        """Whether junit.xml is written in a family that forbids properties on a testcase."""
        xml = self._xml()
        return xml is not None and getattr(xml, "family", "xunit2") not in ("xunit1", "legacy")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """report.json complete, then report.html and the rest `run` writes, before the terminal summary."""
        from ..core.results import now_iso, write_json_atomic
        from ..reporters import write_outputs

        for flow in self.flows.values():
            flow.report.finished_at = now_iso()
            flow.report.interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
            write_json_atomic(flow.folder / "report.json", flow.report.to_dict())
            flow.outputs = write_outputs(flow.report, flow.folder)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """As `run` ends: each account's outcome, how long SharePoint took against earlier runs, the
        counts with the outcomes, and where the reports are."""
        from ..core.redact import redact
        from ..reporters.console import closing_lines, outcome_text

        for flow in self.flows.values():
            report = flow.report
            terminalreporter.section(f"m365-replay: {report.flow}", sep="-")
            for run in report.runs:
                if run.outcome is not None:
                    terminalreporter.write_line(redact(f"{run.account}: outcome: {outcome_text(run.outcome)}") or "")
            for line in closing_lines(report, flow.outputs, report.interrupted):
                terminalreporter.write_line(redact(line) or "")
