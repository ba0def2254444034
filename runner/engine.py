"""Validated flow -> results: one browser per run, one fresh context (the InPrivate window) per
account, N accounts at once, and every account ends with an answer.

Nothing an account does can stop another: each account's errors are classified into a
failure category here, and the report on disk is rewritten after every account so that a
crash or Ctrl-C still leaves a valid record of what finished.
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
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .browser import BrowserSettings, launch
from .credentials import CredentialStore, normalize_totp_secret, totp_code
from .errors import UsageError
from .flow import Flow, Step
from .redact import redact, redactor
from .results import (
    Failure,
    Report,
    RunResult,
    StepFailure,
    StepResult,
    action_for,
    now_iso,
    write_json_atomic,
)
from .signin import PASSKEY_GUARD_JS
from .steps import REGISTRY

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Locator, Page

    from .simulator import Simulator

log = logging.getLogger("m365replay")

NETWORK_ERRORS = ("ERR_CONNECTION_RESET", "ERR_CONNECTION_REFUSED", "ERR_CONNECTION_CLOSED", "ERR_EMPTY_RESPONSE",
                  "ERR_TUNNEL_CONNECTION_FAILED", "ERR_PROXY_CONNECTION_FAILED", "ERR_NAME_NOT_RESOLVED",
                  "ERR_INTERNET_DISCONNECTED", "ERR_ADDRESS_UNREACHABLE", "ERR_CONNECTION_TIMED_OUT",
                  "ERR_NETWORK_CHANGED", "ERR_SSL_PROTOCOL_ERROR", "ERR_TIMED_OUT")
CLOSED_MARKERS = ("has been closed", "Browser closed", "browser has disconnected", "Target crashed",
                  "Connection closed", "Target closed", "Browser.new_context: Target", "crashed")
SECRET_MARK = "__m365replaySecretTyped"
VAR_RE = re.compile(r"\$\{([^}]*)\}")


@dataclass
class RunOptions:
    report_dir: Path
    browser: BrowserSettings = field(default_factory=BrowserSettings)
    workers: int = 1
    locale: str | None = None
    timeout: float = 30.0
    account_timeout: float = 300.0
    sign_in_timeout: float = 120.0
    unrecognized_after: float = 20.0
    mfa_wait: float = 60.0
    when_probe: float = 3.0
    trace: str = "retain-on-failure"
    video: str = "off"
    navigation_retries: int = 2
    simulator: Simulator | None = None
    # a person is at the keyboard (default: when headed) and can approve a push notification
    interactive: bool | None = None

    @property
    def can_ask_a_person(self) -> bool:
        return self.browser.headed if self.interactive is None else self.interactive


@dataclass
class AccountSpec:
    account: str
    inputs: dict[str, Any]


class Listener:
    """What the terminal (or a test) hears as the run goes; every method is optional."""

    def run_started(self, report: Report, total: int, browser: str) -> None: ...
    def account_started(self, account: str) -> None: ...
    def step_started(self, account: str, step: str) -> None: ...
    def account_finished(self, result: RunResult) -> None: ...
    def announce(self, message: str) -> None: ...


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80] or "x"


def is_closed_error(exc: BaseException) -> bool:
    return any(marker in str(exc) for marker in CLOSED_MARKERS)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def classify(exc: BaseException, command: str | None, timeout_s: float) -> StepFailure:
    """Turn whatever a step raised into a failure category with a plain message."""
    if isinstance(exc, StepFailure):
        return exc
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    message = redact(first_line(exc)) or ""
    if isinstance(exc, asyncio.TimeoutError):
        return StepFailure("timeout", f"The step did not finish within {timeout_s:.0f} s.")
    if isinstance(exc, PlaywrightTimeoutError):
        category = REGISTRY[command].on_timeout if command in REGISTRY else "timeout"
        return StepFailure(category, message)
    if isinstance(exc, AssertionError):
        return StepFailure("page_changed", message.replace("Locator expected", "Expected"))
    if isinstance(exc, PlaywrightError):
        network = next((code for code in NETWORK_ERRORS if code in str(exc)), None)
        if network:
            return StepFailure("unreachable", message, network_error=network)
        if is_closed_error(exc):
            return StepFailure("browser_error", message)
        if "Timeout" in message and "exceeded" in message:
            return StepFailure(REGISTRY[command].on_timeout if command in REGISTRY else "timeout", message)
    return StepFailure("error", f"{type(exc).__name__}: {message}")


class AccountRun:
    """The runtime a step handler works with: the account's context, its current page, its
    variables and secrets, and the record of its steps."""

    def __init__(self, engine: Engine, spec: AccountSpec, context: BrowserContext, page: Page, folder: Path,
                 secrets: dict[str, str | None] | None = None):
        self.engine = engine
        self.options = engine.options
        self.account = spec.account
        self.context = context
        self.page = page
        self.folder = folder
        self.variables: dict[str, Any] = {"account": spec.account, **spec.inputs}
        self.steps: list[StepResult] = []
        self.warnings: list[str] = []
        self.timeout_ms = self.options.timeout * 1000
        self._new_pages: list[Page] = []
        self._secrets: dict[str, str | None] = dict(secrets or {})  # read once per account
        self._tracing = False
        self._trace_paused = False
        self._chunks: list[Path] = []
        self._shots = 0
        self.current_step: str | None = None
        self._inflight: dict[Any, float] = {}
        context.on("page", self._on_page)
        context.on("request", self._request_started)
        context.on("requestfinished", self._request_ended)
        context.on("requestfailed", self._request_failed)
        context.on("response", self._response)
        page.on("crash", self._on_crash)
        self._crashed = False
        self._navigation_failed: tuple[str, str] | None = None

    def _on_page(self, page: Page) -> None:
        self._new_pages.append(page)
        page.on("crash", self._on_crash)

    def _on_crash(self, *_: Any) -> None:
        self._crashed = True

    def _response(self, response: Any) -> None:
        with contextlib.suppress(Exception):
            if response.status >= 500 and response.request.is_navigation_request():
                self._navigation_failed = (response.url, f"HTTP {response.status}")

    def _request_failed(self, request: Any) -> None:
        self._inflight.pop(request, None)
        if request.is_navigation_request():
            error = str(request.failure or "").removeprefix("net::").strip()
            self._navigation_failed = (request.url, error or "failed")

    def _request_started(self, request: Any) -> None:
        self._inflight[request] = time.monotonic()

    def _request_ended(self, request: Any) -> None:
        self._inflight.pop(request, None)

    def slowest_request(self, older_than: float = 2.0) -> str | None:
        """URL of a request still waiting for its response after `older_than` seconds: a slow
        server, not a changed page."""
        now = time.monotonic()
        waiting = [(start, req) for req, start in self._inflight.items() if now - start > older_than]
        return min(waiting, key=lambda item: item[0])[1].url if waiting else None

    # ------------------------------------------------------------------ variables and locators
    def text(self, value: str) -> str:
        def sub(match: re.Match[str]) -> str:
            return str(self.variables.get(match.group(1).strip(), match.group(0)))

        parts = value.split("$$")
        return "$".join(VAR_RE.sub(sub, part) for part in parts)

    def locator(self, spec: dict[str, Any], page: Page | None = None) -> Locator:
        page = page or self.page
        exact = spec.get("exact")
        if "selector" in spec:
            loc = page.locator(self.text(spec["selector"]))
        elif "any" in spec:
            items = [self.locator(item, page) for item in spec["any"]]
            loc = items[0]
            for other in items[1:]:
                loc = loc.or_(other)
        elif "role" in spec:
            name = self.text(spec["name"]) if "name" in spec else None
            loc = page.get_by_role(spec["role"], name=name, exact=exact)  # type: ignore[arg-type]
        elif "label" in spec:
            loc = page.get_by_label(self.text(spec["label"]), exact=exact)
        elif "text" in spec:
            loc = page.get_by_text(self.text(spec["text"]), exact=exact)
        elif "testid" in spec:
            loc = page.get_by_test_id(self.text(spec["testid"]))
        elif "css" in spec:
            loc = page.locator(self.text(spec["css"]))
        elif "id" in spec:
            loc = page.locator(f'[id="{self.text(spec["id"])}"]')
        elif "placeholder" in spec:
            loc = page.get_by_placeholder(self.text(spec["placeholder"]), exact=exact)
        elif "alt" in spec:
            loc = page.get_by_alt_text(self.text(spec["alt"]), exact=exact)
        else:
            loc = page.get_by_title(self.text(spec["title"]), exact=exact)
        if "nth" in spec:
            loc = loc.nth(int(spec["nth"]))
        return loc

    # ------------------------------------------------------------------ pages
    def switch_to(self, page: Page) -> None:
        if page is not self.page:
            log.debug("%s: continuing in the new tab %s", self.account, page.url)
            self.page = page

    def _adopt_new_page(self) -> None:
        """A click that opened a tab without saying so: carry on in the newest open tab."""
        while self._new_pages:
            page = self._new_pages.pop()
            if not page.is_closed():
                self.switch_to(page)
                self._new_pages.clear()
        if self.page.is_closed():
            open_pages = [p for p in self.context.pages if not p.is_closed()]
            if open_pages:
                self.page = open_pages[-1]

    async def wait_loaded(self, page: Page) -> None:
        """A page that never finishes loading is slowness (`timeout`), not a changed page."""
        from playwright.async_api import TimeoutError as PlaywrightTimeoutError

        try:
            await page.wait_for_load_state("domcontentloaded", timeout=self.timeout_ms)
        except PlaywrightTimeoutError:
            raise StepFailure("timeout", f"{page.url} did not finish loading within {self.timeout_ms / 1000:.0f} s.",
                              url=page.url) from None

    async def navigate(self, url: str) -> None:
        """goto, retried with backoff on network errors only (a GET is safe to repeat)."""
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import TimeoutError as PlaywrightTimeoutError

        attempts = self.options.navigation_retries + 1
        for attempt in range(attempts):
            try:
                response = await self.page.goto(url, wait_until="load", timeout=self.timeout_ms)
            except PlaywrightTimeoutError:
                raise StepFailure("timeout", f"{url} did not finish loading within {self.timeout_ms / 1000:.0f} s.",
                                  url=url) from None
            except PlaywrightError as exc:
                network = next((code for code in NETWORK_ERRORS if code in str(exc)), None)
                if network is None:
                    raise
                if attempt == attempts - 1:
                    raise StepFailure("unreachable", f"{url} could not be reached ({network}) after {attempts} "
                                      "tries.", url=url, network_error=network, attempts=attempts) from None
                log.info("%s: %s on %s, retrying (%d/%d)", self.account, network, url, attempt + 1, attempts - 1)
                await asyncio.sleep(min(1.0 * 2**attempt, 8.0))
                continue
            if response is not None and response.status >= 500:
                raise StepFailure("unreachable", f"{url} answered HTTP {response.status}.", url=response.url,
                                  http_status=response.status)
            return

    # ------------------------------------------------------------------ secrets
    async def _lookup(self, kind: str) -> str | None:
        if kind not in self._secrets:
            value = await asyncio.to_thread(self.engine.store.get, kind, self.account)
            redactor.add(value)
            if kind == "totp" and value:  # as typed and as used (grouped, lower case)
                with contextlib.suppress(ValueError):
                    redactor.add(normalize_totp_secret(value))
            self._secrets[kind] = value
        return self._secrets[kind]

    async def has_secret(self, kind: str) -> bool:
        return bool(await self._lookup(kind))

    async def secret(self, kind: str) -> str:
        value = await self._lookup(kind)
        if not value:
            what = "password" if kind == "password" else "TOTP secret"
            flag = "" if kind == "password" else " --totp"
            raise StepFailure("missing_credential", f"No {what} is stored for {self.account}; "
                              f"run `m365-replay creds set {self.account}{flag}`.")
        if kind == "totp":
            try:
                code = totp_code(value)
            except ValueError as exc:  # the message never quotes the secret
                raise StepFailure("missing_credential", f"The TOTP secret stored for {self.account} is unusable: "
                                  f"{exc}; store it again: `m365-replay creds set {self.account} --totp`.") from None
            redactor.add(code)
            return code
        return value

    async def fill_secret(self, target: Locator, kind: str) -> None:
        """Type a secret so that no trace, screenshot, video or log can hold it.

        Tracing pauses before the value reaches the page and resumes only once the page has
        navigated away (see _resume_tracing), because trace snapshots record input values and
        the network log records the form post. The field is drawn as dots whatever its type.
        """
        value = await self.secret(kind)
        await target.wait_for(state="visible", timeout=self.timeout_ms)
        await self._pause_tracing()
        await target.evaluate("(e) => { e.style.webkitTextSecurity = 'disc'; e.setAttribute('data-m365-secret', ''); }")
        await target.fill(value, timeout=self.timeout_ms)
        with contextlib.suppress(Exception):
            await self.page.evaluate(f"window.{SECRET_MARK} = true")

    # ------------------------------------------------------------------ tracing
    async def start_tracing(self) -> None:
        if self.options.trace == "off":
            return
        await self.context.tracing.start(title=self.account, screenshots=True, snapshots=True, sources=False)
        self._tracing = True

    async def _pause_tracing(self) -> None:
        if self._tracing and not self._trace_paused:
            chunk = self.folder / f".trace-{len(self._chunks)}.zip"
            await self.context.tracing.stop_chunk(path=chunk)
            self._chunks.append(chunk)
            self._trace_paused = True

    async def resume_tracing(self) -> None:
        """Resume once no page in the context still holds a typed secret."""
        if not self._trace_paused:
            return
        for page in self.context.pages:
            try:
                if await page.evaluate(f"!!window.{SECRET_MARK}"):
                    return
            except Exception:
                return
        await self.context.tracing.start_chunk(title=self.account)
        self._trace_paused = False

    async def finish_tracing(self, keep: bool) -> str | None:
        if not self._tracing:
            return None
        with contextlib.suppress(Exception):
            if not self._trace_paused:
                chunk = self.folder / f".trace-{len(self._chunks)}.zip"
                await self.context.tracing.stop_chunk(path=chunk)
                self._chunks.append(chunk)
            await self.context.tracing.stop()
        self._tracing = False
        chunks = [c for c in self._chunks if c.exists()]
        target = self.folder / "trace.zip"
        if keep and chunks:
            merge_traces(chunks, target)
        for chunk in chunks:
            chunk.unlink(missing_ok=True)
        return str(target.relative_to(self.options.report_dir)) if keep and target.exists() else None

    def adopt_tracing(self, traced: bool) -> None:
        """The context's owner started tracing it: pause and resume that tracing around secrets
        as if it were ours."""
        self._tracing = traced

    async def hand_back_tracing(self) -> None:
        """Leave the owner's tracing recording, as it was found. A page may still hold a typed
        secret (a failure on the password page): blank such fields first, as the owner's trace
        records the page again from here on."""
        if self._tracing and self._trace_paused:
            for page in self.context.pages:
                with contextlib.suppress(Exception):
                    await page.evaluate("() => document.querySelectorAll('[data-m365-secret], input[type=password]')"
                                        ".forEach((e) => { e.value = ''; })")
            with contextlib.suppress(Exception):
                await self.context.tracing.start_chunk(title=self.account)
            self._trace_paused = False
        self._tracing = False

    def trace_state(self, name: str) -> None:
        log.debug("%s: sign-in page state %s", self.account, name)

    # ------------------------------------------------------------------ reporting helpers
    def warn(self, message: str) -> None:
        self.warnings.append(redact(message) or "")
        log.warning("%s: %s", self.account, message)

    def announce(self, message: str) -> None:
        self.engine.listener.announce(redact(message) or "")

    def browser_gone(self, exc: BaseException) -> bool:
        return is_closed_error(exc)

    def network_failure(self) -> tuple[str, str] | None:
        """(URL, error) of the navigation that left the browser on its own error page, if it did.

        A dropped network mid-way (a form post reset, a server that refused) is not followed by
        a retry, since a POST is not safe to repeat: the browser shows chrome-error:// instead of
        Microsoft's page, and that must read as `unreachable`, never as a changed page.
        """
        with contextlib.suppress(Exception):
            failed = self._navigation_failed
            if failed and (self.page.url.startswith("chrome-error://")
                           or (failed[1].startswith("HTTP ") and self.page.url == failed[0])):
                return failed
        return None

    def browser_dead(self) -> bool:
        """The browser (or this page's renderer) died: what failed after it is not the page's fault."""
        if self._crashed:
            return True
        try:
            browser = self.context.browser
            return self.page.is_closed() or (browser is not None and not browser.is_connected())
        except Exception:
            return True

    def explain(self, failure: StepFailure) -> StepFailure:
        """A step that saw a changed page or a timeout may have seen a dead browser or network."""
        if failure.category not in ("page_changed", "timeout", "error"):
            return failure
        if self.browser_dead():
            return StepFailure("browser_error", f"The browser stopped during this step ({failure.message})",
                               **failure.details)
        failed = self.network_failure()
        if failed is not None:
            url, error = failed
            details = {**failure.details, "url": url, "network_error": error}
            if error.startswith("HTTP "):
                details["http_status"] = int(error.split()[1])
                return StepFailure("unreachable", f"{url} answered {error}.", **details)
            return StepFailure("unreachable", f"{url} could not be reached ({error}); the browser shows its own "
                               "error page.", **details)
        return failure

    async def screenshot(self, name: str, full_page: bool = False, settle: bool = True) -> str | None:
        """A screenshot with every secret field masked; path relative to the report folder.

        After a failure (settle=False) the page may still be loading, which blocks a screenshot:
        do not wait for it to draw, and give up sooner."""
        self._shots += 1
        path = self.folder / f"{self._shots:02d}-{slug(name)}.png"
        page = self.page
        if page.is_closed():
            return None
        mask = [page.locator("input[type=password]"), page.locator("[data-m365-secret]"),
                page.locator("input[name=otc]")]
        if settle:
            with contextlib.suppress(Exception):  # single-page apps draw after "load": give them a moment
                await page.wait_for_function("document.body && document.body.innerText.trim().length > 0",
                                             timeout=2000)
        try:
            await page.screenshot(path=path, full_page=full_page, mask=mask, timeout=10_000 if settle else 3_000,
                                  animations="disabled")
        except Exception as exc:
            if is_closed_error(exc):
                return None
            log.debug("%s: screenshot failed: %s", self.account, first_line(exc))
            return None
        return str(path.relative_to(self.options.report_dir))

    # ------------------------------------------------------------------ steps
    async def _probe(self, spec: dict[str, Any], timeout_s: float) -> bool:
        try:
            await self.locator(spec).first.wait_for(state="visible", timeout=timeout_s * 1000)
            return True
        except Exception as exc:
            if is_closed_error(exc):
                raise
            return False

    async def _skip_reason(self, step: Step, window: float) -> str | None:
        """Why a step guarded by `when`/`unless` is skipped, or None to run it.

        Both locators are probed at once and the first decisive answer wins: a visible `unless`
        skips at once, a `when` not visible within the window skips. So a step with both costs one
        probe window at most, whichever way it goes (probed one after the other, two windows when
        neither shows: 6 s on a page where a Microsoft 365 app simply has neither element)."""
        probes: dict[str, asyncio.Future[bool]] = {}
        if step.when is not None:
            probes["when"] = asyncio.ensure_future(self._probe(step.when, window))
        if step.unless is not None:
            probes["unless"] = asyncio.ensure_future(self._probe(step.unless, window))
        pending: set[asyncio.Future[bool]] = set(probes.values())
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if "unless" in probes and probes["unless"] in done and probes["unless"].result():
                    return "`unless` locator visible"
                if "when" in probes and probes["when"] in done and not probes["when"].result():
                    return "`when` locator not visible"
            return None
        finally:
            for probe in pending:
                probe.cancel()
            await asyncio.gather(*probes.values(), return_exceptions=True)

    def _budget(self, step: Step) -> float:
        """Outer bound on a whole step; Playwright's own timeouts normally fire first."""
        if step.command == "sign_in":
            base = step.timeout or self.options.sign_in_timeout
            return base + (self.options.mfa_wait if self.options.can_ask_a_person else 0)
        if step.command == "use":
            return self.options.account_timeout
        return (step.timeout or self.options.timeout) * 2 + 10

    async def run_steps(self, steps: list[Step], variables: dict[str, Any] | None = None, prefix: str = "") -> None:
        saved = self.variables
        if variables is not None:
            self.variables = {"account": self.account, **variables}
        try:
            for step in steps:
                await self.run_step(step, prefix)
        finally:
            self.variables = saved

    async def run_step(self, step: Step, prefix: str = "") -> None:
        name = self.text(f"{prefix} › {step.name}" if prefix else step.name)
        self.current_step = name
        self.engine.listener.step_started(self.account, name)
        started = time.monotonic()
        self._adopt_new_page()
        await self.resume_tracing()
        self.timeout_ms = (step.timeout or self.options.timeout) * 1000
        result = StepResult(name=name, doc=step.doc, status="passed", duration_ms=0)
        index = len(self.steps)  # a sub-flow's own row goes before the rows of its steps
        failure: StepFailure | None = None
        try:
            probe = min(self.options.when_probe, step.timeout or self.options.when_probe)
            guarded = step.when is not None or step.unless is not None
            skip = await self._skip_reason(step, probe) if guarded else None
            if skip is not None:
                result.status, result.message = "skipped", skip
            else:
                handler = REGISTRY[step.command].handler
                budget = self._budget(step)
                await asyncio.wait_for(handler(self, step.arg, step), timeout=budget)
                self._adopt_new_page()
                await self.resume_tracing()
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise  # a stop (Ctrl-C under pytest arrives as KeyboardInterrupt) is never a step's failure
        except Exception as exc:
            failure = self.explain(classify(exc, step.command, self._budget(step)))
            if "url" not in failure.details:
                with contextlib.suppress(Exception):
                    failure.details["url"] = self.page.url
            result.status = "failed"
            result.message = redact(failure.message)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        from_child = failure is not None and "step" in failure.details
        if (step.doc or failure is not None) and result.status != "skipped" and not from_child:
            await self.resume_tracing()
            result.screenshot = await self.screenshot(name, settle=failure is None)
        self.steps.insert(index, result)
        if failure is not None:
            if step.optional and failure.category not in ("browser_error", "missing_credential"):
                self.warn(f"optional step {name!r} failed: {failure.message}")
                return
            failure.details.setdefault("step", name)
            raise failure


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
        self.listener.account_finished(result)

    # ------------------------------------------------------------------ browser
    async def browser(self) -> Browser:
        async with self._launch_lock:
            if self._browser is None or not self._browser.is_connected():
                if self._browser is not None:
                    log.warning("The browser stopped; starting a new one for the remaining accounts.")
                self._browser, self._browser_name = await launch(self._playwright.chromium, self.options.browser)
                self._user_agent = await self._plain_user_agent(self._browser)
            return self._browser

    async def _plain_user_agent(self, browser: Browser) -> str | None:
        """Headless Chromium says "HeadlessChrome" in its user agent, which Conditional Access
        policies may block; present the same browser as plain Chrome."""
        try:
            context = await browser.new_context()
            page = await context.new_page()
            agent = await page.evaluate("navigator.userAgent")
            await context.close()
        except Exception:
            return None
        return str(agent).replace("HeadlessChrome", "Chrome")

    def context_options(self, folder: Path) -> dict[str, Any]:
        opts: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
        if self.options.locale:
            opts["locale"] = self.options.locale
        if self._user_agent:
            opts["user_agent"] = self._user_agent
        if self.options.video != "off":
            opts["record_video_dir"] = str(folder / "video")
        if self.options.simulator is not None:
            opts.update(self.options.simulator.context_options())
        return opts

    # ------------------------------------------------------------------ accounts
    def needs(self, kind: str) -> bool:
        def walk(steps: list[Step]) -> bool:
            for step in steps:
                if step.command == "sign_in" and kind == "password":
                    return True
                if step.command == "fill_secret" and (step.arg.get("secret") or "password") == kind:
                    return True
                if step.subflow is not None and walk(step.subflow.steps):
                    return True
            return False

        return walk(self.flow.steps)

    async def run_account(self, spec: AccountSpec, context: BrowserContext | None = None, page: Page | None = None,
                          traced: bool = False) -> RunResult:
        """One account, start to answer. With `context` (and `page`) given, as the pytest plugin
        does with pytest-playwright's fixtures, their owner keeps them: they are neither created
        nor closed here, and their tracing (`traced`: started by the owner) is only paused around
        secrets, its earlier chunks left in the account's folder as .trace-N.zip for the owner."""
        owned = context is None
        started_at = now_iso()
        started = time.monotonic()
        folder = self.options.report_dir / slug(spec.account)
        folder.mkdir(parents=True, exist_ok=True)
        self.listener.account_started(spec.account)

        def result(status: str, failure: Failure | None, **kw: Any) -> RunResult:
            return RunResult(account=spec.account, status=status, failure=failure, started_at=started_at,
                             duration_ms=int((time.monotonic() - started) * 1000), inputs=spec.inputs, **kw)

        known: dict[str, str | None] = {}
        if self.needs("password"):
            try:
                password = await asyncio.to_thread(self.store.get, "password", spec.account)
            except UsageError as exc:
                return result("error", Failure("missing_credential", str(exc), None, action_for("missing_credential")),
                              final_url=None)
            redactor.add(password)
            known["password"] = password
            if not password:
                message = (f"No password is stored for {spec.account}; "
                           f"run `m365-replay creds set {spec.account}`.")
                return result("failed", Failure("missing_credential", message, None, action_for("missing_credential")),
                              final_url=None)

        rt: AccountRun | None = None
        failure: StepFailure | None = None
        try:
            if context is None:
                browser = await self.browser()
                context = await browser.new_context(**self.context_options(folder))
                context.set_default_timeout(self.options.timeout * 1000)
            await context.add_init_script(PASSKEY_GUARD_JS)  # before any page: passkey prompts refused at once
            if page is None:
                page = await context.new_page()
            rt = AccountRun(self, spec, context, page, folder, secrets=known)
            if owned:
                await rt.start_tracing()
            else:
                rt.adopt_tracing(traced)
            await asyncio.wait_for(rt.run_steps(self.flow.steps, spec.inputs), timeout=self.options.account_timeout)
        except TimeoutError:
            failure = StepFailure("timeout", f"The account did not finish within {self.options.account_timeout:.0f} s "
                                  "(--account-timeout).")
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # let the clean-up below (closing the context) run normally
            failure = StepFailure("interrupted", "The run was stopped while this account was running.")
        except (UsageError, KeyboardInterrupt, SystemExit):
            raise  # Ctrl-C under pytest must end the session, not become this account's failure
        except Exception as exc:
            log.debug("%s: %s", spec.account, exc, exc_info=True)
            failure = classify(exc, None, self.options.timeout)
        final_url = None
        trace = video = None
        if rt is not None:
            with contextlib.suppress(Exception):
                final_url = rt.page.url
            if failure is not None and failure.category not in ("browser_error", "interrupted") and not any(
                s.status == "failed" and s.screenshot for s in rt.steps
            ):
                await rt.resume_tracing()
                shot = await rt.screenshot("failure", settle=False)
                if shot:
                    rt.steps.append(StepResult("failure", None, "failed", 0, shot, redact(failure.message)))
            keep = self.options.trace == "on" or (self.options.trace == "retain-on-failure" and failure is not None)
            if owned:
                trace = await rt.finish_tracing(keep)
            else:
                await rt.hand_back_tracing()
        if context is not None and owned:
            video = await self._close_context(context, folder, keep_video=self.options.video == "on" or (
                self.options.video == "retain-on-failure" and failure is not None))
        status = "passed"
        fail = None
        if failure is not None:
            status = {"interrupted": "skipped", "error": "error"}.get(failure.category, "failed")
            details = {k: redact(str(v)) if isinstance(v, str) else v
                       for k, v in failure.details.items() if v is not None and k != "step"}
            fail = Failure(failure.category, redact(failure.message) or "", failure.details.get("step"),
                           action_for(failure.category), details)
        return result(status, fail, final_url=final_url, steps=rt.steps if rt else [],
                      warnings=rt.warnings if rt else [], trace=trace, video=video)

    async def _close_context(self, context: BrowserContext, folder: Path, keep_video: bool) -> str | None:
        videos = []
        for page in context.pages:
            if page.video:
                videos.append(page.video)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(context.close(), timeout=15)
        paths = []
        for video in videos:
            with contextlib.suppress(Exception):
                paths.append(Path(await video.path()))
        video_dir = folder / "video"
        if not keep_video:
            shutil.rmtree(video_dir, ignore_errors=True)
            return None
        existing = [p for p in paths if p.exists()]
        return str(existing[0].relative_to(self.options.report_dir)) if existing else None

    # ------------------------------------------------------------------ the run
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
            if any(True for _ in accounts):
                await self.browser()
            self.listener.run_started(self.report, len(accounts), self._browser_name)

            async def worker() -> None:
                while not queue.empty() and not self.stop_requested:
                    spec = queue.get_nowait()
                    task = asyncio.create_task(self.run_account(spec))
                    self._running.add(task)
                    try:
                        outcome = await task
                    except asyncio.CancelledError:
                        outcome = self._skipped(spec, "The run was stopped while this account was running.")
                    except UsageError as exc:
                        outcome = RunResult(spec.account, "error", 0, None,
                                            Failure("error", str(exc), None, action_for("error")))
                    finally:
                        self._running.discard(task)
                    self._record(outcome)

            workers = [asyncio.create_task(worker()) for _ in range(max(1, self.options.workers))]
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
        return self.report

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._on_signal)

    def _remove_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
                if self.stop_requested:
                    # stopping already: a further Ctrl-C, even while the process winds down after
                    # the event loop, exits at once (the report is complete on disk)
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


