"""doc-check, reading: an article (HTML or Markdown) into its procedures, their numbered steps, and
the text outside them.

What a flow's `source:` may point to, and how each is read (the selectors follow the public
structure of each site, see tests/data/doccheck/README.md):
- **support.microsoft.com**: the body is `article.ocpArticleContent` (else `#supArticleContent`);
  collapsible sections are `.ocpExpandoHead` (title `.ocpExpandoHeadTitleContainer`) followed by
  their `.ocpExpandoBody`, or `<details><summary>` on newer pages;
- **learn.microsoft.com** (the rendered page): the body is `main` (`#main`); the page's own parts
  inside it are dropped: `#article-header` (breadcrumbs, page actions and their popovers),
  `#article-metadata`, "In this article" (`nav.doc-outline`), the feedback sections, "Additional
  resources", hidden and visually hidden elements (not a tab's panel: every tab is read), buttons;
  notes are `div.NOTE` (TIP, IMPORTANT, CAUTION, WARNING) or the older `div.alert`; every moniker's
  variant (`div[data-moniker]`) is read;
- **Markdown** (the MicrosoftDocs repositories' source, raw on GitHub or saved): DocFx's extensions
  are understood first (docfx.py), then it is rendered to HTML and read like a page; the front
  matter gives the title, `ms.date` and `ms.contentlocale`;
- everywhere: scripts, styles, navigation, header, footer and asides are not the article, so a
  breadcrumb `<ol>` is never a procedure.

Procedures and steps: each top-level `<ol>` of the body (not inside a note) is a procedure, named by
its section (sections.py); a list in the same section that continues the previous one's numbering
(`start`) is the same procedure. Each item is a step ("step 4", numbered from the list's `start`),
lists inside an item are its sub-steps ("step 2.1"); an item that only points to another page is
not a step. Where several procedures share a section, "list 2" names the second one on
(`"If you have an Exchange Online mailbox", step 4`, `"If you have an Exchange Online mailbox", list 2,
step 1`); without sections, several lists are `list 1, step 1`, `list 2, step 1`, and one is `step 1`.
Every other paragraph, heading, bullet and note is text outside the steps (introduction, notes, pointers).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .docfx import alerts_to_divs, prepare_markdown
from .sections import NOTE_SELECTOR, is_note, is_pointer, note_label, section_of
from .text import Segment, plain_text, segments_of, split_sentences

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

__all__ = ["DocStep", "Document", "Segment", "not_an_article", "read_document", "split_sentences"]

DROPPED = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg",
           "[role=navigation]", "[role=banner]", "[role=contentinfo]",
           # learn.microsoft.com's page around the article (inside `main`)
           "#article-header", "#article-metadata", "#ms--content-header", ".doc-outline", ".page-metadata",
           ".feedback-section", "#site-user-feedback-footer", "#ms--additional-resources-mobile",
           "#ms--additional-resources", "#action-panel", "#ms--inline-notifications", "#user-feedback",
           "[hidden]:not([role=tabpanel])", ".visually-hidden", "button")  # a tab's panel is hidden until chosen
BODIES = ("article.ocpArticleContent", "#supArticleContent", "main", "[role=main]", "article", "body")
TEXT_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dd", "dt", "blockquote", "pre")
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass
class DocStep:
    label: str  # where it is: "step 2", "step 2.1", "list 2, step 1", '"If you have …", step 4'
    segments: list[Segment]
    section: str | None = None  # the section's name (sections.py), None without one
    procedure: int = 0  # index in Document.procedures

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)


@dataclass
class Document:
    url: str
    steps: list[DocStep]
    outside: list[Segment] = field(default_factory=list)  # introduction, notes, pointers: not steps
    locale: str | None = None
    title: str | None = None
    date: str | None = None  # the article's own date (ms.date), when it says
    procedures: list[str] = field(default_factory=list)  # each procedure's name ('"Section"', "list 2")
    headings: int = 0  # h1-h6 of the page (its title among them): an article has them, or numbered steps
    generator: str | None = None  # <meta name="generator">: m365-replay's own report says so


def not_an_article(doc: Document) -> str | None:
    """Why the document is no article to check against (None when it is one).

    An article has a title and sections, or a list of instructions; a plain "hello", a page of tables or
    a JSON file has neither, and would otherwise be reported as drift (every quote missing). A page with
    headings and no user steps is an article (MicrosoftDocs' 2024-07-17 version): its drift is real.
    m365-replay's report.html has both (the flow's name, a numbered timeline), yet is no article.
    """
    if (doc.generator or "").startswith("m365-replay"):
        return (f"not an article: {doc.url} is a report written by m365-replay, not the article the flow quotes; "
                "give the article's saved page or its Markdown")
    if not doc.steps and not doc.headings:
        return f"not an article: no headings or numbered steps found in {doc.url}"
    return None


def read_document(body: bytes | str, url: str, content_type: str = "") -> Document:
    """HTML or Markdown (by type, name or first character) into a Document."""
    text = body if isinstance(body, str) else None
    markdown = "markdown" in content_type or url.lower().split("?")[0].endswith((".md", ".markdown"))
    if not markdown and "html" not in content_type:
        head = (text if text is not None else body[:512].decode("utf-8", "replace"))  # type: ignore[union-attr]
        markdown = not head.lstrip("\ufeff \t\r\n").startswith("<")
    if markdown:
        if text is None:
            text = body.decode("utf-8-sig", "replace")  # type: ignore[union-attr]
        return _from_markdown(text, url)
    from bs4 import BeautifulSoup

    # the standard library's parser: forgiving of any page, nothing to compile; bytes go in as
    # fetched so that it finds the encoding (header, <meta charset>, or by detection)
    return _read(BeautifulSoup(body, "html.parser"), url)


def _from_markdown(text: str, url: str) -> Document:
    """The docs repositories' Markdown (YAML front matter, DocFx extensions, inline HTML) as HTML."""
    import yaml
    from bs4 import BeautifulSoup
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
    html = MarkdownIt("commonmark", {"html": True}).render(prepare_markdown(text))
    doc = _read(BeautifulSoup(f"<html><body>{html}</body></html>", "html.parser"), url)
    locale = front.get("ms.contentlocale") or front.get("ms.locale")
    doc.locale = str(locale).lower() if locale else doc.locale
    doc.title = str(front["title"]) if front.get("title") else doc.title
    doc.date = _iso_date(str(front["ms.date"])) if front.get("ms.date") else doc.date
    return doc


