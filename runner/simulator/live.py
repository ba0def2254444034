"""login.live.com: where a personal Microsoft account signs in (the sign-in page sends it there)."""

from __future__ import annotations

from .http import Request, Response
from .i18n import STRINGS
from .pages import esc, script_json
from .state import SimState


def handle(app: SimState, req: Request) -> Response:
    """login.live.com's personal-account sign-in, the page shipped since 2025-05: `#usernameEntry`,
    `button[data-testid=primaryButton]`, `[data-testid=secondaryButton]`, `[data-testid=passwordEntry]`
    (the old ids are gone there). The simulator holds no personal accounts: every password is wrong."""
    s = STRINGS[req.lang]
    username = req.query.get("username", "")
    error = ""
    if req.method == "POST":
        form = req.form
        username = form.get("username", "")
        app.record(username.strip().lower(), "password_attempt", correct=False, via="live")
        error = s["err_password_wrong"]
    else:
        app.record(username.strip().lower() or None, "personal_sign_in_page", lang=req.lang)
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
  document.getElementById("root").innerHTML = {script_json(body)};{script}
}}, {int(app.render_delay_ms)});
</script></body></html>""")
