"""HTML of the simulated pages. The converged sign-in pages are an empty shell plus `$Config`,
filled in by converged.js after a delay, as the real ones are."""

from __future__ import annotations

import html
import json
from typing import Any

CSS = """
body{font-family:"Segoe UI",Arial,sans-serif;margin:0;background:#f2f2f2;color:#1b1b1b}
.outer{display:table;position:absolute;height:100%;width:100%}.middle{display:table-cell;vertical-align:middle}
.inner{margin:0 auto;max-width:440px;min-height:338px;padding:44px;background:#fff;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.logo{font-weight:600;color:#737373;margin-bottom:16px}.title{font-size:1.5rem;font-weight:600;margin:16px 0 12px}
.form-control{display:block;width:100%;box-sizing:border-box;padding:6px 0;border:0;border-bottom:1px solid #666;
font-size:15px;margin-bottom:16px;outline:none}.has-error{border-bottom-color:#e81123}
.error{color:#e81123;margin:8px 0}.identity{margin:8px 0}.buttons{text-align:right;margin-top:24px}
.button{min-width:108px;padding:4px 12px;font-size:15px;border:0;margin-left:4px;cursor:pointer}
.primary{background:#0067b8;color:#fff}.secondary{background:#ccc}
.moveOffScreen{position:fixed;bottom:0;right:0;height:0!important;width:0!important;overflow:hidden;opacity:0;
padding:0!important;border:0!important}
.displaySign{font-size:2.5rem;font-weight:600;text-align:center}.tile{padding:12px;border-bottom:1px solid #ddd;cursor:pointer}
.table{padding:12px;cursor:pointer;border:1px solid #ddd;margin:8px 0}small{display:block;color:#666}
"""

SUITE_CSS = """
body{font-family:"Segoe UI",Arial,sans-serif;margin:0;color:#1b1b1b;background:#faf9f8}
#SuiteNavWrapper{height:48px;background:#0f6cbd;color:#fff;display:flex;align-items:center}
#O365_MainLink_NavMenu{width:48px;height:48px;background:none;border:0;color:#fff;font-size:20px;cursor:pointer}
#O365_AppName{font-weight:600;padding:0 12px}#O365_HeaderRightRegion{margin-left:auto;display:flex;align-items:center}
#O365_MainLink_Me{height:48px;background:none;border:0;color:#fff;cursor:pointer;display:flex;align-items:center}
#O365_MainLink_MePhoto img,.initials{width:32px;height:32px;border-radius:50%}
.initials{display:inline-flex;align-items:center;justify-content:center;background:#fff;color:#0f6cbd;font-weight:600}
#appLauncher{position:absolute;top:48px;left:0;width:320px;background:#fff;box-shadow:0 4px 12px rgba(0,0,0,.3);
padding:16px}#appLauncher a{display:inline-block;width:88px;margin:8px;text-align:center;color:#1b1b1b}
main{padding:24px}.tiles a{display:inline-block;width:96px;height:72px;margin:8px;padding:8px;background:#fff;
text-align:center;color:#1b1b1b;text-decoration:none;box-shadow:0 1px 3px rgba(0,0,0,.2)}
.landing-header{display:flex;align-items:center;padding:12px 24px;background:#fff}
.landing-header a{margin-left:auto;padding:8px 16px;border:1px solid #1b1b1b;color:#1b1b1b;text-decoration:none}
.copilot-header{height:48px;background:#fff;border-bottom:1px solid #e1dfdd;display:flex;align-items:center;
padding-left:76px}.copilot-header #O365_MainLink_Me{color:#1b1b1b}.copilot-header #O365_AppName{color:#1b1b1b}
.copilot-rail{position:fixed;top:0;left:0;bottom:0;width:68px;background:#f0f0f0;display:flex;
flex-direction:column;align-items:center;padding-top:8px}
.copilot-rail a,.copilot-rail button{display:block;width:60px;margin:4px 0;padding:6px 0;font-size:11px;
text-align:center;color:#1b1b1b;background:none;border:0;text-decoration:none;cursor:pointer}
.copilot-main{margin-left:68px}.copilot-main textarea{width:60%;height:64px;display:block;margin:16px 0}
.copilot-launcher{position:fixed;top:8px;left:72px;width:320px;background:#fff;padding:16px;
box-shadow:0 4px 12px rgba(0,0,0,.3)}.copilot-launcher a{display:inline-block;width:88px;margin:8px;
text-align:center;color:#1b1b1b}
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def script_json(data: Any) -> str:
    """JSON safe to embed in a <script> block."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def converged_page(page_id: str, config: dict[str, Any], lang: str, title: str) -> str:
    config = {**config, "pgid": page_id, "lang": lang}
    return f"""<!DOCTYPE html>
<html dir="ltr" class="" lang="{esc(lang)}"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{esc(title)}</title>
<meta name="robots" content="none"><meta name="PageID" content="{esc(page_id)}"><meta name="SiteID" content="">
<meta name="ReqLC" content="1033"><meta name="LocLC" content="{esc(lang)}">
<script type="text/javascript">//<![CDATA[
$Config={script_json(config)};
//]]></script>
<style>{CSS}</style></head>
<body data-bind="defineGlobals: ko.mapping.fromJS(svr)" class="cb">
<div id="lightbox-root"></div>
<noscript>JavaScript required. We can't sign you in. Your browser is currently set to block JavaScript.</noscript>
<script type="text/javascript" src="https://aadcdn.msftauth.net/shared/1.0/content/js/ConvergedLogin_PCore.js"></script>
</body></html>"""


