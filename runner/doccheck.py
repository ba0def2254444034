"""`m365-replay doc-check`: does each flow still quote the article it replays?

A flow passes as long as Microsoft's pages behave; it cannot notice that Microsoft rewrote the
procedure. This module fetches a flow's `source:` article, extracts its numbered steps, and matches
every step's `doc:` quote against them, so that the nightly check fails on the article changing too.

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

How quotes are matched (the rules README "Nightly QA" documents):
- text is compared after Unicode NFKC, typographic quotes and dashes made plain, white space
  collapsed and case folded; the score is rapidfuzz's ratio (0-100) against every sentence, every
  segment and every whole step of the document, the best one wins;
- `same` at or above the threshold (95: a typo fix passes, "Office.com" becoming
  "Microsoft365.com" does not), `changed` from 60 (the closest sentence and a word-level diff are
  shown), `missing` below that;
- a `doc:` that does not end a sentence (no . ! ? : ; at its end) and is not `same` on its own is
  read together with the `doc:` of the next documented steps (sub-flow steps included, in the order
  they run), up to the one that ends the sentence and four quotes at most, when together they score
  higher: "Sign in with their work or school account," + "and click the OneDrive or SharePoint
  tile." quote one sentence, and both are `same`; a quote that ends a sentence is never joined;
- a quote of the text outside the steps (the introduction) is checked like any other (`same` with
  "not a step" as its place) but covers no step;
- every segment of a step that no `same` or `changed` quote covers is `new`: a step the flow does
  not replay, or a sentence added to one;
- steps without `doc:` are not checked.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from . import __version__
from .errors import UsageError

if TYPE_CHECKING:
    from bs4 import Tag

    from .flow import Flow, Step

THRESHOLD = 95.0
CHANGED_FLOOR = 60.0
MAX_JOIN = 4
FETCH_TIMEOUT = (10, 30)  # connect, read (seconds)
MAX_BYTES = 5_000_000
OUTSIDE = "not a step"
DROPPED = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg",
           "[role=navigation]", "[role=banner]", "[role=contentinfo]")
BODIES = ("article.ocpArticleContent", "#supArticleContent", "main", "[role=main]", "article", "body")
BLOCKS = {"p", "div", "li", "ol", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "td", "th", "table",
          "section", "blockquote", "dd", "dt", "dl", "pre", "figure", "figcaption"}
TEXT_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dd", "dt", "blockquote", "pre")
LOCALE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
# support.microsoft.com paths start with the locale (/en-us/office/...); bare languages whose usual
# region is not the language itself (ja -> ja-jp), for `--locale ja`
DEFAULT_REGION = {"en": "us", "ja": "jp", "zh": "cn", "ko": "kr", "sv": "se", "da": "dk", "cs": "cz", "el": "gr",
                  "he": "il", "uk": "ua", "nb": "no", "sl": "si", "et": "ee", "ar": "sa", "hi": "in", "vi": "vn",
                  "sr": "latn-rs", "ca": "es", "eu": "es", "gl": "es", "kk": "kz", "ms": "my", "fa": "ir"}
PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
                       "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
                       "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
                       "\u00a0": " ", "\u200b": "", "\u00ad": ""})
SENTENCE_END = re.compile(r"(?<=[.!?\u3002\u061f])\s+")


class DocCheckError(Exception):
    """The document could not be read (network, HTTP error, not a document): no verdict."""


# ------------------------------------------------------------------------------------- documents
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


def normalize_locale(value: str) -> str:
    """`tr`, `tr-TR` or `tr_tr` -> `tr-tr` (support.microsoft.com's spelling); UsageError otherwise."""
    text = value.strip().replace("_", "-").lower()
    if not LOCALE_RE.match(text):
        raise UsageError(f"--locale {value!r}: write a locale such as en-US or tr-TR (or a language: tr)")
    if "-" not in text:
        text = f"{text}-{DEFAULT_REGION.get(text, text)}"
    return text


def localized_url(url: str, locale: str | None) -> str:
    """The article's address in `locale`: the first path segment is the locale on support.microsoft.com
    (`/tr-tr/office/...`); it is replaced where present, inserted on Microsoft's support and learn
    sites, and any other address is left as it is (the request's Accept-Language still asks)."""
    if not locale:
        return url
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if len(segments) > 1 and LOCALE_RE.match(segments[1].lower()) and "-" in segments[1]:
        segments[1] = locale
    elif parts.hostname in ("support.microsoft.com", "support.office.com", "learn.microsoft.com"):
        segments.insert(1, locale)
    else:
        return url
    return urlunsplit(parts._replace(path="/".join(segments)))


def accept_language(locale: str | None) -> str:
    if not locale:
        return "en-US,en;q=0.8"
    language = locale.split("-")[0]
    return f"{locale},{language};q=0.9,en;q=0.5"


def fetch(url: str, locale: str | None) -> tuple[str, str, bytes]:
    """GET the article (redirects followed, proxies from the environment): (final URL, type, body)."""
    import requests

    headers = {"User-Agent": f"m365-replay/{__version__} doc-check", "Accept-Language": accept_language(locale),
               "Accept": "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8,*/*;q=0.5"}
    try:
        with requests.get(url, headers=headers, timeout=FETCH_TIMEOUT, stream=True) as response:
            if response.status_code in (404, 410):
                raise DocCheckError(f"the article is gone: HTTP {response.status_code} at {response.url}")
            if response.status_code >= 400:
                raise DocCheckError(f"HTTP {response.status_code} {response.reason} at {response.url}")
            body = response.raw.read(MAX_BYTES + 1, decode_content=True)
            if len(body) > MAX_BYTES:
                raise DocCheckError(f"{response.url} is larger than {MAX_BYTES // 1_000_000} MB: not an article")
            return response.url, response.headers.get("Content-Type", ""), body
    except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL):
        raise DocCheckError(f"{url!r} is not an http(s) address; `source:` is the article's URL") from None
    except requests.RequestException as exc:
        raise DocCheckError(f"could not fetch {url}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    """The cause in a few words (requests' messages nest the whole connection pool's repr)."""
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\] ([^'\")]+)|(Read timed out|Connection refused|Name or service not known)",
                      text)
    return (found.group(1) or found.group(2)) if found else type(exc).__name__


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


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).translate(PLAIN).split()).casefold()


# ------------------------------------------------------------------------------------- matching
@dataclass
class Candidate:
    text: str
    where: str  # a step's label, or OUTSIDE
    step: int | None  # index in Document.steps
    segments: tuple[int, ...]  # which of the step's segments it covers
    original: bool = False  # the English original beside a translation
    norm: str = ""


def candidates(doc: Document) -> list[Candidate]:
    """Every text a quote may be: each segment (translation and original), each of its sentences,
    each whole step; the steps first, so a tie goes to a step."""
    out: list[Candidate] = []

    def add(text: str | None, where: str, step: int | None, segments: tuple[int, ...], original: bool) -> None:
        if not text:
            return
        out.append(Candidate(text, where, step, segments, original, normalize(text)))
        sentences = split_sentences(text)
        if len(sentences) > 1:
            out.extend(Candidate(s, where, step, segments, original, normalize(s)) for s in sentences)

    for index, step in enumerate(doc.steps):
        for number, segment in enumerate(step.segments):
            add(segment.text, step.label, index, (number,), False)
            add(segment.original, step.label, index, (number,), True)
        if len(step.segments) > 1:
            every = tuple(range(len(step.segments)))
            out.append(Candidate(step.text, step.label, index, every, False, normalize(step.text)))
            if all(s.original for s in step.segments):
                joined = " ".join(s.original or "" for s in step.segments)
                out.append(Candidate(joined, step.label, index, every, True, normalize(joined)))
    for segment in doc.outside:
        add(segment.text, OUTSIDE, None, (), False)
        add(segment.original, OUTSIDE, None, (), True)
    return out


@dataclass
class Quote:
    """One `doc:` of the flow, in the wording chosen for the checked locale."""

    step: Step
    text: str
    locale: str | None  # the key of `doc: {...}` it came from; None for a single string

    @property
    def where(self) -> str:
        return f"{self.step.file}:{self.step.line}"


@dataclass
class Verdict:
    verdict: str  # same | changed | missing
    quotes: list[Quote]
    score: float
    match: Candidate | None

    @property
    def text(self) -> str:
        return " ".join(q.text for q in self.quotes)

    def diff(self) -> str:
        return word_diff(self.text, self.match.text) if self.match is not None else ""


@dataclass
class NewText:
    where: str
    text: str
    whole_step: bool


@dataclass
class FlowCheck:
    flow: Flow
    url: str | None  # the address asked for
    locale: str | None
    threshold: float
    verdicts: list[Verdict] = field(default_factory=list)
    new: list[NewText] = field(default_factory=list)
    document: Document | None = None
    error: str | None = None
    checked_at: str = ""

    @property
    def counts(self) -> dict[str, int]:
        counts = {"same": 0, "changed": 0, "missing": 0, "new": len(self.new)}
        for verdict in self.verdicts:
            counts[verdict.verdict] += len(verdict.quotes)
        return counts

    @property
    def result(self) -> str:
        """`same` (no drift), `drift`, or `error` (the article could not be read: no verdict)."""
        if self.error is not None:
            return "error"
        counts = self.counts
        return "drift" if counts["changed"] or counts["missing"] or counts["new"] else "same"

    def drift_lines(self) -> list[str]:
        """One line per finding that is not `same`, for a notification or report.json."""
        lines = []
        for v in self.verdicts:
            steps = " + ".join(repr(q.step.name) for q in v.quotes)
            if v.verdict == "changed" and v.match is not None:
                lines.append(f"changed: {steps}, article {v.match.where}: {v.diff()}")
            elif v.verdict == "missing":
                lines.append(f"missing: {steps}: {v.text!r}")
        lines += [f"new: {n.where}: {n.text!r}" for n in self.new]
        if self.error:
            lines.append(f"error: {self.error}")
        return lines


def pick_doc(step: Step, locale: str | None) -> tuple[str, str | None] | None:
    """The wording of `step` to look for in a document of `locale`: `doc: {tr-TR: ...}` or `{tr: ...}`
    for tr-tr, else the English (or only) one, which a machine-translated page carries too."""
    if step.docs:
        if locale:
            language = locale.split("-")[0]
            for key, text in step.docs.items():
                if key.lower() == locale:
                    return text, key
            for key, text in step.docs.items():
                if key.lower().split("-")[0] == language:
                    return text, key
        english = next((k for k in step.docs if k.lower().split("-")[0] == "en"), next(iter(step.docs)))
        return step.docs[english], english
    return (step.doc, None) if step.doc else None


def documented_steps(flow: Flow) -> Iterator[Step]:
    """Steps in the order they run, sub-flow steps after their `use:` step."""
    for step in flow.steps:
        yield step
        if step.subflow is not None:
            yield from documented_steps(step.subflow)


def flow_quotes(flow: Flow, locale: str | None) -> list[Quote]:
    out = []
    for step in documented_steps(flow):
        picked = pick_doc(step, locale)
        if picked is not None:
            out.append(Quote(step, picked[0], picked[1]))
    return out


def compare(flow: Flow, doc: Document, threshold: float = THRESHOLD, locale: str | None = None) -> FlowCheck:
    """Verdicts for every `doc:` of `flow` and the document's steps that no quote covers."""
    from rapidfuzz import fuzz, process

    check = FlowCheck(flow, doc.url, locale, threshold, document=doc)
    cands = candidates(doc)
    choices = [c.norm for c in cands]

    def best(text: str) -> tuple[float, Candidate | None]:
        found = process.extractOne(normalize(text), choices, scorer=fuzz.ratio) if choices else None
        return (float(found[1]), cands[found[2]]) if found else (0.0, None)

    quotes = flow_quotes(flow, locale)
    i = 0
    while i < len(quotes):
        score, match = best(quotes[i].text)
        size = 1
        if score < threshold:  # a fragment continues in the next quote, up to the one that ends a sentence
            run = 1
            while run < MAX_JOIN and i + run < len(quotes) and is_fragment(quotes[i + run - 1].text):
                run += 1
            for length in range(2, run + 1):
                joined_score, joined_match = best(" ".join(q.text for q in quotes[i:i + length]))
                if joined_score > score:
                    score, match, size = joined_score, joined_match, length
                if joined_score >= threshold:
                    break
        verdict = "same" if score >= threshold else "changed" if score >= CHANGED_FLOOR else "missing"
        check.verdicts.append(Verdict(verdict, quotes[i:i + size], round(score, 1),
                                      match if verdict != "missing" or score > 0 else None))
        i += size
    covered: set[tuple[int, int]] = set()
    for verdict in check.verdicts:
        if verdict.verdict != "missing" and verdict.match is not None and verdict.match.step is not None:
            covered |= {(verdict.match.step, s) for s in verdict.match.segments}
    for index, step in enumerate(doc.steps):
        left = [seg for number, seg in enumerate(step.segments) if (index, number) not in covered]
        if left:
            check.new.append(NewText(step.label, " ".join(s.text for s in left), len(left) == len(step.segments)))
    return check


def is_fragment(text: str) -> bool:
    """A quote that does not end a sentence (no . ! ? : ; … at its end, closing quotes aside): the
    sentence goes on in the next step's `doc:`."""
    return not re.search(r"[.!?:;\u2026\u3002\u061f][\"')\]\u201d\u2019\u00bb]*$", text.strip())


def word_diff(flow_text: str, article_text: str) -> str:
    """git's --word-diff: `[-what the flow says-]{+what the article says now+}` inside the sentence."""
    old, new = flow_text.split(), article_text.split()
    matcher = difflib.SequenceMatcher(a=[normalize(w) for w in old], b=[normalize(w) for w in new], autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(" ".join(new[j1:j2]))
            continue
        if i2 > i1:
            out.append("[-" + " ".join(old[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(new[j1:j2]) + "+}")
    return " ".join(out)


# ------------------------------------------------------------------------------------- checking
def check_flow(flow: Flow, locale: str | None = None, offline: Path | None = None,
               threshold: float = THRESHOLD) -> FlowCheck:
    """Fetch (or read `offline`) the flow's article and compare; a document that cannot be read is
    `error`, never a verdict."""
    from .results import now_iso

    url = str(offline) if offline is not None else localized_url(flow.source or "", locale)
    check = FlowCheck(flow, url, locale, threshold, checked_at=now_iso())
    try:
        if offline is not None:
            try:
                body: bytes = offline.read_bytes()
            except OSError as exc:
                raise DocCheckError(f"cannot read {offline}: {exc.strerror or exc}") from None
            doc = read_document(body, str(offline), "")
        else:
            if not flow.source:
                raise DocCheckError("the flow has no `source:` (the article's URL) to check against")
            final, content_type, body = fetch(url, locale)
            doc = read_document(body, final, content_type)
    except DocCheckError as exc:
        check.error = str(exc)
        return check
    done = compare(flow, doc, threshold, locale)
    done.url, done.checked_at = url, check.checked_at
    if not doc.steps and not doc.outside:
        done.error = f"{doc.url} has no article text (a sign-in or consent page?)"
    return done


def check_to_dict(check: FlowCheck) -> dict[str, Any]:
    """One flow's entry of doc-check.json (and, shortened, of report.json's `doc_check`)."""
    doc = check.document
    return {
        "flow": check.flow.name,
        "flow_file": str(check.flow.path),
        "source": check.flow.source,
        "url": check.url,
        "fetched_url": doc.url if doc else None,
        "locale": check.locale,
        "document_locale": doc.locale if doc else None,
        "title": doc.title if doc else None,
        "checked_at": check.checked_at,
        "threshold": check.threshold,
        "result": check.result,
        "error": check.error,
        "counts": check.counts,
        "quotes": [{
            "verdict": v.verdict,
            "score": v.score,
            "doc": v.text,
            "steps": [q.step.name for q in v.quotes],
            "at": [q.where for q in v.quotes],
            "doc_locale": v.quotes[0].locale,
            "article": v.match.text if v.match and v.verdict != "missing" else None,
            "where": v.match.where if v.match and v.verdict != "missing" else None,
            "english_original": bool(v.match and v.match.original and v.verdict != "missing"),
            "diff": v.diff() if v.verdict == "changed" else None,
        } for v in check.verdicts],
        "new": [{"where": n.where, "text": n.text, "whole_step": n.whole_step} for n in check.new],
    }


def run_summary(check: FlowCheck) -> dict[str, Any]:
    """What `run --doc-check` records in report.json: when the wording was checked, and the answer."""
    return {"checked_at": check.checked_at, "url": check.url, "locale": check.locale, "result": check.result,
            "counts": check.counts, "threshold": check.threshold, "error": check.error,
            "drift": check.drift_lines()[:20]}


def table(check: FlowCheck) -> list[str]:
    """The terminal's view: one row per quote and per new text, diffs under the changed ones."""
    doc = check.document
    lines = [f"{check.flow.name} ({check.flow.path})",
             f"  article: {doc.url if doc else check.url}"
             + (f" [{doc.locale}]" if doc and doc.locale else "") + (f" \"{doc.title}\"" if doc and doc.title else "")]
    if check.locale and doc and doc.locale and doc.locale.split("-")[0] != check.locale.split("-")[0]:
        lines.append(f"  note: asked for {check.locale}, the site answered in {doc.locale}")
    if check.error:
        lines.append(f"  ERROR {check.error}")
        return lines
    rows = []
    for v in check.verdicts:
        step = " + ".join(q.step.name for q in v.quotes)
        where = (v.match.where + (" (English original)" if v.match.original else "")) \
            if v.match and v.verdict != "missing" else "-"
        rows.append((v.verdict, step, where, f"{v.score:.0f}", v))
    rows += [("new", "-", n.where, "", n) for n in check.new]
    if not rows:
        lines.append("  (no `doc:` quotes and no numbered steps)")
        return lines
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for verdict, step, where, score, item in rows:
        lines.append(f"  {verdict:<{widths[0]}}  {step:<{widths[1]}}  {where:<{widths[2]}}  {score:>{widths[3]}}"
                     .rstrip())
        if isinstance(item, NewText):
            lines.append(f"      article: {item.text}")
        elif item.verdict == "changed":
            lines.append(f"      flow:    {item.text}  ({', '.join(q.where for q in item.quotes)})")
            lines.append(f"      article: {item.match.text if item.match else ''}")
            lines.append(f"      diff:    {item.diff()}")
        elif item.verdict == "missing":
            lines.append(f"      flow:    {item.text}  ({', '.join(q.where for q in item.quotes)})")
    counts = check.counts
    lines.append(f"  {'no drift' if check.result == 'same' else 'DRIFT'}: {counts['same']} same, "
                 f"{counts['changed']} changed, {counts['missing']} missing, {counts['new']} new")
    return lines


# ------------------------------------------------------------------------------------- the command
def previous_results(out: Path) -> dict[str, str]:
    """flow file -> result of the doc-check.json about to be replaced (the previous check)."""
    import json

    try:
        data = json.loads(out.read_text(encoding="utf-8"))
        return {str(f["flow_file"]): str(f["result"]) for f in data.get("flows", []) if isinstance(f, dict)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def command(files: tuple[str, ...], locale: str | None, offline: Path | None, threshold: float, out: Path,
            notify: tuple[str, ...] = (), notify_on: str = "failure-or-change",
            report_url: str | None = None) -> int:
    """`m365-replay doc-check`: 0 no drift, 1 drift, 2 bad input or an article that could not be read."""
    import click

    from .catalog import resolve_flow
    from .flow import load_flow
    from .notify import check_urls, doc_check_message, send, should_send
    from .results import now_iso, write_json_atomic

    flows = [load_flow(resolve_flow(file)) for file in files]
    check_urls(notify)
    wanted = normalize_locale(locale) if locale else None
    checks = [check_flow(flow, wanted, offline, threshold) for flow in flows]
    for check in checks:
        for line in table(check):
            click.echo(line)
    before = previous_results(out)
    changes = [f"{c.flow.name}: {before[str(c.flow.path)]} → {c.result}" for c in checks
               if str(c.flow.path) in before and before[str(c.flow.path)] != c.result]
    data = {"checked_at": now_iso(), "locale": wanted, "threshold": threshold,
            "drift": any(c.result == "drift" for c in checks), "flows": [check_to_dict(c) for c in checks]}
    try:
        write_json_atomic(out, data)
        click.echo(f"Written: {out}")
    except OSError as exc:
        raise UsageError(f"Cannot write {out} ({exc.strerror or exc}); choose another --out") from None
    if notify:
        message = doc_check_message(checks, changes, out, report_url)
        if should_send(notify_on, message.failed, message.changed):
            for warning in send(notify, message):
                click.echo(f"warning: {warning}", err=True)
    if any(c.result == "drift" for c in checks):
        return 1
    return 2 if any(c.result == "error" for c in checks) else 0


def for_run(flow: Flow, locale: str | None) -> dict[str, Any]:
    """`run --doc-check`: the check's summary for report.json. The article is read in the run's
    --locale only when the flow quotes it in that language (`doc: {tr: ...}`); otherwise as its
    `source:` gives it, the language its single-string quotes are in."""
    wanted = normalize_locale(locale) if locale else None
    if wanted is not None:
        language = wanted.split("-")[0]
        quoted = {key.lower().split("-")[0] for step in documented_steps(flow) for key in (step.docs or {})}
        if language not in quoted:
            wanted = None
    return run_summary(check_flow(flow, wanted))


def run_line(summary: dict[str, Any]) -> str:
    """The one line `run --doc-check` prints before the accounts start."""
    if summary["error"]:
        return f"Doc check: could not check ({summary['error']}); the run goes on."
    counts = ", ".join(f"{n} {k}" for k, n in summary["counts"].items() if n)
    verdict = "no drift" if summary["result"] == "same" else "DRIFT (run `m365-replay doc-check` for the details)"
    return f"Doc check of {summary['url']}: {verdict}; {counts}."
