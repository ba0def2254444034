"""The simulated Microsoft 365: office.com (the Microsoft 365 Copilot app), login.microsoftonline.com,
AD FS, login.live.com, SharePoint and OneDrive (on their classic hosts and on cloud.microsoft),
Outlook on the web (Exchange's copy of the user's photo) and My Account (changing the photo, 2026).

A plain request -> response function, kept apart from the transport in server.py so it stays
readable: SimulatorApp is the state (state.py) plus the table of hosts, one module per host, each
a function (app, request) -> response.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

from .adfs import handle as adfs
from .http import Request, Response, not_found
from .live import handle as live
from .login import LOGIN_HOSTS
from .login import handle as login
from .myaccount import HOST as MYACCOUNT_HOST
from .myaccount import handle as myaccount
from .office import HOSTS as OFFICE_HOSTS
from .office import handle as office
from .outlook import HOST as OUTLOOK_HOST
from .outlook import handle as outlook
from .pages import script_built
from .sharepoint import handle as sharepoint
from .sharepoint import is_sharepoint_host
from .state import LIVE_HOST, SimState

CDN_HOST = "aadcdn.msftauth.net"
CDN_SCRIPT = "/shared/1.0/content/js/ConvergedLogin_PCore.js"
MYSIGNINS_HOST = "mysignins.microsoft.com"

Handler = Callable[[SimState, Request], Response]


@cache
def _converged_script() -> bytes:
    return resources.files(__package__).joinpath("static/converged.js").read_bytes()


def cdn(app: SimState, req: Request) -> Response:
    """The script that builds the converged sign-in pages from their $Config (static/converged.js)."""
    if req.path == CDN_SCRIPT:
        return Response(body=_converged_script(), content_type="application/javascript; charset=utf-8",
                        headers=[("Cache-Control", "no-store")])
    return not_found()


def my_sign_ins(app: SimState, req: Request) -> Response:
    """Security info registration, where "More information required" leads: the end of the road."""
    return Response(body=script_built("My Sign-Ins", req.lang,
                                      '<main id="securityInfo"><h1>Keep your account secure</h1></main>',
                                      app.render_delay_ms))


# Which module serves a host (the first that claims it); a host no row claims is not simulated, and
# the proxy refuses to connect to it, so a test can never reach the internet by accident.
HOSTS: tuple[tuple[Callable[[str], bool], Handler], ...] = (
    (lambda host: host == CDN_HOST, cdn),
    (LOGIN_HOSTS.__contains__, login),
    (lambda host: host == LIVE_HOST, live),
    (OFFICE_HOSTS.__contains__, office),
    (is_sharepoint_host, sharepoint),
    (lambda host: host == OUTLOOK_HOST, outlook),
    (lambda host: host == MYACCOUNT_HOST, myaccount),
    (lambda host: host.startswith("sts."), adfs),
    (lambda host: host == MYSIGNINS_HOST, my_sign_ins),
)


def _handler(host: str) -> Handler | None:
    return next((handler for claims, handler in HOSTS if claims(host)), None)


class SimulatorApp(SimState):
    """The simulated hosts behind one object: server.py hands it every request."""

    def knows_host(self, host: str) -> bool:
        return _handler(host.lower()) is not None

    def handle(self, req: Request) -> Response:
        handler = _handler(req.host)
        if handler is None:
            return Response(status=502, body="unknown host")
        return handler(self, req)
