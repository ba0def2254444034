"""How a page state recognizes its page: one test, written once, whose markers follow from it.

A states file's `match` (page_id, host, error_code, shows: all of) is this test's vocabulary, and
the built-in table (states.py) writes its rows in the same one, with a few words only it needs:
`any_of` (at least one holds), `not_shown` (none holds), `login_host` (on a sign-in host or off
them) and `after_credentials` (the sign-in has already given the password or a second factor).
A row's markers, which a page card compares an unknown page with, are what its test looks for.

Markers are one notation everywhere: an element key the probe watches (page.py: an id, a name, a
data-* selector), `PageID:X`, `sErrorCode:N`, `host:H`, `form:hiddenform`, and, for the built-in
rows only, `words:NAME` (the visible words of words.py, the documented exception to "never text").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .words import WORD_MARKERS, says

if TYPE_CHECKING:
    from .page import Facts

KINDS = ("PageID", "sErrorCode", "host", "form", "words")  # the markers that are not element keys


def marker_shown(marker: str, f: Facts) -> bool:
    """Whether the page shows a marker (in the notation above)."""
    kind, _, value = marker.partition(":")
    if kind == "PageID" and value:
        return f.is_page(value)
    if kind == "sErrorCode" and value:
        return f.error_code == value
    if kind == "host" and value:
        return f.host == value
    if marker == "form:hiddenform":
        return f.hidden_form
    if kind == "words" and value in WORD_MARKERS:
        return says(f, value)
    return marker in f.visible


@dataclass(frozen=True)
class Match:
    """A page test. `page_id` lists the PageIDs the page may have (None: a page without one); the
    marker lists are in marker notation; every field given must hold."""

    page_id: tuple[str | None, ...] = ()
    host: str | None = None
    error_code: str | None = None
    shows: tuple[str, ...] = ()  # every one shown (the states file's `shows`)
    any_of: tuple[str, ...] = ()  # at least one shown
    not_shown: tuple[str, ...] = ()  # none shown
    login_host: bool | None = None  # True: on a sign-in host (page.LOGIN_HOSTS); False: anywhere else
    after_credentials: bool = False  # only once the sign-in has given the password or a second factor

    @classmethod
    def of_row(cls, match: dict[str, Any]) -> Match:
        """A states file's `match` mapping (runner/spec/states.py has checked it)."""
        return cls(page_id=(str(match["page_id"]),) if match.get("page_id") else (),
                   host=str(match["host"]).lower() if match.get("host") else None,
                   error_code=str(match["error_code"]) if match.get("error_code") else None,
                   shows=tuple(str(m) for m in match.get("shows") or ()))

    def test(self, f: Facts) -> bool:
        if self.page_id and not any(f.page_id is None if p is None else f.is_page(p) for p in self.page_id):
            return False
        if self.host is not None and f.host != self.host:
            return False
        if self.error_code is not None and f.error_code != self.error_code:
            return False
        if self.login_host is not None and f.on_login_host != self.login_host:
            return False
        if self.after_credentials and not f.after_credentials:
            return False
        return (all(marker_shown(m, f) for m in self.shows)
                and (not self.any_of or any(marker_shown(m, f) for m in self.any_of))
                and not any(marker_shown(m, f) for m in self.not_shown))

    @property
    def markers(self) -> tuple[str, ...]:
        """What a page of this test shows: its PageIDs, host, error code and the markers it looks
        for (never those it must not show)."""
        out = [f"PageID:{p}" for p in self.page_id if p]
        out += [f"host:{self.host}"] if self.host else []
        out += [f"sErrorCode:{self.error_code}"] if self.error_code else []
        return tuple(dict.fromkeys([*out, *self.shows, *self.any_of]))