def hidden_form(action: str, fields: dict[str, str], working: str) -> str:
    """The auto-posted "Working..." form that hands a code back to the application."""
    inputs = "".join(f'<input type="hidden" name="{esc(k)}" value="{esc(v)}" />' for k, v in fields.items())
    return f"""<html><head><title>{esc(working)}</title></head><body>
<form method="POST" name="hiddenform" action="{esc(action)}">{inputs}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript>
</form><script language="javascript">window.setTimeout(function(){{document.forms[0].submit();}}, 0);</script>
</body></html>"""


def script_built(title: str, lang: str, body_html: str, delay_ms: int, extra_script: str = "") -> str:
    """A page whose content is inserted by script after a delay, like the React/knockout apps."""
    return f"""<!DOCTYPE html>
<html lang="{esc(lang)}"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>{SUITE_CSS}</style></head>
<body><div id="root"></div>
<script>
window.setTimeout(function () {{
  document.getElementById("root").innerHTML = {script_json(body_html)};
  {extra_script}
}}, {int(delay_ms)});
</script></body></html>"""


def suite_header(app_name: str, s: dict[str, str], display_name: str, photo_url: str | None,
                 launcher_tiles: dict[str, str], tile_target: str, more_apps: str | None = None) -> str:
    """The Microsoft 365 suite header: app launcher (waffle), app name, account manager; the
    launcher's panel ends with a "More apps" link to the Apps page when `more_apps` is given."""
    tiles = "".join(
        f'<a id="O365_AppTile_{esc(key)}" href="{esc(href)}" target="{esc(tile_target)}" '
        f'aria-label="{esc(label)}"><span>{esc(label)}</span></a>'
        for key, (label, href) in _tiles(launcher_tiles).items()
    )
    if more_apps:
        tiles += f'<a href="{esc(more_apps)}">{esc(s["more_apps"])}</a>'
    return (
        '<div id="SuiteNavWrapper" role="banner">'
        f'<button id="O365_MainLink_NavMenu" type="button" aria-label="{esc(s["app_launcher"])}" '
        f'aria-expanded="false" aria-haspopup="true">&#x2637;</button>'
        f'<span id="O365_AppName">{esc(app_name)}</span>'
        f'<div id="O365_HeaderRightRegion">{account_manager(s, display_name, photo_url)}</div></div>'
        f'<div id="appLauncher" role="dialog" aria-label="{esc(s["apps"])}" style="display:none">{tiles}</div>'
    )


