"""Step handlers: one small registered function per command.

Each command's shape is declared in runner/spec/steps.py (it drives validation and the JSON
Schema); its handler here does the browser work through the account's StepContext (`rt`, see
runner/core/context.py). Playwright is imported lazily.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.results import StepFailure
from ..spec.steps import STEP_TYPES

if TYPE_CHECKING:
    from ..core.context import StepContext
    from ..core.model import Step

Handler = Callable[["StepContext", Any, "Step"], Awaitable[None]]


@dataclass
class StepHandler:
    run: Handler


HANDLERS: dict[str, StepHandler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    """Registers the handler of the step type `name`, which runner/spec/steps.py declares (with all
    the engine must know of it: what a timeout means, its budget, its locator, its secret)."""
    if name not in STEP_TYPES:
        raise LookupError(f"step type {name!r} has a handler but no declared shape in runner/spec/steps.py")

    def register(handler: Handler) -> Handler:
        HANDLERS[name] = StepHandler(handler)
        return handler

    return register


def url_matcher(rt: StepContext, arg: dict[str, str]) -> Any:
    if "regex" in arg:
        return re.compile(rt.text(arg["regex"]))
    return rt.text(arg["glob"])


@handles("goto")
async def goto(rt: StepContext, url: str, step: Step) -> None:
    await rt.navigate(rt.text(url))


@handles("click")
async def click(rt: StepContext, loc: dict[str, Any], step: Step) -> None:
    target = await rt.find(loc)
    opens_tab = await target.evaluate(
        "e => { const a = e.closest('a[href], area[href], form'); return !!a && a.target === '_blank'; }"
    )
    if opens_tab:
        from playwright.async_api import TimeoutError as PlaywrightTimeoutError

        try:
            async with rt.page.context.expect_page(timeout=rt.timeout_ms) as new_page:
                await target.click(timeout=rt.timeout_ms)
            page = await new_page.value
        except PlaywrightTimeoutError:
            slow = rt.slowest_request()
            if slow:  # the tab is there, waiting for a server that does not answer
                raise StepFailure("timeout", f"The new tab waited {rt.timeout_ms / 1000:.0f} s for {slow}.",
                                  url=slow) from None
            raise StepFailure("page_changed", "The click did not open the new tab it links to.") from None
        rt.switch_to(page)
        await rt.wait_loaded(page)
    else:
        await target.click(timeout=rt.timeout_ms)


@handles("fill")
async def fill(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    await (await rt.find(arg["locator"])).fill(rt.text(arg["value"]), timeout=rt.timeout_ms)


@handles("fill_secret")
async def fill_secret(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    await rt.fill_secret(await rt.find(arg["locator"]), arg.get("secret") or "password")


@handles("press")
async def press(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    if "locator" in arg:
        await (await rt.find(arg["locator"])).press(rt.text(arg["key"]), timeout=rt.timeout_ms)
    else:
        await rt.page.keyboard.press(rt.text(arg["key"]))


@handles("wait_for")
async def wait_for(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    await rt.locator(arg["locator"]).wait_for(state=arg.get("state") or "visible", timeout=rt.timeout_ms)


@handles("wait_for_url")
async def wait_for_url(rt: StepContext, arg: dict[str, str], step: Step) -> None:
    await rt.page.wait_for_url(url_matcher(rt, arg), timeout=rt.timeout_ms, wait_until="commit")
    await rt.page.wait_for_load_state("load", timeout=rt.timeout_ms)


@handles("wait_for_load_state")
async def wait_for_load_state(rt: StepContext, state: str, step: Step) -> None:
    await rt.page.wait_for_load_state(state, timeout=rt.timeout_ms)  # type: ignore[arg-type]


@handles("expect_visible")
async def expect_visible(rt: StepContext, loc: dict[str, Any], step: Step) -> None:
    from playwright.async_api import expect

    await expect(rt.locator(loc)).to_be_visible(timeout=rt.timeout_ms)


@handles("expect_text")
async def expect_text(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    from playwright.async_api import expect

    await expect(rt.locator(arg["locator"])).to_contain_text(rt.text(arg["text"]), timeout=rt.timeout_ms)


@handles("expect_url")
async def expect_url(rt: StepContext, arg: dict[str, str], step: Step) -> None:
    from playwright.async_api import expect

    await expect(rt.page).to_have_url(url_matcher(rt, arg), timeout=rt.timeout_ms)


@handles("screenshot")
async def screenshot(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    await rt.screenshot(rt.text(arg["name"]), full_page=bool(arg.get("full_page")))


@handles("use")
async def use(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    assert step.subflow is not None
    values = {k: rt.text(v) if isinstance(v, str) else v for k, v in step.with_.items()}
    await rt.run_steps(step.subflow.steps, step.subflow.resolve_inputs(values), prefix=rt.text(step.name))


@handles("sign_in")
async def sign_in(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    from ..signin import SignInOptions, run_sign_in

    options = SignInOptions(
        account=rt.text(arg.get("account") or "${account}"),
        stay_signed_in=bool(arg.get("stay_signed_in", False)),
        unrecognized_after=float(arg.get("unrecognized_after") or rt.options.unrecognized_after),
    )
    await run_sign_in(rt, options)


@handles("compare_images")
async def compare_images(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    from ..checks.outcome import check_images

    await check_images(rt, arg)


REFUSED_NEXT = ("The organization does not allow this change for the account: ask an admin to allow it (for photos, "
                "the photo update settings in the Microsoft 365 admin center), or have an admin make it.")


@handles("upload")
async def upload(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    """Feed a file to the page: `set_input_files` on an input[type=file] (hidden or not, as pages
    keep them), or the file chooser a button opens. With `refused`, whichever comes first decides:
    the upload control, a text the page shows instead, or the window that should offer the upload
    settling without it (`window`, `settle`): then the account ends action_required, nothing sent."""
    from pathlib import Path

    file = Path(rt.text(arg["file"])).expanduser()
    if not file.is_file():
        raise StepFailure("error", f"The file to upload, {file}, does not exist.")
    refused = arg.get("refused")
    if refused:
        await _offered(rt, arg["locator"], refused)
    target = (await rt.find(arg["locator"], state="attached")).first
    is_input = await target.evaluate("e => e.tagName === 'INPUT' && e.type === 'file'", timeout=rt.timeout_ms)
    if is_input:
        await target.set_input_files(file, timeout=rt.timeout_ms)
    else:
        async with rt.page.expect_file_chooser(timeout=rt.timeout_ms) as chooser:
            await target.click(timeout=rt.timeout_ms)
        await (await chooser.value).set_files(file, timeout=rt.timeout_ms)
    rt.uploaded.add(str(file.resolve()))


SETTLE_S = 3.0  # how long a window that shows may take to offer its upload control (`refused.settle`)


async def _offered(rt: StepContext, control_spec: dict[str, Any], refused: dict[str, Any]) -> None:
    """Returns once the upload control is in the page; raises action_required when the page shows the
    refusal's text first, or its window settles without the control (decided by what it lacks, since
    the wording of a refusal is rarely public)."""
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    from ..core.locators import describe_locator

    control = rt.locator(control_spec).first
    said = rt.locator(refused["locator"]).first if refused.get("locator") else None
    window = rt.locator(refused["window"]).first if refused.get("window") else None
    either = control
    for other in (said, window):
        either = either.or_(other) if other is not None else either
    await either.first.wait_for(state="attached", timeout=rt.timeout_ms)
    if await control.count():
        return
    says = f"the page says so ({describe_locator(refused['locator'])})" if said is not None else None
    seen = None
    if said is not None and await said.is_visible():
        seen = says
    elif window is not None and await window.is_visible():
        settle = float(refused.get("settle", SETTLE_S))
        try:
            await control.wait_for(state="attached", timeout=settle * 1000)
            return
        except PlaywrightTimeoutError:
            seen = says if said is not None and await said.is_visible() else (
                f"the window ({describe_locator(refused['window'])}) offered no upload control "
                f"({describe_locator(control_spec)}) within {settle:g} s of showing")
    if seen is None:  # attached but not shown: wait for the control as an upload without `refused` does
        await control.wait_for(state="attached", timeout=rt.timeout_ms)
        return
    raise StepFailure("action_required", refused["message"], action=refused.get("next") or REFUSED_NEXT, seen=seen)
