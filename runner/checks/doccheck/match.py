"""doc-check, matching: each `doc:` quote of a flow against the article's text, and the
article's steps no quote covers.

How quotes are matched (the rules docs/doc-check.md documents):
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
- a procedure (read.py: a numbered list, named by its section) is the flow's when at least one quote
  is `same` or `changed` in one of its steps; where a quote's sentence is word for word in several
  procedures (the first steps of two alternatives), it goes to the procedure most of the other quotes
  are in;
- every segment of a step of the flow's procedures that no `same` or `changed` quote covers is `new`:
  a step the flow does not replay, or a sentence added to one; the steps of the article's other
  procedures are not this flow's: `--all-steps` lists them as context, never as drift;
- steps without `doc:` are not checked.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
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
    section: str | None = None  # the step's section
    procedure: int | None = None  # the step's procedure (index in Document.procedures)


def candidates(doc: Document) -> list[Candidate]:
    """Every text a quote may be: each segment (translation and original), each of its sentences,
    each whole step; the steps first, so a tie goes to a step."""
    out: list[Candidate] = []

    def add(text: str | None, step: int | None, segments: tuple[int, ...], original: bool, split: bool = True) -> None:
        if not text:
            return
        where, section, procedure = OUTSIDE, None, None
        if step is not None:
            where, section, procedure = doc.steps[step].label, doc.steps[step].section, doc.steps[step].procedure
        texts = [text] + (sentences if split and len(sentences := split_sentences(text)) > 1 else [])
        out.extend(Candidate(t, where, step, segments, original, normalize(t), section, procedure) for t in texts)

    for index, step in enumerate(doc.steps):
        for number, segment in enumerate(step.segments):
            add(segment.text, index, (number,), False)
            add(segment.original, index, (number,), True)
        if len(step.segments) > 1:
            every = tuple(range(len(step.segments)))
            add(step.text, index, every, False, split=False)
            if all(s.original for s in step.segments):
                add(" ".join(s.original or "" for s in step.segments), index, every, True, split=False)
    for segment in doc.outside:
        add(segment.text, None, (), False)
        add(segment.original, None, (), True)
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
    ties: list[Candidate] = field(default_factory=list)  # every candidate with the best score (match among them)

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
    section: str | None = None
    procedure: int | None = None  # index in Document.procedures


@dataclass
class FlowCheck:
    flow: Flow
    url: str | None  # the address asked for
    locale: str | None
    threshold: float
    verdicts: list[Verdict] = field(default_factory=list)
    new: list[NewText] = field(default_factory=list)
    # the steps of the article's procedures the flow does not replay (context, never drift)
    others: list[NewText] = field(default_factory=list)
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
    """Verdicts for every `doc:` of `flow`, the steps of its procedures that no quote covers, and the
    steps of the article's other procedures."""
    from rapidfuzz import fuzz, process

    check = FlowCheck(flow, doc.url, locale, threshold, document=doc)
    cands = candidates(doc)
    choices = [c.norm for c in cands]

    def best(text: str) -> tuple[float, list[Candidate]]:
        """The best score and every candidate that has it (the first is the first in the article)."""
        query = normalize(text)
        found = process.extractOne(query, choices, scorer=fuzz.ratio) if choices else None
        if not found or found[1] <= 0:
            return (float(found[1]) if found else 0.0), ([cands[found[2]]] if found else [])
        tied = {found[2]} | {index for _, _, index in process.extract(query, choices, scorer=fuzz.ratio, limit=None,
                                                                      score_cutoff=found[1] - 1e-6)}
        return float(found[1]), [cands[index] for index in sorted(tied)]

    quotes = flow_quotes(flow, locale)
    i = 0
    while i < len(quotes):
        score, matches = best(quotes[i].text)
        size = 1
        if score < threshold:  # a fragment continues in the next quote, up to the one that ends a sentence
            run = 1
            while run < MAX_JOIN and i + run < len(quotes) and is_fragment(quotes[i + run - 1].text):
                run += 1
            for length in range(2, run + 1):
                joined_score, joined_matches = best(" ".join(q.text for q in quotes[i:i + length]))
                if joined_score > score:
                    score, matches, size = joined_score, joined_matches, length
                if joined_score >= threshold:
                    break
        verdict = "same" if score >= threshold else "changed" if score >= CHANGED_FLOOR else "missing"
        match = matches[0] if matches and (verdict != "missing" or score > 0) else None
        check.verdicts.append(Verdict(verdict, quotes[i:i + size], round(score, 1), match, matches))
        i += size
    _settle_ties(check.verdicts)
    _uncovered(check, doc)
    return check


def _settle_ties(verdicts: list[Verdict]) -> None:
    """A quote whose sentence is word for word in several procedures goes to the one most other quotes
    matched (then to the first in the article): the flow replays one procedure, not a bit of each."""
    found = [v for v in verdicts if v.verdict != "missing" and v.match is not None]
    votes = Counter(v.match.procedure for v in found if v.match is not None and v.match.procedure is not None
                    and len({c.procedure for c in v.ties}) == 1)
    def weight(candidate: Candidate) -> int:
        return votes.get(candidate.procedure, 0) if candidate.procedure is not None else -1

    for verdict in found:
        if len({c.procedure for c in verdict.ties}) > 1:
            verdict.match = max(verdict.ties, key=weight)


def _uncovered(check: FlowCheck, doc: Document) -> None:
    """`new`: what no quote covers in the flow's procedures; `others`: the steps of the other ones."""
    covered: set[tuple[int, int]] = set()
    replayed: set[int] = set()
    for verdict in check.verdicts:
        if verdict.verdict != "missing" and verdict.match is not None and verdict.match.step is not None:
            covered |= {(verdict.match.step, s) for s in verdict.match.segments}
            replayed.add(doc.steps[verdict.match.step].procedure)
    for index, step in enumerate(doc.steps):
        if step.procedure not in replayed:
            check.others.append(NewText(step.label, step.text, True, step.section, step.procedure))
            continue
        left = [seg for number, seg in enumerate(step.segments) if (index, number) not in covered]
        if left:
            check.new.append(NewText(step.label, " ".join(s.text for s in left), len(left) == len(step.segments),
                                     step.section, step.procedure))


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

