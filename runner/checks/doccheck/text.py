"""doc-check, text: what a reader sees of a block of the article, cut into the segments quotes match.

- inline elements are joined as written, blocks kept apart, white space collapsed;
- left out: nested lists when a step's own text is read (they are its sub-steps), notes inside a
  step (sections.py: a note is not the step), the label of a note, and the hidden English original
  of a machine translation (`span.sxs-lookup`) where the translation is shown;
- a machine-translated page pairs each translated segment (`<span data-ttu-id=X>`) with its English
  original (`<span data-stu-id=X>` inside `.sxs-lookup`): each segment keeps both; other text is
  cut into sentences;
- any DocFx markup left in a text is removed (docfx.scrub).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .docfx import scrub

if TYPE_CHECKING:
    from bs4 import Tag

BLOCKS = {"p", "div", "li", "ol", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "td", "th", "table",
          "section", "blockquote", "dd", "dt", "dl", "pre", "figure", "figcaption", "details", "summary"}
SENTENCE_END = re.compile(r"(?<=[.!?\u3002\u061f])\s+")


@dataclass
class Segment:
    text: str  # as the document shows it, in its locale
    original: str | None = None  # the English original beside a machine translation


def split_sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text.strip()) if s]


def plain_text(tag: Tag, skip_names: tuple[str, ...] = (), skip: frozenset[int] = frozenset(),
               hide_lookup: bool = True) -> str:
    """The text a reader sees of `tag`, without the elements named in `skip_names` and those whose
    id() is in `skip`."""
    from bs4 import NavigableString
    from bs4 import Tag as TagType

    parts: list[str] = []

    def walk(node: TagType) -> None:
        for child in node.children:
            if isinstance(child, TagType):
                if child.name in skip_names or id(child) in skip \
                        or (hide_lookup and "sxs-lookup" in (child.get("class") or [])):
                    continue
                if child.name in BLOCKS:
                    parts.append(" ")
                walk(child)
                if child.name in BLOCKS:
                    parts.append(" ")
            elif type(child) is NavigableString:  # not comments, CDATA, doctypes
                parts.append(str(child))

    walk(tag)
    return scrub(" ".join("".join(parts).split()))


def segments_of(block: Tag, skip_names: tuple[str, ...] = (), skip: frozenset[int] = frozenset()) -> list[Segment]:
    """A block's text: translated segments with their English originals where the page pairs them,
    else its sentences."""
    pairs = [span for span in block.find_all(attrs={"data-ttu-id": True})
             if not _under(span, block, skip_names, skip)]
    if pairs:
        out = []
        for span in pairs:
            original = block.find(attrs={"data-stu-id": span["data-ttu-id"]})
            text = plain_text(span, hide_lookup=False)
            if text:
                out.append(Segment(text, plain_text(original, hide_lookup=False) if original is not None else None))
        return out
    return [Segment(sentence) for sentence in split_sentences(plain_text(block, skip_names, skip))]


def _under(tag: Tag, block: Tag, names: tuple[str, ...], skip: frozenset[int]) -> bool:
    parent = tag.parent
    while parent is not None and parent is not block:
        if parent.name in names or id(parent) in skip:
            return True
        parent = parent.parent
    return False
