"""doc-check, reading: an article (HTML or Markdown) into its numbered steps and the text
outside them.

How a document is read (HTML as support.microsoft.com publishes it, or the Markdown source of the
localized docs repositories, which is rendered to HTML first so both take one path):
- the body is `article.ocpArticleContent` (support.microsoft.com), else `#supArticleContent`,
  `main`, `[role=main]`, `article`, else the whole page; navigation, header, footer, asides and
  scripts are dropped, so a breadcrumb `<ol>` is never a procedure;
- each item of a top-level `<ol>` of the body is a step (numbered from its `start`); lists inside
  an item are its sub-steps ("2.1"); every other paragraph, heading and bullet is text outside the
  steps (the article's introduction, notes);
- a machine-translated page carries the English original beside each translated segment
  (`<span data-ttu-id=X>` + `<span class="sxs-lookup"><span data-stu-id=X>`): each segment keeps
  both, and a quote may match either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bs4 import Tag

DROPPED = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg",
           "[role=navigation]", "[role=banner]", "[role=contentinfo]")
BODIES = ("article.ocpArticleContent", "#supArticleContent", "main", "[role=main]", "article", "body")
BLOCKS = {"p", "div", "li", "ol", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "td", "th", "table",
          "section", "blockquote", "dd", "dt", "dl", "pre", "figure", "figcaption"}
TEXT_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dd", "dt", "blockquote", "pre")
SENTENCE_END = re.compile(r"(?<=[.!?\u3002\u061f])\s+")


@dataclass
class Segment:
    text: str  # as the document shows it, in its locale
    original: str | None = None  # the English original beside a machine translation


@dataclass
class DocStep:
    label: str  # "step 2", "step 2.1", "list 2, step 1"
    segments: list[Segment]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)


@dataclass
class Document:
    url: str
    steps: list[DocStep]
    outside: list[Segment] = field(default_factory=list)  # introduction, notes: text outside the steps
    locale: str | None = None
    title: str | None = None



def read_document(body: bytes | str, url: str, content_type: str = "") -> Document:
    """HTML or Markdown (by type, name or first character) into a Document."""
    text = body if isinstance(body, str) else None
    markdown = "markdown" in content_type or url.lower().endswith((".md", ".markdown"))
    if not markdown and "html" not in content_type:
        head = (text if text is not None else body[:512].decode("utf-8", "replace"))  # type: ignore[union-attr]
        markdown = not head.lstrip("\ufeff \t\r\n").startswith("<")
    if markdown:
        if text is None:
            text = body.decode("utf-8-sig", "replace")  # type: ignore[union-attr]
        return _from_markdown(text, url)
    return _from_html(body, url)


def _from_markdown(text: str, url: str) -> Document:
    """The docs repositories' Markdown (YAML front matter, inline HTML spans) rendered to HTML."""
    import yaml
    from markdown_it import MarkdownIt

    front: dict[str, Any] = {}
    if text.startswith("---"):
        end = re.search(r"^---\s*$", text[3:], re.MULTILINE)
        if end:
            try:
                loaded = yaml.safe_load(text[3:3 + end.start()])
                front = loaded if isinstance(loaded, dict) else {}
            except yaml.YAMLError:
                front = {}
            text = text[3 + end.end():]
    html = MarkdownIt("commonmark", {"html": True}).render(text)
    doc = _from_html(f"<html><body>{html}</body></html>", url)
    locale = front.get("ms.contentlocale") or front.get("ms.locale")
    doc.locale = str(locale).lower() if locale else doc.locale
    doc.title = str(front["title"]) if front.get("title") else doc.title
    return doc


def _from_html(body: bytes | str, url: str) -> Document:
    """BeautifulSoup with the standard library's parser: forgiving of any page, nothing to compile;
    bytes go in as fetched so that it finds the encoding (header, <meta charset>, or by detection)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "html.parser")
    html_tag = soup.find("html")
    lang = html_tag.get("lang") if html_tag is not None else None
    heading = soup.find("h1")
    title = _text(heading, hide_lookup=True) if heading is not None else None
    if not title and soup.title is not None:
        title = soup.title.get_text(strip=True)
    for selector in DROPPED:
        for tag in soup.select(selector):
            tag.decompose()
    root: Tag = next((found for selector in BODIES if (found := soup.select_one(selector)) is not None), soup)
    lists = [ol for ol in root.find_all("ol") if ol.find_parent("li") is None]
    steps: list[DocStep] = []
    for number, ol in enumerate(lists, start=1):
        prefix = f"list {number}, step " if len(lists) > 1 else "step "
        steps += _list_steps(ol, prefix)
    inside = {id(tag) for ol in lists for tag in ol.find_all(True)} | {id(ol) for ol in lists}
    outside: list[Segment] = []
    for block in root.find_all(TEXT_BLOCKS):
        if id(block) in inside or block.find(TEXT_BLOCKS) is not None:
            continue  # in a procedure, or not a leaf block (its children are visited themselves)
        outside += _segments(block)
    return Document(url=url, steps=steps, outside=outside, locale=str(lang).lower() if lang else None,
                    title=title or None)


def _list_steps(ol: Tag, prefix: str) -> list[DocStep]:
    try:
        first = int(str(ol.get("start") or 1))
    except ValueError:
        first = 1
    out: list[DocStep] = []
    for offset, li in enumerate(ol.find_all("li", recursive=False)):
        label = f"{prefix}{first + offset}"
        segments = _segments(li, skip_lists=True)
        if segments:
            out.append(DocStep(label, segments))
        for sub in li.find_all(["ol", "ul"]):
            if sub.find_parent("li") is li:
                for index, item in enumerate(sub.find_all("li", recursive=False), start=1):
                    sub_segments = _segments(item, skip_lists=True)
                    if sub_segments:
                        out.append(DocStep(f"{label}.{index}", sub_segments))
    return out


def _segments(block: Tag, skip_lists: bool = False) -> list[Segment]:
    """A block's text: translated segments with their English originals where the page pairs them,
    else its sentences."""
    skip = ("ol", "ul") if skip_lists else ()
    pairs = [span for span in block.find_all(attrs={"data-ttu-id": True}) if not _under(span, block, skip)]
    if pairs:
        out = []
        for span in pairs:
            original = block.find(attrs={"data-stu-id": span["data-ttu-id"]})
            text = _text(span)
            if text:
                out.append(Segment(text, _text(original) if original is not None else None))
        return out
    return [Segment(sentence) for sentence in split_sentences(_text(block, skip, hide_lookup=True))]


def _under(tag: Tag, block: Tag, names: tuple[str, ...]) -> bool:
    parent = tag.parent
    while parent is not None and parent is not block:
        if parent.name in names:
            return True
        parent = parent.parent
    return False


def _text(tag: Tag, skip: tuple[str, ...] = (), hide_lookup: bool = False) -> str:
    """The text a reader sees: inline elements joined as written, blocks apart, nested lists
    (`skip`) and the hidden English originals of a translation (`hide_lookup`) left out."""
    from bs4 import NavigableString
    from bs4 import Tag as TagType

    parts: list[str] = []

    def walk(node: TagType) -> None:
        for child in node.children:
            if isinstance(child, TagType):
                if child.name in skip or (hide_lookup and "sxs-lookup" in (child.get("class") or [])):
                    continue
                if child.name in BLOCKS:
                    parts.append(" ")
                walk(child)
                if child.name in BLOCKS:
                    parts.append(" ")
            elif type(child) is NavigableString:  # not comments, CDATA, doctypes
                parts.append(str(child))

    walk(tag)
    return " ".join("".join(parts).split())


def split_sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text.strip()) if s]

