"""Changing one's own profile photo: the account manager's panel ("My accounts", MeControl), the
"Change your photo" dialog (also My Account's, the 2026 way: myaccount.py) and the upload. Not a host:
the pages of office.py and myaccount.py include these parts, as they include pages.py's.

What is public (docs/simulator.md): the header button `#O365_MainLink_Me` opens the panel
`#mectrl_main_body`; in it `#mectrl_currentAccount_primary` (the name), `#mectrl_currentAccount_secondary`
(the address), `#mectrl_body_signOut`, and the picture `a#mectrl_currentAccount_picture`: a LINK whose href
carries `username=`, with the picture inside it as `#mectrl_currentAccount_picture_profile_picture` (a CSS
background, `.mectrl_profilepic`); a camera icon over it opens "Change your photo": **Upload a new photo**,
a zoom slider, **Apply**, **Done**. **View account** is `a#mectrl_viewAccount`
(`https://myaccount.microsoft.com/?ref=MeControl&login_hint=...`) and opens a NEW TAB (a public Selenium
test switches windows after clicking it). On My Account (2026) the pencil by the photo (`#profilePhoto`;
"Change your profile photo") changes it: select a photo, Save, and no Done. An organization may restrict
photo updates to admins: then the dialog offers no upload, in wording that is not public.

ASSUMED, marked where they are made: the picture link's accessible name ("Add or change your picture", as
Indiana University's knowledge base names the control) and its href's address (My Account); that the
link opens the dialog in the page; that in the 2026 way the panel shows the picture without the link
(no photo control: View account is the way); the dialog's and My Account's buttons and names; My Account
closing its dialog once the photo is saved; the restricted window's wording (`photo_refusal`: by default
a sentence no flow lists, since the real one is not public). The dialog has no id a flow could lean on
(its own handles are `data-sim-*` attributes), so a flow finds it by role and name, as on a real
tenant. The upload's address (`/api/profilephoto`) is the simulator's own.

Each account meets one way (`photo_ui`: "dialog" or "my_account"), may have photo changes turned off
(`photo_changes: false`, with `photo_refusal` saying what the window says then), and may have panel ids
renamed (`rename_ids`); the wording is translated (en, tr, de) as the rest of the pages are.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from .accounts import SimAccount
from .http import Request, Response
from .pages import esc
from .state import SimState

MYACCOUNT_HOST = "myaccount.microsoft.com"  # My Account (myaccount.py), where "View account" leads
UPLOAD_PATH = "/api/profilephoto"  # the simulator's own, on the host of the page with the dialog
VIEW_ACCOUNT_URL = f"https://{MYACCOUNT_HOST}/"  # with ?ref=MeControl&login_hint=<upn>, as the public href

# The photo pages' wording, beside them rather than in i18n.py (that one is the sign-in's and the
# home's): the accessible names a flow finds these controls by. ASSUMED, all but the English
# "Change your profile photo" (a public tool filters it on My Account): no public source quotes them.
# `turned_off` is the refusal a flow may list (`photo_refusal: listed`); `turned_off_unlisted` one it
# does not (the default: the real wording is not public)
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "my_accounts": "My accounts", "sign_out": "Sign out", "view_account": "View account",
        "change_picture": "Add or change your picture", "dialog_title": "Change your photo",
        "upload_new": "Upload a new photo", "zoom": "Zoom", "apply": "Apply", "cancel": "Cancel",
        "updated": "Your photo has been updated.", "done": "Done", "close": "Close",
        "turned_off": "Your organization doesn't allow you to change your photo. Contact your admin.",
        "not_picture": "That file isn't a picture. Choose a JPG, PNG or GIF file.",
        "too_large": "The photo must be smaller than 4 MB.", "failed": "Your photo couldn't be saved.",
        "my_account": "My Account", "profile": "Profile", "edit_photo": "Change your profile photo",
        "select_photo": "Select a photo", "save": "Save",
        "turned_off_unlisted": "Only your administrator can update profile photos in this organization.",
    },
    "tr": {
        "my_accounts": "Hesaplarım", "sign_out": "Oturumu kapat", "view_account": "Hesabı görüntüle",
        "change_picture": "Resminizi ekleyin veya değiştirin", "dialog_title": "Fotoğrafınızı değiştirin",
        "upload_new": "Yeni fotoğraf yükle", "zoom": "Yakınlaştır", "apply": "Uygula", "cancel": "İptal",
        "updated": "Fotoğrafınız güncelleştirildi.", "done": "Bitti", "close": "Kapat",
        "turned_off": "Kuruluşunuz fotoğrafınızı değiştirmenize izin vermiyor. Yöneticinize başvurun.",
        "not_picture": "Bu dosya bir resim değil. JPG, PNG veya GIF dosyası seçin.",
        "too_large": "Fotoğraf 4 MB'tan küçük olmalıdır.", "failed": "Fotoğrafınız kaydedilemedi.",
        "my_account": "Hesabım", "profile": "Profil", "edit_photo": "Profil fotoğrafınızı değiştirin",
        "select_photo": "Fotoğraf seçin", "save": "Kaydet",
        "turned_off_unlisted": "Bu kuruluşta profil fotoğraflarını yalnızca yöneticiniz güncelleştirebilir.",
    },
    "de": {
        "my_accounts": "Meine Konten", "sign_out": "Abmelden", "view_account": "Konto anzeigen",
        "change_picture": "Bild hinzufügen oder ändern", "dialog_title": "Foto ändern",
        "upload_new": "Neues Foto hochladen", "zoom": "Zoom", "apply": "Übernehmen", "cancel": "Abbrechen",
        "updated": "Ihr Foto wurde aktualisiert.", "done": "Fertig", "close": "Schließen",
        "turned_off": "Ihre Organisation lässt nicht zu, dass Sie Ihr Foto ändern. Wenden Sie sich an Ihren "
        "Administrator.",
        "not_picture": "Diese Datei ist kein Bild. Wählen Sie eine JPG-, PNG- oder GIF-Datei aus.",
        "too_large": "Das Foto muss kleiner als 4 MB sein.", "failed": "Ihr Foto konnte nicht gespeichert werden.",
        "my_account": "Mein Konto", "profile": "Profil", "edit_photo": "Profilfoto ändern",
        "select_photo": "Foto auswählen", "save": "Speichern",
        "turned_off_unlisted": "In dieser Organisation kann nur Ihr Administrator Profilfotos aktualisieren.",
    },
}

PHOTO_CSS = (
    ".mectrl{position:fixed;top:52px;right:8px;width:320px;background:#fff;color:#1b1b1b;padding:16px;"
    "box-shadow:0 4px 12px rgba(0,0,0,.3);z-index:10}.mectrl a{display:block;margin:6px 0;color:#0f6cbd}"
    ".mectrl .account{display:flex;gap:12px;align-items:center}.mectrl .pic{position:relative;width:72px;"
    "height:72px;border-radius:50%;border:0;background:#e1dfdd;font-size:24px;display:flex;align-items:center;"
    "justify-content:center;color:#1b1b1b}.mectrl a .pic{cursor:pointer}"
    ".photo-dialog{position:fixed;inset:0;background:rgba(0,0,0,.4);display:flex;align-items:center;"
    "justify-content:center;z-index:20}.photo-dialog>div{background:#fff;padding:24px;width:420px}"
    ".photo-dialog img{width:160px;height:160px;object-fit:cover;border-radius:50%;display:block}"
)


def initials(acc: SimAccount) -> str:
    return "".join(part[0] for part in acc.display_name.split()[:2]).upper()


def account_panel(acc: SimAccount, lang: str) -> str:
    """The account manager's panel `#mectrl_main_body`, hidden until #O365_MainLink_Me is clicked, and
    the dialog its picture link opens (none in the "my_account" way: the picture is shown without the
    link, and View account leads to My Account instead)."""
    t = TEXT[lang]
    face = (f'<div id="mectrl_currentAccount_picture_profile_picture" class="pic mectrl_profilepic">'
            f"{esc(initials(acc))}</div>")
    if acc.photo_ui == "dialog":  # assumed: the link's name, its href's address, and that it opens the dialog
        href = f"{VIEW_ACCOUNT_URL}?{urlencode({'ref': 'MeControl', 'username': acc.upn})}"
        picture = (f'<a id="mectrl_currentAccount_picture" href="{esc(href)}" data-sim-photo-open '
                   f'aria-label="{esc(t["change_picture"])}">{face}<span aria-hidden="true">&#x1F4F7;</span></a>')
    else:
        picture = face
    view = f"{VIEW_ACCOUNT_URL}?{urlencode({'ref': 'MeControl', 'login_hint': acc.upn})}"
    panel = (
        f'<div class="mectrl" id="mectrl_main_body" data-sim-mectrl role="region" '
        f'aria-label="{esc(t["my_accounts"])}" style="display:none">'
        f'<a id="mectrl_body_signOut" href="#">{esc(t["sign_out"])}</a><div class="account">{picture}<div>'
        f'<div id="mectrl_currentAccount_primary">{esc(acc.display_name)}</div>'
        f'<div id="mectrl_currentAccount_secondary">{esc(acc.upn)}</div>'
        f'<a id="mectrl_viewAccount" href="{esc(view)}" target="_blank">{esc(t["view_account"])}</a></div></div></div>'
    )
    for old, new in acc.rename_ids.items():  # a renamed panel id, as OneDrive's and SharePoint's (sharepoint.py)
        panel = re.sub(rf"\b{re.escape(old)}\b", new, panel)
    return f"<style>{PHOTO_CSS}</style>{panel}" + (photo_dialog(acc, lang, "dialog") if acc.photo_ui == "dialog" else "")


def refusal(acc: SimAccount, t: dict[str, str]) -> str:
    """What the restricted window says (`photo_refusal`): a sentence a flow may list, one it does
    not, or nothing but its title and Close."""
    sentence = {"listed": t["turned_off"], "unlisted": t["turned_off_unlisted"]}.get(acc.photo_refusal)
    return f"<p>{esc(sentence)}</p>" if sentence else ""


def photo_dialog(acc: SimAccount, lang: str, way: str) -> str:
    """"Change your photo" (way "dialog": Upload a new photo, zoom, Apply, then Done) or My Account's
    (way "my_account": Select a photo, Save, and the dialog closes: no Done); with photo changes turned
    off, no file input and no upload control: the title, what `photo_refusal` says, and Close."""
    t = TEXT[lang]
    title = t["dialog_title"] if way == "dialog" else t["edit_photo"]
    if not acc.photo_changes:
        inner = f'{refusal(acc, t)}<button type="button" data-sim-photo-close>{esc(t["close"])}</button>'
    else:
        pick, confirm = (t["upload_new"], t["apply"]) if way == "dialog" else (t["select_photo"], t["save"])
        zoom = (f'<label>{esc(t["zoom"])} <input type="range" min="1" max="3" step="0.1" value="1" '
                "data-sim-photo-zoom></label>") if way == "dialog" else ""
        finished = (f'<div data-sim-photo-finished style="display:none"><p>{esc(t["updated"])}</p>'
                    f'<button type="button" data-sim-photo-close>{esc(t["done"])}</button></div>'
                    if way == "dialog" else "")
        inner = (
            f'<div data-sim-photo-choose><button type="button" data-sim-photo-pick>{esc(pick)}</button>'
            '<input type="file" accept="image/*" hidden data-sim-photo-file>'
            '<img data-sim-photo-preview alt="" style="display:none">'
            f'{zoom}<p role="alert" data-sim-photo-error></p>'
            f'<button type="button" data-sim-photo-apply disabled>{esc(confirm)}</button>'
            f'<button type="button" data-sim-photo-close>{esc(t["cancel"])}</button></div>{finished}'
        )
    messages = {key: t[key] for key in ("not_picture", "too_large", "failed")}
    return (f'<div class="photo-dialog" data-sim-photo-dialog data-sim-messages="{esc(json.dumps(messages))}" '
            f'role="dialog" aria-modal="true" aria-label="{esc(title)}" style="display:none">'
            f"<div><h2>{esc(title)}</h2>{inner}</div></div>")


# The panel and the dialog at work: the header button toggles the panel; the picture link (or My
# Account's pencil) opens the dialog instead of following its href; the dialog picks a file (the button
# opens the file chooser of a hidden input), shows it, and on Apply (Save) draws it square at the zoom
# chosen and posts it as a JPEG, as the real dialog's crop does; then Done, or on My Account it closes
PHOTO_SCRIPT = """
  var me = document.getElementById("O365_MainLink_Me"), panel = document.querySelector("[data-sim-mectrl]");
  if (me && panel) me.addEventListener("click", function () {
    panel.style.display = panel.style.display === "none" ? "" : "none";
  });
  var dialog = document.querySelector("[data-sim-photo-dialog]");
  var q = function (sel) { return dialog.querySelector(sel); };
  document.querySelectorAll("[data-sim-photo-open]").forEach(function (b) {
    b.addEventListener("click", function (event) { event.preventDefault(); dialog.style.display = ""; });
  });
  if (dialog) {
    var messages = JSON.parse(dialog.getAttribute("data-sim-messages")), picked = null;
    dialog.querySelectorAll("[data-sim-photo-close]").forEach(function (b) {
      b.addEventListener("click", function () { dialog.style.display = "none"; });
    });
    var file = q("[data-sim-photo-file]"), error = q("[data-sim-photo-error]"), apply = q("[data-sim-photo-apply]");
    if (file) {
      q("[data-sim-photo-pick]").addEventListener("click", function () { file.click(); });
      file.addEventListener("change", function () {
        var chosen = file.files[0];
        error.textContent = ""; apply.disabled = true; picked = null;
        if (!chosen) return;
        if (chosen.size > 4 * 1024 * 1024) { error.textContent = messages.too_large; return; }
        createImageBitmap(chosen).then(function (bitmap) {
          picked = bitmap;
          var preview = q("[data-sim-photo-preview]");
          preview.src = URL.createObjectURL(chosen); preview.style.display = "";
          apply.disabled = false;
        }, function () { error.textContent = messages.not_picture; });
      });
      apply.addEventListener("click", function () {
        var zoom = q("[data-sim-photo-zoom]"), z = zoom ? parseFloat(zoom.value) : 1;
        var side = Math.min(picked.width, picked.height) / z, canvas = document.createElement("canvas");
        canvas.width = canvas.height = 648;
        canvas.getContext("2d").drawImage(picked, (picked.width - side) / 2, (picked.height - side) / 2, side, side,
                                          0, 0, 648, 648);
        apply.disabled = true;
        canvas.toBlob(function (blob) {
          fetch("UPLOAD_PATH", {method: "POST", body: blob, headers: {"Content-Type": "image/jpeg"},
                       credentials: "same-origin"}).then(function (r) {
            if (!r.ok) throw new Error(String(r.status));
            var finished = q("[data-sim-photo-finished]");
            if (!finished) { dialog.style.display = "none"; return; }  // My Account: Save closes it, no Done
            q("[data-sim-photo-choose]").style.display = "none";
            finished.style.display = "";
          }).catch(function () { error.textContent = messages.failed; apply.disabled = false; });
        }, "image/jpeg", 0.92);
      });
    }
  }
""".replace("UPLOAD_PATH", UPLOAD_PATH)


def upload(app: SimState, req: Request, upn: str) -> Response:
    """The dialog's POST: Exchange takes the picture at once (photos.py); refused when the
    organization has turned photo changes off, or when the body is no picture."""
    acc = app.accounts[upn]
    if not acc.photo_changes:
        app.record(upn, "photo_upload_refused", host=req.host)
        return Response(status=403, body='{"error": "PhotoUpdatesRestricted"}', content_type="application/json")
    try:
        picture = app.photos.upload(upn, req.body)
    except ValueError as exc:
        app.record(upn, "photo_upload_refused", host=req.host, reason=str(exc))
        return Response(status=400, body=json.dumps({"error": str(exc)}), content_type="application/json")
    app.record(upn, "photo_uploaded", host=req.host, bytes=len(req.body), picture=picture)
    app.record(upn, "exchange_photo_changed", picture=picture)  # at once: Exchange keeps the photo
    return Response(body='{"ok": true}', content_type="application/json")
