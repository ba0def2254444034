"""My Account (myaccount.microsoft.com), where the account manager's "View account" leads (in a new
tab): in 2026 the way to change one's photo when the panel has no photo control (the pencil by the
photo, then Select a photo and Save, in the dialog of profile.py; no Done). Like Outlook on the web it
signs its visitor in by itself (a round trip through login.microsoftonline.com).

Public: a tool filters "Change your profile photo" on this page and targets `#profilePhoto`; here the
photo is `#profilePhoto` and the pencil beside it is named "Change your profile photo" (ASSUMED: that
the string is the pencil's name, and its Turkish and German wording)."""

from __future__ import annotations

from .http import Request, Response, not_found, path_on_this_host, redirect, to_sign_in
from .pages import esc, script_built
from .profile import MYACCOUNT_HOST, PHOTO_CSS, PHOTO_SCRIPT, TEXT, UPLOAD_PATH, initials, photo_dialog, upload
from .state import SimState

HOST = MYACCOUNT_HOST
CLIENT_ID = "8c59ead7-d703-4a27-9e55-c96a0054c8d2"  # assumed: no flow needs the real app id
LANDING = "/signin-oidc"  # where the sign-in posts its code back (the simulator's own)


def handle(app: SimState, req: Request) -> Response:
    """My Account (myaccount.microsoft.com): its own sign-in round trip, the profile with the pencil
    by the photo, and the upload."""
    if req.method == "POST" and req.path == LANDING:
        token = app.redeem(req.host, req.form.get("code", ""), CLIENT_ID)
        if token is None:
            return Response(status=400, body="invalid code")
        # assumed: My Account's session cookie is not documented; office.com's name is reused
        return redirect(path_on_this_host(req.form.get("state"), "/")).cookie("OhpAuth", token)
    upn = app.session_upn(req)
    if upn is None:
        return to_sign_in(CLIENT_ID, f"https://{HOST}{LANDING}", req.path_and_query)
    if req.method == "POST" and req.path == UPLOAD_PATH:
        return upload(app, req, upn)
    if req.path != "/":
        return not_found()
    acc, t = app.accounts[upn], TEXT[req.lang]
    app.record(upn, "my_account", lang=req.lang)
    body = (f'<main><h1>{esc(t["my_account"])}</h1><section aria-label="{esc(t["profile"])}">'
            f'<span class="initials" id="profilePhoto">{esc(initials(acc))}</span>'
            f'<button type="button" data-sim-photo-open aria-label="{esc(t["edit_photo"])}">&#x270E;</button>'
            f"<h2>{esc(acc.display_name)}</h2><p>{esc(acc.upn)}</p></section></main>"
            f"<style>{PHOTO_CSS}</style>{photo_dialog(acc, req.lang, 'my_account')}")
    return Response(body=script_built(f"{t['my_account']} | Microsoft", req.lang, body, app.render_delay_ms,
                                      PHOTO_SCRIPT))
