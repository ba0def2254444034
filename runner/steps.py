"""Step types: one command, one small registered handler, one declared shape.

The shape drives validation and the JSON Schema; the handler does the browser work through
the account's StepContext (`rt`, see context.py). Playwright is imported lazily so that
`validate` and `--help` stay fast.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .results import StepFailure
from .shapes import Bool, Either, Fields, LocatorShape, LocatorWith, MapOf, Num, Shape, Str

if TYPE_CHECKING:
    from .context import StepContext
    from .model import Step
    from .shapes import Ctx
    from .yamlpos import Node

Handler = Callable[["StepContext", Any, "Step"], Awaitable[None]]


@dataclass
class StepType:
    name: str
    shape: Shape
    handler: Handler
    summary: str
    # what a Playwright timeout in this step means: an element that never came is a changed
    # page; a URL or load state that never came is slowness
    on_timeout: str = "page_changed"
    extras: dict[str, Shape] = field(default_factory=dict)


REGISTRY: dict[str, StepType] = {}


def step(name: str, shape: Shape, summary: str, on_timeout: str = "page_changed",
         extras: dict[str, Shape] | None = None) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        REGISTRY[name] = StepType(name, shape, handler, summary, on_timeout, extras or {})
        return handler

    return register


URL_SHAPE = Either(
    Str(description="A glob such as https://*.sharepoint.com/**"),
    Fields({"regex": Str(description="A regular expression matched against the full URL")},
           required=("regex",)),
    short_key="glob",
)


def url_matcher(rt: StepContext, arg: dict[str, str]) -> Any:
    if "regex" in arg:
        return re.compile(rt.text(arg["regex"]))
    return rt.text(arg["glob"])


@step("goto", Str(description="URL to open"), "Open a URL and wait for it to load", on_timeout="timeout")
async def goto(rt: StepContext, url: str, step: Step) -> None:
    await rt.navigate(rt.text(url))


@step("click", LocatorShape(), "Click an element; a link that opens a new tab continues in that tab")
async def click(rt: StepContext, loc: dict[str, Any], step: Step) -> None:
    target = rt.locator(loc)
    await target.wait_for(state="visible", timeout=rt.timeout_ms)
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


@step("fill", LocatorWith({"value": Str(description="Text to type; variables allowed")}, required=("value",)),
      "Fill an input with text")
async def fill(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    await rt.locator(arg["locator"]).fill(rt.text(arg["value"]), timeout=rt.timeout_ms)


@step("fill_secret",
      LocatorWith({"secret": Str(enum=("password", "totp"),
                                 description="password (keyring) or a current TOTP code (default password)")}),
      "Fill an input with the account's password or a TOTP code, never recorded")
async def fill_secret(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    await rt.fill_secret(rt.locator(arg["locator"]), arg.get("secret") or "password")


@step("press",
      Either(Str(description="Key for the focused element, e.g. Enter"),
             Fields({"key": Str()}, required=("key",), locator=True), short_key="key"),
      "Press a key, on an element or on whatever has focus")
async def press(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    if "locator" in arg:
        await rt.locator(arg["locator"]).press(rt.text(arg["key"]), timeout=rt.timeout_ms)
    else:
        await rt.page.keyboard.press(rt.text(arg["key"]))


@step("wait_for",
      LocatorWith({"state": Str(enum=("visible", "hidden", "attached", "detached"),
                                description="default visible")}),
      "Wait until an element is visible (or hidden, attached, detached)")
async def wait_for(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    await rt.locator(arg["locator"]).wait_for(state=arg.get("state") or "visible", timeout=rt.timeout_ms)


@step("wait_for_url", URL_SHAPE, "Wait until the page's URL matches", on_timeout="timeout")
async def wait_for_url(rt: StepContext, arg: dict[str, str], step: Step) -> None:
    await rt.page.wait_for_url(url_matcher(rt, arg), timeout=rt.timeout_ms, wait_until="commit")
    await rt.page.wait_for_load_state("load", timeout=rt.timeout_ms)


@step("wait_for_load_state", Str(enum=("load", "domcontentloaded", "networkidle")),
      "Wait for the page to reach a load state", on_timeout="timeout")
async def wait_for_load_state(rt: StepContext, state: str, step: Step) -> None:
    await rt.page.wait_for_load_state(state, timeout=rt.timeout_ms)  # type: ignore[arg-type]


@step("expect_visible", LocatorShape(), "Check that an element is visible")
async def expect_visible(rt: StepContext, loc: dict[str, Any], step: Step) -> None:
    from playwright.async_api import expect

    await expect(rt.locator(loc)).to_be_visible(timeout=rt.timeout_ms)


@step("expect_text",
      LocatorWith({"text": Str(description="Text the element must contain")}, required=("text",)),
      "Check that an element contains a text")
async def expect_text(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    from playwright.async_api import expect

    await expect(rt.locator(arg["locator"])).to_contain_text(rt.text(arg["text"]), timeout=rt.timeout_ms)


@step("expect_url", URL_SHAPE, "Check that the page's URL matches")
async def expect_url(rt: StepContext, arg: dict[str, str], step: Step) -> None:
    from playwright.async_api import expect

    await expect(rt.page).to_have_url(url_matcher(rt, arg), timeout=rt.timeout_ms)


@step("screenshot",
      Either(Str(description="Name of the screenshot"),
             Fields({"name": Str(), "full_page": Bool()}, required=("name",)), short_key="name"),
      "Take a named screenshot (secret inputs are masked)")
async def screenshot(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    await rt.screenshot(rt.text(arg["name"]), full_page=bool(arg.get("full_page")))


@step("use",
      Either(Str(description="Path of a flow file, relative to this one", variables=False),
             Fields({"file": Str(variables=False)}, required=("file",)), short_key="file"),
      "Run the steps of a reusable sub-flow, with its inputs under `with:`",
      extras={"with": MapOf(Str(), description="Input values for the sub-flow")})
async def use(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    assert step.subflow is not None
    values = {k: rt.text(v) if isinstance(v, str) else v for k, v in step.with_.items()}
    await rt.run_steps(step.subflow.steps, step.subflow.resolve_inputs(values), prefix=rt.text(step.name))


@step("sign_in",
      Fields({
          "account": Str(description="Account to sign in with (default ${account})"),
          "stay_signed_in": Bool(description="Answer Yes on 'Stay signed in?' (default No)"),
          "unrecognized_after": Num(description="Seconds on an unknown page before page_changed (default 20)",
                                    minimum=1),
      }),
      "Microsoft sign-in: every page state handled or classified (see runner/signin.py)",
      on_timeout="timeout")
async def sign_in(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    from .signin import SignInOptions, run_sign_in

    options = SignInOptions(
        account=rt.text(arg.get("account") or "${account}"),
        stay_signed_in=bool(arg.get("stay_signed_in", False)),
        unrecognized_after=float(arg.get("unrecognized_after") or rt.options.unrecognized_after),
    )
    await run_sign_in(rt, options)


@dataclass
class ImageSource(Fields):
    """Where one image of compare_images comes from: a URL, a file, or both (the file wins when it
    is not empty, so `file: ${photo}` falls back to the URL for an account without one)."""

    def check(self, node: Node | None, ctx: Ctx) -> Any:
        out = super().check(node, ctx)
        if out is not None and not (out.get("url") or out.get("file")):
            ctx.err(node, "give the image's `url`, its `file`, or both")
            return None
        return out


IMAGE_SOURCE = Either(
    Str(description="URL of the image"),
    ImageSource({
        "url": Str(description="URL of the image, opened in the account's signed-in session (a relative URL is "
                   "on the current page's host, or on the host `base` links to); the sign-in round trip is "
                   "followed as a browser does"),
        "file": Str(description="A picture file, e.g. ${photo} (the users file's `photo:`); used instead of "
                    "`url` when it is not empty"),
        "label": Str(variables=False, description="What the image is, in the report (e.g. Exchange's copy)"),
        "base": LocatorShape(),
    }),
    short_key="url",
)


@step("compare_images",
      Fields({
          "reference": IMAGE_SOURCE,
          "candidate": IMAGE_SOURCE,
          "threshold": Num(integer=True, description="Most differing bits of the 256-bit perceptual hashes for "
                           "the same picture (default 64, see runner/photos.py)"),
      }, required=("reference", "candidate")),
      "Check the outcome: is the candidate image the same picture as the reference (perceptual hash)? "
      "Records synced, not_yet, no_photo or unknown; never fails the replay (--require-synced does)",
      on_timeout="timeout")
async def compare_images(rt: StepContext, arg: dict[str, Any], step: Step) -> None:
    from .photos import check_images

    await check_images(rt, arg)
