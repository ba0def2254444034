"""A states file's rows as page states, and the one way a new row is made from a page.

A row from a states file (runner/spec/states.py reads it into core.model.StateRow) becomes a
PageState like the built-in ones, checked before them: it recognizes a page by `match` (match.py)
and clicks one marker or fails. Teach mode (teach.py) and a page card's proposal (proposal.py)
make new rows with row_for, naming the page's elements by element_marker.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.model import StateRow
from .actions import PageState, SignIn, fail
from .interrupts import answered_by_row
from .match import Match
from .page import WATCHED_KEYS, Facts
from .states import recognize

# error codes every sign-in page carries without an error (50058: not signed in yet)
HARMLESS_CODES = ("", "0", "50058")


def from_row(row: StateRow) -> PageState:
    """The page state of a states file's row."""
    if row.click is not None:
        marker = row.click

        async def act(si: SignIn, f: Facts) -> None:
            if si.once(f"row:{row.name}:{f.url}"):  # once per page: a click that does not move on is page_changed
                answered_by_row(si, builtin_name(f), row.name, row.where, f"click {marker}")
                await si.click(marker)
    else:
        assert row.fail is not None
        failing = fail(row.fail["category"], row.fail.get("message") or row.name)

        async def act(si: SignIn, f: Facts) -> None:
            answered_by_row(si, builtin_name(f), row.name, row.where, f"fail {row.fail['category']}")
            await failing(si, f)
    return PageState(row.name, row.description or f"from {row.where}", Match.of_row(row.match), act, row.where)


def builtin_name(f: Facts) -> str | None:
    """The built-in row that would have answered this page, had no states file's row come first."""
    state = recognize(f)
    return state.name if state is not None else None


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
