"""The step types a flow can use: one command, one documented shape.

This is the flow language's vocabulary, declared here so that `validate`, the JSON Schema and the
flow model know every command without importing the engine. What each command does in the browser
is its handler in runner/run/steps.py (one small function per command, registered under the same
name; a test checks that every declared command has exactly one handler).

A declaration also says what the engine must know of the step without naming it: what a timeout in
it means, how long the whole step may take, where its locator is (for the page card), which secret
it types (checked before any browser work), whether it changes the account, whether it is the sign-in
and whether it checks the outcome. So a new step type is a declaration here and a handler there,
nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.locators import is_locator
from ..core.retry import FETCH_SCHEDULE
from .shapes import Bool, Either, Fields, LocatorShape, LocatorWith, MapOf, Num, Shape, Str

if TYPE_CHECKING:
    from ..core.model import RunOptions
    from .shapes import Ctx
    from .yamlpos import Node

Budget = Callable[[float | None, "RunOptions"], float]
WHOLE = "."  # `locator=WHOLE`: the step's argument is itself the locator (click: {role: ..., name: ...})


def action_budget(timeout: float | None, options: RunOptions) -> float:
    """A page action: an outer bound on the whole step, Playwright's own timeouts normally fire first."""
    return (timeout or options.timeout) * 2 + 10


@dataclass
class StepType:
    name: str
    shape: Shape
    summary: str
    extras: dict[str, Shape] = field(default_factory=dict)
    # what a Playwright timeout in this step means: an element that never came is a changed page;
    # a URL or load state that never came is slowness (`timeout`)
    on_timeout: str = "page_changed"
    # seconds the whole step may take, from its `timeout:` and the run's options
    budget: Budget = action_budget
    # where its locator is: the argument itself (WHOLE) or under that key of it; None: it has none
    locator: str | None = None
    # the secret it types: `secret`, or the kind its argument names under `secret_key` (default `secret`)
    secret: str | None = None
    secret_key: str | None = None
    until_synced: bool = False  # it re-checks as long as --until-synced allows (the account's budget grows)
    changes: bool = False  # it changes the account: the flow must say what at its top (`changes:`)
    # it is the sign-in: its page card is read against the sign-in's states table (a proposed row, not
    # a flow edit), and a timeout in it or the tenant confirmation gets a card as page_changed does
    signs_in: bool = False
    # it checks the outcome (records synced / not_yet): the experiment's arms cut the flows around it
    checks_outcome: bool = False

    def locator_in(self, arg: Any) -> dict[str, Any] | None:
        """The locator of a step of this type with argument `arg`, if it has one."""
        if self.locator is None:
            return None
        found = arg if self.locator == WHOLE else arg.get(self.locator) if isinstance(arg, dict) else None
        return found if is_locator(found) else None

    def secret_in(self, arg: Any) -> str | None:
        """The kind of secret a step of this type with argument `arg` types, if any."""
        named = arg.get(self.secret_key) if self.secret_key and isinstance(arg, dict) else None
        return named or self.secret


STEP_TYPES: dict[str, StepType] = {}


def declare(name: str, shape: Shape, summary: str, extras: dict[str, Shape] | None = None, **needs: Any) -> None:
    """A step type: its shape and summary, and in `needs` what the engine must know of it (StepType)."""
    STEP_TYPES[name] = StepType(name, shape, summary, extras or {}, **needs)


def _sign_in_budget(timeout: float | None, options: RunOptions) -> float:
    """The sign-in's own bound, and the time a person at the window has to approve it."""
    return (timeout or options.sign_in_timeout) + (options.mfa_wait if options.can_ask_a_person else 0)


def _flow_budget(timeout: float | None, options: RunOptions) -> float:
    """A sub-flow: its own steps are bounded; the whole of it, by the account's time."""
    return options.account_timeout


def _check_budget(timeout: float | None, options: RunOptions) -> float:
    """Two fetches (each with its sign-in round trip, and fetched again after a network fault on the
    check's schedule), and the re-checks of --until-synced."""
    return 2 * FETCH_SCHEDULE.longest((timeout or options.timeout) * 2) + 10 + (options.until_synced or 0)


URL_SHAPE = Either(
    Str(description="A glob such as https://*.sharepoint.com/**"),
    Fields({"regex": Str(description="A regular expression matched against the full URL")},
           required=("regex",)),
    short_key="glob",
)


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

declare("goto", Str(description="URL to open"), "Open a URL and wait for it to load", on_timeout="timeout")

declare("click", LocatorShape(), "Click an element; a link that opens a new tab continues in that tab",
        locator=WHOLE)

declare("fill", LocatorWith({"value": Str(description="Text to type; variables allowed")}, required=("value",)),
        "Fill an input with text", locator="locator")

