"""login.microsoftonline.com: /authorize, the password post, the interrupts a real tenant may put
between the password and the app (blocked, expired password, terms of use, MFA, the passkey
registration campaign, "More information required", user confirmation, "Stay signed in?"), the
return from AD FS, and the code handed back to the app.

The first factors and MFA are in factors.py, the page shells in converged.py."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote

from .accounts import SimAccount
from .converged import error_page, page, sign_in_page
from .factors import end_auth, get_credential_type, ngc_state, passkey_result, tfa_page
from .http import Request, Response, redirect
from .i18n import STRINGS
from .pages import hidden_form
from .state import OFFICE_CLIENT_ID, OUTLOOK_CLIENT_ID, SHAREPOINT_CLIENT_ID, SignInFlow, SimState

LOGIN_HOSTS = {"login.microsoftonline.com", "login.microsoft.com"}
# PageIDs of pages no public capture shows (assumed, the simulator's own; the runner must not rely on them):
# the AADSTS399218 interrupt, the passkey registration campaign, a tenant's terms of use (`new_interrupt`)
USER_CONFIRMATION_PAGE = "ConvergedUserConfirmation"
CAMPAIGN_PAGE = "ConvergedPasskeyCampaign"
TERMS_PAGE = "ConvergedTermsOfUse"
NO_CONTEXT = "AADSTS90100: The request is missing its sign-in context."

Handler = Callable[[SimState, Request], Response]


def handle(app: SimState, req: Request) -> Response:
    """Dispatch by method and path (lower-case, as the real endpoints are case-insensitive);
    "*" routes take any method."""
    path = req.path.lower()
    if req.method == "GET" and path.endswith("/authorize"):  # /common/oauth2/authorize, .../v2.0/authorize
        return authorize(app, req)
    route = ROUTES.get((req.method, path)) or ROUTES.get(("*", path))
    if route is not None:
        return route(app, req)
    return error_page(app, req, None, "AADSTS900561: The endpoint only accepts POST requests.", "900561")


def client_name(client_id: str) -> str:
    return {OFFICE_CLIENT_ID: "office", SHAREPOINT_CLIENT_ID: "sharepoint",
            OUTLOOK_CLIENT_ID: "outlook"}.get(client_id, client_id)


def authorize(app: SimState, req: Request) -> Response:
    q = req.query
    flow = SignInFlow(
        ctx=secrets.token_urlsafe(24),
        client_id=q.get("client_id", ""),
        redirect_uri=q.get("redirect_uri", ""),
        state=q.get("state", ""),
        nonce=q.get("nonce", ""),
    )
    with app.lock:
        app.flows[flow.ctx] = flow
        upn = app.login_sessions.get(req.cookies.get("ESTSAUTH", ""))
    if upn:
        flow.upn = upn
        app.record(upn, "sso", client=client_name(flow.client_id))
        return finish(app, req, flow, app.accounts[upn])
    hint = q.get("login_hint")
    app.record(None, "sign_in_page", lang=req.lang, client=client_name(flow.client_id))
    return sign_in_page(app, req, flow, sPOST_Username=hint or "", fShowPassword=bool(hint))


def password_post(app: SimState, req: Request) -> Response:
    form = req.form
    flow = app.flow(form.get("ctx"))
    if flow is None:
        return error_page(app, req, None, NO_CONTEXT, "90100")
    username = (form.get("login") or form.get("loginfmt") or "").strip().lower()
    acc = app.accounts.get(username)
    if acc is None:
        return sign_in_page(app, req, flow, sErrorCode="50034", sPOST_Username=username)
    if form.get("ps") == "2":  # passwordless: the number was approved on the phone
        with app.lock:
            session = app.ngc_sessions.get(form.get("psRNGCSLK", ""))
        if session is None or session.upn != acc.upn or session.state != "approved":
            return error_page(app, req, acc.upn, "AADSTS50012: Authentication failed.", "50012")
        app.record(acc.upn, "passwordless_sign_in")
        flow.upn = acc.upn
        flow.mfa_done = True  # a passwordless sign-in is already multi-factor
        return after_password(app, req, flow, acc)
    correct = acc.has_password and acc.password is not None and secrets.compare_digest(
        form.get("passwd", "").encode(), acc.password.encode())
    app.record(acc.upn, "password_attempt", correct=correct and not acc.locked)
    if acc.locked:
        return sign_in_page(app, req, flow, sErrorCode="50053", sPOST_Username=acc.upn)
    if not correct:
        return sign_in_page(app, req, flow, sErrorCode="50126", sPOST_Username=acc.upn)
    flow.upn = acc.upn
    return after_password(app, req, flow, acc)


def after_password(app: SimState, req: Request, flow: SignInFlow, acc: SimAccount) -> Response:
    """The interrupts a real tenant may put between the password and the app, in order."""
    if acc.blocked:
        app.record(acc.upn, "blocked", code="53003")
        return error_page(app, req, acc.upn, STRINGS[req.lang]["blocked_message"], "53003")
    if acc.password_expired:
        return page(app, req, flow, "ConvergedChangePassword", sErrorCode="50055", sPOST_Username=acc.upn,
                    urlPost="/common/SSPR/changepassword")
    if acc.mfa and not flow.mfa_done:
        return tfa_page(app, req, flow, acc)
    if acc.new_interrupt and not flow.terms_accepted:
        app.record(acc.upn, "terms_shown")
        return page(app, req, flow, TERMS_PAGE, sPOST_Username=acc.upn, urlPost="/common/termsofuse")
    if acc.passkey_campaign and not flow.campaign_done:
        return campaign_page(app, req, flow, acc)
    if acc.proofup and not flow.proofup_done:
        extra = {"sErrorCode": "50079", "sPOST_Username": acc.upn, "urlPost": "/common/proofup"}
        if acc.proofup == "ask_later":
            extra["urlSkipMfaRegistration"] = f"/common/mfaregistration/skip?ctx={quote(flow.ctx)}"
        return page(app, req, flow, "ConvergedProofUpRedirect", **extra)
    if acc.interrupt == "user_confirmation" and not flow.confirmed:
        app.record(acc.upn, "user_confirmation_shown")
        return page(app, req, flow, USER_CONFIRMATION_PAGE, sErrorCode="399218", sPOST_Username=acc.upn,
                    urlPost="/common/userconfirmation")
    if acc.kmsi:
        return page(app, req, flow, "KmsiInterrupt", sPOST_Username=acc.upn, urlPost="/kmsi")
    return finish(app, req, flow, acc)


def process_auth(app: SimState, req: Request) -> Response:
    flow = app.flow(req.form.get("flowToken"))
    if flow is None or flow.upn is None or not flow.mfa_done:
        return error_page(app, req, flow.upn if flow else None,
                          "AADSTS50076: You must use multi-factor authentication.", "50076")
    return after_password(app, req, flow, app.accounts[flow.upn])


def _past_interrupt(app: SimState, req: Request, token: str | None, done: str, event: str, **detail: Any
                    ) -> Response:
    """An interrupt after the password answered (`done` set on the sign-in): on to the next one."""
    flow = app.flow(token)
    if flow is None or flow.upn is None:
        return error_page(app, req, None, NO_CONTEXT, "90100")
    setattr(flow, done, True)
    app.record(flow.upn, event, **detail)
    return after_password(app, req, flow, app.accounts[flow.upn])


def skip_proofup(app: SimState, req: Request) -> Response:
    return _past_interrupt(app, req, req.query.get("ctx"), "proofup_done", "proofup_skipped")


def proofup(app: SimState, req: Request) -> Response:
    """"Next" on "More information required": on to the security info registration."""
    return redirect("https://mysignins.microsoft.com/register")


def campaign_page(app: SimState, req: Request, flow: SignInFlow, acc: SimAccount) -> Response:
    """The passkey registration campaign (2026-09): snoozable while the campaign allows ("snoozable",
    until `campaign_snoozes` are used; unlimited without it, Microsoft's default), else no way out."""
    used = app.campaign_snoozes_used(acc.upn)
    snoozable = acc.passkey_campaign == "snoozable" and (acc.campaign_snoozes is None or used < acc.campaign_snoozes)
    app.record(acc.upn, "campaign_shown", snoozable=snoozable, snoozes_used=used)
    extra: dict[str, Any] = {"sPOST_Username": acc.upn, "urlPost": "/common/passkeycampaign",
                             "fCampaignSnoozable": snoozable}
    if snoozable and acc.campaign_snoozes is not None:
        extra["iRemainingSnoozes"] = acc.campaign_snoozes - used
    return page(app, req, flow, CAMPAIGN_PAGE, **extra)


def campaign_post(app: SimState, req: Request) -> Response:
    """The campaign answered: "Not now" (while allowed) goes on with the sign-in, counted; "Next" sets a
    passkey up, which starts at the security info registration (the runner must never go there)."""
    flow = app.flow(req.form.get("flowToken"))
    if flow is None or flow.upn is None:
        return error_page(app, req, None, NO_CONTEXT, "90100")
    acc = app.accounts[flow.upn]
    if req.form.get("campaignAction") == "snooze":
        if acc.passkey_campaign != "snoozable" or (acc.campaign_snoozes is not None
                                                   and app.campaign_snoozes_used(acc.upn) >= acc.campaign_snoozes):
            return campaign_page(app, req, flow, acc)  # no snooze left: the page again, without its way out
        used = app.snooze_campaign(acc.upn)
        return _past_interrupt(app, req, flow.ctx, "campaign_done", "campaign_snoozed", snoozes_used=used)
    app.record(acc.upn, "campaign_set_up")
    return redirect("https://mysignins.microsoft.com/register")


def terms_post(app: SimState, req: Request) -> Response:
    """The terms of use accepted (the page's primary button): on with the sign-in."""
    return _past_interrupt(app, req, req.form.get("flowToken"), "terms_accepted", "terms_accepted")


def user_confirmation_post(app: SimState, req: Request) -> Response:
    return _past_interrupt(app, req, req.form.get("flowToken"), "confirmed", "user_confirmation_answered")


def kmsi_post(app: SimState, req: Request) -> Response:
    form = req.form
    flow = app.flow(form.get("flowToken"))
    if flow is None or flow.upn is None:
        return error_page(app, req, None, NO_CONTEXT, "90100")
    stay = form.get("LoginOptions") == "1"
    app.record(flow.upn, "kmsi", stay_signed_in=stay)
    return finish(app, req, flow, app.accounts[flow.upn], persistent=stay)


def federated_return(app: SimState, req: Request) -> Response:
    """/login.srf: AD FS posts its token back here, and the sign-in goes on as after a password."""
    form = req.form
    wctx = parse_qs(form.get("wctx", ""))
    ctx = (wctx.get("estsrequest") or [""])[0]
    flow = app.flow(ctx)
    result = form.get("wresult", "")
    upn = result.split("upn='")[-1].split("'")[0] if "upn='" in result else ""
    acc = app.accounts.get(upn)
    if flow is None or acc is None:
        return error_page(app, req, upn or None, "AADSTS50008: SAML token is invalid.", "50008")
    flow.upn = acc.upn
    return after_password(app, req, flow, acc)


def finish(app: SimState, req: Request, flow: SignInFlow, acc: SimAccount, persistent: bool = False) -> Response:
    """Hand a code back to the application with the auto-posted "Working..." form."""
    session = secrets.token_urlsafe(24)
    code = secrets.token_urlsafe(32)
    with app.lock:
        app.login_sessions[session] = acc.upn
        app.codes[code] = (acc.upn, flow.client_id)
        app.flows.pop(flow.ctx, None)
    app.record(acc.upn, "signed_in", client=client_name(flow.client_id))
    claims = {"upn": acc.upn, "name": acc.display_name, "aud": flow.client_id, "nonce": flow.nonce}
    id_token = ".".join(
        base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
        for part in ({"alg": "none", "typ": "JWT"}, claims)
    ) + "."
    fields = {"code": code, "id_token": id_token, "state": flow.state, "session_state": str(uuid.uuid4())}
    resp = Response(body=hidden_form(flow.redirect_uri, fields, STRINGS[req.lang]["working"]))
    resp.cookie("ESTSAUTH", session)
    if persistent:
        resp.cookie("ESTSAUTHPERSISTENT", session, persistent=True)
    return resp


ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/common/getcredentialtype"): get_credential_type,
    ("POST", "/common/login"): password_post,
    ("POST", "/kmsi"): kmsi_post,
    ("POST", "/common/sas/endauth"): end_auth,
    ("POST", "/common/sas/processauth"): process_auth,
    ("POST", "/common/getsessionstate"): ngc_state,
    ("POST", "/common/fido/result"): passkey_result,
    ("POST", "/common/userconfirmation"): user_confirmation_post,
    ("POST", "/common/passkeycampaign"): campaign_post,
    ("POST", "/common/termsofuse"): terms_post,
    ("*", "/common/mfaregistration/skip"): skip_proofup,
    ("POST", "/common/proofup"): proofup,
    ("POST", "/login.srf"): federated_return,
}
