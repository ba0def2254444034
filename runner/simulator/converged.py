"""The server side of login.microsoftonline.com's converged pages: each is an empty shell plus a
`$Config` (PageID, sErrorCode, urls, strings) that static/converged.js turns into the page, as the
real ConvergedLogin script does. Shared by the sign-in (login.py) and its factors (factors.py)."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from .http import Request, Response
from .i18n import STRINGS, market
from .pages import converged_page
from .state import LIVE_HOST, SignInFlow, SimState


def config(app: SimState, req: Request, flow: SignInFlow, **extra: Any) -> dict[str, Any]:
    """A converged page's `$Config`: the common keys, then the page's own (`extra` wins)."""
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
        "iRenderDelay": app.render_delay_ms,
        "simPrimaryButton": app.primary_button,  # the simulator's switch, not a real $Config key
        "str": STRINGS[lang],
        **extra,
    }


def page(app: SimState, req: Request, flow: SignInFlow, page_id: str, **extra: Any) -> Response:
    """The converged page `page_id` (its PageID meta and `pgid`) for this flow."""
    return Response(body=converged_page(page_id, config(app, req, flow, **extra), req.lang,
                                        STRINGS[req.lang]["title"]))


def sign_in_page(app: SimState, req: Request, flow: SignInFlow, **extra: Any) -> Response:
    """ConvergedSignIn: the username, and the first factor converged.js picks after GetCredentialType."""
    extra = {"urlSessionState": "/common/GetSessionState", "urlFidoResult": "/common/fido/result",
             "urlMsaSignIn": f"https://{LIVE_HOST}/login.srf", "iPollingInterval": 1000, **extra}
    return page(app, req, flow, "ConvergedSignIn", **extra)


def error_page(app: SimState, req: Request, upn: str | None, message: str, code: str) -> Response:
    """ConvergedError: the AADSTS code as `sErrorCode`, the message, a request id and a timestamp."""
    flow = SignInFlow(ctx=secrets.token_urlsafe(8), client_id="", redirect_uri="", state="", nonce="")
    return page(app, req, flow, "ConvergedError", sErrorCode=code, strServiceExceptionMessage=message,
                sRequestId=str(uuid.uuid4()), sTimestamp=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
