"""One account's run of a flow: the StepContext that step handlers and the sign-in work with.

It holds the account's browser context and current tab, its variables, its secrets (typed,
never returned), its tracing (paused around secrets) and the record of its steps; it runs the
steps one by one and turns whatever a step raised into a failure category (failures.py), with
what the context saw underneath (watch.py) so that the network or a dead browser is never
reported as a changed page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.redact import redact
from ..core.results import Interrupt, Outcome, StepFailure, StepResult, now_iso, slug
from ..secrets.account_secrets import Secrets
from ..spec.steps import STEP_TYPES
from .failures import (
    classify,
    explain,
    first_line,
    is_closed_error,
    located,
    navigation_race,
    network_error,
    under_faults,
    with_card,
)
from .flowedit import waited_for
from .pageread import wants_card, write_card
from .steps import HANDLERS
from .tracing import SECRET_MARK, AccountTrace
from .watch import ContextWatch

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Locator, Page

    from ..core.model import Listener, RunOptions, Step

log = logging.getLogger("m365replay")
MASK_JS = "(e) => { e.style.webkitTextSecurity = 'disc'; e.setAttribute('data-m365-secret', ''); }"


class AccountRun:
    """Implements context.StepContext for one account."""

    def __init__(self, options: RunOptions, listener: Listener, account: str, inputs: dict[str, Any],
                 context: BrowserContext, page: Page, folder: Path, secrets: Secrets, photo: str | None = None):
        self.options = options
        self.listener = listener
        self.account = account
        self.context = context
        self.page = page
        self.folder = folder
        self.secrets = secrets
        self.builtins: dict[str, Any] = {"account": account, "photo": photo or ""}  # flow.BUILTIN_VARIABLES
        self.variables: dict[str, Any] = {**self.builtins, **inputs}
        self.outcome: Outcome | None = None
        self.uploaded: set[str] = set()  # files `upload` handed to a page (a check then names them so)
        self.changed: list[str] = []  # what the steps that passed changed (their `changes:`)
        self.steps: list[StepResult] = []
        self.warnings: list[str] = []
        self.interrupts: list[Interrupt] = []  # what the sign-in met (runner/signin/interrupts.py)
        self.timeout_ms = options.timeout * 1000
        self.current_step: str | None = None
        self.trace = AccountTrace(context, folder, account)
        self.watch = ContextWatch(context, page)
        self._shots = 0
        self.notes: list[str] = []  # what the current step did worth a line in its result (a states file's row)

    # ------------------------------------------------------------------ variables and locators
    def text(self, value: str) -> str:
        from ..core.locators import interpolate

        return interpolate(value, self.variables)

    def locator(self, spec: dict[str, Any], page: Page | None = None) -> Locator:
        from ..core.locators import build_locator

        return build_locator(page or self.page, spec, self.text)

    async def find(self, spec: dict[str, Any], state: str = "visible") -> Locator:
        """The locator a step acts on, once it is in `state` (visible, attached). For an ordered
        fallback (`first_of:`) that is the first alternative, in the flow's order, in that state as
        soon as any is: never several at once (a click on two matches would be ambiguous)."""
        from ..core.locators import alternatives, describe_locator

        whole = self.locator(spec)
        await whole.first.wait_for(state=state, timeout=self.timeout_ms)  # type: ignore[arg-type]
        if "first_of" not in spec:
            return whole
        listed = alternatives(spec)
        for n, alternative in enumerate(listed):
            found = self.locator(alternative)
            if await found.count() and (state != "visible" or await found.first.is_visible()):
                if n:  # worth knowing: the earlier ones (a public id, say) are no longer on the page
                    self.notes.append(f"found by {describe_locator(alternative)} (alternative {n + 1} of "
                                      f"{len(listed)}); {describe_locator(listed[0])} was not on the page")
                return found.nth(int(spec["nth"])) if "nth" in spec else found
        return whole  # gone again in between: the whole, as `any:` would

    # ------------------------------------------------------------------ pages
    def switch_to(self, page: Page) -> None:
        if page is not self.page:
            log.debug("%s: continuing in the new tab %s", self.account, page.url)
            self.notes.append("continued in the new tab it opened")
            self.page = page

    def _adopt_new_page(self) -> None:
        self.switch_to(self.watch.newest_page(self.page))

    async def wait_loaded(self, page: Page) -> None:
        """A page that never finishes loading is slowness (`timeout`), not a changed page."""
        from playwright.async_api import TimeoutError as PlaywrightTimeoutError

        try:
            await page.wait_for_load_state("domcontentloaded", timeout=self.timeout_ms)
        except PlaywrightTimeoutError:
            raise StepFailure("timeout", f"{page.url} did not finish loading within {self.timeout_ms / 1000:.0f} s.",
                              url=page.url) from None

    async def navigate(self, url: str) -> None:
        """goto, retried with backoff on network errors only (a GET is safe to repeat).

        A retry never races the browser: after a network error Chromium still commits its own error
        page (chrome-error://) for the failed navigation, a moment after goto has given up on it, and a
        goto started before that is interrupted by it. So the failed navigation is waited for first."""
        attempts = self.options.navigation_retries + 1
        for attempt in range(attempts):
            response = await self._goto_once(url, last=attempt == attempts - 1, attempts=attempts)
            if response is False:
                log.info("%s: network error on %s, retrying (%d/%d)", self.account, url, attempt + 1, attempts - 1)
                await asyncio.sleep(min(self.options.navigation_backoff * 2**attempt, 8.0))
                continue
            if response is not None and response.status >= 500:
                raise StepFailure("unreachable", f"{url} answered HTTP {response.status}.", url=response.url,
                                  http_status=response.status)
            return

    async def _goto_once(self, url: str, last: bool, attempts: int) -> Any:
        """The response, or False after a network error worth another try (once the browser is done
        with the failed navigation)."""
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import TimeoutError as PlaywrightTimeoutError

        page = self.page
        error_page = asyncio.Event()

        def on_navigated(frame: Any) -> None:
            if frame == page.main_frame and frame.url.startswith("chrome-error://"):
                error_page.set()

        page.on("framenavigated", on_navigated)
        try:
            return await page.goto(url, wait_until="load", timeout=self.timeout_ms)
        except PlaywrightTimeoutError:
            raise StepFailure("timeout", f"{url} did not finish loading within {self.timeout_ms / 1000:.0f} s.",
                              url=url) from None
        except PlaywrightError as exc:
            network = network_error(exc) or ("navigation interrupted" if navigation_race(exc) else None)
            if network is None:
                raise
            await self._settle(error_page)
            if last:
                raise StepFailure("unreachable", f"{url} could not be reached ({network}) after {attempts} tries.",
                                  url=url, network_error=network, navigation_tries=attempts) from None
            return False
        finally:
            page.remove_listener("framenavigated", on_navigated)

    async def _settle(self, error_page: asyncio.Event, limit: float = 5.0) -> None:
        """Wait until the browser has shown its error page for the navigation that failed, and that
        page has loaded (at most `limit` seconds: a navigation aborted without one leaves none)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(error_page.wait(), timeout=limit)
        with contextlib.suppress(Exception):
            await self.page.wait_for_load_state("load", timeout=limit * 1000)

    def slowest_request(self, older_than: float = 2.0) -> str | None:
        return self.watch.slowest_request(older_than)

    def network_failure(self) -> tuple[str, str] | None:
        return self.watch.network_failure(self.page)

    def browser_gone(self, exc: BaseException) -> bool:
        return is_closed_error(exc)

    def explain(self, failure: StepFailure) -> StepFailure:
        return explain(failure, self.watch.browser_dead(self.page), self.network_failure())

    # ------------------------------------------------------------------ secrets
    async def has_secret(self, kind: str) -> bool:
        return await self.secrets.has(kind)

    async def fill_secret(self, target: Locator, kind: str) -> None:
        """Type a secret so that no trace, screenshot, video or log can hold it.

        Tracing pauses before the value reaches the page and resumes only once the page has
        navigated away (tracing.py), because trace snapshots record input values and the network
        log records the form post. The field is drawn as dots whatever its type.
        """
        value = await self.secrets.typed(kind)
        await target.wait_for(state="visible", timeout=self.timeout_ms)
        await self.trace.pause()
        await target.evaluate(MASK_JS)
        await target.fill(value, timeout=self.timeout_ms)
        with contextlib.suppress(Exception):
            await self.page.evaluate(f"window.{SECRET_MARK} = true")

    async def resume_tracing(self) -> None:
        await self.trace.resume()

    # ------------------------------------------------------------------ telling
    async def trace_state(self, name: str, noted: bool = False) -> None:
        log.debug("%s: sign-in page state %s", self.account, name)
        if noted:
            self.notes.append(f"state {name}")
            await self.trace.mark(f"m365-replay: state {name}")

    def ask_person(self, message: str) -> None:
        self.announce(message)
        self.listener.teach_waiting(self.account, self.page)

    def warn(self, message: str) -> None:
        self.warnings.append(redact(message) or "")
        log.warning("%s: %s", self.account, message)

    def announce(self, message: str) -> None:
        self.listener.announce(redact(message) or "")

    def record_interrupt(self, kind: str, action: str, detail: str | None = None) -> None:
        self.interrupts.append(Interrupt(kind, action, now_iso(), redact(detail)))

    def progress(self, message: str) -> None:
        self.listener.step_started(self.account, f"{self.current_step} · {message}" if self.current_step else message)

    def save_file(self, name: str, data: bytes) -> str | None:
        path = self.folder / slug(name)
        try:
            path.write_bytes(data)
        except OSError as exc:
            self.warn(f"could not save {path.name}: {exc.strerror or exc}")
            return None
        return str(path.relative_to(self.options.report_dir))

    def record_outcome(self, outcome: Outcome) -> None:
        self.outcome = outcome

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
            if not is_closed_error(exc):
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
        """Outer bound on a whole step, as its type declares it (runner/spec/steps.py)."""
        return STEP_TYPES[step.command].budget(step.timeout, self.options)

    async def run_steps(self, steps: list[Step], variables: dict[str, Any] | None = None, prefix: str = "") -> None:
        saved = self.variables
        if variables is not None:
            self.variables = {**self.builtins, **variables}
        try:
            for step in steps:
                await self.run_step(step, prefix)
        finally:
            self.variables = saved

    async def _perform(self, step: Step) -> str | None:
        """Run one step's handler (unless its guard skips it); the reason when skipped."""
        probe = min(self.options.when_probe, step.timeout or self.options.when_probe)
        if step.when is not None or step.unless is not None:
            skip = await self._skip_reason(step, probe)
            if skip is not None:
                return skip
        await asyncio.wait_for(HANDLERS[step.command].run(self, step.arg, step), timeout=self._budget(step))
        self._adopt_new_page()
        await self.resume_tracing()
        return None

    def _failure(self, exc: Exception, step: Step) -> StepFailure:
        failure = self.explain(classify(exc, STEP_TYPES[step.command].on_timeout, self._budget(step)))
        failure = under_faults(failure, exc, self.watch.navigation_failed)
        if "url" not in failure.details:
            with contextlib.suppress(Exception):
                failure.details["url"] = self.page.url
        what = waited_for(step, self.text) if not isinstance(exc, StepFailure) else None
        if what and failure.category == "page_changed":  # an element that never came, or came twice
            failure = located(failure, self.current_step or step.name, what, str(failure.details.get("url") or ""),
                              self.timeout_ms / 1000)
        return failure

    async def run_step(self, step: Step, prefix: str = "") -> None:
        name = self.text(step_title(prefix, step.name))
        self.current_step = name
        self.listener.step_started(self.account, name)
        started = time.monotonic()
        self._adopt_new_page()
        await self.resume_tracing()
        self.timeout_ms = (step.timeout or self.options.timeout) * 1000
        result = StepResult(name=name, doc=step.doc, status="passed", duration_ms=0)
        self.notes = []
        index = len(self.steps)  # a sub-flow's own row goes before the rows of its steps
        failure: StepFailure | None = None
        try:
            skipped = await self._perform(step)
            if skipped is not None:
                result.status, result.message = "skipped", skipped
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise  # a stop (Ctrl-C under pytest arrives as KeyboardInterrupt) is never a step's failure
        except Exception as exc:
            failure = self._failure(exc, step)
            result.status, result.message = "failed", redact(failure.message)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        if result.status == "passed":
            self.changed += [change for change in step.changes if change not in self.changed]
        if self.notes and result.status == "passed" and step.subflow is None:  # a sub-flow's are its steps
            result.message = redact("; ".join(dict.fromkeys(self.notes)))
        from_child = failure is not None and "step" in failure.details
        if failure is not None and not from_child and not step.optional and wants_card(step, failure):
            failure.page_card = await write_card(self, self.folder, step, name, failure)
            failure.message = with_card(failure)
            result.message = redact(failure.message)
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


def step_title(prefix: str, name: str) -> str:
    """A step's name as the terminal, the report and a listener see it: a sub-flow's step after the
    name of the step that uses it (`Give the account a new photo › Upload a new photo`)."""
    return f"{prefix} › {name}" if prefix else name
