"""office.com, www.microsoft365.com and the Microsoft 365 Copilot app (m365.cloud.microsoft): the
landing page, the sign-in round trip (/login, /landingv2), the home (the Copilot app's, or the
classic one with tiles or the app launcher) and the Apps page, where the OneDrive and SharePoint
tiles are in 2026.

With `office_redirect` (as in 2026) www.office.com goes on to www.microsoft365.com, and the app
itself lives on m365.cloud.microsoft; without it, everything stays on the host asked for."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from .accounts import SimAccount
from .http import Request, Response, not_found, path_on_this_host, redirect, to_sign_in
from .i18n import STRINGS, market
from .pages import COPILOT_LAUNCHER_SCRIPT, LAUNCHER_SCRIPT, copilot_chrome, esc, script_built, suite_header
from .profile import PHOTO_SCRIPT, UPLOAD_PATH, account_panel, upload
from .state import OFFICE_CLIENT_ID, SimState

COPILOT_HOST = "m365.cloud.microsoft"
HOSTS = frozenset({"www.office.com", "office.com", "www.microsoft365.com", COPILOT_HOST})
APPS_URL = f"https://{COPILOT_HOST}/apps?auth=2"  # the Apps page, where "More apps" and "Apps" lead

Handler = Callable[[SimState, Request], Response]


def handle(app: SimState, req: Request) -> Response:
    """The redirects between the three hosts first, then dispatch by method and path ("*": any)."""
    host, path = req.host, req.path
    if app.office_redirect and host in ("www.office.com", "office.com"):
        return redirect(f"https://www.microsoft365.com{path}" + (f"?{urlencode(req.query)}" if req.query else ""),
                        301)
    if app.office_redirect and host == "www.microsoft365.com" and path == "/apps":
        return redirect(APPS_URL, 301)
    key = "/apps" if path.rstrip("/") == "/apps" else path
    route = ROUTES.get((req.method, key)) or ROUTES.get(("*", key))
    return route(app, req) if route is not None else not_found()


def sign_in(app: SimState, req: Request) -> Response:
    """/login: on to login.microsoftonline.com's /authorize, with the `ru` to come back to as state."""
    app_host = COPILOT_HOST if app.office_redirect else req.host
    return to_sign_in(OFFICE_CLIENT_ID, f"https://{app_host}/landingv2", req.query.get("ru", "/"), v2=True,
                      scope="openid profile https://www.office.com/v2/OfficeHome.All", ui_locales=market(req.lang),
                      mkt=market(req.lang), **{"x-client-SKU": "ID_NET8_0"})


def landing_v2(app: SimState, req: Request) -> Response:
    """The code posted back from the sign-in: a session cookie, and back to the `ru` it started from."""
    token = app.redeem(req.host, req.form.get("code", ""), OFFICE_CLIENT_ID)
    if token is None:
        return Response(status=400, body="invalid code")
    back = path_on_this_host(req.form.get("state"), "/")  # the `ru` the sign-in started from
    if "auth=" not in back:
        back += ("&" if "?" in back else "?") + "auth=2"
    return redirect(back).cookie("OhpAuth", token)


def apps(app: SimState, req: Request) -> Response:
    upn = app.session_upn(req)
    if upn is None:  # a round trip through the sign-in (SSO with ESTSAUTH), back to the Apps page
        return redirect("/login?" + urlencode({"es": "Click", "ru": "/apps"}))
    return apps_page(app, req, app.accounts[upn])


def root(app: SimState, req: Request) -> Response:
    """/: the home for a signed-in visitor, the landing page (or on to it) for anyone else."""
    upn = app.session_upn(req)
    if upn is not None:
        return office_home(app, req, app.accounts[upn])
    if app.office_redirect and req.host == COPILOT_HOST:
        return redirect("https://www.microsoft365.com/")
    return office_landing(app, req)


def office_landing(app: SimState, req: Request) -> Response:
    s = STRINGS[req.lang]
    body = (
        '<header class="landing-header" role="banner"><span id="mectrl_headerPicture">Microsoft 365</span>'
        f'<a id="hero-banner-sign-in-microsoft-365-link" href="/login?es=Click&amp;ru=%2F" '
        f'aria-label="{esc(s["signin"])}">{esc(s["signin"])}</a></header>'
        f'<main id="hero-banner"><h1>{esc(s["landing_heading"])}</h1><p>{esc(s["landing_desc"])}</p>'
        f'<a id="hero-banner-get-microsoft-365" href="#">{esc(s["landing_get"])}</a></main>'
    )
    return Response(body=script_built("Microsoft 365", req.lang, body, app.render_delay_ms))


def app_urls(acc: SimAccount) -> tuple[str, str]:
    """Where the OneDrive and SharePoint tiles lead: their classic addresses, which redirect an
    account whose OneDrive has moved to onedrive.cloud.microsoft."""
    return (f"https://{acc.tenant}-my.sharepoint.com/",
            f"https://{acc.tenant}.sharepoint.com/_layouts/15/sharepoint.aspx")


