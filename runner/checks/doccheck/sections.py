"""doc-check, the article's structure around its steps: which section a procedure is in, which list
items only point to another page, and which blocks are notes.

How it is decided (by structure, never by English words, so it holds in every language):
- **Section**: the nearest title before the list that encloses it: the `<summary>` of a `<details>`
  the list is in (Markdown's collapsible sections, and support.microsoft.com's newer pages), the
  `.ocpExpandoHeadTitleContainer` of a support.microsoft.com expando whose body holds the list, the
  tab (`[role=tab]`) of a Learn tab panel (`[role=tabpanel]`) holding it, or else the nearest
  heading (h2-h6) before it that is not inside some other collapsible section. The page's title
  (h1) names no section.
- **Pointer**: a list item (without sub-list) whose links all lead to another documentation page
  (a relative link, or support.microsoft.com, learn.microsoft.com, docs.microsoft.com,
  go.microsoft.com…) and carry at least as much text as the rest of the item: "For more
  information, see [Add your profile photo to Microsoft 365]." and its translations ("詳細について
  は、「[…]」を参照してください。") are pointers; "Go to the [Microsoft 365 admin center]" (an app)
  and "Add the users … using [Show people profiles …]" (mostly the step's own words) are steps.
- **Note**: Learn's `<div class="NOTE">` (TIP, IMPORTANT, CAUTION, WARNING; docfx.py makes the same
  from `> [!NOTE]`) and the older `<div class="alert …">`: their label ("Note", `.alert-title`) is
  left out, their text is text outside the steps even inside a step's item.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .docfx import ALERTS
from .text import plain_text

if TYPE_CHECKING:
    from bs4 import Tag

HEADINGS = ("h2", "h3", "h4", "h5", "h6")
NOTE_SELECTOR = ", ".join([f"div.{name}" for name in ALERTS] + ["div.alert"])
DOC_HOSTS = ("support.microsoft.com", "support.office.com", "learn.microsoft.com", "docs.microsoft.com",
             "go.microsoft.com", "technet.microsoft.com", "msdn.microsoft.com", "answers.microsoft.com")
WORD = re.compile(r"\w")


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class") or []
    return value if isinstance(value, list) else str(value).split()


def _is_title(tag: Tag) -> bool:
    return (tag.name in HEADINGS or tag.name == "summary" or tag.get("role") == "tab"
            or "ocpExpandoHeadTitleContainer" in _classes(tag))


def _container(tag: Tag) -> bool:
    """A part of the page that only some readers open: a collapsible section, a tab panel."""
    return tag.name == "details" or tag.get("role") == "tabpanel" or "ocpExpandoBody" in _classes(tag)


def section_of(block: Tag, root: Tag) -> str | None:
    """The name of the section `block` is in (see the module docstring), None without one."""
    around = {id(parent) for parent in block.parents}
    for title in block.find_all_previous(_is_title):
        if id(root) not in {id(parent) for parent in title.parents}:
            break  # before the article's body
        if not _encloses(title, block, around, root):
            continue
        text = plain_text(title)
        if text:
            return text
    return None


def _encloses(title: Tag, block: Tag, around: set[int], root: Tag) -> bool:
    """Whether `title` names a part of the page that holds `block`."""
    if title.name == "summary":
        return title.parent is not None and title.parent.name == "details" and id(title.parent) in around
    if title.get("role") == "tab":
        panel = root.find(id=str(title.get("aria-controls") or "")) if title.get("aria-controls") else None
        return panel is not None and id(panel) in around
    if title.name not in HEADINGS:  # an expando's title: its body is the head's next sibling (or inside it)
        head = title.find_parent(class_="ocpExpandoHead") or title
        body = head.find_next_sibling()
        return body is not None and id(body) in around
    return all(id(parent) in around for parent in title.parents if _container(parent))


def is_pointer(item: Tag) -> bool:
    """Whether a list item only points to another page (see the module docstring)."""
    if item.find(["ol", "ul"]) is not None:
        return False
    links = [a for a in item.find_all("a", href=True) if not _in_note(a, item)]
    if not links or not all(_other_page(str(a["href"])) for a in links):
        return False
    linked = sum(len(WORD.findall(a.get_text())) for a in links)
    total = len(WORD.findall(item.get_text()))
    return linked > 0 and linked >= total - linked


def _in_note(tag: Tag, item: Tag) -> bool:
    return any(is_note(parent) for parent in tag.parents if parent is not item)


def _other_page(href: str) -> bool:
    """A link to another documentation page (not an anchor on this one, not an app or a download)."""
    href = href.strip()
    if not href or href.startswith("#") or href.lower().startswith(("mailto:", "javascript:", "tel:")):
        return False
    parts = urlsplit(href)
    if not parts.scheme and not parts.netloc:
        return True  # relative: another page of the same docs site
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and any(host == d or host.endswith("." + d) for d in DOC_HOSTS)


def is_note(tag: Tag) -> bool:
    classes = _classes(tag)
    return tag.name == "div" and (any(name in classes for name in ALERTS) or "alert" in classes)


def note_label(note: Tag) -> Tag | None:
    """The label of a note ("Note", "Hinweis"): `.alert-title`, or Learn's first paragraph."""
    title = note.find(class_="alert-title")
    if title is not None:
        return title
    if any(name in _classes(note) for name in ALERTS):
        first = note.find(True, recursive=False)
        if first is not None and first.name == "p":
            return first
    return None