def _read(soup: BeautifulSoup, url: str) -> Document:
    html_tag = soup.find("html")
    lang = html_tag.get("lang") if html_tag is not None else None
    heading = soup.find("h1")
    title = plain_text(heading) if heading is not None else None
    if not title and soup.title is not None:
        title = soup.title.get_text(strip=True)
    date = _page_date(soup)
    generator = soup.find("meta", attrs={"name": "generator"})
    for selector in DROPPED:
        for tag in soup.select(selector):
            tag.decompose()
    alerts_to_divs(soup)
    root: Tag = next((found for selector in BODIES if (found := soup.select_one(selector)) is not None), soup)
    # the article's own headings, and its title wherever the page puts it (in a header, say)
    headings = [h for h in root.find_all(["h1", "h2", "h3", "h4", "h5", "h6"]) if plain_text(h)]
    doc = Document(url=url, steps=[], locale=str(lang).lower() if lang else None, title=title or None, date=date,
                   headings=len(headings) + (1 if heading is not None and title and heading not in headings else 0),
                   generator=str(generator.get("content") or "") if generator is not None else None)
    lists = [ol for ol in root.find_all("ol")
             if ol.find_parent("li") is None and not any(is_note(parent) for parent in ol.parents)]
    for index, (prefix, section, ols) in enumerate(_procedures(lists, root)):
        doc.procedures.append(prefix or "the numbered list")
        for ol in ols:
            _list_steps(ol, prefix, section, index, doc)
    inside = {id(tag) for ol in lists for tag in ol.find_all(True)} | {id(ol) for ol in lists}
    notes = [note for note in root.select(NOTE_SELECTOR) if not any(is_note(p) for p in note.parents)]
    in_notes = {id(tag) for note in notes for tag in note.find_all(True)}
    for note in notes:
        label = note_label(note)
        doc.outside += segments_of(note, skip=frozenset({id(label)}) if label is not None else frozenset())
    for block in root.find_all(TEXT_BLOCKS):
        if id(block) in inside or id(block) in in_notes or block.find(TEXT_BLOCKS) is not None:
            continue  # in a procedure or a note, or not a leaf block (its children are visited themselves)
        doc.outside += segments_of(block)
    return doc


