"""Outlook on the web (outlook.office.com): its own sign-in round trip, and Exchange Online's copy
of the user's photo (GetPersonaPhoto), which the photo check compares SharePoint's copy with.

Like the SharePoint hosts, Outlook on the web signs its visitor in by itself: a browser without an
Outlook session is sent through login.microsoftonline.com (single sign-on with the session there)
and back with an auto-posted form, then on to the address it asked for. GetPersonaPhoto answers
the picture at the served size nearest the one asked (`size=HR240x240`), re-encoded for the request,
and 404 for a user with no photo in Exchange.
"""

from __future__ import annotations

from .http import Request, Response, not_found, path_on_this_host, redirect, to_sign_in
from .pages import esc, script_built
from .state import OUTLOOK_CLIENT_ID, OWA_SESSION_COOKIE, SimState

HOST = "outlook.office.com"
PHOTO_PATH = "/owa/service.svc/s/getpersonaphoto"
LANDING_PATH = "/owa/"  # where the sign-in posts its code back


def handle(app: SimState, req: Request) -> Response:
    if req.method == "POST" and req.path.lower() == LANDING_PATH:
        return _signed_in(app, req)
    upn = app.session_upn(req)
    if upn is None:
        return _sign_in(req)
    if req.path.lower() == PHOTO_PATH:
        return _photo(app, req, upn)
    if req.path.lower().startswith(("/mail", "/owa")):
        return Response(body=script_built("Mail - Outlook", req.lang, f'<main id="app"><h1>{esc("Outlook")}</h1></main>',
                                          app.render_delay_ms))
    return not_found()


def _sign_in(req: Request) -> Response:
    return to_sign_in(OUTLOOK_CLIENT_ID, f"https://{HOST}{LANDING_PATH}", req.path_and_query)


def _signed_in(app: SimState, req: Request) -> Response:
    form = req.form
    token = app.redeem(req.host, form.get("code", ""), OUTLOOK_CLIENT_ID)
    if token is None:
        return Response(status=400, body="invalid code")
    return redirect(path_on_this_host(form.get("state"), "/mail/")).cookie(OWA_SESSION_COOKIE, token)


def _photo(app: SimState, req: Request, upn: str) -> Response:
    email = (req.query.get("email") or upn).lower()
    app.record(upn, "exchange_photo_viewed", email=email, size=req.query.get("size", ""))
    data = app.photos.exchange_photo(email, req.query.get("size", "HR96x96"))
    if data is None:
        return Response(status=404, body="", content_type="text/plain")
    return Response(body=data, content_type="image/jpeg")
