"""SharePoint and OneDrive, on their classic hosts (<tenant>.sharepoint.com, <tenant>-my.sharepoint.com)
and on cloud.microsoft (onedrive.cloud.microsoft; <tenant>.sharepoint.cloud.microsoft), with the
profile photo (userphoto.aspx) their suite header shows.

Every host signs its visitor in by itself (a round trip through login.microsoftonline.com, posted
back to /_forms/default.aspx), as the real ones do: a session on office.com is not one here."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from .accounts import SimAccount
from .http import Request, Response, not_found, path_on_this_host, redirect, to_sign_in
from .i18n import STRINGS
from .pages import LAUNCHER_SCRIPT, esc, script_built, suite_header
from .state import SHAREPOINT_CLIENT_ID, SimState

# OneDrive's new host (2026-07 to 2027-06, per user, with redirects from <tenant>-my.sharepoint.com)
ONEDRIVE_CLOUD_HOST = "onedrive.cloud.microsoft"
# SharePoint's new host is not documented yet: the simulator assumes <tenant>.sharepoint.cloud.microsoft
SHAREPOINT_CLOUD_SUFFIX = ".sharepoint.cloud.microsoft"


def is_sharepoint_host(host: str) -> bool:
    """SharePoint and OneDrive, on the classic hosts and on cloud.microsoft."""
    return (host.endswith(".sharepoint.com") or host == ONEDRIVE_CLOUD_HOST
            or (host.endswith(SHAREPOINT_CLOUD_SUFFIX) and len(host) > len(SHAREPOINT_CLOUD_SUFFIX)))


def handle(app: SimState, req: Request) -> Response:
    if req.path.lower() == "/_forms/default.aspx" and req.method == "POST":
        return _signed_in(app, req)
    upn = app.session_upn(req)
    if upn is None:
        return _sign_in(req)
    return _page(app, req, app.accounts[upn])


def _signed_in(app: SimState, req: Request) -> Response:
    """The code posted back from the sign-in: SharePoint's session cookies, and back to the page."""
    form = req.form
    token = app.redeem(req.host, form.get("code", ""), SHAREPOINT_CLIENT_ID)
    if token is None:
        return Response(status=400, body="invalid code")
    return redirect(path_on_this_host(form.get("state"), "/")).cookie("FedAuth", token).cookie("rtFa", token)


def _sign_in(req: Request) -> Response:
    """A visitor without a session goes through the sign-in, for a page or a photo alike (a browser
    opening userphoto.aspx on a host it has no session on is sent round like any visitor)."""
    return to_sign_in(SHAREPOINT_CLIENT_ID, f"https://{req.host}/_forms/default.aspx", req.path_and_query,
                      resource=SHAREPOINT_CLIENT_ID, wsucxt="1")


def _page(app: SimState, req: Request, acc: SimAccount) -> Response:
    """What a signed-in visitor gets: the photo, OneDrive (or the redirect to where it moved), the
    SharePoint start page; someone else's OneDrive is refused."""
    host, path, s = req.host, req.path, STRINGS[req.lang]
    is_my = host.endswith("-my.sharepoint.com")
    if path.lower().endswith("/_layouts/15/userphoto.aspx"):
        name = req.query.get("accountname", "").lower()
        app.record(acc.upn, "photo_viewed", accountname=name, own=name == acc.upn, host=host,
                   size=req.query.get("size", ""))
        # SharePoint's own copy of that user's photo (a resized JPEG; the placeholder before any sync)
        return Response(body=app.photos.sharepoint_photo(name or acc.upn, req.query.get("size", "M")),
                        content_type="image/jpeg")
    if host == ONEDRIVE_CLOUD_HOST:
        return onedrive_cloud(app, req, acc)
    if is_my and app.onedrive_host_of(acc) == "cloud" and (
            path in ("/", "") or path.lower().endswith("/_layouts/15/onedrive.aspx")):
        return redirect(onedrive_cloud_url(acc))  # the move is per user: known once signed in here
    if is_my and path in ("/", ""):
        return redirect(acc.onedrive_path)
    if is_my and path.lower().endswith("/_layouts/15/onedrive.aspx"):
        if path.lower() != acc.onedrive_path.lower():
            return _access_denied(req)
        app.record(acc.upn, "onedrive_loaded", host=host)
        app.photos.visited(acc.upn)  # the documented trigger of the photo sync
        return suite_page(app, req, acc, "OneDrive", f"{s['my_files']} - OneDrive", s["my_files"])
    if not is_my and path.lower() == "/_layouts/15/sharepoint.aspx":
        app.record(acc.upn, "sharepoint_loaded", host=host)
        app.photos.visited(acc.upn)
        return suite_page(app, req, acc, "SharePoint", "SharePoint", s["home"])
    return not_found()


def onedrive_cloud_url(acc: SimAccount) -> str:
    """Where OneDrive lands on its new host: /my?id=%2Fa%40<opaque>%2FDocuments (no UPN in it)."""
    return f"https://{ONEDRIVE_CLOUD_HOST}/my?" + urlencode({"id": acc.onedrive_cloud_id})


def onedrive_cloud(app: SimState, req: Request, acc: SimAccount) -> Response:
    """OneDrive on onedrive.cloud.microsoft, for a visitor already signed in there."""
    s = STRINGS[req.lang]
    path = req.path.rstrip("/") or "/"
    if path == "/":
        return redirect(onedrive_cloud_url(acc))
    if path != "/my":
        return not_found()
    if "id" not in req.query:
        return redirect(onedrive_cloud_url(acc))
    if req.query["id"].lower() != acc.onedrive_cloud_id.lower():
        return _access_denied(req)
    app.record(acc.upn, "onedrive_loaded", host=req.host)
    app.photos.visited(acc.upn)
    return suite_page(app, req, acc, "OneDrive", f"{s['my_files']} - OneDrive", s["my_files"])


def _access_denied(req: Request) -> Response:
    s = STRINGS[req.lang]
    return Response(status=403, body=script_built(s["access_denied"], req.lang, f"<h1>{esc(s['access_denied'])}</h1>", 0))


def suite_page(app: SimState, req: Request, acc: SimAccount, app_name: str, title: str, heading: str) -> Response:
    """A SharePoint/OneDrive page: the suite header with the user's photo, and a heading."""
    s = STRINGS[req.lang]
    photo = f"/_layouts/15/userphoto.aspx?size=S&accountname={quote(acc.upn)}"
    header = suite_header(app_name, s, acc.display_name, photo, {}, "_blank")
    body = f'<main id="spPageCanvasContent"><h1>{esc(heading)}</h1></main>'
    html = script_built(title, req.lang, header + body, app.render_delay_ms, LAUNCHER_SCRIPT)
    for old, new in acc.rename_ids.items():  # the page's HTML, CSS and script alike, as a real rename would
        html = re.sub(rf"\b{re.escape(old)}\b", new, html)
    return Response(body=html)