def office_home(app: SimState, req: Request, acc: SimAccount) -> Response:
    s = STRINGS[req.lang]
    app.record(acc.upn, "office_home", host=req.host, layout=acc.home_layout, lang=req.lang)
    if acc.home_layout.startswith("copilot"):
        return copilot_home(app, req, acc)
    onedrive, sites = app_urls(acc)
    target = "_blank" if acc.tile_target == "new_tab" else "_self"
    launcher = {"Outlook": "https://outlook.office.com/mail/", "Documents": onedrive, "Word": "#",
                "Excel": "#", "Sites": sites, "Teams": "#"}
    more_apps = None
    if acc.home_layout == "launcher_more_apps":
        launcher = {k: v for k, v in launcher.items() if k not in ("Documents", "Sites")}
        more_apps = APPS_URL
    header = suite_header("Microsoft 365", s, acc.display_name, None, launcher, target, more_apps)
    tiles = ""
    if acc.home_layout == "tiles":
        tiles = (
            f'<nav class="tiles" aria-label="{esc(s["apps"])}">'
            f'<a id="ShellMail_link" href="https://outlook.office.com/mail/" target="{target}">Outlook</a>'
            f'<a id="ShellDocuments_link" href="{onedrive}" target="{target}">OneDrive</a>'
            f'<a id="ShellWordOnline_link" href="#" target="{target}">Word</a>'
            f'<a id="ShellSites_link" href="{sites}" target="{target}">SharePoint</a></nav>'
        )
    body = (f"{header}<main><h1>{esc(s['home_greeting'])}, {esc(acc.display_name)}</h1>"
            f"<h2>{esc(s['home_recommended'])}</h2>{tiles}</main>{account_panel(acc, req.lang)}")
    return Response(body=script_built(f"{s['home']} | Microsoft 365", req.lang, body, app.render_delay_ms,
                                      LAUNCHER_SCRIPT + PHOTO_SCRIPT))


def copilot_app_chrome(acc: SimAccount, s: dict[str, str], current: str) -> str:
    """The Copilot app's header and rail: "copilot_launcher" accounts reach the Apps page through
    the rail's app launcher ("More apps"), "copilot_apps" accounts through the rail's "Apps" entry;
    the classic layouts' accounts, who only see the Apps page, get both."""
    return copilot_chrome(s, acc.display_name, APPS_URL, launcher=acc.home_layout != "copilot_apps",
                          apps_entry=acc.home_layout != "copilot_launcher", current=current)


def copilot_home(app: SimState, req: Request, acc: SimAccount) -> Response:
    """The Microsoft 365 Copilot app's home: a prompt and recommendations, no app tile at all."""
    s = STRINGS[req.lang]
    body = (f'{copilot_app_chrome(acc, s, "home")}<main class="copilot-main">'
            f"<h1>{esc(s['home_greeting'])}, {esc(acc.display_name)}</h1>"
            f'<textarea aria-label="{esc(s["copilot_prompt"])}" '
            f'placeholder="{esc(s["copilot_prompt"])}"></textarea>'
            f"<h2>{esc(s['home_recommended'])}</h2></main>{account_panel(acc, req.lang)}")
    return Response(body=script_built(f"{s['home']} | Microsoft 365 Copilot", req.lang, body,
                                      app.render_delay_ms, COPILOT_LAUNCHER_SCRIPT + PHOTO_SCRIPT))


def apps_page(app: SimState, req: Request, acc: SimAccount) -> Response:
    """The Apps page (m365.cloud.microsoft/apps): every app's tile, OneDrive and SharePoint among them."""
    s = STRINGS[req.lang]
    app.record(acc.upn, "apps_page", host=req.host, layout=acc.home_layout, lang=req.lang)
    onedrive, sites = app_urls(acc)
    target = "_blank" if acc.tile_target == "new_tab" else "_self"
    tiles_by_name = {"Outlook": "https://outlook.office.com/mail/", "OneDrive": onedrive, "Word": "#", "Excel": "#",
                     "PowerPoint": "#", "SharePoint": sites, "Teams": "#"}
    tiles = "".join(f'<a href="{esc(href)}" target="{target}">{esc(name)}</a>'
                    for name, href in tiles_by_name.items())
    body = (f'{copilot_app_chrome(acc, s, "apps")}<main class="copilot-main"><h1>{esc(s["apps"])}</h1>'
            f'<section class="tiles" aria-label="{esc(s["apps"])}">{tiles}</section></main>')
    return Response(body=script_built(f"{s['apps']} | Microsoft 365 Copilot", req.lang, body,
                                      app.render_delay_ms, COPILOT_LAUNCHER_SCRIPT))


def photo_upload(app: SimState, req: Request) -> Response:
    """The "Change your photo" dialog's upload (profile.py), for the signed-in visitor only."""
    upn = app.session_upn(req)
    return not_found() if upn is None else upload(app, req, upn)


ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", UPLOAD_PATH): photo_upload,
    ("*", "/login"): sign_in,
    ("POST", "/landingv2"): landing_v2,
    ("*", "/apps"): apps,
    ("*", "/"): root,
}
