"""pytest plugin: flows as tests in a pytest suite that already uses pytest-playwright.

`pytest flows/ --m365-users users.yaml` makes one test per flow file x account, named
`<flow file stem>[<account>]`; a shipped flow's name works as an argument too
(`pytest sync-profile-photo --m365-account ...`), a path winning as for `m365-replay run`. Each
is an ordinary pytest Function (not a custom Item, which would get no fixtures, pytest#3639) whose
test function asks for pytest-playwright's `page`: so --browser-channel, --headed, --slowmo,
--tracing, --video, --screenshot, --output, xdist and --junitxml behave as in any pytest-playwright
suite, and a conftest can override `browser_context_args`, `browser_type_launch_args` or
`connect_options` as usual.

The engine runs unchanged on that page through runner.pytest.pwbridge, so a flow passes or fails in
pytest exactly as it does in `m365-replay run`, and a failure reads like the CLI's (step, its
`doc:` wording, category, next action), not like a Playwright stack trace.

Inert unless --m365-users or --m365-account is given, except for one default that helps every
pytest-playwright suite on machines where Playwright's own Chromium cannot be installed: the
system Chromium is launched instead (see `browser_type_launch_args`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .session import CHUNKS_KEY, STATES_KEY, FlowFailed, FlowSession

if TYPE_CHECKING:
    from ..core.model import AccountSpec
    from ..simulator import Simulator
    from ..spec.flow import Flow

FLOW_SUFFIXES = (".yaml", ".yml")
LIBRARY_DIR = "lib"  # sub-flows (`use: lib/...`) are building blocks, not tests
REFUSED_KEY = pytest.StashKey[list[str]]()  # the lines saying which changing flows were not run, and why
DEFAULTS_PLUGIN = "runner.pytest.defaults"
BASE_URL_PLUGIN = "runner.pytest.baseurl"
PLAYWRIGHT_BASE_URL = "playwright-base-url"  # pytest-playwright's base_url when pytest-base-url is not in use


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("m365-replay", "m365-replay flows (one test per flow file x account)")
    group.addoption("--m365-users", metavar="FILE", help="Users file: users: [{account: ..., INPUT: value}].")
    group.addoption("--m365-account", action="append", default=[], metavar="EMAIL",
                    help="An account to run every flow for (repeatable).")
    group.addoption("--m365-var", action="append", default=[], metavar="NAME=VALUE",
                    help="A flow input for every account (repeatable).")
    group.addoption("--m365-shard", metavar="K/N", help="Only the accounts of shard K of N (as `run --shard`).")
    group.addoption("--m365-simulator-accounts", metavar="FILE",
                    help="Run against the built-in Microsoft 365 simulator holding these accounts.")
    group.addoption("--m365-simulator", action="store_true",
                    help="Run against the built-in Microsoft 365 simulator with the demo's accounts (as `run "
                    "--simulator`); without --m365-account or --m365-users, every simulated account runs.")
    group.addoption("--m365-locale", metavar="LOCALE",
                    help="The browser's UI language, e.g. tr-TR (as `run --locale`).")
    group.addoption("--m365-config", metavar="FILE",
                    help="Config file with the tenant allow-list (default: as `run`: ./m365-replay.yaml, else the "
                    "user's config file).")
    group.addoption("--m365-timeout", type=float, default=30.0, metavar="S", help="Seconds per step (30).")
    group.addoption("--m365-account-timeout", type=float, default=300.0, metavar="S",
                    help="Seconds per flow x account (300).")
    group.addoption("--m365-require-synced", action="store_true",
                    help="Fail a test whose check did not find `synced` (as `run --require-synced`).")
    group.addoption("--m365-until-synced", metavar="DURATION",
                    help="Re-check a `not_yet` outcome until synced or DURATION ends (as `run --until-synced`).")
    group.addoption("--m365-states", metavar="FILE",
                    help="A sign-in states file: page states checked before the built-in table (as `run --states`; "
                    "default: the config file's sign_in_states:).")
    group.addoption("--m365-allow-changes", action="store_true",
                    help="Run flows that change something in the accounts (their `changes:`, as `run "
                    "--allow-changes`); without it such a flow is refused at collection.")
    group.addoption("--m365-retries", type=int, default=0, metavar="N",
                    help="Run a flow x account again, in a new context (pytest-playwright's new_context), when it "
                    "ended unreachable, timeout or browser_error: at most N (0-3) more tries, after 5 s, 15 s, 45 s "
                    "(as `run --retries`); credential and account failures, page_changed and not_synced never. "
                    "A test that passed on a later try is reported FLAKY.")


def _active(config: pytest.Config) -> bool:
    return bool(config.getoption("--m365-users", None) or config.getoption("--m365-account", None)
                or _simulated(config))


def _simulated(config: pytest.Config) -> bool:
    return bool(config.getoption("--m365-simulator", False) or config.getoption("--m365-simulator-accounts", None))


def _simulated_accounts(config: pytest.Config) -> tuple[str, ...]:
    """Who runs on the simulator when no account is named: every account it holds (as `run --simulator`)."""
    from ..simulator import demo_accounts, load_accounts

    path = config.getoption("--m365-simulator-accounts", None)
    return tuple(a.upn for a in (load_accounts(Path(path)) if path else demo_accounts()))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "m365_flow: a flow x account test generated by m365-replay")
    # Registered here, after every entry-point plugin, so that these fixtures extend
    # pytest-playwright's (a fixture overriding one of the same name can ask for the original).
    if not config.pluginmanager.has_plugin(DEFAULTS_PLUGIN):
        config.pluginmanager.import_plugin(DEFAULTS_PLUGIN)
    if config.pluginmanager.has_plugin(PLAYWRIGHT_BASE_URL) and not config.pluginmanager.has_plugin(BASE_URL_PLUGIN):
        config.pluginmanager.import_plugin(BASE_URL_PLUGIN)  # its base_url without a warning per session
    if _active(config):
        config.args[:] = [_shipped_argument(arg, config.invocation_params.dir) for arg in config.args]
        _read_files(config)


def _read_files(config: pytest.Config) -> None:
    """The files the options name, read before anything runs: a malformed one stops the session in
    one message naming the file, line and fix (a pytest usage error, exit 4), never a fixture's
    traceback in every test. Flow and users files are checked at collection, per flow file."""
    from ..core.errors import FlowError, UsageError
    from ..spec.states import states_for_run

    def path(option: str) -> Path | None:
        value = config.getoption(option, None)
        return Path(value) if value else None

    try:
        simulated = path("--m365-simulator-accounts")
        if simulated is not None:
            from ..simulator import load_accounts

            load_accounts(simulated)
        config.stash[STATES_KEY] = states_for_run(path("--m365-states"), path("--m365-config"))
        from ..run.retry import MAX_RETRIES

        if not 0 <= int(config.getoption("--m365-retries", 0) or 0) <= MAX_RETRIES:  # as `run --retries` refuses it
            raise UsageError(f"--m365-retries takes 0 to {MAX_RETRIES}, not {config.getoption('--m365-retries')}")
    except FlowError as exc:
        raise pytest.UsageError("\n".join(str(p) for p in exc.problems)) from None
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from None


def _shipped_argument(arg: str, base: Path) -> str:
    """A pytest argument naming a shipped flow (`sync-profile-photo`, maybe `::` and a test id)
    becomes that flow's file; anything that exists is left to pytest. A bare name (no folder, no
    suffix) that is neither gets the CLI's answer, the shipped flows and a did-you-mean, rather than
    pytest's "file or directory not found" (a usage error, exit 4)."""
    from ..core.errors import FlowError
    from ..spec.catalog import find_shipped, resolve_flow

    target, sep, rest = arg.partition("::")
    if not target or (base / target).exists():
        return arg
    shipped = find_shipped(target)
    if shipped is not None:
        return f"{shipped.path}{sep}{rest}"
    if Path(target).parent == Path(".") and not Path(target).suffix:
        try:
            resolve_flow(target)  # says what `m365-replay run` would say about it
        except FlowError as exc:
            raise pytest.UsageError("\n".join(f"{target}: {p.message}" for p in exc.problems)) from None
    return arg


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in FLOW_SUFFIXES or not _active(parent.config):
        return None
    if LIBRARY_DIR in file_path.parent.parts[-1:] or not _looks_like_flow(file_path):
        return None
    try:
        file_path.relative_to(parent.config.rootpath)
    except ValueError:  # a shipped flow named on the command line: its id is its name, not ""
        from ..spec.catalog import shipped_dir

        base = shipped_dir()
        if base is not None and file_path.is_relative_to(base):
            return FlowFile.from_parent(parent, path=file_path, nodeid=file_path.relative_to(base).as_posix())
    return FlowFile.from_parent(parent, path=file_path)


