"""doc-check, matching: each `doc:` quote of a flow against the article's text, and the
article's steps no quote covers.

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
from typing import TYPE_CHECKING

from .read import Document, split_sentences

if TYPE_CHECKING:
    from ...core.model import Flow, Step

THRESHOLD = 95.0
CHANGED_FLOOR = 60.0
MAX_JOIN = 4
OUTSIDE = "not a step"
PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
                       "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
                       "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
                       "\u00a0": " ", "\u200b": "", "\u00ad": ""})


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).translate(PLAIN).split()).casefold()



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

