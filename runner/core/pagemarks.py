"""A page's marks in words, "PageID 'X', hpgid N, sErrorCode N": what a row of the sign-in's state
table (or of a states file) would recognize the page by. The sign-in says it when it gives up on a
page, teach mode when it asks the person, and a page card at its top: written once, here."""

from __future__ import annotations


def page_marks(page_id: str | None, error_code: str | None, pgid: str | None = None, hpgid: str | None = None
               ) -> str:
    """"PageID 'X'" (or "no PageID"), then $Config's pgid where it differs, hpgid and sErrorCode
    where the page has them."""
    marks = [f"PageID {page_id!r}" if page_id else "no PageID"]
    if pgid and pgid != page_id:
        marks.append(f"pgid {pgid!r}")
    if hpgid:
        marks.append(f"hpgid {hpgid}")
    if error_code:
        marks.append(f"sErrorCode {error_code}")
    return ", ".join(marks)
