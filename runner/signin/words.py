"""The visible words the sign-in reads: the one documented exception to "markers, never text".

A page Microsoft puts into the sign-in without any public capture of its ids (the passkey
registration campaign of 2026: no PageID, no button id is public) can only be recognized by what
it says it offers and by its way out. So a built-in row may use these word markers (match.py:
`words:NAME`), in the languages the project's tests speak (English, Turkish, German), and a page
card ranks a page's buttons by the same words. Everything else stays with ids, names and PageIDs;
a states file never matches text (a user who meets another wording adds a row by its markers).

Every pattern is matched against casefolded text (`ß` is `ss`, `İ` is `i`: folded()), so it is
written in lower case. Button patterns are anchored at the label's start ("Skip for now (14 days
until this is required)" is a way out; "Don't skip" is not).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .page import Facts


def _words(*alternatives: str, start: bool = False) -> re.Pattern[str]:
    body = "|".join(alternatives)
    return re.compile(rf"^\s*(?:{body})(?!\w)" if start else rf"(?:{body})")


# the page offers a passkey or Microsoft Authenticator (the registration campaign's purpose)
PASSKEY_OFFER = _words(r"pass\s?-?keys?", "geçiş anahtar", "hauptschlüssel", "authenticator")
# the page offers something optional to set up (any nudge: a passkey, the app, security info)
SET_UP_OFFER = _words(PASSKEY_OFFER.pattern, r"set\s?up", "register", "security info", "sign in faster",
                      "passwordless", "einrichten", "registrieren", "sicherheitsinformationen", "kennwortlos",
                      "ayarla", "kaydol", "güvenlik bilgi", "parolasız")
# a way out that leaves the offer for later ("Not now", "Skip for now", "Ask later")
WAY_OUT = _words("not now", "skip", "(?:ask|remind)(?: me)? later", "maybe later", "later", "(?:i'll )?do it later",
                 "şimdi değil", "şimdilik (?:atla|geç)", "atla", "geç", "daha sonra", "sonra (?:sor|hatırlat)",
                 "jetzt nicht", "nicht jetzt", "(?:vorerst )?überspringen", "später", start=True)
# a button that sets the offer up (never clicked by m365-replay: it is what the user decides)
SET_UP = _words("next", r"set (?:it )?up", "get started", "continue", "create(?: a)? passkey", "add", "register",
                "start", "download", "ileri", "ayarla", "ayarlayın", "başla", "başlayın", "devam", "oluştur",
                "ekle", "kaydol", "weiter", "(?:jetzt )?einrichten", "los geht", "loslegen", "erstellen",
                "hinzufügen", "fortfahren", "registrieren", "passkey erstellen", start=True)
# a page's primary action, for a page card's proposal ("Continue", "Yes", "Next", "Confirm")
GO_ON = _words("continue", "yes", "next", "confirm", "accept", "ok", "sign in", "submit", "verify", "done",
               "agree", "devam", "evet", "ileri", "onayla", "kabul", "tamam", "oturum aç", "doğrula", "gönder",
               "weiter", "ja", "bestätigen", "akzeptieren", "annehmen", "fortfahren", "anmelden", "überprüfen",
               "zustimmen", "fertig", start=True)
# a way back or a refusal, proposed last ("Cancel", "Back", "No")
GO_BACK = _words("cancel", "back", "no", "decline", "deny", "close", "sign out", "reject", "iptal", "geri",
                 "hayır", "reddet", "kapat", "oturumu kapat", "abbrechen", "zurück", "nein", "ablehnen",
                 "schliessen", "abmelden", start=True)

# `words:NAME` markers a built-in row may use: on the page's text, or on one of its buttons' labels
WORD_MARKERS = {"passkey_offer": PASSKEY_OFFER, "way_out": WAY_OUT, "set_up": SET_UP}
ON_TEXT = ("passkey_offer",)


def folded(text: str) -> str:
    """Text as the patterns are written: casefolded, and Turkish `İ` as plain `i` (casefold makes it
    `i` and a combining dot)."""
    return text.casefold().replace("\u0307", "")


def label_says(pattern: re.Pattern[str], label: str | None) -> bool:
    return bool(label) and bool(pattern.search(folded(str(label))))


def says(f: Facts, name: str) -> bool:
    """Whether the page says the words of WORD_MARKERS[name]: in its text (title and body), or as
    the label of one of its visible buttons and links."""
    pattern = WORD_MARKERS[name]
    if name in ON_TEXT:
        return bool(pattern.search(folded(f"{f.title}\n{f.page_text}")))
    return any(label_says(pattern, label) for label in f.labels)
