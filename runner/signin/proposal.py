"""What a page card proposes for a sign-in page no row knows, without a browser: the rows the
page resembles (the markers it shows and lacks), the markers only it shows, its buttons ranked by
the likeliest answer, and the row to paste into a states file.

Pure: it works on the facts the probe saw (page.py) and the page's elements as run/pageread.py read
them, so it is tested without a browser (tests/test_page_proposals.py).
"""

from __future__ import annotations

import re
from typing import Any

from ..core.model import StateRow
from ..spec.states import row_mapping, row_yaml
from .actions import PageState
from .match import marker_shown
from .page import Facts
from .rows import HARMLESS_CODES, element_marker, from_row, row_for, row_name
from .states import STATES

# words of ids and data-* values of buttons that go on without setting anything up: the likeliest
# answer of a person who only wants to sign in ("Not now", "Skip", "Ask later", "Cancel", "Back")
GO_ON_WORDS = re.compile(r"(skip|later|not_?now|notnow|cancel|back|dismiss|decline|close|no\b|continue)", re.I)


def propose(f: Facts, elements: list[dict[str, Any]], rows: list[StateRow]) -> dict[str, Any]:
    """The sign-in's part of a page card: what the page resembles (a states file's rows, then the
    built-in table), the markers only it shows, its buttons, and the proposed row with its YAML."""
    states = [from_row(r) for r in rows] + STATES
    like = resemblance(f, states)
    near = [s for s in states if s.name in {entry["state"] for entry in like}]
    buttons = candidate_buttons(elements)
    row = proposed_row(f, buttons)
    out: dict[str, Any] = {"resembles": like, "new_markers": new_markers(f, elements, near), "buttons": buttons,
                           "proposed_row": row_mapping(row) if row is not None else None}
    if row is not None:
        out["proposed_row_yaml"] = "states:\n" + row_yaml(row)
    return out


def resemblance(f: Facts, states: list[PageState], top: int = 3) -> list[dict[str, Any]]:
    """The rows this page looks most like: the share of each row's markers it shows, best first."""
    scored = []
    for state in states:
        if not state.markers:
            continue
        shows = [m for m in state.markers if marker_shown(m, f)]
        if shows:
            lacks = [m for m in state.markers if m not in shows]
            scored.append({"state": state.name, "where": state.where or "runner/signin/states.py",
                           "description": state.description, "shows": shows, "lacks": lacks,
                           "score": round(len(shows) / len(state.markers), 2)})
    scored.sort(key=lambda s: (-s["score"], -len(s["shows"])))
    return scored[:top]


def candidate_buttons(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The elements a person could press to go on, each with its marker: the ones whose markers say
    "go on without setting anything up" (skip, later, not now, cancel, back) first, then the primary."""
    out = []
    for element in elements:
        if element.get("role") not in ("button", "link") and element.get("type") not in ("submit", "button"):
            continue
        marker = element_marker(element)
        if marker is None:
            continue
        words = " ".join(str(v) for v in (marker, element.get("data-report-event") or ""))
        rank = 0 if GO_ON_WORDS.search(words.replace("Nudge", "")) else (1 if element.get("primary") else 2)
        out.append({"marker": marker, "role": element.get("role"), "label": element.get("label"), "rank": rank})
    out.sort(key=lambda c: c["rank"])
    for candidate in out:
        del candidate["rank"]
    return out


def proposed_row(f: Facts, buttons: list[dict[str, Any]]) -> StateRow | None:
    """A row for this page, clicking the likeliest button; None when the page has nothing of its
    own to be recognized by (no PageID, no error code, no button with a marker): a row matching its
    host alone would match every page there."""
    page_id = f.page_id or f.pgid
    if not (page_id or buttons or f.error_code not in (None, *HARMLESS_CODES)):
        return None
    return row_for(f, buttons[0]["marker"] if buttons else None, f"{f.title!r} at {f.host}", row_name(f),
                   fail_with={"category": "action_required", "message": "Sign in once by hand to answer this page."})


def new_markers(f: Facts, elements: list[dict[str, Any]], like: list[PageState]) -> list[str]:
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