def merge_traces(chunks: list[Path], target: Path) -> None:
    """Join trace chunks into one trace.zip the trace viewer opens as one timeline, scrubbed.

    The viewer loads every `<name>.trace` entry of a zip (with `<name>.network`) and merges
    them; resources are content-addressed, so they are shared. Tracing is paused while a secret
    is typed, but the network log writes a request when its response completes, which can be
    after tracing resumed: so every text entry also goes through the redactor.
    """
    tmp = target.with_suffix(".zip.tmp")
    written: set[str] = set()
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for index, chunk in enumerate(chunks):
            with zipfile.ZipFile(chunk) as src:
                for info in src.infolist():
                    name = info.filename
                    if name.endswith((".trace", ".network", ".stacks")) and "/" not in name:
                        name = f"{index}-{name}"
                    if name in written:
                        continue
                    written.add(name)
                    out.writestr(name, _scrub(src.read(info)))
    os.replace(tmp, target)


def _scrub(data: bytes) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # images: the screencast never shows a secret (fields are drawn as dots)
    cleaned = redact(text) or ""
    return data if cleaned == text else cleaned.encode("utf-8")


def default_report_dir(base: Path = Path("m365-replay-results")) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = base / stamp
    n = 1
    while path.exists():
        n += 1
        path = base / f"{stamp}-{n}"
    return path

