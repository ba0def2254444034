"""What a page card proposes for a sign-in page no row knows, without a browser: the rows the
page resembles (the markers it shows and lacks), the markers only it shows, its buttons ranked by
the likeliest answer, and the row to paste into a states file.

Pure: it works on the facts the probe saw (page.py) and the page's elements as run/pageread.py read
them, so it is tested without a browser (tests/signin/test_page_proposals.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.model import StateRow
from ..core.pagecard import Button, Element, Resemblance, SignInProposal
from ..spec.states import row_mapping, row_yaml
from .actions import PageState
from .match import marker_shown
from .page import Facts
from .rows import HARMLESS_CODES, element_marker, from_row, row_for, row_name
from .states import STATES
from .words import GO_BACK, GO_ON, SET_UP_OFFER, WAY_OUT, folded, label_says

# what a button's id, name or data-* value says it does (markers are language-independent; its label
# says the same in the page's language, words.py)
WAY_OUT_MARK = re.compile(r"skip|later|not_?now|dismiss|snooze|remind", re.I)
GO_BACK_MARK = re.compile(r"cancel|back|decline|deny|close|reject|(?<![a-z])no(?![a-z])", re.I)
PRIMARY_MARK = re.compile(r"^idSIButton9$|submit|accept|continue|confirm|next|primary", re.I)
# the converged pages' primary button (id or, on some 2026 pages, only its name)
CONVERGED_PRIMARY = "idSIButton9"
KINDS = ("way_out", "primary", "other", "go_back")  # a button's kind, by its marker and its label


@dataclass
class Choice:
    """The page's buttons ranked, the one the proposed row clicks (None: the row fails the account
    instead), and the rule that chose, in words for the card."""

    buttons: list[Button]
    click: str | None
    rule: str


def propose(f: Facts, elements: list[Element], rows: list[StateRow]) -> SignInProposal:
    """The sign-in's part of a page card: what the page resembles (a states file's rows, then the
    built-in table), the markers only it shows, its buttons ranked, the proposed row with its YAML,
    and the rule that chose the row's click."""
    states = [from_row(r) for r in rows] + STATES
    like = resemblance(f, states)
    near = [s for s in states if s.name in {entry.state for entry in like}]
    choice = rank_buttons(f, elements)
    row = proposed_row(f, choice.click)
    return SignInProposal(like, new_markers(f, elements, near), choice.buttons, choice.rule,
                          row_mapping(row) if row is not None else None,
                          "states:\n" + row_yaml(row) if row is not None else None)


def resemblance(f: Facts, states: list[PageState], top: int = 3) -> list[Resemblance]:
    """The rows this page looks most like: the share of each row's markers it shows, best first."""
    scored = []
    for state in states:
        if not state.markers:
            continue
        shows = [m for m in state.markers if marker_shown(m, f)]
        if shows:
            lacks = [m for m in state.markers if m not in shows]
            scored.append(Resemblance(state.name, state.where or "runner/signin/states.py", state.description,
                                      shows, lacks, round(len(shows) / len(state.markers), 2)))
    scored.sort(key=lambda s: (-s.score, -len(s.shows)))
    return scored[:top]


def button_kind(element: Element, marker: str) -> tuple[str, str]:
    """What a button does, by its marker and data-* names first, then its label in the page's
    language: a way back ("Cancel", idBtn_Back), a way out that leaves an offer for later ("Not
    now", "Skip"), the page's primary action (idSIButton9, a primary or submit button, "Continue",
    "Yes", "Next", "Confirm") or another; and why, in words."""
    names = " ".join(str(v) for v in (marker, element.get("data-report-event") or "") if v)
    label = element.get("label") or ""
    if GO_BACK_MARK.search(names) or label_says(GO_BACK, label):
        return "go_back", "a way back"
    if WAY_OUT_MARK.search(names) or label_says(WAY_OUT, label):
        return "way_out", "a way out for later"
    if CONVERGED_PRIMARY in (marker, element.get("name")):
        return "primary", f"the converged pages' primary button ({CONVERGED_PRIMARY})"
    if element.get("primary"):
        return "primary", "the page's primary button"
    if element.get("type") == "submit":
        return "primary", "the form's submit button"
    if PRIMARY_MARK.search(names) or label_says(GO_ON, label):
        return "primary", "a button that goes on"
    return "other", "another button"