def _looks_like_flow(path: Path) -> bool:
    """A YAML mapping with `name` and `steps`: users files, simulator accounts and CI configs
    that happen to live beside flows are not collected."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return path.parent.name == "flows"  # a broken flow should be reported, not skipped
    return isinstance(data, dict) and "steps" in data and "name" in data


class FlowFile(pytest.File):
    """A flow file: one test per account."""

    def collect(self) -> Iterator[pytest.Item]:
        from ..spec.flow import load_flow
        from ..spec.users import build_specs

        config = self.config
        flow = load_flow(self.path)
        if flow.changes and not config.getoption("--m365-allow-changes"):
            # refused as `run` refuses it without --allow-changes; `pytest flows/` still runs the others
            config.stash.setdefault(REFUSED_KEY, []).append(
                f"{self.path.name}: not run, it changes {', '.join(flow.changes)} in the accounts; add "
                "--m365-allow-changes to run it")
            return
        users = config.getoption("--m365-users")
        accounts = tuple(config.getoption("--m365-account"))
        if not accounts and not users and _simulated(config):
            accounts = _simulated_accounts(config)
        specs = build_specs(flow, accounts, Path(users) if users else None, tuple(config.getoption("--m365-var")))
        shard = config.getoption("--m365-shard")
        if shard:
            from ..run.shard import parse_shard, select

            specs = select(specs, *parse_shard(shard))
        from ..spec.config import check_allowed

        explicit = config.getoption("--m365-config")
        check_allowed([spec.account for spec in specs], Path(explicit) if explicit else None)
        for spec in specs:
            item = FlowItem.from_parent(self, name=f"{self.path.stem}[{spec.account}]",
                                        callobj=_flow_test(flow, spec))
            item.add_marker("m365_flow")
            yield item

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from ..core.errors import FlowError, UsageError

        if isinstance(excinfo.value, FlowError):
            return "\n".join(str(p) for p in excinfo.value.problems)
        if isinstance(excinfo.value, UsageError):
            return f"error: {excinfo.value}"
        return super().repr_failure(excinfo)


class FlowItem(pytest.Function):
    """A plain pytest Function (fixtures, markers, xdist, junit), reported as a flow."""

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, 0, self.name

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, FlowFailed):
            return excinfo.value.text
        return super().repr_failure(excinfo, style=style)


def _flow_test(flow: Flow, spec: AccountSpec) -> Any:
    """The test function of one flow x account; pytest reads its fixtures from the signature."""

    def m365_flow(page: Any, output_path: str, m365_replay: FlowSession, request: pytest.FixtureRequest) -> None:
        m365_replay.run(request.node, flow, spec, page, Path(output_path), request=request)

    return m365_flow


@pytest.fixture(scope="session")
def m365_simulator(pytestconfig: pytest.Config) -> Iterator[Simulator | None]:
    """The built-in simulator for the session (per xdist worker), with --m365-simulator-accounts' accounts
    or (--m365-simulator) the demo's."""
    path = pytestconfig.getoption("--m365-simulator-accounts", None)
    if not path and not pytestconfig.getoption("--m365-simulator", False):
        yield None
        return
    from ..simulator import Simulator, demo_accounts, load_simulator

    sim = (load_simulator(Path(path)) if path else Simulator(demo_accounts())).start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture(scope="session")