def _procedures(lists: list[Tag], root: Tag) -> list[tuple[str, str | None, list[Tag]]]:
    """(label prefix, section, lists) per procedure: a list continuing the previous one's numbering in
    the same section is the same procedure."""
    groups: list[tuple[str | None, list[Tag]]] = []
    next_number = 0
    for ol in lists:
        section = section_of(ol, root)
        first = _start(ol)
        if groups and groups[-1][0] == section and first > 1 and first == next_number:
            groups[-1][1].append(ol)
        else:
            groups.append((section, [ol]))
        next_number = first + len(ol.find_all("li", recursive=False))
    per_section = Counter(section for section, _ in groups)
    seen: Counter[str | None] = Counter()
    out = []
    for section, ols in groups:
        seen[section] += 1
        parts = [f'"{section}"'] if section else []
        if per_section[section] > 1 and (seen[section] > 1 or not section):  # a section's first list is the section
            parts.append(f"list {seen[section]}")
        out.append((", ".join(parts), section, ols))
    return out


def _start(ol: Tag) -> int:
    try:
        return int(str(ol.get("start") or 1))
    except ValueError:
        return 1


def _list_steps(ol: Tag, prefix: str, section: str | None, procedure: int, doc: Document) -> None:
    for offset, li in enumerate(ol.find_all("li", recursive=False)):
        label = f"{prefix}, step {_start(ol) + offset}" if prefix else f"step {_start(ol) + offset}"
        _add_step(li, label, section, procedure, doc)
        for sub in li.find_all(["ol", "ul"]):
            if sub.find_parent("li") is li and not any(is_note(p) for p in sub.parents if p is not li):
                for index, item in enumerate(sub.find_all("li", recursive=False), start=1):
                    _add_step(item, f"{label}.{index}", section, procedure, doc)


def _add_step(item: Tag, label: str, section: str | None, procedure: int, doc: Document) -> None:
    """One list item: a step, or (a pointer to another page) text outside the steps."""
    if is_pointer(item):
        doc.outside += segments_of(item)
        return
    notes = frozenset(id(note) for note in item.select(NOTE_SELECTOR))
    segments = segments_of(item, ("ol", "ul"), notes)
    if segments:
        doc.steps.append(DocStep(label, segments, section, procedure))


def _page_date(soup: BeautifulSoup) -> str | None:
    """The article's date as Learn's page gives it (`<meta name="ms.date">`, else its date element)."""
    meta = soup.find("meta", attrs={"name": "ms.date"})
    if meta is not None and meta.get("content"):
        return _iso_date(str(meta["content"]))
    dated = soup.find(attrs={"data-article-date": True}) or soup.find("local-time", attrs={"datetime": True})
    if dated is not None and dated.get("datetime"):
        return _iso_date(str(dated["datetime"]))
    return None


def _iso_date(value: str) -> str:
    """`03/31/2022` (the Markdown's ms.date) or `2022-03-31T00:00:00Z` as 2022-03-31."""
    found = US_DATE.match(value.strip())
    if found:
        return f"{found.group(3)}-{int(found.group(1)):02d}-{int(found.group(2)):02d}"
    return value.strip()[:10]
