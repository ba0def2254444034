"""doc-check, DocFx: the extensions Microsoft's docs add to Markdown, understood rather than read as prose.

MicrosoftDocs repositories (and so learn.microsoft.com) write articles in DocFx-flavoured Markdown
(Microsoft's docs-markdown reference, rendered by markdig): none of its markup is article text, and
none of it may reach a step, a verdict or a report. Before the Markdown is rendered:
- `:::image type="content" source="…" alt-text="…":::` (and `type="complex"` … `:::image-end:::`) is
  dropped: a screenshot's alt-text describes the picture, it is not the step (and goes stale: it may
  still name a setting the step has renamed);
- `:::moniker range="…":::` … `:::moniker-end:::` becomes `<div data-moniker="…">` and `:::zone
  pivot="…":::` … `:::zone-end:::` `<div class="zone" data-pivot="…">`, as Learn renders them;
- `:::no-loc text="X":::` is X; `:::row:::`, `:::column:::`, `:::code …:::` and any other `:::…:::`
  line are dropped; `[!INCLUDE [name](path)]` and `[!VIDEO …]` are dropped (an include is another file);
- the YAML front matter is metadata (title, ms.date, ms.contentlocale), read by read.py.
After rendering, `> [!NOTE]` (TIP, IMPORTANT, CAUTION, WARNING) becomes `<div class="NOTE">` and
`> [!div class="nextstepaction"]` `<div class="nextstepaction">`, the HTML Learn publishes for them, so
a Markdown source and the page are read the same way (read.py: a note is text outside the steps).
`scrub()` is the last line of defence: whatever markup is left in a text is removed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

ALERTS = ("NOTE", "TIP", "IMPORTANT", "CAUTION", "WARNING")
COMPLEX_IMAGE = re.compile(r':::image\s[^\n]*?type\s*=\s*"complex".*?:::image-end:::', re.DOTALL | re.IGNORECASE)
TRIPLE_COLON = re.compile(r":::\s*([a-z-]+)([^\n]*?):::", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([a-z-]+)\s*=\s*"([^"]*)"', re.IGNORECASE)
INCLUDE = re.compile(r"\[!(?:INCLUDE|include)\s*\[[^\]]*\]\([^)]*\)\]")
VIDEO = re.compile(r"\[!VIDEO\s+[^\]]*\]", re.IGNORECASE)
MARKER = re.compile(r"^\s*\[!(NOTE|TIP|IMPORTANT|CAUTION|WARNING)\]\s*|^\s*\[!div\s+([^\]]*)\]\s*", re.IGNORECASE)
LEFTOVER = re.compile(r":::[^:\n]*(?::(?!::)[^:\n]*)*:::|\[!(?:NOTE|TIP|IMPORTANT|CAUTION|WARNING)\]|\[!div[^\]]*\]"
                      r"|\[!INCLUDE\s*\[[^\]]*\]\([^)]*\)\]|\[!VIDEO\s+[^\]]*\]", re.IGNORECASE)


def prepare_markdown(text: str) -> str:
    """The article's Markdown with DocFx's extensions replaced by the HTML Learn renders (or by nothing)."""
    text = COMPLEX_IMAGE.sub("", text)
    text = INCLUDE.sub("", VIDEO.sub("", text))
    return TRIPLE_COLON.sub(_block, text)


def _block(found: re.Match[str]) -> str:
    name = found.group(1).lower()
    attributes = {key.lower(): value for key, value in ATTRIBUTE.findall(found.group(2))}
    if name == "moniker":
        return f'\n<div data-moniker="{_quote(attributes.get("range", ""))}">\n\n'
    if name == "zone":
        return f'\n<div class="zone" data-pivot="{_quote(attributes.get("pivot", ""))}">\n\n'
    if name in ("moniker-end", "zone-end"):
        return "\n\n</div>\n"
    if name == "no-loc":
        return attributes.get("text", "")
    return ""  # image, row, column, code, video…: not text


def _quote(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def alerts_to_divs(soup: BeautifulSoup) -> None:
    """`<blockquote><p>[!NOTE] …` (the Markdown rendered by CommonMark) into Learn's `<div class="NOTE">`,
    and `[!div class="x"]` into `<div class="x">`: the marker goes, the content stays."""
    from bs4 import NavigableString

    for quote in soup.find_all("blockquote"):
        first = quote.find(string=True)
        while first is not None and not str(first).strip():
            first = first.find_next(string=True)
        if first is None or quote not in first.parents:
            continue
        found = MARKER.match(str(first))
        if found is None:
            continue
        quote.name = "div"
        if found.group(1):
            quote["class"] = [found.group(1).upper()]
            label = soup.new_tag("p")  # Learn's label paragraph ("Note"), which read.py leaves out
            label.string = found.group(1).capitalize()
            quote.insert(0, label)
        else:
            classes = dict(ATTRIBUTE.findall(found.group(2) or "")).get("class", "")
            quote["class"] = classes.split() or ["div"]
        rest = str(first)[found.end():]
        holder = first.parent
        first.replace_with(NavigableString(rest))
        if holder is not None and holder is not quote and holder.name == "p" and not holder.get_text(strip=True) \
                and holder.find(True) is None:
            holder.decompose()


def scrub(text: str) -> str:
    """Text with any DocFx markup that reached it removed (a page that publishes it raw)."""
    if ":::" not in text and "[!" not in text:
        return text
    return " ".join(LEFTOVER.sub(" ", text).split())
