"""How the sign-in sees a page: the language-independent markers it watches (ids, names, data-*
attributes, PageID, sErrorCode), the probe that reads them in one evaluate, and the passkey guard.

A new marker is one entry in WATCHED_IDS / NAMES / SELECTORS here; a state row (states.py) may use
only markers listed here, and the visible words of words.py (the documented exception).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ..core.context import StepContext

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
    """CSS selectors that find a watched element: its id or its known name, or its SELECTORS entry;
    a states file's marker is a data-* selector (`[data-report-event="X"]`) or an id or name."""
    if key in SELECTORS:
        return [SELECTORS[key]]
    if "[" in key:
        return [key]
    if key not in WATCHED_IDS:  # a states file's marker: an id, or a name
        return [f'[id="{key}"]', f'[name="{key}"]']
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
  // the visible buttons' and links' labels, for the few built-in rows that read words (words.py)
  const labels = [];
  for (const e of document.querySelectorAll(PRESSABLE)) {
    if (labels.length >= 40) break;
    if (!shown(e)) continue;
    const input = e.tagName === 'INPUT';  // a caption only: never the value of a field someone types in
    const label = e.getAttribute('aria-label') ||
      (input ? (['submit', 'button'].includes(e.type) ? e.value : '') : e.innerText) || '';
    if (label.trim()) labels.push(label.replace(/\\s+/g, ' ').trim().slice(0, 80));
  }
  const meta = document.querySelector('meta[name="PageID"]');
  const c = window.$Config || {};
  return {
    url: location.href, title: document.title, ready: document.readyState,
    pageId: meta ? meta.getAttribute('content') : null,
    pgid: c.pgid == null ? null : String(c.pgid), hpgid: c.hpgid == null ? null : String(c.hpgid),
    configKeys: Object.keys(c).slice(0, 200),
    errorCode: c.sErrorCode == null ? null : String(c.sErrorCode),
    config: {correlationId: c.correlationId || null, requestId: c.sRequestId || null,
             timestamp: c.sTimestamp || null, skipUrl: c.urlSkipMfaRegistration || null,
             message: c.strServiceExceptionMessage || null},
    hiddenForm: !!document.querySelector('form[name="hiddenform"]'),
    visible, text, labels, pageText: document.body ? (document.body.innerText || '').slice(0, 4000) : '',
  };
}""".replace("PRESSABLE", json.dumps(
    "button, a[href], input[type=submit], input[type=button], [role=button], [role=link]"))

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
    pgid: str | None = None  # $Config.pgid (agrees with PageID on real pages) and hpgid, a number per page
    hpgid: str | None = None
    config_keys: tuple[str, ...] = ()  # the names of $Config's keys, never their values: a page card shows them
    ready: bool = True  # the document has finished loading (teach mode waits for it)
    # the page's visible words (words.py reads them, for the rows that may: the documented exception)
    page_text: str = ""
    labels: tuple[str, ...] = ()  # the visible buttons' and links' labels
    # not the page's but the sign-in's: whether it has given the password or a second factor (set by
    # run_sign_in; a row `after_credentials` waits for it)
    after_credentials: bool = False

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def on_login_host(self) -> bool:
        return self.host in LOGIN_HOSTS

    def any_visible(self, *keys: str) -> bool:
        return any(key in self.visible for key in keys)

    def is_page(self, page_id: str) -> bool:
        """A states file's `page_id`: the PageID meta, or $Config.pgid where the meta is missing."""
        return page_id in (self.page_id, self.pgid)


def watched(extra: tuple[str, ...] = ()) -> list[list[str]]:
    """[key, selector] of every marker the probe looks for: the built-in ones and a states file's."""
    return WATCHED + [[key, ", ".join(selectors(key))] for key in extra if key not in WATCHED_KEYS]


WATCHED_KEYS = {key for key, _ in WATCHED}


async def probe(rt: StepContext, extra: tuple[str, ...] = ()) -> Facts | None:
    """One look at the page (with `extra`: a states file's markers too); None while it is between
    documents."""
    try:
        data = await rt.page.evaluate(PROBE_JS, [watched(extra) if extra else WATCHED, list(TEXT_KEYS)])
    except Exception as exc:  # navigation destroyed the context, or the page is not ready yet
        if rt.browser_gone(exc):
            raise
        return None
    return Facts(url=data["url"], title=data["title"], page_id=data["pageId"], error_code=data["errorCode"],
                 visible=set(data["visible"]), text=data["text"], config=data["config"],
                 hidden_form=data["hiddenForm"], pgid=data["pgid"], hpgid=data["hpgid"],
                 config_keys=tuple(data["configKeys"]), ready=data["ready"] == "complete",
                 page_text=data["pageText"], labels=tuple(data["labels"]))


