"""AD FS (sts.<domain>): the forms sign-in page of a federated domain, with the ids AD FS pages
carry (#userNameInput, #passwordInput, #submitButton); a right password posts a token back to
login.microsoftonline.com/login.srf (login.py's federated_return)."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from .http import Request, Response
from .i18n import STRINGS
from .pages import esc, hidden_form
from .state import SimState


def handle(app: SimState, req: Request) -> Response:
    """The sign-in page (GET), or its post: a wrong password shows the page again with its error."""
    s = STRINGS[req.lang]
    wctx = req.query.get("wctx", "")
    username = req.query.get("username", "")
    error = ""
    if req.method == "POST":
        form = req.form
        username = form.get("UserName", "").strip().lower()
        acc = app.accounts.get(username)
        correct = acc is not None and acc.password is not None and secrets.compare_digest(
            form.get("Password", "").encode(), acc.password.encode())
        app.record(username, "password_attempt", correct=correct, via="adfs")
        if correct and acc is not None:
            fields = {"wa": "wsignin1.0", "wresult": f"<t:RequestSecurityTokenResponse upn='{acc.upn}'/>",
                      "wctx": wctx}
            return Response(body=hidden_form("https://login.microsoftonline.com/login.srf", fields, s["working"]))
        error = s["adfs_error"]
    action = esc(req.path + "?" + urlencode(req.query))
    body = f"""<!DOCTYPE html><html lang="{req.lang}"><head><meta charset="utf-8"><title>{esc(s['signin'])}</title></head>
<body><div id="fullPage"><div id="contentWrapper"><div id="content">
<div id="header"><img class="logoImage" alt="{esc(req.host)}" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></div>
<div id="workArea"><div id="authArea" class="groupMargin"><div id="loginArea">
<div id="loginMessage" class="groupMargin">{esc(s['adfs_signin'])}</div>
<form method="post" id="loginForm" autocomplete="off" novalidate="novalidate" action="{action}">
<div id="error" class="fieldMargin error smallText"><span id="errorText" for="" aria-live="assertive" role="alert">{esc(error)}</span></div>
<div id="formsAuthenticationArea">
<div id="userNameArea"><input id="userNameInput" name="UserName" type="email" value="{esc(username)}" tabindex="1" class="text fullWidth" spellcheck="false" placeholder="{esc(s['adfs_user_placeholder'])}" autocomplete="off"></div>
<div id="passwordArea"><input id="passwordInput" name="Password" type="password" tabindex="2" class="text fullWidth" placeholder="{esc(s['password_placeholder'])}" autocomplete="off"></div>
<div id="submissionArea" class="submitMargin"><span id="submitButton" class="submit" tabindex="4" role="button"
 onKeyPress="if (event && event.keyCode == 32) document.getElementById('loginForm').submit();"
 onclick="document.getElementById('loginForm').submit(); return false;">{esc(s['signin'])}</span></div>
</div><input id="optionForms" type="hidden" name="AuthMethod" value="FormsAuthentication"></form>
</div></div></div></div></div></div></body></html>"""
    return Response(body=body)
