"""What the sign-in does on each page: one small action per page state.

An action acts at most once per sign-in (`SignIn.once`): a password is typed once, never again
(smart lockout counts every wrong try), and nothing is ever approved on a person's behalf.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.results import StepFailure
from .page import LANDING_SIGN_IN_IDS, Facts, selectors

if TYPE_CHECKING:
    from playwright.async_api import Locator

    from ..core.context import StepContext
    from .match import Match

@dataclass
class SignInOptions:
    account: str
    stay_signed_in: bool = False
    unrecognized_after: float = 20.0


@dataclass
class SignIn:
    """One sign-in in progress: what has been done, so nothing is done twice."""

    rt: StepContext
    options: SignInOptions
    done: dict[str, int] = field(default_factory=dict)
    first_seen: dict[str, float] = field(default_factory=dict)
    finished: bool = False

    def once(self, action: str, limit: int = 1) -> bool:
        """True the first `limit` times an action is asked for in this sign-in."""
        count = self.done.get(action, 0)
        if count >= limit:
            return False
        self.done[action] = count + 1
        return True

    def since(self, key: str) -> float:
        return time.monotonic() - self.first_seen.setdefault(key, time.monotonic())

    def find(self, key: str) -> Locator:
        """The visible element a watched key names, by id or name: never "the first submit"
        (Back comes before Sign in in the DOM) and never by its text."""
        return self.rt.page.locator(", ".join(f"{sel}:visible" for sel in selectors(key))).first

    async def click(self, key: str) -> None:
        await self.find(key).click(timeout=self.rt.timeout_ms)

    @property
    def credentials_given(self) -> bool:
        """Whether this sign-in has given the password (here or at AD FS), a code, or waited for a
        person's approval: what the pages Microsoft shows "after the password" come after."""
        return any(key in self.done for key in ("password", "adfs", "code")) or "push" in self.first_seen


Action = Callable[[SignIn, Facts], Awaitable[None]]


@dataclass(frozen=True)
class PageState:
    """One row of the table: how to recognize a page (one test, match.py), and what to do there."""

    name: str
    description: str
    match: Match
    act: Action
    where: str = ""  # a states file's row: file:line

    def recognize(self, f: Facts) -> bool:
        return self.match.test(f)

    @property
    def markers(self) -> tuple[str, ...]:
        """What a page of this row shows, as its test looks for it: for people, and for a page card's
        "resembles" (a test checks that each is one the probe watches)."""
        return self.match.markers


# ---------------------------------------------------------------------------------- actions
async def wait(si: SignIn, f: Facts) -> None:
    """Nothing to do: the page moves on by itself (auto-posted form, pending check)."""


async def done(si: SignIn, f: Facts) -> None:
    si.finished = True


def fail(category: str, message: str, **details: str) -> Action:
    async def act(si: SignIn, f: Facts) -> None:
        raise StepFailure(category, message, url=f.url, **details)

    return act


async def click_landing_sign_in(si: SignIn, f: Facts) -> None:
    if si.once("landing"):
        await si.click(next(i for i in LANDING_SIGN_IN_IDS if i in f.visible))


async def enter_username(si: SignIn, f: Facts) -> None:
    if si.once("username"):
        box = si.find("i0116")
        await box.fill(si.options.account, timeout=si.rt.timeout_ms)
        await si.click("idSIButton9")


async def choose_work_account(si: SignIn, f: Facts) -> None:
    if si.once("chooser"):
        await si.click("aadTile")


async def enter_password(si: SignIn, f: Facts) -> None:
    # smart lockout counts every wrong try: a password is typed once per sign-in, never again
    if "password" in si.done:
        if f.error_code == "50126" or "passwordError" in f.visible:
            raise StepFailure("bad_credentials", "The password was not accepted (AADSTS50126).", url=f.url)
        return
    si.done["password"] = 1
    await si.rt.fill_secret(si.find("i0118"), "password")
    await si.click("idSIButton9")


async def adfs_sign_in(si: SignIn, f: Facts) -> None:
    if "adfs" in si.done:
        if f.text.get("errorText"):
            raise StepFailure("bad_credentials", "The organization's sign-in server (AD FS) did not accept "
                              "the password.", url=f.url)
        return
    si.done["adfs"] = 1
    page = si.rt.page
    user = page.locator("#userNameInput")
    if not await user.input_value(timeout=si.rt.timeout_ms):
        await user.fill(si.options.account, timeout=si.rt.timeout_ms)
    await si.rt.fill_secret(page.locator("#passwordInput"), "password")
    await si.click("submitButton")


async def answer_kmsi(si: SignIn, f: Facts) -> None:
    if si.once("kmsi", limit=2):
        await si.click("idSIButton9" if si.options.stay_signed_in else "idBtn_Back")


async def mfa_push(si: SignIn, f: Facts) -> None:
    rt = si.rt
    if await rt.has_secret("totp"):
        if si.once("another_way"):
            await si.click("signInAnotherWay")
        return
    number = f.text.get("idRichContext_DisplaySign", "?")
    await wait_for_approval(si, f, number, "The sign-in wants a person to approve a push notification "
                            f"(number match {number}); no TOTP secret is stored for this account.")


