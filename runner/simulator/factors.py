"""The ways to prove who you are on login.microsoftonline.com, after the username: GetCredentialType
(which first factor the page shows), Authenticator passwordless with a number, the passkey prompt's
result, and the MFA page (ConvergedTFA: push with number matching, or a TOTP code).

A test plays the phone with Simulator.approve_push; nobody else ever approves."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import quote

from .accounts import SimAccount
from .converged import page
from .http import Request, Response, json_response
from .state import NgcSession, SignInFlow, SimState

# GetCredentialType's PrefCredential, as the credential picker's data-test-cred-id numbers them
# (1 password, 2 Authenticator passwordless, 7 passkey); 0: none preferred, so the page lets the
# user choose (how the real page decides to show the picker is not known: a simulator model)
PREF_CREDENTIAL = {"password": 1, "passwordless": 2, "passkey": 7, "picker": 0}
NGC_STATES = {"pending": 0, "approved": 1, "denied": 2, "timed_out": 3}


def get_credential_type(app: SimState, req: Request) -> Response:
    username = str(req.json.get("username", "")).strip().lower()
    acc = app.accounts.get(username)
    app.record(username, "username_checked", exists=acc is not None)
    result: dict[str, Any] = {
        "Username": username,
        "Display": username,
        # 0 exists, 1 unknown, 5 a personal Microsoft account only (uncertain), 6 both work and personal
        "IfExistsResult": 1 if acc is None else (6 if acc.chooser else 5 if acc.personal else 0),
        "IsUnmanaged": False,
        "ThrottleStatus": 0,
        "Credentials": credentials(app, acc),
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


def first_factor_of(app: SimState, acc: SimAccount) -> str:
    """The account's first factor, or the simulator's; an account without a password never gets
    the password view."""
    factor = acc.first_factor or app.first_factor
    return "passwordless" if factor == "password" and not acc.has_password else factor


def credentials(app: SimState, acc: SimAccount | None) -> dict[str, Any]:
    """GetCredentialType's `Credentials`: which ways the account can sign in, and the preferred
    one, from which converged.js picks the view as the real page does."""
    creds: dict[str, Any] = {"PrefCredential": 1, "HasPassword": True, "HasRemoteNGC": False, "HasFido": False,
                             "RemoteNgcParams": None, "FidoParams": None, "SasParams": None,
                             "FederationRedirectUrl": None}
    if acc is None or acc.federated or acc.personal or acc.chooser:
        return creds
    factor = first_factor_of(app, acc)
    creds["PrefCredential"] = PREF_CREDENTIAL[factor]
    creds["HasPassword"] = acc.has_password
    if factor in ("picker", "passwordless"):
        session = NgcSession(secrets.token_urlsafe(18), acc.upn, secrets.randbelow(90) + 10)
        with app.lock:
            app.ngc_sessions[session.id] = session
        if factor == "passwordless":  # the default way: the request goes to the phone at once
            _ngc_sent(app, session)
        creds["HasRemoteNGC"] = True
        creds["RemoteNgcParams"] = {"SessionIdentifier": session.id, "Entropy": session.number, "DefaultType": 1}
    if factor in ("picker", "passkey"):
        creds["HasFido"] = True
        creds["FidoParams"] = {"AllowList": []}  # discoverable credentials: the passkey names the user
    return creds


def _ngc_sent(app: SimState, session: NgcSession) -> None:
    session.started = time.time()
    app.record(session.upn, "push_sent", number=session.number, kind="passwordless")


def ngc_state(app: SimState, req: Request) -> Response:
    """The passwordless page's poll: has the phone approved the number yet?"""
    with app.lock:
        session = app.ngc_sessions.get(str(req.json.get("SessionId", "")))
    if session is None:
        return json_response({"AuthorizationState": 3, "SessionState": "InvalidSession"})
    now = time.time()
    if session.started is None:  # chosen in the picker: the request goes to the phone now
        _ngc_sent(app, session)
    with app.lock:
        decision = app.approvals.get(session.upn)
    if session.state == "pending":
        if decision in ("approve", "deny"):
            session.state = "approved" if decision == "approve" else "denied"
        elif now - (session.started or now) > app.push_timeout_s:
            session.state = "timed_out"
        if session.state != "pending":
            app.record(session.upn, "push_result", kind="passwordless", result=session.state)
    return json_response({"AuthorizationState": NGC_STATES[session.state], "SessionState": session.state})


