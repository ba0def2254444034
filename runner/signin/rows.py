"""A states file's rows as page states, and what a page card says about a page no row knows.

A row from a states file (runner/spec/states.py reads it into core.model.StateRow) becomes a
PageState like the built-in ones, checked before them: it recognizes a page by `match` and clicks
one marker or fails. The same vocabulary describes an unknown page: which rows it resembles (the
markers it shows and lacks), the markers only it shows, and a proposed row ready to paste.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.model import StateRow
from .actions import PageState, SignIn, fail
from .match import Match, marker_shown
from .page import WATCHED_KEYS, Facts

# error codes every sign-in page carries without an error (50058: not signed in yet)
HARMLESS_CODES = ("", "0", "50058")
# words of ids and data-* values of buttons that go on without setting anything up: the likeliest
# answer of a person who only wants to sign in ("Not now", "Skip", "Ask later", "Cancel", "Back")
GO_ON_WORDS = re.compile(r"(skip|later|not_?now|notnow|cancel|back|dismiss|decline|close|no\b|continue)", re.I)


def from_row(row: StateRow) -> PageState:
    """The page state of a states file's row."""
    if row.click is not None:
        marker = row.click

        async def act(si: SignIn, f: Facts) -> None:
            if si.once(f"row:{row.name}:{f.url}"):  # once per page: a click that does not move on is page_changed
                await si.click(marker)
    else:
        assert row.fail is not None
        act = fail(row.fail["category"], row.fail.get("message") or row.name)
    return PageState(row.name, row.description or f"from {row.where}", Match.of_row(row.match), act, row.where)


def watched_markers(rows: list[StateRow]) -> tuple[str, ...]:
    """The markers the probe must look for so that these rows can match and click."""
    found: list[str] = []
    for row in rows:
        for marker in [*(row.match.get("shows") or ()), *([row.click] if row.click else [])]:
            if marker not in found and marker not in WATCHED_KEYS:
                found.append(marker)
    return tuple(found)


def row_name(f: Facts, prefix: str = "", taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A new row's name: its page's PageID in snake case (ConvergedTermsOfUse: converged_terms_of_use),
    else its host's; after `prefix`, and numbered where `taken` has it already."""
    page_id = f.page_id or f.pgid
    base = re.sub(r"(?<!^)(?=[A-Z])", "_", page_id) if page_id else f.host
    base = prefix + (re.sub(r"[^a-z0-9_]+", "_", base.lower()).strip("_") or "new_page")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def row_for(f: Facts, click: str | None, description: str, name: str, fail_with: dict[str, str] | None = None
            ) -> StateRow:
    """The one way a row is made from a page (teach mode's taught row, a page card's proposal): it
    matches the page by its PageID, its host, an error code other than the harmless ones, and the
    marker it clicks; it clicks that marker, or fails (`fail_with`) when there is none to click."""
    page_id = f.page_id or f.pgid
    match: dict[str, Any] = {"page_id": page_id} if page_id else {}
    match["host"] = f.host
    if f.error_code not in (None, *HARMLESS_CODES):
        match["error_code"] = f.error_code
    if click is not None:
        match["shows"] = [click]
    return StateRow(name=name, match=match, click=click, fail=None if click is not None else fail_with,
                    description=description)


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


def element_marker(element: dict[str, Any]) -> str | None:
    """The marker a states file would use for an element of a page card: its id, else its name,
    else a data-* attribute that names it (data-report-event values are stable, language-independent
    names of Microsoft's buttons), else None."""
    if element.get("id") and re.fullmatch(r"[A-Za-z_][\w:.-]*", element["id"]):
        return element["id"]
    if element.get("name") and re.fullmatch(r"[A-Za-z_][\w:.-]*", element["name"]):
        return element["name"]
    for key in ("data-report-event", "data-testid", *sorted(element.get("data") or {})):
        value = (element.get("data") or {}).get(key) or element.get(key)
        if value and '"' not in value and "]" not in value:
            return f'[{key}="{value}"]'
    return None


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