def account_manager(s: dict[str, str], display_name: str, photo_url: str | None) -> str:
    """The header's account manager (#O365_MainLink_Me), the same in the classic suite header and in
    the Microsoft 365 Copilot app: the user's photo, or their initials."""
    initials = "".join(part[0] for part in display_name.split()[:2]).upper()
    photo = (f'<img src="{esc(photo_url)}" alt="{esc(display_name)}">' if photo_url
             else f'<span class="initials">{esc(initials)}</span>')
    return (f'<button id="O365_MainLink_Me" type="button" aria-label="{esc(s["account_manager"])} '
            f'{esc(display_name)}"><div id="O365_MainLink_MePhoto">{photo}</div></button>')


# the few apps of the Copilot app's launcher panel: never OneDrive or SharePoint (they are only on
# the Apps page, behind "More apps")
COPILOT_LAUNCHER_APPS = {"Outlook": "https://outlook.office.com/mail/", "Word": "#", "Excel": "#",
                         "PowerPoint": "#", "Teams": "#"}


def copilot_chrome(s: dict[str, str], display_name: str, apps_url: str, launcher: bool, apps_entry: bool,
                   current: str = "home") -> str:
    """The Microsoft 365 Copilot app's header and left rail (m365.cloud.microsoft).

    The header keeps the account manager (#O365_MainLink_Me) but has no waffle. The rail holds the
    app launcher, a plain button: it no longer carries the id O365_MainLink_NavMenu, and its panel
    lists a few apps and "More apps", a link to the Apps page; and/or the "Apps" entry, a link to the
    same page. The `data-sim-*` attributes are the simulator's own, for its script only.
    """
    rail = [f'<a href="/?auth=2"{" aria-current=page" if current == "home" else ""}>{esc(s["home"])}</a>',
            f'<a href="#">{esc(s["create"])}</a>']
    if apps_entry:
        rail.append(f'<a href="{esc(apps_url)}"{" aria-current=page" if current == "apps" else ""}>'
                    f'{esc(s["apps"])}</a>')
    panel = ""
    if launcher:
        rail.insert(0, f'<button type="button" data-sim-launcher aria-label="{esc(s["app_launcher"])}" '
                       'aria-expanded="false" aria-haspopup="dialog">&#x2637;</button>')
        tiles = "".join(f'<a href="{esc(href)}" target="_blank">{esc(name)}</a>'
                        for name, href in COPILOT_LAUNCHER_APPS.items())
        panel = (f'<div class="copilot-launcher" data-sim-launcher-panel role="dialog" '
                 f'aria-label="{esc(s["app_launcher"])}" style="display:none">{tiles}'
                 f'<a href="{esc(apps_url)}">{esc(s["more_apps"])}</a></div>')
    return (
        f'<nav class="copilot-rail" aria-label="{esc(s["navigation"])}">{"".join(rail)}</nav>{panel}'
        '<div class="copilot-header" role="banner"><span id="O365_AppName">Microsoft 365 Copilot</span>'
        f'<div id="O365_HeaderRightRegion">{account_manager(s, display_name, None)}</div></div>'
    )


COPILOT_LAUNCHER_SCRIPT = """
  var launcher = document.querySelector("[data-sim-launcher]");
  if (launcher) launcher.addEventListener("click", function () {
    var panel = document.querySelector("[data-sim-launcher-panel]");
    var open = panel.style.display === "none";
    panel.style.display = open ? "" : "none";
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
  });
"""


def _tiles(launcher_tiles: dict[str, str]) -> dict[str, tuple[str, str]]:
    labels = {"Documents": "OneDrive", "Sites": "SharePoint", "Outlook": "Outlook", "Word": "Word",
              "Excel": "Excel", "Teams": "Teams"}
    return {key: (labels[key], href) for key, href in launcher_tiles.items()}


LAUNCHER_SCRIPT = """
  var waffle = document.getElementById("O365_MainLink_NavMenu");
  waffle.addEventListener("click", function () {
    var panel = document.getElementById("appLauncher");
    var open = panel.style.display === "none";
    panel.style.display = open ? "" : "none";
    waffle.setAttribute("aria-expanded", open ? "true" : "false");
  });
"""