declare("fill_secret",
        LocatorWith({"secret": Str(enum=("password", "totp"),
                                   description="password (keyring) or a current TOTP code (default password)")}),
        "Fill an input with the account's password or a TOTP code, never recorded",
        secret="password", secret_key="secret", locator="locator")

declare("press",
        Either(Str(description="Key for the focused element, e.g. Enter"),
               Fields({"key": Str()}, required=("key",), locator=True), short_key="key"),
        "Press a key, on an element or on whatever has focus", locator="locator")

declare("wait_for",
        LocatorWith({"state": Str(enum=("visible", "hidden", "attached", "detached"),
                                  description="default visible")}),
        "Wait until an element is visible (or hidden, attached, detached)", locator="locator")

declare("wait_for_url", URL_SHAPE, "Wait until the page's URL matches", on_timeout="timeout")

declare("wait_for_load_state", Str(enum=("load", "domcontentloaded", "networkidle")),
        "Wait for the page to reach a load state", on_timeout="timeout")

declare("expect_visible", LocatorShape(), "Check that an element is visible", locator=WHOLE)

declare("expect_text",
        LocatorWith({"text": Str(description="Text the element must contain")}, required=("text",)),
        "Check that an element contains a text", locator="locator")

declare("expect_url", URL_SHAPE, "Check that the page's URL matches")

declare("screenshot",
        Either(Str(description="Name of the screenshot"),
               Fields({"name": Str(), "full_page": Bool()}, required=("name",)), short_key="name"),
        "Take a named screenshot (secret inputs are masked)")

declare("use",
        Either(Str(description="Path of a flow file, relative to this one", variables=False),
               Fields({"file": Str(variables=False)}, required=("file",)), short_key="file"),
        "Run the steps of a reusable sub-flow, with its inputs under `with:`",
        extras={"with": MapOf(Str(), description="Input values for the sub-flow")}, budget=_flow_budget)

declare("sign_in",
        Fields({
            "account": Str(description="Account to sign in with (default ${account})"),
            "stay_signed_in": Bool(description="Answer Yes on 'Stay signed in?' (default No)"),
            "unrecognized_after": Num(description="Seconds on an unknown page before page_changed (default 20)",
                                      minimum=1),
        }),
        "Microsoft sign-in: every page state handled or classified (see runner/signin/)",
        on_timeout="timeout", budget=_sign_in_budget, secret="password", signs_in=True)

declare("compare_images",
        Fields({
            "reference": IMAGE_SOURCE,
            "candidate": IMAGE_SOURCE,
            "threshold": Num(integer=True, description="Most differing bits of the 256-bit perceptual hashes for "
                             "the same picture (default 64, see runner/checks/photos.py)"),
        }, required=("reference", "candidate")),
        "Check the outcome: is the candidate image the same picture as the reference (perceptual hash)? "
        "Records synced, not_yet, no_photo or unknown; never fails the replay (--require-synced does)",
        on_timeout="timeout", budget=_check_budget, until_synced=True, checks_outcome=True)

def _described(shape: LocatorShape, description: str) -> LocatorShape:
    shape.description = description  # type: ignore[misc]  # LocatorShape's own is a class attribute
    return shape


@dataclass
class Refused(LocatorWith):
    """An upload's `refused:`: how a page that does not allow the change shows it. Its wording is
    rarely public, so the window that should offer the upload (`window`) counts as much as any text:
    at least one of them is given."""

    def check(self, node: Node | None, ctx: Ctx) -> Any:
        out = super().check(node, ctx)
        if out is not None and "locator" not in out and not out.get("window"):
            ctx.err(node, "say how a refusal shows: the window that should offer the upload (`window:`), "
                    "a text the page shows instead (a locator), or both")
            return None
        return out


REFUSED = Refused(
    {"message": Str(variables=False, description="Why, in the report: what the organization turned off"),
     "next": Str(variables=False, description="The helpdesk's next action (default: ask an admin)"),
     "window": _described(LocatorShape(), "The window that should offer the upload, e.g. {role: dialog}: once it "
                          "shows and has settled (`settle`) with no upload control in the page, the change is not "
                          "allowed, whatever its wording"),
     "settle": Num(description="Seconds the window may take to offer the upload control (default 3)")},
    required=("message",), locator_optional=True,
    description="How the page shows that the organization does not allow the change: a text it shows instead of "
    "the upload (a locator), and/or the window that then offers no upload control (`window`); the account ends "
    "`action_required`, not `page_changed`, with `message`")

declare("upload",
        LocatorWith({
            "file": Str(description="The file to upload, e.g. ${photo} (the account's photo: a file, or a picture "
                        "generated for the run)"),
            "refused": REFUSED,
        }, required=("file",)),
        "Upload a file: into the located input[type=file], or through the file chooser the located button opens. "
        "It changes the account: the flow says what at its top (`changes:`), and `run` needs --allow-changes",
        changes=True, locator="locator")

