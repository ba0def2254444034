"""The simulated Microsoft 365: office.com (the Microsoft 365 Copilot app), login.microsoftonline.com,
AD FS, SharePoint and OneDrive (on their classic hosts and on cloud.microsoft).

A plain request -> response function with its state (sessions, codes, sign-in flows, and a log
of what each account did), kept apart from the transport in server.py so it stays readable.
"""

from __future__ import annotations

import base64
import json
import secrets
import struct
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from . import pages
from .accounts import SimAccount
from .i18n import STRINGS, market, pick_language

OFFICE_CLIENT_ID = "4765445b-32c6-49b0-83e6-1d93765276ca"
SHAREPOINT_CLIENT_ID = "00000003-0000-0ff1-ce00-000000000000"
LOGIN_HOSTS = {"login.microsoftonline.com", "login.microsoft.com"}
CDN_HOST = "aadcdn.msftauth.net"
CDN_SCRIPT = "/shared/1.0/content/js/ConvergedLogin_PCore.js"
COPILOT_HOST = "m365.cloud.microsoft"
APPS_URL = f"https://{COPILOT_HOST}/apps?auth=2"  # the Apps page, where "More apps" and "Apps" lead
# OneDrive's new host (2026-07 to 2027-06, per user, with redirects from <tenant>-my.sharepoint.com)
ONEDRIVE_CLOUD_HOST = "onedrive.cloud.microsoft"
# SharePoint's new host is not documented yet: the simulator assumes <tenant>.sharepoint.cloud.microsoft
SHAREPOINT_CLOUD_SUFFIX = ".sharepoint.cloud.microsoft"
ONEDRIVE_HOSTS = ("classic", "cloud")
LIVE_HOST = "login.live.com"  # personal Microsoft accounts
FIRST_FACTORS = ("password", "picker", "passwordless", "passkey")  # see accounts.FIRST_FACTORS
PRIMARY_BUTTONS = ("id", "name_only")
# GetCredentialType's PrefCredential, as the credential picker's data-test-cred-id numbers them
# (1 password, 2 Authenticator passwordless, 7 passkey); 0: none preferred, so the page lets the
# user choose (how the real page decides to show the picker is not known: a simulator model)
PREF_CREDENTIAL = {"password": 1, "passwordless": 2, "passkey": 7, "picker": 0}
# PageID of the AADSTS399218 interrupt: the real one is not known, and the runner must not know it
USER_CONFIRMATION_PAGE = "ConvergedUserConfirmation"


@dataclass
class Request:
    method: str
    host: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    @classmethod
    def build(cls, method: str, host: str, target: str, headers: dict[str, str], body: bytes = b"") -> Request:
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        return cls(method.upper(), host.lower(), parts.path or "/", query,
                   {k.lower(): v for k, v in headers.items()}, body)

    @property
    def url(self) -> str:
        q = urlencode(self.query)
        return f"https://{self.host}{self.path}" + (f"?{q}" if q else "")

    @property
    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except Exception:
            return {}
        return {k: m.value for k, m in jar.items()}

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    @property
    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def lang(self) -> str:
        return pick_language(self.headers.get("accept-language"))


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    fault: str | None = None  # "reset" closes the connection; "hang" never answers
    delay: float = 0.0

    def cookie(self, name: str, value: str, persistent: bool = False) -> Response:
        extra = "; Max-Age=7776000" if persistent else ""
        self.headers.append(("Set-Cookie", f"{name}={value}; Path=/; Secure; HttpOnly; SameSite=None{extra}"))
        return self

    @property
    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


def redirect(location: str, status: int = 302) -> Response:
    return Response(status=status, headers=[("Location", location)], body=b"")


def json_response(data: Any) -> Response:
    return Response(body=json.dumps(data), content_type="application/json; charset=utf-8")


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


@dataclass
class NgcSession:
    """A Microsoft Authenticator passwordless sign-in: the number shown, and the phone's answer."""

    id: str
    upn: str
    number: int
    started: float | None = None  # when the page first asked for its state (the request reached the phone)
    state: str = "pending"  # pending | approved | denied | timed_out


@dataclass
class Fault:
    """A fault injected for requests to a host (and path prefix): see Simulator.add_fault."""

    host: str
    kind: str  # down | reset | status | hang | slow
    path: str = ""
    status: int = 503
    seconds: float = 0.0
    times: int | None = None  # None: every time