async def wait_for_approval(si: SignIn, f: Facts, number: str, headless_message: str) -> None:
    """A sign-in only a person with the phone can finish: headless, fail at once (nobody would
    ever approve); with a person at the keyboard, say which number to pick and wait `mfa_wait`."""
    rt = si.rt
    if not rt.options.can_ask_a_person:
        raise StepFailure("mfa_required", headless_message, url=f.url)
    if si.once("announce_push"):
        rt.announce(f"{si.options.account}: approve the sign-in in Microsoft Authenticator, number {number} "
                    f"(waiting up to {rt.options.mfa_wait:.0f} s)")
    if si.since("push") > rt.options.mfa_wait:
        raise StepFailure("mfa_required", f"Nobody approved the push notification within {rt.options.mfa_wait:.0f} s.",
                          url=f.url)


async def personal_account(si: SignIn, f: Facts) -> None:
    raise StepFailure("personal_account", f"{si.options.account} signed in at login.live.com as a personal Microsoft "
                      "account, not a work or school account.", url=f.url)


async def choose_credential(si: SignIn, f: Facts) -> None:
    """'Choose a way to sign in': the password tile (data-test-cred-id 1). Without one, only a
    person can go on (the Authenticator tile, 2, sends a request to their phone)."""
    if f.any_visible("cred:1"):
        if si.once("cred_password"):
            await si.click("cred:1")
        return
    if si.rt.options.can_ask_a_person and f.any_visible("cred:2"):
        if si.once("cred_passwordless"):
            await si.click("cred:2")
        return
    raise StepFailure("mfa_required", "The sign-in offers this account no password, only passwordless ways "
                      "(Microsoft Authenticator, a passkey), which need the person with the phone or key.", url=f.url)


async def use_password_instead(si: SignIn, f: Facts) -> None:
    """Passwordless Authenticator as the first factor, for an account with a password: "Use your
    password instead" (the request on the phone is left unanswered)."""
    if si.once("use_password"):
        await si.click("idA_PWD_SwitchToPassword")


async def passwordless(si: SignIn, f: Facts) -> None:
    """Passwordless Authenticator with no password to use instead: only the person with the phone
    can approve it."""
    number = f.text.get("idRemoteNGC_DisplaySign", "?")
    await wait_for_approval(si, f, number, "The sign-in wants a person to approve it in Microsoft Authenticator "
                            f"(passwordless, number {number}); the account offers no password to use instead.")


async def passkey_another_way(si: SignIn, f: Facts) -> None:
    """The passkey prompt, refused at once by PASSKEY_GUARD_JS: take "Sign in another way"."""
    if si.once("passkey_another_way"):
        await si.click("idA_PWD_SwitchToCredPicker")


async def mfa_choose_code(si: SignIn, f: Facts) -> None:
    if not await si.rt.has_secret("totp"):
        raise StepFailure("mfa_required", "The sign-in asks for a second factor and no TOTP secret is stored.",
                          url=f.url)
    if si.once("choose_code"):
        await si.rt.page.locator('#idDiv_SAOTCS_Proofs [data-value="PhoneAppOTP"]').click(timeout=si.rt.timeout_ms)


async def mfa_enter_code(si: SignIn, f: Facts) -> None:
    rt = si.rt
    if not await rt.has_secret("totp"):
        raise StepFailure("mfa_required", "The sign-in asks for a verification code and no TOTP secret is stored.",
                          url=f.url)
    if "idSpan_SAOTCC_Error_OTC" in f.visible and si.done.get("code", 0) >= 2:
        raise StepFailure("mfa_required", "The verification code from the stored TOTP secret was refused twice; "
                          "check the secret.", url=f.url)
    wanted = 2 if "idSpan_SAOTCC_Error_OTC" in f.visible else 1
    if si.done.get("code", 0) < wanted:
        si.done["code"] = si.done.get("code", 0) + 1
        await rt.fill_secret(si.find("idTxtBx_SAOTCC_OTC"), "totp")
        await si.click("idSubmit_SAOTCC_Continue")


async def proof_up(si: SignIn, f: Facts) -> None:
    if "btnAskLater" in f.visible:
        if si.once("ask_later"):
            si.rt.warn("Microsoft asked for more security information; took 'Ask later'. "
                       "The grace period will end: register the account's security info.")
            await si.click("btnAskLater")
        return
    raise StepFailure("action_required", "Microsoft requires more security information (MFA registration) "
                      "and offers no 'Ask later'.", url=f.url)


async def error_page(si: SignIn, f: Facts) -> None:
    message = f.text.get("service_exception_message") or f.config.get("message") or ""
    match = re.search(r"AADSTS(\d+)", message) or re.search(r"(\d{5,})", f.error_code or "")
    code = f"AADSTS{match.group(1)}" if match else None
    category = {"AADSTS50053": "locked", "AADSTS50055": "password_expired", "AADSTS50126": "bad_credentials",
                "AADSTS50034": "unknown_account", "AADSTS50076": "mfa_required",
                "AADSTS50079": "action_required"}.get(code or "", "blocked")
    raise StepFailure(category, message or "The sign-in ended on an error page.", url=f.url, aadsts=code,
                      correlation_id=f.config.get("correlationId"), request_id=f.config.get("requestId"),
                      timestamp=f.config.get("timestamp"))


async def pick_other_account(si: SignIn, f: Facts) -> None:
    if si.once("pick_account"):
        await si.click("otherTile")