def offers_set_up(f: Facts, elements: list[Element]) -> str | None:
    """The words with which the page offers something to set up (a passkey, the Authenticator app,
    security info), or None: what makes a page with a way out a nudge."""
    headings = " ".join(str(e.get("label") or "") for e in elements if e.get("role") == "heading")
    found = SET_UP_OFFER.search(folded(f"{f.title}\n{headings}\n{f.page_text}"))
    return found.group(0) if found else None


def rank_buttons(f: Facts, elements: list[Element]) -> Choice:
    """The buttons a person could press, each with its marker, ranked by the likeliest answer.

    A page that offers something optional to set up and has a way out (a nudge) puts the way out
    first, and its row clicks it; a nudge without a way out gets a row that fails the account
    (action_required), never one that clicks its set-up. On any other page the primary action comes
    first (the converged primary button, the primary or submit button, "Continue"/"Yes"/"Next"/
    "Confirm" in the page's language) and the ways back last: a confirmation page is answered by
    confirming, never by Cancel. The proposal is for a person to review; nothing clicks it unasked."""
    found = []
    for n, element in enumerate(elements):
        if element.get("role") not in ("button", "link") and element.get("type") not in ("submit", "button"):
            continue
        marker = element_marker(element)
        if marker is None:
            continue
        kind, why = button_kind(element, marker)
        found.append((n, kind, why, Button(marker, element.get("role"), element.get("label"), kind)))
    offer = offers_set_up(f, elements)
    nudge = offer is not None and any(kind == "way_out" for _, kind, _, _ in found)
    order = ("way_out", "primary", "other", "go_back") if nudge else ("primary", "other", "way_out", "go_back")
    found.sort(key=lambda item: (order.index(item[1]), item[0]))
    buttons = [button for *_, button in found]
    if not found:
        return Choice(buttons, None, "no button with a marker: the row fails the account (action_required)")
    _, kind, why, best = found[0]
    label = f" ({best.label!r})" if best.label else ""
    if nudge:
        return Choice(buttons, best.marker, f"nudge: the page offers something optional to set up ({offer!r}); "
                      f"its way out {best.marker}{label} comes first, never the set-up")
    if offer is not None and kind == "primary":
        return Choice(buttons, None, f"a page that offers something to set up ({offer!r}) with no way out: the "
                      "row fails the account (action_required) rather than click its set-up")
    return Choice(buttons, best.marker, f"primary action: {best.marker}{label} is {why}")


def proposed_row(f: Facts, click: str | None) -> StateRow | None:
    """A row for this page, clicking `click` (or failing the account without one); None when the
    page has nothing of its own to be recognized by (no PageID, no error code, no button with a
    marker): a row matching its host alone would match every page there."""
    page_id = f.page_id or f.pgid
    if not (page_id or click or f.error_code not in (None, *HARMLESS_CODES)):
        return None
    return row_for(f, click, f"{f.title!r} at {f.host}", row_name(f),
                   fail_with={"category": "action_required", "message": "Sign in once by hand to answer this page."})


def new_markers(f: Facts, elements: list[Element], like: list[PageState]) -> list[str]:
    """The markers only this page shows, compared with the rows it resembles: its PageID and error
    code when they differ, and its elements' markers that none of those rows uses."""
    known = {m for state in like for m in state.markers}
    out = []
    page_id = f.page_id or f.pgid
    if page_id and f"PageID:{page_id}" not in known:
        out.append(f"PageID:{page_id}")
    if f.error_code not in (None, *HARMLESS_CODES) and f"sErrorCode:{f.error_code}" not in known:
        out.append(f"sErrorCode:{f.error_code}")
    for element in elements:
        marker = element_marker(element)
        if marker and marker not in known and marker not in out:
            out.append(marker)
    return out[:20]
