"""What the simulated Microsoft 365 remembers: accounts and options, sign-in flows, sessions, codes,
the phone's answers, faults, and a log of what each account did.

It lives in one object, SimState (SimulatorApp in app.py adds the dispatch by host), which every
host module (login.py, office.py, sharepoint.py...) receives: the host modules hold no state of
their own and never import each other's host, only this module, so the imports run one way.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from .accounts import SimAccount
from .faults import RandomFaults, rule_for
from .http import Fault, Request
from .photos import PhotoSetup, PhotoSync, parse_delay, seed_of

# names more than one host module needs (the applications' client ids, where personal accounts go)
OFFICE_CLIENT_ID = "4765445b-32c6-49b0-83e6-1d93765276ca"
SHAREPOINT_CLIENT_ID = "00000003-0000-0ff1-ce00-000000000000"
OUTLOOK_CLIENT_ID = "00000002-0000-0ff1-ce00-000000000000"  # Office 365 Exchange Online
OWA_SESSION_COOKIE = "OpenIdConnect.token.v1"  # assumed: the cookie name is not documented
LIVE_HOST = "login.live.com"  # personal Microsoft accounts: the sign-in page sends them there
ONEDRIVE_HOSTS = ("classic", "cloud")
FIRST_FACTORS = ("password", "picker", "passwordless", "passkey")  # see accounts.FIRST_FACTORS
PRIMARY_BUTTONS = ("id", "name_only")


@dataclass
class SignInFlow:
    """One authorize request on its way through the sign-in pages (what `ctx`/`flowToken` name)."""

    ctx: str
    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    upn: str | None = None
    mfa_done: bool = False
    proofup_done: bool = False
    push_started: float | None = None
    display_sign: int = 0
    confirmed: bool = False  # the AADSTS399218 "user confirmation" interrupt was answered
    terms_accepted: bool = False  # the terms of use (new_interrupt) were accepted
    campaign_done: bool = False  # the passkey registration campaign was snoozed in this sign-in


@dataclass
class NgcSession:
    """A Microsoft Authenticator passwordless sign-in: the number shown, and the phone's answer."""

    id: str
    upn: str
    number: int
    started: float | None = None  # when the page first asked for its state (the request reached the phone)
    state: str = "pending"  # pending | approved | denied | timed_out


