"""One flow x account under pytest: the engine on pytest-playwright's page (runner.pytest.pwbridge),
its retries in new contexts, its screenshots and page card moved beside pytest-playwright's
artifacts, and a failure told in the CLI's words (plugin.py collects the tests and owns the hooks).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..core.model import Listener
from .report import flow_folder, record_on_test

if TYPE_CHECKING:
    from ..core.model import AccountSpec
    from ..core.results import RunResult
    from ..secrets.credentials import CredentialStore
    from ..simulator import Simulator
    from ..spec.flow import Flow

log = logging.getLogger("m365replay")
CHUNKS_KEY = pytest.StashKey[list[Path]]()
STATES_KEY = pytest.StashKey[list[Any]]()  # the sign-in states file's rows, read once per session


class FlowFailed(Exception):
    """A flow x account that did not pass; its text is the report, not a traceback."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


@dataclass
class FlowSession:
    """What the flow tests of a session share: credentials, options, a scratch folder."""

    config: pytest.Config
    store: CredentialStore | None = None
    simulator: Simulator | None = None
    results: list[RunResult] = field(default_factory=list)

    def run(self, item: pytest.Item, flow: Flow, spec: AccountSpec, page: Any, output_path: Path,
            request: pytest.FixtureRequest | None = None) -> None:
        from ..core.errors import UsageError
        from ..core.model import RunOptions
        from ..core.options import PLUGIN_OPTIONS
        from ..run.engine import Engine
        from ..secrets.credentials import run_store
        from . import pwbridge

        if self.store is None:
            try:  # as `run`: on the simulator, the keyring when it has the secret, else the simulator's file
                self.store = run_store(self.simulator.secrets() if self.simulator is not None else None)
            except UsageError as exc:
                pytest.fail(str(exc), pytrace=False)
        folder = flow_folder(self.config, flow.path)  # the session's report folder (report.py), as `run`'s
        # the run options the plugin takes (--m365-timeout, --m365-retries...), read and checked as `run`'s
        given = {row.field: self.config.getoption(row.pytest) for row in PLUGIN_OPTIONS if row.field}
        options = RunOptions(report_dir=folder, trace="off", video="off", simulator=self.simulator,
                             sign_in_states=list(self.config.stash.get(STATES_KEY, [])), **given)
        options.browser.headed = bool(self.config.getoption("--headed", False))
        engine = Engine(flow, options, self.store)
        traced = self.config.getoption("--tracing", "off") != "off"
        apage = pwbridge.to_async(page)
        try:
            result = pwbridge.run(page, engine.run_account(spec, context=apage.context, page=apage, traced=traced))
        except UsageError as exc:
            pytest.fail(str(exc), pytrace=False)
        if request is not None:
            result = self._retried(request, engine, spec, result, traced)
        self.results.append(result)
        record_on_test(item, flow, folder, result)
        account_dir = folder / _slug(spec.account)
        item.stash[CHUNKS_KEY] = sorted(account_dir.glob(".trace-*.zip"), key=lambda p: int(p.stem.split("-")[-1]))
        failed = result.status != "passed"
        shots = self.config.getoption("--screenshot", "off")
        kept: dict[str, str] = {}
        if shots == "on" or (failed and shots == "only-on-failure"):
            kept = _keep_screenshots(result, folder, output_path / "steps")
        if failed:
            card = None
            if result.failure is not None and result.failure.page_card:
                card = output_path / "page.json"
                output_path.mkdir(parents=True, exist_ok=True)
                shutil.copy(folder / result.failure.page_card, card)
            raise FlowFailed(describe_failure(result, kept, self.config.invocation_params.dir, card))


    def _retried(self, request: pytest.FixtureRequest, engine: Any, spec: AccountSpec, result: RunResult,
                 traced: bool) -> RunResult:
        """--m365-retries: a try that ended in a transient fault runs again from the start in a new
        context from pytest-playwright's `new_context` (its browser_context_args, tracing and video),
        under the policy of `run --retries` (runner/run/retry.py): announced in the terminal, the failed
        try set aside, the tries combined (a flaky pass goes on the test with the run: record_on_test).
        Ctrl-C during the wait ends the session with the last try as the account's answer."""
        import time

        from ..run.retry import AccountTries
        from . import pwbridge

        tries = AccountTries(engine.options, TerminalListener(self.config),
                             started=time.monotonic() - result.duration_ms / 1000)
        while (wait := tries.next_wait(result)) is not None:
            try:
                time.sleep(wait)
            except KeyboardInterrupt:
                self.results.append(tries.answer(result))
                raise
            tries.set_aside(result)
            fresh = request.getfixturevalue("new_context")().new_page()
            apage = pwbridge.to_async(fresh)
            result = pwbridge.run(fresh, engine.run_account(spec, context=apage.context, page=apage, traced=traced))
        return tries.answer(result)


class TerminalListener(Listener):
    """What a flow test has to say while it runs (a retry coming), in pytest's terminal between the
    test lines, and in the log."""

    def __init__(self, config: pytest.Config):
        self.config = config

    def announce(self, message: str) -> None:
        from ..core.redact import redact

        text = redact(f"m365-replay: {message}") or ""
        log.info("%s", text)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        capture = self.config.pluginmanager.get_plugin("capturemanager")
        if reporter is None:
            return
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            reporter.write_line(text, yellow=True)  # past pytest's capture, as its live log is
            reporter.flush()  # now, not with the next test's line: the wait is what it announces


def _slug(text: str) -> str:
    from ..core.results import slug

    return slug(text)


def _keep_screenshots(result: RunResult, folder: Path, target: Path) -> dict[str, str]:
    """Copy the step screenshots (secret fields masked) next to pytest-playwright's artifacts; the
    session's report keeps its own."""
    kept: dict[str, str] = {}
    for step in result.steps:
        if step.screenshot and (folder / step.screenshot).is_file():
            target.mkdir(parents=True, exist_ok=True)
            dest = target / Path(step.screenshot).name
            shutil.copy2(folder / step.screenshot, dest)
            kept[step.screenshot] = str(dest)
    return kept


def describe_failure(result: RunResult, screenshots: dict[str, str], base: Path, card: Path | None = None) -> str:
    """The CLI's words for a failed account, plus the step's documented wording and the first lines
    of the page card, when the page was one the runner did not understand."""
    from ..reporters.console import BADGES, account_lines
    from ..reporters.pagecard import HEAD, card_lines, load_card

    failure = result.failure
    # the first line is what pytest's short summary shows after the test id, cut to the terminal's
    # width: the category and step first, as `run`'s summary table says them
    headline = f"{failure.category} at {failure.step!r}" if failure and failure.step else \
        (failure.category if failure else result.status)
    badge = f"{BADGES.get(result.status, result.status)} {result.account} ({result.duration_ms / 1000:.1f}s)"
    lines = [headline, badge, *account_lines(result, detail=True)]
    shot = result.failure_screenshot()
    if shot in screenshots:
        path = Path(screenshots[shot])
        lines.append(f"    screenshot: {os.path.relpath(path, base) if path.is_absolute() else path}")
    loaded = load_card(card.parent, card.name) if card is not None else None
    if card is not None and loaded is not None:
        lines.append(f"    page card: {os.path.relpath(card, base) if card.is_absolute() else card}")
        lines += [f"      {line}" for line in card_lines(loaded)[:HEAD]]
    return "\n".join(lines)