def m365_replay(pytestconfig: pytest.Config, m365_simulator: Simulator | None,
                tmp_path_factory: pytest.TempPathFactory) -> FlowSession:
    """The flow runner of this session; flow tests use it, other tests may read `.results`."""
    return FlowSession(pytestconfig, tmp_path_factory.mktemp("m365-replay"), simulator=m365_simulator)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    for line in config.stash.get(REFUSED_KEY, []):
        terminalreporter.write_line(f"m365-replay: {line}", yellow=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Put back the trace chunks recorded before each secret was typed into the trace that
    pytest-playwright kept (it holds only the last chunk): one timeline, no secret."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "teardown" or CHUNKS_KEY not in item.stash:
        return
    chunks = item.stash[CHUNKS_KEY]
    try:
        kept = [Path(value) for name, value in report.user_properties if name == "playwright_trace"]
        for trace in kept[:1]:
            trace = trace if trace.is_absolute() else item.config.invocation_params.dir / trace
            if trace.is_file() and chunks:
                from ..run.tracing import merge_traces

                merge_traces([*chunks, trace], trace)
    finally:
        for chunk in chunks:
            chunk.unlink(missing_ok=True)


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, Any] | None:
    """A flow x account that passed only on a later try (--m365-retries) is counted and shown as FLAKY
    (`1 flaky` in the summary line, `f` in the progress), still a pass for the exit code."""
    if report.when == "call" and report.passed and any(name == "m365_flaky" for name, _ in report.user_properties):
        return "flaky", "f", ("FLAKY", {"yellow": True})
    return None