def _png(rgb: tuple[int, int, int] = (202, 80, 16), size: int = 48) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class SimulatorApp:
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
        self._script = resources.files(__package__).joinpath("static/converged.js").read_bytes()
        self._photo = _png()

    # ------------------------------------------------------------------ bookkeeping
    def record(self, upn: str | None, event: str, **detail: Any) -> None:
        with self.lock:
            self.events.append({"account": upn, "event": event, "time": time.time(), **detail})

    def events_for(self, upn: str, event: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
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

    def knows_host(self, host: str) -> bool:
        host = host.lower()
        return (host in LOGIN_HOSTS or host in (CDN_HOST, LIVE_HOST) or host in self.office_hosts
                or self.is_sharepoint_host(host) or host.startswith("sts.")
                or host == "mysignins.microsoft.com")

    @property
    def office_hosts(self) -> set[str]:
        return {"www.office.com", "office.com", "www.microsoft365.com", COPILOT_HOST}

    @staticmethod
    def is_sharepoint_host(host: str) -> bool:
        """SharePoint and OneDrive, on the classic hosts and on cloud.microsoft."""
        return (host.endswith(".sharepoint.com") or host == ONEDRIVE_CLOUD_HOST
                or (host.endswith(SHAREPOINT_CLOUD_SUFFIX) and len(host) > len(SHAREPOINT_CLOUD_SUFFIX)))

    def onedrive_host_of(self, acc: SimAccount) -> str:
        """Where this account's OneDrive lives: its own setting, else the simulator's default."""
        return acc.onedrive_host or self.onedrive_host

    # ------------------------------------------------------------------ dispatch
    def handle(self, req: Request) -> Response:
        host = req.host
        if host == CDN_HOST:
            if req.path == CDN_SCRIPT:
                return Response(body=self._script, content_type="application/javascript; charset=utf-8",
                                headers=[("Cache-Control", "no-store")])
            return Response(status=404, body="not found")
        if host in LOGIN_HOSTS:
            return self.login(req)
        if host == LIVE_HOST:
            return self.live(req)
        if host in self.office_hosts:
            return self.office(req)
        if self.is_sharepoint_host(host):
            return self.sharepoint(req)
        if host.startswith("sts."):
            return self.adfs(req)
        if host == "mysignins.microsoft.com":
            return Response(body=pages.script_built("My Sign-Ins", req.lang,
                                                    '<main id="securityInfo"><h1>Keep your account secure</h1></main>',
                                                    self.render_delay_ms))
        return Response(status=502, body="unknown host")

    # ------------------------------------------------------------------ login.microsoftonline.com
    def login(self, req: Request) -> Response:
        path = req.path.lower()
        if req.method == "GET" and path.endswith("/authorize"):
            return self.authorize(req)
        if req.method == "POST" and path == "/common/getcredentialtype":
            return self.get_credential_type(req)
        if req.method == "POST" and path == "/common/login":
            return self.password_post(req)
        if req.method == "POST" and path == "/kmsi":
            return self.kmsi_post(req)
        if req.method == "POST" and path == "/common/sas/endauth":
            return self.end_auth(req)
        if req.method == "POST" and path == "/common/sas/processauth":
            return self.process_auth(req)
        if req.method == "POST" and path == "/common/getsessionstate":
            return self.ngc_state(req)
        if req.method == "POST" and path == "/common/fido/result":
            data = req.json
            self.record(str(data.get("username", "")).lower(), "passkey_prompt", result=str(data.get("result")),
                        message=str(data.get("message", ""))[:200])
            return json_response({"Success": True})
        if req.method == "POST" and path == "/common/userconfirmation":
            return self.user_confirmation_post(req)
        if path == "/common/mfaregistration/skip":
            return self.skip_proofup(req)
        if req.method == "POST" and path == "/common/proofup":
            return redirect("https://mysignins.microsoft.com/register")
        if req.method == "POST" and path == "/login.srf":
            return self.federated_return(req)
        return self.error_page(req, None, "AADSTS900561: The endpoint only accepts POST requests.", "900561")

    def _config(self, req: Request, flow: SignInFlow, **extra: Any) -> dict[str, Any]:
        lang = req.lang
        return {
            "sCtx": flow.ctx,
            "sFT": flow.ctx,
            "canary": secrets.token_urlsafe(16),
            "sessionId": str(uuid.uuid4()),
            "correlationId": str(uuid.uuid4()),
            "urlPost": "/common/login",
            "urlGetCredentialType": f"https://login.microsoftonline.com/common/GetCredentialType?mkt={market(lang)}",
            "sErrorCode": "50058",
            "iRenderDelay": self.render_delay_ms,
            "simPrimaryButton": self.primary_button,  # the simulator's switch, not a real $Config key
            "str": STRINGS[lang],
            **extra,
        }

    def _sign_in_page(self, req: Request, flow: SignInFlow, **extra: Any) -> Response:
        extra = {"urlSessionState": "/common/GetSessionState", "urlFidoResult": "/common/fido/result",
                 "urlMsaSignIn": f"https://{LIVE_HOST}/login.srf", "iPollingInterval": 1000, **extra}
        config = self._config(req, flow, **extra)
        return Response(body=pages.converged_page("ConvergedSignIn", config, req.lang, STRINGS[req.lang]["title"]))

    def authorize(self, req: Request) -> Response:
        q = req.query
        flow = SignInFlow(
            ctx=secrets.token_urlsafe(24),
            client_id=q.get("client_id", ""),
            redirect_uri=q.get("redirect_uri", ""),
            state=q.get("state", ""),
            nonce=q.get("nonce", ""),
        )
        with self.lock:
            self.flows[flow.ctx] = flow
            upn = self.login_sessions.get(req.cookies.get("ESTSAUTH", ""))
        if upn:
            flow.upn = upn
            self.record(upn, "sso", client=self.client_name(flow.client_id))
            return self.finish(req, flow, self.accounts[upn])
        hint = q.get("login_hint")
        self.record(None, "sign_in_page", lang=req.lang, client=self.client_name(flow.client_id))
        return self._sign_in_page(req, flow, sPOST_Username=hint or "", fShowPassword=bool(hint))

    def client_name(self, client_id: str) -> str:
        return {OFFICE_CLIENT_ID: "office", SHAREPOINT_CLIENT_ID: "sharepoint"}.get(client_id, client_id)

    def get_credential_type(self, req: Request) -> Response:
        username = str(req.json.get("username", "")).strip().lower()
        acc = self.accounts.get(username)
        self.record(username, "username_checked", exists=acc is not None)
        result: dict[str, Any] = {
            "Username": username,
            "Display": username,
            # 0 exists, 1 unknown, 5 a personal Microsoft account only (uncertain), 6 both work and personal
            "IfExistsResult": 1 if acc is None else (6 if acc.chooser else 5 if acc.personal else 0),
            "IsUnmanaged": False,
            "ThrottleStatus": 0,
            "Credentials": self._credentials(acc, str(req.json.get("flowToken", ""))),
            "EstsProperties": {"UserTenantBranding": [{"Locale": 0, "KeepMeSignedInDisabled": bool(acc and not acc.kmsi)}]},
            "FlowToken": req.json.get("flowToken"),
        }
        if acc is not None and acc.federated:
            wctx = quote(f"LoginOptions=3&estsredirect=2&estsrequest={req.json.get('originalRequest', '')}")
            result["Credentials"]["FederationRedirectUrl"] = (
                f"https://sts.{acc.domain}/adfs/ls/?username={quote(acc.upn)}&wa=wsignin1.0"
                f"&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx={wctx}"
            )
        return json_response(result)

    def first_factor_of(self, acc: SimAccount) -> str:
        """The account's first factor, or the simulator's; an account without a password never gets
        the password view."""
        factor = acc.first_factor or self.first_factor
        return "passwordless" if factor == "password" and not acc.has_password else factor

    def _credentials(self, acc: SimAccount | None, flow_token: str) -> dict[str, Any]:
        """GetCredentialType's `Credentials`: which ways the account can sign in, and the preferred
        one, from which converged.js picks the view as the real page does."""
        creds: dict[str, Any] = {"PrefCredential": 1, "HasPassword": True, "HasRemoteNGC": False, "HasFido": False,
                                 "RemoteNgcParams": None, "FidoParams": None, "SasParams": None,
                                 "FederationRedirectUrl": None}
        if acc is None or acc.federated or acc.personal or acc.chooser:
            return creds
        factor = self.first_factor_of(acc)
        creds["PrefCredential"] = PREF_CREDENTIAL[factor]
        creds["HasPassword"] = acc.has_password
        if factor in ("picker", "passwordless"):
            session = NgcSession(secrets.token_urlsafe(18), acc.upn, secrets.randbelow(90) + 10)
            with self.lock:
                self.ngc_sessions[session.id] = session
            if factor == "passwordless":  # the default way: the request goes to the phone at once
                self._ngc_sent(session)
            creds["HasRemoteNGC"] = True
            creds["RemoteNgcParams"] = {"SessionIdentifier": session.id, "Entropy": session.number, "DefaultType": 1}
        if factor in ("picker", "passkey"):
            creds["HasFido"] = True
            creds["FidoParams"] = {"AllowList": []}  # discoverable credentials: the passkey names the user
        return creds

    def _ngc_sent(self, session: NgcSession) -> None:
        session.started = time.time()
        self.record(session.upn, "push_sent", number=session.number, kind="passwordless")

    def ngc_state(self, req: Request) -> Response:
        """The passwordless page's poll: has the phone approved the number yet? A test plays the
        phone with Simulator.approve_push; nobody else ever approves."""
        with self.lock:
            session = self.ngc_sessions.get(str(req.json.get("SessionId", "")))
        if session is None:
            return json_response({"AuthorizationState": 3, "SessionState": "InvalidSession"})
        now = time.time()
        if session.started is None:  # chosen in the picker: the request goes to the phone now
            self._ngc_sent(session)
        with self.lock:
            decision = self.approvals.get(session.upn)
        if session.state == "pending":
            if decision in ("approve", "deny"):
                session.state = "approved" if decision == "approve" else "denied"
            elif now - (session.started or now) > self.push_timeout_s:
                session.state = "timed_out"
            if session.state != "pending":
                self.record(session.upn, "push_result", kind="passwordless", result=session.state)
        states = {"pending": 0, "approved": 1, "denied": 2, "timed_out": 3}
        return json_response({"AuthorizationState": states[session.state], "SessionState": session.state})

    def _flow(self, ctx: str | None) -> SignInFlow | None:
        with self.lock:
            return self.flows.get(ctx or "")

    def password_post(self, req: Request) -> Response:
        form = req.form
        flow = self._flow(form.get("ctx"))
        if flow is None:
            return self.error_page(req, None, "AADSTS90100: The request is missing its sign-in context.", "90100")
        username = (form.get("login") or form.get("loginfmt") or "").strip().lower()
        acc = self.accounts.get(username)
        if acc is None:
            return self._sign_in_page(req, flow, sErrorCode="50034", sPOST_Username=username)
        if form.get("ps") == "2":  # passwordless: the number was approved on the phone
            with self.lock:
                session = self.ngc_sessions.get(form.get("psRNGCSLK", ""))
            if session is None or session.upn != acc.upn or session.state != "approved":
                return self.error_page(req, acc.upn, "AADSTS50012: Authentication failed.", "50012")
            self.record(acc.upn, "passwordless_sign_in")
            flow.upn = acc.upn
            flow.mfa_done = True  # a passwordless sign-in is already multi-factor
            return self.after_password(req, flow, acc)
        correct = acc.has_password and secrets.compare_digest(form.get("passwd", "").encode(), acc.password.encode())
        self.record(acc.upn, "password_attempt", correct=correct and not acc.locked)
        if acc.locked:
            return self._sign_in_page(req, flow, sErrorCode="50053", sPOST_Username=acc.upn)
        if not correct:
            return self._sign_in_page(req, flow, sErrorCode="50126", sPOST_Username=acc.upn)
        flow.upn = acc.upn
        return self.after_password(req, flow, acc)

    def after_password(self, req: Request, flow: SignInFlow, acc: SimAccount) -> Response:
        """The interrupts a real tenant may put between the password and the app, in order."""
        lang = req.lang
        s = STRINGS[lang]
        if acc.blocked:
            self.record(acc.upn, "blocked", code="53003")
            return self.error_page(req, acc.upn, s["blocked_message"], "53003")
        if acc.password_expired:
            config = self._config(req, flow, sErrorCode="50055", sPOST_Username=acc.upn,
                                  urlPost="/common/SSPR/changepassword")
            return Response(body=pages.converged_page("ConvergedChangePassword", config, lang, s["title"]))
        if acc.new_interrupt:
            config = self._config(req, flow, sPOST_Username=acc.upn, urlPost="/common/newprompt")
            return Response(body=pages.converged_page("ConvergedPasskeyNudge", config, lang, s["title"]))
        if acc.mfa and not flow.mfa_done:
            return self.tfa_page(req, flow, acc)
        if acc.proofup and not flow.proofup_done:
            extra = {"sErrorCode": "50079", "sPOST_Username": acc.upn, "urlPost": "/common/proofup"}
            if acc.proofup == "ask_later":
                extra["urlSkipMfaRegistration"] = f"/common/mfaregistration/skip?ctx={quote(flow.ctx)}"
            config = self._config(req, flow, **extra)
            return Response(body=pages.converged_page("ConvergedProofUpRedirect", config, lang, s["title"]))
        if acc.interrupt == "user_confirmation" and not flow.confirmed:
            self.record(acc.upn, "user_confirmation_shown")
            config = self._config(req, flow, sErrorCode="399218", sPOST_Username=acc.upn,
                                  urlPost="/common/userconfirmation")
            return Response(body=pages.converged_page(USER_CONFIRMATION_PAGE, config, lang, s["title"]))
        if acc.kmsi:
            config = self._config(req, flow, sPOST_Username=acc.upn, urlPost="/kmsi")
            return Response(body=pages.converged_page("KmsiInterrupt", config, lang, s["title"]))
        return self.finish(req, flow, acc)

    def tfa_page(self, req: Request, flow: SignInFlow, acc: SimAccount) -> Response:
        assert acc.mfa is not None
        flow.display_sign = secrets.randbelow(90) + 10
        default = "PhoneAppOTP" if acc.mfa == "totp" else "PhoneAppNotification"
        proofs = [{"authMethodId": "PhoneAppNotification", "isDefault": default == "PhoneAppNotification"}]
        if acc.totp_secret:
            proofs.append({"authMethodId": "PhoneAppOTP", "isDefault": default == "PhoneAppOTP"})
        if default == "PhoneAppNotification":
            flow.push_started = time.time()
            self.record(acc.upn, "push_sent", number=flow.display_sign)
        config = self._config(req, flow, sErrorCode="50074", sPOST_Username=acc.upn, arrUserProofs=proofs,
                              sDefaultMethod=default, iDisplaySign=flow.display_sign, iPollingInterval=1000,
                              urlEndAuth="/common/SAS/EndAuth", urlPost="/common/SAS/ProcessAuth")
        return Response(body=pages.converged_page("ConvergedTFA", config, req.lang, STRINGS[req.lang]["title"]))

    def end_auth(self, req: Request) -> Response:
        data = req.json
        flow = self._flow(str(data.get("FlowToken", "")))
        if flow is None or flow.upn is None:
            return json_response({"Success": False, "ResultValue": "InvalidSession"})
        acc = self.accounts[flow.upn]
        if data.get("AuthMethodId") == "PhoneAppOTP":
            from ..credentials import totp_verify

            code = str(data.get("AdditionalAuthData", ""))
            ok = bool(acc.totp_secret) and totp_verify(acc.totp_secret or "", code)
            self.record(acc.upn, "mfa_code", correct=ok)
            flow.mfa_done = flow.mfa_done or ok
            return json_response({"Success": ok, "ResultValue": "Success" if ok else "InvalidCode"})
        if flow.push_started is None:
            flow.push_started = time.time()
        waited = time.time() - flow.push_started
        with self.lock:
            decision = self.approvals.get(acc.upn)
        result = "AuthenticationPending"
        if (acc.mfa == "push_approve" and waited > 2) or decision == "approve":
            result = "Success"
        elif (acc.mfa == "push_deny" and waited > 1.5) or decision == "deny":
            result = "PhoneAppDenied"
        elif (acc.mfa == "push_timeout" and waited > 2) or waited > self.push_timeout_s:
            result = "PhoneAppNoResponse"
        if result == "Success":
            flow.mfa_done = True
        if result != "AuthenticationPending":
            self.record(acc.upn, "push_result", result=result)
        return json_response({"Success": result == "Success", "ResultValue": result})

    def process_auth(self, req: Request) -> Response:
        flow = self._flow(req.form.get("flowToken"))
        if flow is None or flow.upn is None or not flow.mfa_done:
            return self.error_page(req, flow.upn if flow else None,
                                   "AADSTS50076: You must use multi-factor authentication.", "50076")
        return self.after_password(req, flow, self.accounts[flow.upn])

    def skip_proofup(self, req: Request) -> Response:
        flow = self._flow(req.query.get("ctx"))
        if flow is None or flow.upn is None:
            return self.error_page(req, None, "AADSTS90100: The request is missing its sign-in context.", "90100")
        flow.proofup_done = True
        self.record(flow.upn, "proofup_skipped")
        return self.after_password(req, flow, self.accounts[flow.upn])

    def user_confirmation_post(self, req: Request) -> Response:
        flow = self._flow(req.form.get("flowToken"))
        if flow is None or flow.upn is None:
            return self.error_page(req, None, "AADSTS90100: The request is missing its sign-in context.", "90100")
        flow.confirmed = True
        self.record(flow.upn, "user_confirmation_answered")
        return self.after_password(req, flow, self.accounts[flow.upn])

    def kmsi_post(self, req: Request) -> Response:
        form = req.form
        flow = self._flow(form.get("flowToken"))
        if flow is None or flow.upn is None:
            return self.error_page(req, None, "AADSTS90100: The request is missing its sign-in context.", "90100")
        stay = form.get("LoginOptions") == "1"
        self.record(flow.upn, "kmsi", stay_signed_in=stay)
        return self.finish(req, flow, self.accounts[flow.upn], persistent=stay)

    def finish(self, req: Request, flow: SignInFlow, acc: SimAccount, persistent: bool = False) -> Response:
        """Hand a code back to the application with the auto-posted "Working..." form."""
        session = secrets.token_urlsafe(24)
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.login_sessions[session] = acc.upn
            self.codes[code] = (acc.upn, flow.client_id)
            self.flows.pop(flow.ctx, None)
        self.record(acc.upn, "signed_in", client=self.client_name(flow.client_id))
        claims = {"upn": acc.upn, "name": acc.display_name, "aud": flow.client_id, "nonce": flow.nonce}
        id_token = ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
            for part in ({"alg": "none", "typ": "JWT"}, claims)
        ) + "."
        fields = {"code": code, "id_token": id_token, "state": flow.state, "session_state": str(uuid.uuid4())}
        resp = Response(body=pages.hidden_form(flow.redirect_uri, fields, STRINGS[req.lang]["working"]))
        resp.cookie("ESTSAUTH", session)
        if persistent:
            resp.cookie("ESTSAUTHPERSISTENT", session, persistent=True)
        return resp

    def error_page(self, req: Request, upn: str | None, message: str, code: str) -> Response:
        s = STRINGS[req.lang]
        flow = SignInFlow(ctx=secrets.token_urlsafe(8), client_id="", redirect_uri="", state="", nonce="")
        config = self._config(req, flow, sErrorCode=code, strServiceExceptionMessage=message,
                              sRequestId=str(uuid.uuid4()), sTimestamp=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        return Response(body=pages.converged_page("ConvergedError", config, req.lang, s["title"]))

    # ------------------------------------------------------------------ AD FS
    def adfs(self, req: Request) -> Response:
        s = STRINGS[req.lang]
        wctx = req.query.get("wctx", "")
        username = req.query.get("username", "")
        error = ""
        if req.method == "POST":
            form = req.form
            username = form.get("UserName", "").strip().lower()
            acc = self.accounts.get(username)
            correct = acc is not None and secrets.compare_digest(form.get("Password", "").encode(),
                                                                 acc.password.encode())
            self.record(username, "password_attempt", correct=correct, via="adfs")
            if correct and acc is not None:
                fields = {"wa": "wsignin1.0", "wresult": f"<t:RequestSecurityTokenResponse upn='{acc.upn}'/>",
                          "wctx": wctx}
                return Response(body=pages.hidden_form("https://login.microsoftonline.com/login.srf", fields,
                                                       s["working"]))
            error = s["adfs_error"]
        action = pages.esc(req.path + "?" + urlencode(req.query))
        body = f"""<!DOCTYPE html><html lang="{req.lang}"><head><meta charset="utf-8"><title>{pages.esc(s['signin'])}</title></head>
<body><div id="fullPage"><div id="contentWrapper"><div id="content">
<div id="header"><img class="logoImage" alt="{pages.esc(req.host)}" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></div>
<div id="workArea"><div id="authArea" class="groupMargin"><div id="loginArea">
<div id="loginMessage" class="groupMargin">{pages.esc(s['adfs_signin'])}</div>
<form method="post" id="loginForm" autocomplete="off" novalidate="novalidate" action="{action}">
<div id="error" class="fieldMargin error smallText"><span id="errorText" for="" aria-live="assertive" role="alert">{pages.esc(error)}</span></div>
<div id="formsAuthenticationArea">
<div id="userNameArea"><input id="userNameInput" name="UserName" type="email" value="{pages.esc(username)}" tabindex="1" class="text fullWidth" spellcheck="false" placeholder="{pages.esc(s['adfs_user_placeholder'])}" autocomplete="off"></div>
<div id="passwordArea"><input id="passwordInput" name="Password" type="password" tabindex="2" class="text fullWidth" placeholder="{pages.esc(s['password_placeholder'])}" autocomplete="off"></div>
<div id="submissionArea" class="submitMargin"><span id="submitButton" class="submit" tabindex="4" role="button"
 onKeyPress="if (event && event.keyCode == 32) document.getElementById('loginForm').submit();"
 onclick="document.getElementById('loginForm').submit(); return false;">{pages.esc(s['signin'])}</span></div>
</div><input id="optionForms" type="hidden" name="AuthMethod" value="FormsAuthentication"></form>
</div></div></div></div></div></div></body></html>"""
        return Response(body=body)

    def federated_return(self, req: Request) -> Response:
        form = req.form
        wctx = parse_qs(form.get("wctx", ""))
        ctx = (wctx.get("estsrequest") or [""])[0]
        flow = self._flow(ctx)
        result = form.get("wresult", "")
        upn = result.split("upn='")[-1].split("'")[0] if "upn='" in result else ""
        acc = self.accounts.get(upn)
        if flow is None or acc is None:
            return self.error_page(req, upn or None, "AADSTS50008: SAML token is invalid.", "50008")
        flow.upn = acc.upn
        return self.after_password(req, flow, acc)

    # ------------------------------------------------------------------ login.live.com
    def live(self, req: Request) -> Response:
        """login.live.com's personal-account sign-in, the page shipped since 2025-05: `#usernameEntry`,
        `button[data-testid=primaryButton]`, `[data-testid=secondaryButton]`, `[data-testid=passwordEntry]`
        (the old ids are gone there). The simulator holds no personal accounts: every password is wrong."""
        s = STRINGS[req.lang]
        esc = pages.esc
        username = req.query.get("username", "")
        error = ""
        if req.method == "POST":
            form = req.form
            username = form.get("username", "")
            self.record(username.strip().lower(), "password_attempt", correct=False, via="live")
            error = s["err_password_wrong"]
        else:
            self.record(username.strip().lower() or None, "personal_sign_in_page", lang=req.lang)
        body = (
            f'<main class="live"><form id="liveForm" method="post" action="/ppsecure/post.srf" novalidate>'
            f'<h1 data-testid="title">{esc(s["live_title"])}</h1>'
            f'<input type="hidden" name="username" value="{esc(username)}">'
            f'<div id="liveUsername"><input id="usernameEntry" type="email" autocomplete="username" '
            f'value="{esc(username)}" aria-label="{esc(s["username_placeholder"])}" '
            f'placeholder="{esc(s["username_placeholder"])}"></div>'
            f'<div id="livePassword" style="display:none"><input data-testid="passwordEntry" type="password" '
            f'name="password" aria-label="{esc(s["password_placeholder"])}" '
            f'placeholder="{esc(s["password_placeholder"])}"></div>'
            f'<div data-testid="error" role="alert">{esc(error)}</div>'
            f'<div class="buttons"><button type="button" data-testid="secondaryButton">{esc(s["back"])}</button>'
            f'<button type="submit" data-testid="primaryButton">{esc(s["next"])}</button></div>'
            f'<a id="signup" href="#">{esc(s["live_no_account"])}</a></form></main>'
        )
        script = """
  var form = document.getElementById("liveForm");
  var pwd = document.querySelector('[data-testid="passwordEntry"]');
  form.addEventListener("submit", function (ev) {
    if (document.getElementById("livePassword").style.display === "none") {
      ev.preventDefault();
      form.elements.username.value = document.getElementById("usernameEntry").value;
      document.getElementById("liveUsername").style.display = "none";
      document.getElementById("livePassword").style.display = "";
      pwd.focus();
    }
  });
  document.querySelector('[data-testid="secondaryButton"]').addEventListener("click", function () {
    history.back();
  });"""
        return Response(body=f"""<!DOCTYPE html>
<html lang="{esc(req.lang)}"><head><meta charset="utf-8"><title>{esc(s["live_title"])}</title>
<style>body{{font-family:"Segoe UI",Arial,sans-serif;margin:0;background:#f2f2f2}}
.live{{max-width:440px;margin:64px auto;padding:44px;background:#fff}}input{{display:block;width:100%;margin:16px 0}}
.buttons{{text-align:right}}button{{min-width:108px;margin-left:4px}}</style></head>
<body><div id="root"></div><script>
window.setTimeout(function () {{
  document.getElementById("root").innerHTML = {pages.script_json(body)};{script}
}}, {int(self.render_delay_ms)});
</script></body></html>""")

    # ------------------------------------------------------------------ office.com
    def office(self, req: Request) -> Response:
        host, path = req.host, req.path
        s = STRINGS[req.lang]
        if self.office_redirect and host in ("www.office.com", "office.com"):
            return redirect(f"https://www.microsoft365.com{path}" + (f"?{urlencode(req.query)}" if req.query else ""),
                            301)
        if self.office_redirect and host == "www.microsoft365.com" and path == "/apps":
            return redirect(APPS_URL, 301)
        app_host = COPILOT_HOST if self.office_redirect else host
        upn = self.session_upn(req)
        if path == "/login":
            redirect_uri = f"https://{app_host}/landingv2"
            params = {
                "client_id": OFFICE_CLIENT_ID,
                "redirect_uri": redirect_uri,
                "response_type": "code id_token",
                "scope": "openid profile https://www.office.com/v2/OfficeHome.All",
                "response_mode": "form_post",
                "nonce": secrets.token_urlsafe(12),
                "ui_locales": market(req.lang),
                "mkt": market(req.lang),
                "state": req.query.get("ru", "/"),
                "x-client-SKU": "ID_NET8_0",
            }
            return redirect("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?" + urlencode(params))
        if path == "/landingv2" and req.method == "POST":
            code = req.form.get("code", "")
            with self.lock:
                grant = self.codes.pop(code, None)
            if grant is None or grant[1] != OFFICE_CLIENT_ID:
                return Response(status=400, body="invalid code")
            token = secrets.token_urlsafe(24)
            with self.lock:
                self.app_sessions[(host, token)] = grant[0]
            back = req.form.get("state") or "/"  # the `ru` the sign-in started from
            if not back.startswith("/") or back[1:2] in ("/", "\\"):  # a path on this host, never another host
                back = "/"
            if "auth=" not in back:
                back += ("&" if "?" in back else "?") + "auth=2"
            return redirect(back).cookie("OhpAuth", token)
        if path.rstrip("/") == "/apps":
            if upn is None:  # a round trip through the sign-in (SSO with ESTSAUTH), back to the Apps page
                return redirect("/login?" + urlencode({"es": "Click", "ru": "/apps"}))
            return self.apps_page(req, self.accounts[upn], s)
        if path != "/":
            return Response(status=404, body="not found")
        if upn is None:
            if self.office_redirect and host == COPILOT_HOST:
                return redirect("https://www.microsoft365.com/")
            return self.office_landing(req, s)
        return self.office_home(req, self.accounts[upn], s)

    def session_upn(self, req: Request) -> str | None:
        cookies = req.cookies
        with self.lock:
            for name in ("OhpAuth", "FedAuth"):
                upn = self.app_sessions.get((req.host, cookies.get(name, "")))
                if upn:
                    return upn
        return None

    def office_landing(self, req: Request, s: dict[str, str]) -> Response:
        body = (
            '<header class="landing-header" role="banner"><span id="mectrl_headerPicture">Microsoft 365</span>'
            f'<a id="hero-banner-sign-in-microsoft-365-link" href="/login?es=Click&amp;ru=%2F" '
            f'aria-label="{pages.esc(s["signin"])}">{pages.esc(s["signin"])}</a></header>'
            f'<main id="hero-banner"><h1>{pages.esc(s["landing_heading"])}</h1><p>{pages.esc(s["landing_desc"])}</p>'
            f'<a id="hero-banner-get-microsoft-365" href="#">{pages.esc(s["landing_get"])}</a></main>'
        )
        return Response(body=pages.script_built("Microsoft 365", req.lang, body, self.render_delay_ms))

    @staticmethod
    def app_urls(acc: SimAccount) -> tuple[str, str]:
        """Where the OneDrive and SharePoint tiles lead: their classic addresses, which redirect an
        account whose OneDrive has moved to onedrive.cloud.microsoft."""
        return (f"https://{acc.tenant}-my.sharepoint.com/",
                f"https://{acc.tenant}.sharepoint.com/_layouts/15/sharepoint.aspx")

    def office_home(self, req: Request, acc: SimAccount, s: dict[str, str]) -> Response:
        self.record(acc.upn, "office_home", host=req.host, layout=acc.home_layout, lang=req.lang)
        if acc.home_layout.startswith("copilot"):
            return self.copilot_home(req, acc, s)
        onedrive, sites = self.app_urls(acc)
        target = "_blank" if acc.tile_target == "new_tab" else "_self"
        launcher = {"Outlook": "https://outlook.office.com/mail/", "Documents": onedrive, "Word": "#",
                    "Excel": "#", "Sites": sites, "Teams": "#"}
        more_apps = None
        if acc.home_layout == "launcher_more_apps":
            launcher = {k: v for k, v in launcher.items() if k not in ("Documents", "Sites")}
            more_apps = APPS_URL
        header = pages.suite_header("Microsoft 365", s, acc.display_name, None, launcher, target, more_apps)
        tiles = ""
        if acc.home_layout == "tiles":
            tiles = (
                f'<nav class="tiles" aria-label="{pages.esc(s["apps"])}">'
                f'<a id="ShellMail_link" href="https://outlook.office.com/mail/" target="{target}">Outlook</a>'
                f'<a id="ShellDocuments_link" href="{onedrive}" target="{target}">OneDrive</a>'
                f'<a id="ShellWordOnline_link" href="#" target="{target}">Word</a>'
                f'<a id="ShellSites_link" href="{sites}" target="{target}">SharePoint</a></nav>'
            )
        body = (f"{header}<main><h1>{pages.esc(s['home_greeting'])}, {pages.esc(acc.display_name)}</h1>"
                f"<h2>{pages.esc(s['home_recommended'])}</h2>{tiles}</main>")
        return Response(body=pages.script_built(f"{s['home']} | Microsoft 365", req.lang, body, self.render_delay_ms,
                                                pages.LAUNCHER_SCRIPT))

    def copilot_chrome(self, acc: SimAccount, s: dict[str, str], current: str) -> str:
        """The Copilot app's header and rail: "copilot_launcher" accounts reach the Apps page through
        the rail's app launcher ("More apps"), "copilot_apps" accounts through the rail's "Apps" entry;
        the classic layouts' accounts, who only see the Apps page, get both."""
        return pages.copilot_chrome(s, acc.display_name, APPS_URL, launcher=acc.home_layout != "copilot_apps",
                                    apps_entry=acc.home_layout != "copilot_launcher", current=current)

    def copilot_home(self, req: Request, acc: SimAccount, s: dict[str, str]) -> Response:
        """The Microsoft 365 Copilot app's home: a prompt and recommendations, no app tile at all."""
        body = (f'{self.copilot_chrome(acc, s, "home")}<main class="copilot-main">'
                f"<h1>{pages.esc(s['home_greeting'])}, {pages.esc(acc.display_name)}</h1>"
                f'<textarea aria-label="{pages.esc(s["copilot_prompt"])}" '
                f'placeholder="{pages.esc(s["copilot_prompt"])}"></textarea>'
                f"<h2>{pages.esc(s['home_recommended'])}</h2></main>")
        return Response(body=pages.script_built(f"{s['home']} | Microsoft 365 Copilot", req.lang, body,
                                                self.render_delay_ms, pages.COPILOT_LAUNCHER_SCRIPT))

    def apps_page(self, req: Request, acc: SimAccount, s: dict[str, str]) -> Response:
        """The Apps page (m365.cloud.microsoft/apps): every app's tile, OneDrive and SharePoint among them."""
        self.record(acc.upn, "apps_page", host=req.host, layout=acc.home_layout, lang=req.lang)
        onedrive, sites = self.app_urls(acc)
        target = "_blank" if acc.tile_target == "new_tab" else "_self"
        apps = {"Outlook": "https://outlook.office.com/mail/", "OneDrive": onedrive, "Word": "#", "Excel": "#",
                "PowerPoint": "#", "SharePoint": sites, "Teams": "#"}
        tiles = "".join(f'<a href="{pages.esc(href)}" target="{target}">{pages.esc(name)}</a>'
                        for name, href in apps.items())
        body = (f'{self.copilot_chrome(acc, s, "apps")}<main class="copilot-main"><h1>{pages.esc(s["apps"])}</h1>'
                f'<section class="tiles" aria-label="{pages.esc(s["apps"])}">{tiles}</section></main>')
        return Response(body=pages.script_built(f"{s['apps']} | Microsoft 365 Copilot", req.lang, body,
                                                self.render_delay_ms, pages.COPILOT_LAUNCHER_SCRIPT))

    # ------------------------------------------------------------------ SharePoint / OneDrive
    def sharepoint(self, req: Request) -> Response:
        host, path = req.host, req.path
        s = STRINGS[req.lang]
        if path.lower() == "/_forms/default.aspx" and req.method == "POST":
            form = req.form
            with self.lock:
                grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or grant[1] != SHAREPOINT_CLIENT_ID:
                return Response(status=400, body="invalid code")
            token = secrets.token_urlsafe(24)
            with self.lock:
                self.app_sessions[(host, token)] = grant[0]
            back = form.get("state") or "/"
            return redirect(back if back.startswith("/") else "/").cookie("FedAuth", token).cookie("rtFa", token)
        upn = self.session_upn(req)
        if upn is None:
            if path.lower().endswith("userphoto.aspx"):
                return Response(status=401, body="sign in required")
            target = path + (f"?{urlencode(req.query)}" if req.query else "")
            params = {
                "client_id": SHAREPOINT_CLIENT_ID,
                "response_mode": "form_post",
                "response_type": "code id_token",
                "resource": SHAREPOINT_CLIENT_ID,
                "scope": "openid",
                "nonce": secrets.token_urlsafe(12),
                "redirect_uri": f"https://{host}/_forms/default.aspx",
                "state": target,
                "wsucxt": "1",
            }
            return redirect("https://login.microsoftonline.com/common/oauth2/authorize?" + urlencode(params))
        acc = self.accounts[upn]
        is_my = host.endswith("-my.sharepoint.com")
        if path.lower().endswith("/_layouts/15/userphoto.aspx"):
            name = req.query.get("accountname", "").lower()
            self.record(upn, "photo_viewed", accountname=name, own=name == upn, host=host,
                        size=req.query.get("size", ""))
            return Response(body=self._photo, content_type="image/png")
        if host == ONEDRIVE_CLOUD_HOST:
            return self.onedrive_cloud(req, acc, s)
        if is_my and self.onedrive_host_of(acc) == "cloud" and (
                path in ("/", "") or path.lower().endswith("/_layouts/15/onedrive.aspx")):
            return redirect(self.onedrive_cloud_url(acc))  # the move is per user: known once signed in here
        if is_my and path in ("/", ""):
            return redirect(acc.onedrive_path)
        if is_my and path.lower().endswith("/_layouts/15/onedrive.aspx"):
            if path.lower() != acc.onedrive_path.lower():
                return Response(status=403, body=pages.script_built(s["access_denied"], req.lang,
                                                                   f"<h1>{pages.esc(s['access_denied'])}</h1>", 0))
            self.record(upn, "onedrive_loaded", host=host)
            return self.suite_page(req, acc, "OneDrive", f"{s['my_files']} - OneDrive", s["my_files"])
        if not is_my and path.lower() == "/_layouts/15/sharepoint.aspx":
            self.record(upn, "sharepoint_loaded", host=host)
            return self.suite_page(req, acc, "SharePoint", "SharePoint", s["home"])
        return Response(status=404, body="not found")

    @staticmethod
    def onedrive_cloud_url(acc: SimAccount) -> str:
        """Where OneDrive lands on its new host: /my?id=%2Fa%40<opaque>%2FDocuments (no UPN in it)."""
        return f"https://{ONEDRIVE_CLOUD_HOST}/my?" + urlencode({"id": acc.onedrive_cloud_id})

    def onedrive_cloud(self, req: Request, acc: SimAccount, s: dict[str, str]) -> Response:
        """OneDrive on onedrive.cloud.microsoft, for a visitor already signed in there."""
        path = req.path.rstrip("/") or "/"
        if path == "/":
            return redirect(self.onedrive_cloud_url(acc))
        if path != "/my":
            return Response(status=404, body="not found")
        if "id" not in req.query:
            return redirect(self.onedrive_cloud_url(acc))
        if req.query["id"].lower() != acc.onedrive_cloud_id.lower():
            return Response(status=403, body=pages.script_built(s["access_denied"], req.lang,
                                                               f"<h1>{pages.esc(s['access_denied'])}</h1>", 0))
        self.record(acc.upn, "onedrive_loaded", host=req.host)
        return self.suite_page(req, acc, "OneDrive", f"{s['my_files']} - OneDrive", s["my_files"])

    def suite_page(self, req: Request, acc: SimAccount, app: str, title: str, heading: str) -> Response:
        s = STRINGS[req.lang]
        photo = f"/_layouts/15/userphoto.aspx?size=S&accountname={quote(acc.upn)}"
        header = pages.suite_header(app, s, acc.display_name, photo, {}, "_blank")
        body = f'{header}<main id="spPageCanvasContent"><h1>{pages.esc(heading)}</h1></main>'
        return Response(body=pages.script_built(title, req.lang, body, self.render_delay_ms, pages.LAUNCHER_SCRIPT))
