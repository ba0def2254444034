"""The Microsoft sign-in as a state machine, driven by one table of page states.

Every page a real account can meet is recognized by language-independent markers (the
`<meta name="PageID">`, `$Config.sErrorCode`, element ids and names), then acted on or turned
into a failure category the helpdesk can act on. When Microsoft changes a page, the fix is a
row in STATES below, not a change to any flow.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .results import StepFailure

if TYPE_CHECKING:
    from playwright.async_api import Locator

    from .engine import AccountRun

LOGIN_HOSTS = ("login.microsoftonline.com", "login.microsoft.com", "login.live.com")
# office.com's signed-out landing page: sign-in link ids seen over the years
LANDING_SIGN_IN_IDS = (
    "hero-banner-sign-in-microsoft-365-link",
    "hero-banner-sign-in-to-office-365-link",
    "shy-header-commercial-sign-in",
    "mcm-hero-banner-signin",
)
# ids whose visibility the page probe reports; a state row may only use ids listed here (or SELECTORS' keys)
WATCHED_IDS = (
    "i0116", "i0118", "idSIButton9", "idBtn_Back", "usernameError", "passwordError", "aadTile", "msaTile",
    "KmsiCheckboxField", "KmsiDescription", "idRichContext_DisplaySign", "signInAnotherWay",
    "idDiv_SAASDS_Description", "idDiv_SAASTO_Description", "idDiv_SAOTCS_Proofs", "idTxtBx_SAOTCC_OTC",
    "idSubmit_SAOTCC_Continue", "idSpan_SAOTCC_Error_OTC", "idSubmit_ProofUp_Redirect", "btnAskLater",
    "service_exception_message", "userNameInput", "passwordInput", "submitButton", "errorText",
    "tilesHolder", "otherTile", "O365_MainLink_NavMenu", "O365_MainLink_Me", "currentPassword",
    # 2026: credential picker, passwordless Authenticator, passkey's way out, login.live.com's new page
    "credentialList", "idRemoteNGC_DisplaySign", "idDiv_RemoteNGC_PollingDescription", "idA_PWD_SwitchToPassword",
    "idA_PWD_SwitchToCredPicker", "usernameEntry",
    *LANDING_SIGN_IN_IDS,
)
# The name an element also goes by. Some 2026 pages give the primary button only
# name="idSIButton9" and no id, so every element here is found, clicked and filled by id OR name.
NAMES = {"i0116": "loginfmt", "i0118": "passwd", "idTxtBx_SAOTCC_OTC": "otc", "idSIButton9": "idSIButton9"}
# markers that are not ids: key -> CSS selector (data-* attributes only, never text)
SELECTORS = {
    # "Choose a way to sign in": 1 = password, 2 = Authenticator passwordless, 7 = passkey
    "cred:1": '[role="button"][data-test-cred-id="1"]',
    "cred:2": '[role="button"][data-test-cred-id="2"]',
    "cred:7": '[role="button"][data-test-cred-id="7"]',
    # login.live.com's personal-account page since 2025-05
    "live:primaryButton": 'button[data-testid="primaryButton"]',
    "live:secondaryButton": '[data-testid="secondaryButton"]',
    "live:passwordEntry": '[data-testid="passwordEntry"]',
}
# keys whose text the probe copies (error messages and the numbers to match)
TEXT_KEYS = ("usernameError", "passwordError", "errorText", "service_exception_message", "idRichContext_DisplaySign",
             "idSpan_SAOTCC_Error_OTC", "idRemoteNGC_DisplaySign")


def selectors(key: str) -> list[str]:
    """CSS selectors that find a watched element: its id or its known name, or its SELECTORS entry."""
    if key in SELECTORS:
        return [SELECTORS[key]]
    found = [f'[id="{key}"]']
    if key in NAMES:
        found.append(f'[name="{NAMES[key]}"]')
    return found


WATCHED = [[key, ", ".join(selectors(key))] for key in (*WATCHED_IDS, *SELECTORS)]

PROBE_JS = """([watched, textKeys]) => {
  const visible = [];
  const text = {};
  const shown = (e) => {
    const r = e.getBoundingClientRect();
    const s = window.getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0';
  };
  for (const [key, selector] of watched) {
    const e = Array.from(document.querySelectorAll(selector)).find(shown);
    if (!e) continue;
    visible.push(key);
    if (textKeys.includes(key)) text[key] = (e.textContent || '').trim().slice(0, 500);
  }
  const meta = document.querySelector('meta[name="PageID"]');
  const c = window.$Config || {};
  return {
    url: location.href, title: document.title, ready: document.readyState,
    pageId: meta ? meta.getAttribute('content') : null,
    errorCode: c.sErrorCode == null ? null : String(c.sErrorCode),
    config: {correlationId: c.correlationId || null, requestId: c.sRequestId || null,
             timestamp: c.sTimestamp || null, skipUrl: c.urlSkipMfaRegistration || null,
             message: c.strServiceExceptionMessage || null},
    hiddenForm: !!document.querySelector('form[name="hiddenform"]'),
    visible, text,
  };
}"""

# A passkey sign-in page calls WebAuthn at once, and a real browser then shows its own passkey
# dialog, which no automation can answer and which blocks the page until it times out. Added to
# every account's context before any page loads: navigator.credentials.get (and .create, the
# "add a passkey" nudges) reject at once with NotAllowedError, as when a person cancels the dialog,
# so the page offers "Sign in another way".
PASSKEY_REFUSAL = "m365-replay does not use passkeys"
PASSKEY_GUARD_JS = """(() => {
  const c = window.navigator && navigator.credentials;
  if (!c || c.__m365replayGuard) return;
  const refuse = () => Promise.reject(new DOMException(REFUSAL, 'NotAllowedError'));
  for (const name of ['get', 'create']) {
    try { Object.defineProperty(c, name, {value: refuse, configurable: true, writable: true}); } catch (e) {}
  }
  try { Object.defineProperty(c, '__m365replayGuard', {value: true}); } catch (e) {}
})();""".replace("REFUSAL", json.dumps(PASSKEY_REFUSAL))


@dataclass
class Facts:
    """What the probe saw on the page, once."""

    url: str
    title: str
    page_id: str | None
    error_code: str | None
    visible: set[str]
    text: dict[str, str]
    config: dict[str, Any]
    hidden_form: bool

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def on_login_host(self) -> bool:
        return self.host in LOGIN_HOSTS

    def shows(self, *ids: str) -> bool:
        return any(i in self.visible for i in ids)


@dataclass
class SignInOptions:
    account: str
    stay_signed_in: bool = False
    unrecognized_after: float = 20.0


@dataclass
class SignIn:
    """One sign-in in progress: what has been done, so nothing is done twice."""

    rt: AccountRun
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


Action = Callable[[SignIn, Facts], Awaitable[None]]


@dataclass(frozen=True)
class PageState:
    """One row of the table: how to recognize a page, and what to do there."""

    name: str
    description: str
    recognize: Callable[[Facts], bool]
    act: Action


# ---------------------------------------------------------------------------------- actions
async def wait(si: SignIn, f: Facts) -> None:
    """Nothing to do: the page moves on by itself (auto-posted form, pending check)."""


async def done(si: SignIn, f: Facts) -> None:
    si.finished = True


def fail(category: str, message: str) -> Action:
    async def act(si: SignIn, f: Facts) -> None:
        raise StepFailure(category, message, url=f.url)

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
    if f.shows("cred:1"):
        if si.once("cred_password"):
            await si.click("cred:1")
        return
    if si.rt.options.can_ask_a_person and f.shows("cred:2"):
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


def _signin_page(f: Facts) -> bool:
    return f.on_login_host and f.page_id in (None, "ConvergedSignIn")


# ---------------------------------------------------------------------------------- the table
# First match wins. Markers are ids, names, PageIDs and error codes: never visible text.
STATES: list[PageState] = [
    PageState("working", 'The auto-posted "Working..." form back to the application',
              lambda f: f.hidden_form, wait),
    PageState("error", "Error page (e.g. Conditional Access AADSTS53003)",
              lambda f: f.shows("service_exception_message") or f.page_id == "ConvergedError", error_page),
    PageState("personal_account", "Personal Microsoft account at login.live.com (usernameEntry, data-testid)",
              lambda f: f.host == "login.live.com" and f.shows(
                  "usernameEntry", "live:primaryButton", "live:passwordEntry", "i0116", "i0118"), personal_account),
    PageState("locked", "Account locked by smart lockout (AADSTS50053)",
              lambda f: _signin_page(f) and f.error_code == "50053", fail(
                  "locked", "The account is temporarily locked (AADSTS50053).")),
    PageState("bad_password", "Password refused (AADSTS50126)",
              lambda f: _signin_page(f) and f.error_code == "50126", fail(
                  "bad_credentials", "The password was not accepted (AADSTS50126).")),
    PageState("unknown_account", "Username not found (usernameError)",
              lambda f: _signin_page(f) and (f.shows("usernameError") or f.error_code == "50034"), fail(
                  "unknown_account", "Microsoft does not know this account (the username may be incorrect).")),
    PageState("chooser", "Work or personal account chooser",
              lambda f: f.shows("aadTile"), choose_work_account),
    PageState("pick_account", "Pick an account (saved accounts)",
              lambda f: f.shows("otherTile"), pick_other_account),
    PageState("adfs", "Federated sign-in at the organization's AD FS",
              lambda f: f.shows("passwordInput") and f.shows("submitButton"), adfs_sign_in),
    PageState("password", "Password view (passwd, i0118)",
              lambda f: _signin_page(f) and f.shows("i0118"), enter_password),
    PageState("cred_picker", "Choose a way to sign in (credentialList, data-test-cred-id)",
              lambda f: _signin_page(f) and f.shows("credentialList"), choose_credential),
    PageState("use_password", "Passwordless Authenticator sign-in, with a password (idA_PWD_SwitchToPassword)",
              lambda f: f.shows("idRemoteNGC_DisplaySign") and f.shows("idA_PWD_SwitchToPassword"),
              use_password_instead),
    PageState("passwordless", "Passwordless Authenticator sign-in, no password (idRemoteNGC_DisplaySign)",
              lambda f: f.shows("idRemoteNGC_DisplaySign"), passwordless),
    # uncertain: the sources give no id for the passkey view's "Sign in another way"; taken to be the
    # password view's link to the picker, idA_PWD_SwitchToCredPicker (if Microsoft's differs, one row here)
    PageState("passkey", "Passkey prompt refused: sign in another way (idA_PWD_SwitchToCredPicker)",
              lambda f: _signin_page(f) and f.shows("idA_PWD_SwitchToCredPicker") and not f.shows("i0116", "i0118"),
              passkey_another_way),
    PageState("username", "Username view (loginfmt, i0116)",
              lambda f: _signin_page(f) and f.shows("i0116"), enter_username),
    PageState("kmsi", "Stay signed in? (KmsiInterrupt)",
              lambda f: f.page_id == "KmsiInterrupt" and f.shows("idSIButton9"), answer_kmsi),
    PageState("mfa_denied", "Push notification denied",
              lambda f: f.shows("idDiv_SAASDS_Description"), fail(
                  "mfa_required", "The push notification was denied.")),
    PageState("mfa_timeout", "Push notification not answered in time",
              lambda f: f.shows("idDiv_SAASTO_Description"), fail(
                  "mfa_required", "The push notification was not answered in time.")),
    PageState("mfa_push", "MFA push with number matching (ConvergedTFA)",
              lambda f: f.shows("idRichContext_DisplaySign"), mfa_push),
    PageState("mfa_methods", "MFA: choose another way to verify",
              lambda f: f.shows("idDiv_SAOTCS_Proofs"), mfa_choose_code),
    PageState("mfa_code", "MFA: enter the code from the authenticator app",
              lambda f: f.shows("idTxtBx_SAOTCC_OTC"), mfa_enter_code),
    PageState("proof_up", "More information required (ConvergedProofUpRedirect)",
              lambda f: f.page_id == "ConvergedProofUpRedirect" and f.shows("idSubmit_ProofUp_Redirect"), proof_up),
    PageState("password_expired", "Update your password (ConvergedChangePassword)",
              lambda f: f.page_id == "ConvergedChangePassword", fail(
                  "password_expired", "The password has expired and must be changed (AADSTS50055).")),
    PageState("security_info", "Security info registration (mysignins)",
              lambda f: f.host == "mysignins.microsoft.com", fail(
                  "action_required", "Microsoft sent the account to register security info.")),
    PageState("landing", "office.com signed-out landing page",
              lambda f: not f.on_login_host and f.shows(*LANDING_SIGN_IN_IDS), click_landing_sign_in),
    PageState("signed_in", "Signed in: a Microsoft 365 page with the suite header",
              lambda f: not f.on_login_host and f.shows("O365_MainLink_NavMenu", "O365_MainLink_Me"), done),
]


def recognize(facts: Facts) -> PageState | None:
    return next((state for state in STATES if state.recognize(facts)), None)


async def probe(rt: AccountRun) -> Facts | None:
    """One look at the page; None while it is between documents."""
    try:
        data = await rt.page.evaluate(PROBE_JS, [WATCHED, list(TEXT_KEYS)])
    except Exception as exc:  # navigation destroyed the context, or the page is not ready yet
        if rt.browser_gone(exc):
            raise
        return None
    return Facts(url=data["url"], title=data["title"], page_id=data["pageId"], error_code=data["errorCode"],
                 visible=set(data["visible"]), text=data["text"], config=data["config"],
                 hidden_form=data["hiddenForm"])


# states that may rightly stay unchanged for up to mfa_wait seconds: a person is approving on the phone
WAITS_FOR_A_PERSON = ("mfa_push", "passwordless")


def page_marks(facts: Facts | None) -> str:
    """", PageID 'X', sErrorCode N" of a page: what a new row of STATES would recognize it by."""
    if facts is None:
        return ""
    marks = f", PageID {facts.page_id!r}" if facts.page_id else ""
    return marks + (f", sErrorCode {facts.error_code}" if facts.error_code else "")


async def run_sign_in(rt: AccountRun, options: SignInOptions) -> None:
    """Walk the sign-in pages until a signed-in Microsoft 365 page, or fail with a category.

    A page that no row recognizes, or a recognized page that does not move on, for
    `unrecognized_after` seconds is `page_changed`: Microsoft changed something the table
    does not know yet.
    """
    si = SignIn(rt, options)
    progress = time.monotonic()
    where: tuple[str, str] | None = None
    last: Facts | None = None
    while not si.finished:
        await rt.resume_tracing()  # once the page that held the password has gone
        facts = await probe(rt)
        if rt.network_failure() is not None:  # the browser's own error page: the network, not Microsoft
            raise rt.explain(StepFailure("page_changed", "The sign-in page did not load."))
        state = None
        if facts is not None:
            last = facts
            state = recognize(facts)
            if state is not None:
                waiting = state.name in WAITS_FOR_A_PERSON and rt.options.can_ask_a_person
                if (state.name, facts.url) != where or waiting:
                    where = (state.name, facts.url)
                    progress = time.monotonic()
                    rt.trace_state(state.name)
                await state.act(si, facts)
        if si.finished:
            break
        if time.monotonic() - progress > options.unrecognized_after:
            slow = rt.slowest_request()
            if slow:
                raise StepFailure("timeout", f"The sign-in waited {options.unrecognized_after:.0f} s for {slow} "
                                  "to answer.", url=slow)
            title = last.title if last else ""
            url = last.url if last else rt.page.url
            what = f"stayed on the {where[0]!r} page" if where and state else "found no known sign-in page"
            raise StepFailure("page_changed", f"The sign-in {what} for {options.unrecognized_after:.0f} s "
                              f"at {url} (title {title!r}{page_marks(last)}).", url=url, title=title,
                              page_id=last.page_id if last else None, error_code=last.error_code if last else None)
        await asyncio.sleep(0.2)