class SimState:
    """The simulator's options and memory, shared by every host; `lock` guards the dicts, since the
    proxy serves each browser connection on its own thread."""

    def __init__(self, accounts: list[SimAccount], render_delay_ms: int = 300,
                 office_redirect: bool = True, push_timeout_s: float = 30.0, first_factor: str = "password",
                 primary_button: str = "id", onedrive_host: str = "classic"):
        self.accounts = {a.upn: a for a in accounts}
        self.render_delay_ms = render_delay_ms
        self.office_redirect = office_redirect  # www.office.com -> www.microsoft365.com -> m365.cloud.microsoft
        if onedrive_host not in ONEDRIVE_HOSTS:
            raise ValueError(f"onedrive_host must be one of {ONEDRIVE_HOSTS}, not {onedrive_host!r}")
        self.onedrive_host = onedrive_host  # for accounts that do not set their own
        self.push_timeout_s = push_timeout_s
        if first_factor not in FIRST_FACTORS or primary_button not in PRIMARY_BUTTONS:
            raise ValueError(f"first_factor must be one of {FIRST_FACTORS}, primary_button one of {PRIMARY_BUTTONS}")
        self.first_factor = first_factor  # for accounts that do not set their own
        self.primary_button = primary_button  # "name_only": primary buttons with name="idSIButton9" and no id
        self.ngc_sessions: dict[str, NgcSession] = {}
        self.lock = threading.RLock()
        self.events: list[dict[str, Any]] = []
        self.flows: dict[str, SignInFlow] = {}
        self.login_sessions: dict[str, str] = {}
        self.app_sessions: dict[tuple[str, str], str] = {}
        self.codes: dict[str, tuple[str, str]] = {}
        self.approvals: dict[str, str] = {}  # upn -> "approve" | "deny", set by a test playing the phone
        self.faults: list[Fault] = []
        self.random_faults: list[RandomFaults] = []  # faults.py: random ones on page loads, per host
        self.photos = PhotoSync({a.upn: photo_setup(a) for a in accounts})
        self.campaign_snoozes = {a.upn: a.campaign_snoozed for a in accounts}  # the tenant's count, per account

    # ------------------------------------------------------------------ bookkeeping
    def record(self, upn: str | None, event: str, **detail: Any) -> None:
        with self.lock:
            self._log_photo_changes()
            self.events.append({"account": upn, "event": event, "time": time.time(), **detail})

    def _log_photo_changes(self) -> None:
        """SharePoint's copies of photos made since the last event (photos.py applies them when due):
        logged before anything that happens after them, at the time they happened."""
        for change in self.photos.changes():
            self.events.append({"account": change.upn, "event": "sharepoint_photo_changed", "time": change.at,
                                "picture": change.picture})

    def campaign_snoozes_used(self, upn: str) -> int:
        with self.lock:
            return self.campaign_snoozes.get(upn, 0)

    def snooze_campaign(self, upn: str) -> int:
        """One more snooze of the passkey registration campaign; the count after it."""
        with self.lock:
            self.campaign_snoozes[upn] = self.campaign_snoozes.get(upn, 0) + 1
            return self.campaign_snoozes[upn]

    def events_for(self, upn: str, event: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            self._log_photo_changes()
            return [e for e in self.events if e["account"] == upn.lower() and (event is None or e["event"] == event)]

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def fault_for(self, host: str, path: str, connect: bool = False) -> Fault | None:
        """The fault to play now, if any: "down" refuses the connection itself, the others a request."""
        with self.lock:
            for fault in self.faults:
                if (fault.kind == "down") != connect:
                    continue
                if fault.host == host and path.startswith(fault.path) and fault.times != 0:
                    if fault.times is not None:
                        fault.times -= 1
                    self.events.append({"account": None, "event": "fault", "time": time.time(), "host": host,
                                        "path": path, "kind": fault.kind})
                    return fault
        return None

    def add_random_faults(self, rule: RandomFaults) -> None:
        with self.lock:
            self.random_faults.append(rule)

    def random_fault_for(self, host: str, path: str) -> Fault | None:
        """The random fault a page load of `host` meets now, if its rule's draw gives one."""
        with self.lock:
            rule = rule_for(self.random_faults, host)
        fault = rule.draw(host) if rule is not None else None
        if fault is not None:
            self.record(None, "fault", host=host, path=path, kind=fault.kind, random=True)
        return fault

    # ------------------------------------------------------------------ sessions
    def flow(self, ctx: str | None) -> SignInFlow | None:
        """The sign-in flow a page's `ctx`/`flowToken` names, if it is still on its way."""
        with self.lock:
            return self.flows.get(ctx or "")

    def redeem(self, host: str, code: str, client_id: str) -> str | None:
        """An application's side of the sign-in: trade the code posted back for a session on `host`
        (the token its cookie carries), once, and only for the application the code was made for."""
        with self.lock:
            grant = self.codes.pop(code, None)
        if grant is None or grant[1] != client_id:
            return None
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.app_sessions[(host, token)] = grant[0]
        return token

    def session_upn(self, req: Request) -> str | None:
        """Who is signed in to the request's host (office.com's OhpAuth, SharePoint's FedAuth,
        Outlook on the web's session cookie)."""
        cookies = req.cookies
        with self.lock:
            for name in ("OhpAuth", "FedAuth", OWA_SESSION_COOKIE):
                upn = self.app_sessions.get((req.host, cookies.get(name, "")))
                if upn:
                    return upn
        return None

    def onedrive_host_of(self, acc: SimAccount) -> str:
        """Where this account's OneDrive lives: its own setting, else the simulator's default."""
        return acc.onedrive_host or self.onedrive_host


def photo_setup(acc: SimAccount) -> PhotoSetup:
    """An account's photos (simulator/photos.py): its own picture in Exchange unless it has none, what
    SharePoint shows before the sync, and the sync's delays (after a visit; after an upload, unprompted)."""
    return PhotoSetup(exchange_seed=seed_of(acc.upn) if acc.exchange_photo else None,
                      sharepoint_seed=seed_of(acc.upn + "#before") if acc.photo_before_sync == "old_photo" else None,
                      delay=parse_delay(acc.photo_sync), unprompted=parse_delay(acc.photo_sync_unprompted))