def passkey_result(app: SimState, req: Request) -> Response:
    """What converged.js's WebAuthn prompt ended with (the simulator's own endpoint, for the log)."""
    data = req.json
    app.record(str(data.get("username", "")).lower(), "passkey_prompt", result=str(data.get("result")),
               message=str(data.get("message", ""))[:200])
    return json_response({"Success": True})


def tfa_page(app: SimState, req: Request, flow: SignInFlow, acc: SimAccount) -> Response:
    """ConvergedTFA: a push with a number to match by default, or a TOTP code for "totp" accounts."""
    assert acc.mfa is not None
    flow.display_sign = secrets.randbelow(90) + 10
    default = "PhoneAppOTP" if acc.mfa == "totp" else "PhoneAppNotification"
    proofs = [{"authMethodId": "PhoneAppNotification", "isDefault": default == "PhoneAppNotification"}]
    if acc.totp_secret:
        proofs.append({"authMethodId": "PhoneAppOTP", "isDefault": default == "PhoneAppOTP"})
    if default == "PhoneAppNotification":
        flow.push_started = time.time()
        app.record(acc.upn, "push_sent", number=flow.display_sign)
    return page(app, req, flow, "ConvergedTFA", sErrorCode="50074", sPOST_Username=acc.upn, arrUserProofs=proofs,
                sDefaultMethod=default, iDisplaySign=flow.display_sign, iPollingInterval=1000,
                urlEndAuth="/common/SAS/EndAuth", urlPost="/common/SAS/ProcessAuth")


def end_auth(app: SimState, req: Request) -> Response:
    """The MFA page's check: a TOTP code, or the push's state (the account's `mfa` mode plays a
    phone that answers by itself; Simulator.approve_push answers for any account)."""
    data = req.json
    flow = app.flow(str(data.get("FlowToken", "")))
    if flow is None or flow.upn is None:
        return json_response({"Success": False, "ResultValue": "InvalidSession"})
    acc = app.accounts[flow.upn]
    if data.get("AuthMethodId") == "PhoneAppOTP":
        from ..secrets.credentials import totp_verify

        code = str(data.get("AdditionalAuthData", ""))
        ok = bool(acc.totp_secret) and totp_verify(acc.totp_secret or "", code)
        app.record(acc.upn, "mfa_code", correct=ok)
        flow.mfa_done = flow.mfa_done or ok
        return json_response({"Success": ok, "ResultValue": "Success" if ok else "InvalidCode"})
    result = _push_result(app, flow, acc)
    if result == "Success":
        flow.mfa_done = True
    if result != "AuthenticationPending":
        app.record(acc.upn, "push_result", result=result)
    return json_response({"Success": result == "Success", "ResultValue": result})


def _push_result(app: SimState, flow: SignInFlow, acc: SimAccount) -> str:
    if flow.push_started is None:
        flow.push_started = time.time()
    waited = time.time() - flow.push_started
    with app.lock:
        decision = app.approvals.get(acc.upn)
    if (acc.mfa == "push_approve" and waited > 2) or decision == "approve":
        return "Success"
    if (acc.mfa == "push_deny" and waited > 1.5) or decision == "deny":
        return "PhoneAppDenied"
    if (acc.mfa == "push_timeout" and waited > 2) or waited > app.push_timeout_s:
        return "PhoneAppNoResponse"
    return "AuthenticationPending"
