"""Page cards (page.json) as runner/run/pageread.py wrote them before the card was a record, one of
each shape: the sign-in's (a proposed row), a flow step's (a proposed edit of a shipped flow), a flow
step's with nothing alike on the page, and a page the sign-in's probe could not compare. The record
must read each and write it back key for key (tests/core/test_page_card.py); the reporters' words
are checked on them (tests/reporters/test_page_card_words.py)."""

from __future__ import annotations

import copy
from typing import Any

ROW_YAML = """states:
  - name: converged_terms_of_use
    description: "'Sign in to your account' at login.microsoftonline.com"
    match:
      page_id: ConvergedTermsOfUse
      host: login.microsoftonline.com
      shows: [idSIButton9]
    click: idSIButton9
"""

SIGN_IN = {
    "url": "https://login.microsoftonline.com/common/login?state=…", "title": "Sign in to your account",
    "page_id": "ConvergedTermsOfUse", "config": {"pgid": "ConvergedTermsOfUse", "hpgid": "1104", "sErrorCode": None},
    "config_keys": ["sFT", "urlPost", "pgid", "hpgid"],
    "step": {"name": "Sign in with the work or school account", "command": "sign_in",
             "file": "flows/sync-profile-photo.yaml", "line": 9},
    "failure": {"category": "page_changed", "message": "The sign-in stopped on a page it does not know."},
    "elements": [{"tag": "h1", "role": "heading", "label": "Nutzungsbedingungen"},
                 {"tag": "input", "id": "idSIButton9", "type": "submit", "role": "button", "label": "Akzeptieren",
                  "primary": True},
                 {"tag": "input", "id": "idBtn_Back", "type": "button", "role": "button", "label": "Ablehnen",
                  "focused": True}],
    "resembles": [{"state": "kmsi", "where": "runner/signin/states.py", "description": "Stay signed in?",
                   "shows": ["idSIButton9"], "lacks": ["PageID:KmsiInterrupt"], "score": 0.5}],
    "new_markers": ["PageID:ConvergedTermsOfUse", "idBtn_Back"],
    "buttons": [{"marker": "idSIButton9", "role": "button", "label": "Akzeptieren", "kind": "primary"},
                {"marker": "idBtn_Back", "role": "button", "label": "Ablehnen", "kind": "go_back"}],
    "proposal_rule": "primary action: idSIButton9 ('Akzeptieren') is the converged pages' primary button "
                     "(idSIButton9)",
    "proposed_row": {"name": "converged_terms_of_use",
                     "description": "'Sign in to your account' at login.microsoftonline.com",
                     "match": {"page_id": "ConvergedTermsOfUse", "host": "login.microsoftonline.com",
                               "shows": ["idSIButton9"]},
                     "click": "idSIButton9"},
    "proposed_row_yaml": ROW_YAML,
}

FLOW = {
    "url": "https://contoso-my.sharepoint.com/personal/bob_contoso_com/_layouts/15/onedrive.aspx", "title": "OneDrive",
    "page_id": None, "config": {"pgid": None, "hpgid": None, "sErrorCode": None}, "config_keys": [],
    "step": {"name": "Check that OneDrive shows the signed-in user", "command": "expect_visible",
             "file": "/opt/m365-replay/flows/sync-profile-photo.yaml", "line": 14},
    "failure": {"category": "page_changed", "message": "Step 'Check that OneDrive shows the signed-in user' waited "
                "10 s for #O365_MainLink_Me."},
    "elements": [{"tag": "button", "id": "O365_MainLink_MeControl", "role": "button", "label": "Account manager"}],
    "locator": "#O365_MainLink_Me",
    "candidates": [{"element": {"tag": "button", "id": "O365_MainLink_MeControl", "role": "button",
                                "label": "Account manager"},
                    "marker": "O365_MainLink_MeControl", "why": ["id close to 'O365_MainLink_Me' (keeps the old id)"],
                    "score": 95, "alternative": 0}],
    "proposed_edit": {"at": "my-flows/sync-profile-photo.yaml:14", "copy": "m365-replay flows copy my-flows",
                      "shipped": "/opt/m365-replay/flows/sync-profile-photo.yaml:14",
                      "run": "m365-replay run my-flows/sync-profile-photo.yaml",
                      "old": "expect_visible: {id: O365_MainLink_Me}",
                      "new": "expect_visible: {id: O365_MainLink_MeControl}"},
}


def card(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of one of the cards above, with keys changed (a value of None: the key left out)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


# a flow step whose locator matched nothing like it: no candidates, so no edit (the key left out)
NOTHING_ALIKE = card(FLOW, candidates=[], proposed_edit=None, elements=[
    {"tag": "a", "id": f"link{n}", "role": "link", "label": f"Link {n}"} for n in range(14)])
# the sign-in's probe could not read the page: the page's keys only
NOT_COMPARED = card(SIGN_IN, resembles=None, new_markers=None, buttons=None, proposal_rule=None, proposed_row=None,
                    proposed_row_yaml=None)
# the sign-in's card for a page with nothing of its own to be recognized by: no row (null, as written)
NO_ROW = card(SIGN_IN, proposed_row_yaml=None, buttons=[], proposal_rule="no button with a marker: the row fails "
              "the account (action_required)")
NO_ROW["proposed_row"] = None
