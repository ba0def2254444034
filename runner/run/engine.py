"""Validated flow -> results: one browser per run, one fresh context (the InPrivate window) per
account, N accounts at once, and every account ends with an answer.

Nothing an account does can stop another: each account's run (account.py) turns its errors into
a failure category, and the report on disk is rewritten after every account so that a crash or
Ctrl-C still leaves a valid record of what finished. This module keeps the run's lifecycle: the
browser, the accounts' contexts, the worker pool, and the signals that stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks.pictures import PictureMaker
from ..core.errors import UsageError
from ..core.model import GENERATE_PHOTO, AccountSpec, Flow, Listener, RunOptions
from ..core.redact import redact
from ..core.results import (
    Failure,
    GeneratedPhoto,
    Outcome,
    Report,
    RunResult,
    StepFailure,
    StepResult,
    action_for,
    now_iso,
    slug,
    write_json_atomic,
)
from ..secrets.account_secrets import Secrets
from ..signin import PASSKEY_GUARD_JS
from ..spec.steps import STEP_TYPES
from .account import AccountRun
from .browser import context_args, launch, plain_user_agent
from .failures import classify
from .retry import with_retries
from .snoozes import SnoozeCounts

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

    from ..secrets.credentials import CredentialStore

log = logging.getLogger("m365replay")
INTERRUPTED = "The run was stopped while this account was running."


def needs(flow: Flow, kind: str) -> bool:
    """Whether the flow types this kind of secret (so a missing one fails before any browser work)."""
    return any(STEP_TYPES[step.command].secret_in(step.arg) == kind for step in flow.every_step())


def checks_in(flow: Flow) -> int:
    """How many steps of the flow re-check as long as --until-synced allows (compare_images)."""
    return sum(STEP_TYPES[step.command].until_synced for step in flow.every_step())


def to_failure(failure: StepFailure) -> Failure:
    """The report's form of a failure: redacted, with the helpdesk's next action."""
    details = {k: redact(str(v)) if isinstance(v, str) else v
               for k, v in failure.details.items() if v is not None and k != "step"}
    details.pop("action", None)  # a step's own next action (upload's `refused: {next: ...}`) wins
    return Failure(failure.category, redact(failure.message) or "", failure.details.get("step"),
                   failure.details.get("action") or action_for(failure.category), details,
                   page_card=failure.page_card)


class Engine:
    def __init__(self, flow: Flow, options: RunOptions, store: CredentialStore, listener: Listener | None = None):
        self.flow = flow
        self.options = options
        self.store = store
        self.listener = listener or Listener()
        self.stop_requested = False
        self.report = Report(flow=flow.name, source=flow.source, flow_file=str(flow.path), started_at=now_iso())
        self._browser: Browser | None = None
        self._browser_name = ""
        self._launch_lock = asyncio.Lock()
        self._playwright: Any = None
        self._user_agent: str | None = None
        self._order: dict[str, int] = {}
        self._running: set[asyncio.Task[RunResult]] = set()
        self._interrupt: BaseException | None = None
        self._pictures = PictureMaker(options.report_dir)  # `photo: generate`, one generator for the run
        self._snoozes = SnoozeCounts(options.report_dir, self.report.started_at)  # over the run history

    # ------------------------------------------------------------------ report
    @property
    def report_path(self) -> Path:
        return self.options.report_dir / "report.json"

    def write_report(self) -> None:
        self.report.runs.sort(key=lambda r: self._order.get(r.account, 0))
        write_json_atomic(self.report_path, self.report.to_dict())

    def _record(self, result: RunResult) -> None:
        self.report.runs.append(result)
        self.write_report()
        try:
            self.listener.account_finished(result)
        except KeyboardInterrupt as exc:  # Ctrl-C while the terminal was being written: stop cleanly
            self._interrupt = exc
            self.request_stop()

    # ------------------------------------------------------------------ browser
    async def browser(self) -> Browser:
        async with self._launch_lock:
            if self._browser is None or not self._browser.is_connected():
                if self._browser is not None:
                    log.warning("The browser stopped; starting a new one for the remaining accounts.")
                self._browser, self._browser_name = await launch(self._playwright.chromium, self.options.browser)
                self._user_agent = await plain_user_agent(self._browser)
            return self._browser

    def context_options(self, folder: Path) -> dict[str, Any]:
        video = folder / "video" if self.options.video != "off" else None
        return context_args(self.options.locale, self._user_agent, video, self.options.simulator)

    # ------------------------------------------------------------------ accounts
    async def _check_password(self, spec: AccountSpec, secrets: Secrets) -> tuple[str, Failure] | None:
        """A missing password fails the account before any browser work."""
        if not needs(spec.flow or self.flow, "password"):
            return None
        try:
            password = await secrets.lookup("password")
        except UsageError as exc:
            return "error", Failure("missing_credential", str(exc), None, action_for("missing_credential"))
        if password:
            return None
        return "failed", to_failure(secrets.missing("password"))

    async def _open(self, folder: Path, context: BrowserContext | None, page: Page | None
                    ) -> tuple[BrowserContext, Page]:
        if context is None:
            browser = await self.browser()
            context = await browser.new_context(**self.context_options(folder))
            context.set_default_timeout(self.options.timeout * 1000)
        await context.add_init_script(PASSKEY_GUARD_JS)  # before any page: passkey prompts refused at once
        return context, page or await context.new_page()

    async def _steps(self, rt: AccountRun, spec: AccountSpec, owned: bool, traced: bool) -> StepFailure | None:
        """Run the flow's steps for one account; the failure that ended it, if any."""
        try:
            if owned and self.options.trace != "off":
                await rt.trace.start()
            elif not owned:
                rt.trace.adopt(traced)
            # the re-checks' wait too, once for each check the flow makes (qa-profile-photo makes two)
            flow = spec.flow or self.flow
            budget = self.options.account_timeout + (self.options.until_synced or 0) * checks_in(flow)
            await asyncio.wait_for(rt.run_steps(flow.steps, spec.inputs), timeout=budget)
        except TimeoutError:
            return StepFailure("timeout", f"The account did not finish within {self.options.account_timeout:.0f} s "
                               "(--account-timeout).")
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # let the clean-up (closing the context) run normally
            return StepFailure("interrupted", INTERRUPTED)
        except StepFailure as failure:
            return failure
        return None

    async def _wrap_up(self, rt: AccountRun, failure: StepFailure | None, owned: bool) -> str | None:
        """The failure screenshot, and the trace kept (owned) or handed back (pytest's)."""
        if failure is not None and failure.category not in ("browser_error", "interrupted") and not any(
            s.status == "failed" and s.screenshot for s in rt.steps
        ):
            await rt.resume_tracing()
            shot = await rt.screenshot("failure", settle=False)
            if shot:
                rt.steps.append(StepResult("failure", None, "failed", 0, shot, redact(failure.message)))
        if not owned:
            await rt.trace.hand_back()
            return None
        keep = self.options.trace == "on" or (self.options.trace == "retain-on-failure" and failure is not None)
        return await rt.trace.finish(keep, self.options.report_dir)

    async def run_account(self, spec: AccountSpec, context: BrowserContext | None = None, page: Page | None = None,
                          traced: bool = False) -> RunResult:
        """One account, start to answer; with --retries (options.retries), an account whose try ended
        in a transient fault runs again from the start in a new context of ours (retry.py). A context
        handed in (the pytest plugin's) is tried once here: its owner makes any new one."""
        if context is not None or self.options.retries <= 0:
            return await self._try_account(spec, context, page, traced)
        return await with_retries(lambda: self._try_account(spec), self.options, self.listener)

    async def _try_account(self, spec: AccountSpec, context: BrowserContext | None = None, page: Page | None = None,
                           traced: bool = False) -> RunResult:
        """One try of an account. With `context` (and `page`) given, as the pytest plugin
        does with pytest-playwright's fixtures, their owner keeps them: they are neither created
        nor closed here, and their tracing (`traced`: started by the owner) is only paused around
        secrets, its earlier chunks left in the account's folder as .trace-N.zip for the owner."""
        owned = context is None
        started_at, started = now_iso(), time.monotonic()
        folder = self.options.report_dir / slug(spec.account)
        folder.mkdir(parents=True, exist_ok=True)
        self.listener.account_started(spec.account)

        def result(status: str, failure: Failure | None, **kw: Any) -> RunResult:
            return RunResult(account=spec.account, status=status, failure=failure, started_at=started_at,
                             duration_ms=int((time.monotonic() - started) * 1000), inputs=spec.inputs, **kw)

        secrets = Secrets(self.store, spec.account)
        refused = await self._check_password(spec, secrets)
        if refused is not None:
            return result(*refused, final_url=None)
        rt: AccountRun | None = None
        failure: StepFailure | None = None
        generated: GeneratedPhoto | None = None
        try:
            # report.json keeps the inputs as given (`photo: generate`); the steps get the picture's file
            photo = spec.photo or spec.inputs.get("photo")  # the users file's, or a `photo` input the flow declares
            if photo == GENERATE_PHOTO:  # a new picture, distinct from every earlier one (pictures.py)
                generated = self._pictures.make(folder)
                photo = str((self.options.report_dir / generated.file).resolve())
            run_spec = self._with_photo(spec, photo) if photo != spec.photo else spec
            context, page = await self._open(folder, context, page)
            rt = AccountRun(self.options, self.listener, spec.account, run_spec.inputs, context, page, folder,
                            secrets, photo=run_spec.photo)
            failure = await self._steps(rt, run_spec, owned, traced)
        except (UsageError, KeyboardInterrupt, SystemExit):
            raise  # Ctrl-C under pytest must end the session, not become this account's failure
        except Exception as exc:
            log.debug("%s: %s", spec.account, exc, exc_info=True)
            failure = classify(exc, "timeout", self.options.timeout)
        final_url = trace = video = None
        if rt is not None:
            with contextlib.suppress(Exception):
                final_url = redact(rt.page.url)  # no token of the sign-in's URLs in the report
            trace = await self._wrap_up(rt, failure, owned)
        if context is not None and owned:
            video = await self._close_context(context, folder, keep_video=self.options.video == "on" or (
                self.options.video == "retain-on-failure" and failure is not None))
        outcome = rt.outcome if rt else None
        if failure is None:
            failure = self._unsynced(outcome)
        status, fail = "passed", None
        if failure is not None:
            status = {"interrupted": "skipped", "error": "error"}.get(failure.category, "failed")
            fail = to_failure(failure)
        interrupts = rt.interrupts if rt else []
        return result(status, fail, final_url=final_url, steps=rt.steps if rt else [], interrupts=interrupts,
                      warnings=[*rt.warnings, *await self._snoozes.warnings(spec.account, interrupts)] if rt else [],
                      trace=trace, video=video, outcome=outcome, generated_photo=generated,
                      changed=rt.changed if rt else [])

    @staticmethod
    def _with_photo(spec: AccountSpec, photo: str) -> AccountSpec:
        """The spec the steps run with: `${photo}` (and a `photo` input the flow declares) is the file."""
        inputs = {**spec.inputs, "photo": photo} if "photo" in spec.inputs else spec.inputs
        return AccountSpec(spec.account, inputs, photo=photo, flow=spec.flow)

    def _unsynced(self, outcome: Outcome | None) -> StepFailure | None:
        """--require-synced: a replay that passed, but whose check did not find `synced`, fails."""
        if not self.options.require_synced or outcome is None or outcome.status == "synced":
            return None
        return StepFailure("not_synced", f"--require-synced: the check found {outcome.status}: "
                           f"{outcome.message or ''}".rstrip(": "))

    async def _close_context(self, context: BrowserContext, folder: Path, keep_video: bool) -> str | None:
        videos = [page.video for page in context.pages if page.video]
        with contextlib.suppress(Exception):
            await asyncio.wait_for(context.close(), timeout=15)
        paths = []
        for video in videos:
            with contextlib.suppress(Exception):
                paths.append(Path(await video.path()))
        if not keep_video:
            shutil.rmtree(folder / "video", ignore_errors=True)
            return None
        existing = [p for p in paths if p.exists()]
        return str(existing[0].relative_to(self.options.report_dir)) if existing else None

    # ------------------------------------------------------------------ the run
    async def _worker(self, queue: asyncio.Queue[AccountSpec]) -> None:
        while not queue.empty() and not self.stop_requested:
            spec = queue.get_nowait()
            task = asyncio.create_task(self.run_account(spec))
            self._running.add(task)
            try:
                outcome = await task
            except asyncio.CancelledError:
                outcome = self._skipped(spec, INTERRUPTED)
            except UsageError as exc:
                failure = Failure("error", str(exc), None, action_for("error"))
                outcome = RunResult(spec.account, "error", 0, None, failure)
            finally:
                self._running.discard(task)
            self._record(outcome)

    async def run(self, accounts: list[AccountSpec]) -> Report:
        _quiet_playwright_debug()
        from playwright.async_api import async_playwright

        self._order = {spec.account: i for i, spec in enumerate(accounts)}
        self.options.report_dir.mkdir(parents=True, exist_ok=True)
        self.write_report()
        queue: asyncio.Queue[AccountSpec] = asyncio.Queue()
        for spec in accounts:
            queue.put_nowait(spec)
        self._install_signal_handlers()
        async with async_playwright() as playwright:
            self._playwright = playwright
            if accounts:
                await self.browser()
            self.listener.run_started(self.report, len(accounts), self._browser_name)
            workers = [asyncio.create_task(self._worker(queue)) for _ in range(max(1, self.options.workers))]
            try:
                await asyncio.gather(*workers)
            finally:
                for task in workers:
                    task.cancel()
                while not queue.empty():
                    self.report.runs.append(self._skipped(queue.get_nowait(), "Not started: the run was stopped."))
                if self._browser is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(self._browser.close(), timeout=15)
                self.report.finished_at = now_iso()
                self.report.interrupted = self.stop_requested
                self.write_report()
                self._remove_signal_handlers()
        if self._interrupt is not None:
            raise self._interrupt
        return self.report

    # ------------------------------------------------------------------ stopping
    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._on_signal)
            except NotImplementedError:  # Windows: no loop signal handlers; a plain one hands over to the loop
                with contextlib.suppress(ValueError, OSError):
                    signal.signal(sig, lambda *_: loop.call_soon_threadsafe(self._on_signal))
            except (RuntimeError, ValueError):  # not the main thread (pytest-xdist, an embedding app)
                pass

    def _remove_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
            if self.stop_requested:
                # stopping already: a further Ctrl-C, even while the process winds down after
                # the event loop, exits at once (the report is complete on disk)
                with contextlib.suppress(ValueError, OSError):
                    signal.signal(sig, lambda *_: os._exit(130))

    def _on_signal(self) -> None:
        if self.request_stop():
            self.listener.announce("Stopping: no new account starts and running ones stop now; "
                                   "press Ctrl-C again to quit at once.")
            return
        # second signal: the report on disk is already complete up to the last finished account
        with contextlib.suppress(Exception):
            self.report.interrupted = True
            self.write_report()
        os._exit(130)

    def _skipped(self, spec: AccountSpec, reason: str) -> RunResult:
        return RunResult(spec.account, "skipped", 0, None,
                         Failure("interrupted", reason, None, action_for("interrupted")), inputs=spec.inputs)

    def request_stop(self) -> bool:
        """First Ctrl-C/SIGTERM: start no new account and stop the running ones (they are
        recorded as skipped). Returns False when a stop was already requested."""
        if self.stop_requested:
            return False
        self.stop_requested = True
        for task in list(self._running):
            task.cancel()
        return True


def _quiet_playwright_debug() -> None:
    """Playwright's DEBUG=pw:* logs (in the Node driver and in the Python client, which reads the
    variable when first imported) print protocol messages, passwords included: switch them off."""
    debug = os.environ.get("DEBUG", "")
    if "pw:" in debug:
        kept = ",".join(part for part in re.split(r"[\s,]+", debug) if part and "pw:" not in part)
        if kept:
            os.environ["DEBUG"] = kept
        else:
            os.environ.pop("DEBUG", None)
        log.warning("DEBUG=pw:* is ignored: Playwright's debug logs would record passwords.")
    with contextlib.suppress(Exception):
        from playwright._impl.utils.debug_logger import debug_logger

        debug_logger._names = []
