"""The flow edit a page card proposes when a step's locator found nothing, without a browser: the
page's elements ranked by how much each looks like what the step looked for (the same accessible
name or role, an id close to the old one, the same test id), the locator the best one would give,
and the edit at the step's file:line, written by the one YAML writer (runner/spec/yamlwrite.py).

Pure: it works on the elements run/pageread.py read, so it is tested without a browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.locators import LIST_KEYS, describe_locator, interpolate_locator
from ..core.locators import alternatives as locator_alternatives
from ..core.pagecard import Candidate, Element, FlowEdit, FlowProposal
from ..signin.rows import element_marker
from ..spec.steps import STEP_TYPES
from ..spec.yamlwrite import flow

if TYPE_CHECKING:
    from ..core.model import Step

COPY_DIR = "my-flows"  # where a proposed edit of a shipped flow suggests copying the flows to


def step_locator(step: Step) -> dict[str, Any] | None:
    return STEP_TYPES[step.command].locator_in(step.arg)  # where its declaration says the locator is


def waited_for(step: Step, text: Callable[[str], str]) -> str | None:
    """What a step that waits for an element waited for, in the flow's own words (the id, or the role
    and the names tried, `${var}` read); None for a step that waits for no element."""
    locator = step_locator(step)
    if locator is None:
        return None
    what = describe_locator(interpolate_locator(locator, text))
    state = step.arg.get("state") if step.command == "wait_for" else None
    if state and state != "visible":
        what += f" to be {state}"
    if step.command == "expect_text":
        what += f" to contain {text(step.arg['text'])!r}"
    return what


def propose_edit(step: Step, elements: list[Element], text: Callable[[str], str]) -> FlowProposal | None:
    """For a step whose locator found nothing: the elements a person would take for it, best first,
    and the flow edit that would use the best (`text`: the account's `${var}` interpolation); None
    for a step that looks for no element."""
    locator = step_locator(step)
    if locator is None:
        return None

    def own(loc: dict[str, Any]) -> dict[str, Any]:
        return interpolate_locator(loc, text)

    listed = next((key for key in LIST_KEYS if key in locator), None)  # any: or first_of:
    alternatives = [own(alt) for alt in locator_alternatives(locator)]
    candidates = rank_any(alternatives, elements)
    out = FlowProposal(describe_locator(own(locator) if listed is None else locator), candidates)
    if candidates:
        best = locator_for(candidates[0].element, alternatives[candidates[0].alternative])
        new = {listed: [*locator[listed], best]} if listed else best  # one more name for it, tried last
        command = step.command
        rest = {k: v for k, v in step.arg.items() if k != "locator"} if "locator" in step.arg else {}
        out.proposed_edit = where_to_edit(step.file, step.line, old=f"{command}: {flow({**locator, **rest})}",
                                          new=f"{command}: {flow({**new, **rest})}")
    return out


def where_to_edit(file: str, line: int, old: str, new: str) -> FlowEdit:
    """The edit of `old` into `new` where a person makes it: at the flow's own file:line, or, for a
    flow shipped with m365-replay (a file inside the installed package, replaced by the next
    upgrade), at the line in a copy that `m365-replay flows copy` makes, with the command."""
    from ..spec.catalog import shipped_dir

    base = shipped_dir()
    try:
        inside = Path(file).resolve().relative_to(base.resolve()) if base is not None else None
    except (OSError, ValueError):
        inside = None
    if inside is None:
        return FlowEdit(at=f"{file}:{line}", old=old, new=new)
    copy = Path(COPY_DIR) / inside
    return FlowEdit(at=f"{copy.as_posix()}:{line}", copy=f"m365-replay flows copy {COPY_DIR}",
                    shipped=f"{file}:{line}", run=f"m365-replay run {copy.as_posix()}", old=old, new=new)


def rank_any(alternatives: list[dict[str, Any]], elements: list[Element], top: int = 5) -> list[Candidate]:
    """rank_candidates over each alternative of an `any:` locator (or the one locator): per element
    its best score, with the alternative it answers."""
    best: dict[int, Candidate] = {}
    for n, alternative in enumerate(alternatives):
        for candidate in rank_candidates(alternative, elements, top=len(elements)):
            key = id(candidate.element)
            if key not in best or candidate.score > best[key].score:
                best[key] = replace(candidate, alternative=n)
    return sorted(best.values(), key=lambda c: -c.score)[:top]


def _wanted_id(loc: dict[str, Any]) -> str | None:
    if loc.get("id"):
        return str(loc["id"])
    found = re.fullmatch(r"#([\w-]+)", str(loc.get("css") or loc.get("selector") or ""))
    return found.group(1) if found else None


def rank_candidates(loc: dict[str, Any], elements: list[Element], top: int = 5) -> list[Candidate]:
    """Elements that could be what `loc` looked for: an id close to the old one (edit distance),
    the same accessible name or text, the same role, the same test id; each with why."""
    from rapidfuzz import fuzz

    want_id, want_role = _wanted_id(loc), loc.get("role")
    want_name = next((str(loc[k]) for k in ("name", "text", "label", "title", "alt", "placeholder") if loc.get(k)),
                     None)
    scored = []
    for element in elements:
        score, why = 0.0, []
        if want_id and element.get("id"):
            close, how = id_closeness(want_id, element["id"])
            if close >= 60:
                score += close
                why.append(f"id close to {want_id!r} ({how})")
        label = (element.get("label") or "").strip().casefold()
        if want_name and label:
            if label == want_name.strip().casefold():
                score, why = score + 100, [*why, "same accessible name"]
            elif want_name.strip().casefold() in label:
                score, why = score + 60, [*why, "accessible name contains it"]
        if want_role and element.get("role") == want_role:
            score, why = score + 20, [*why, "same role"]
        if loc.get("testid") and element.get("data-testid"):
            close = fuzz.ratio(str(loc["testid"]), element["data-testid"])
            if close >= 60:
                score, why = score + close, [*why, f"test id close ({close:.0f}%)"]
        if score >= 50:
            scored.append(Candidate(element, element_marker(element), why, round(score)))
    scored.sort(key=lambda c: -c.score)
    return scored[:top]


def id_closeness(old: str, new: str) -> tuple[float, str]:
    """How close a renamed id is to the old one, 0-100, and why: an id that keeps the old one whole
    (O365_MainLink_Me -> O365_MainLink_MeControl) is a rename; else the edit distance decides."""
    from rapidfuzz.distance import Levenshtein

    a, b = old.lower(), new.lower()
    if a != b and (b.startswith(a) or b.endswith(a) or a.startswith(b)):
        return 95.0, "keeps the old id"
    edits = Levenshtein.distance(a, b)
    return 100.0 * (1 - edits / max(len(a), len(b), 1)), f"edit distance {edits}"


def locator_for(element: Element, old: dict[str, Any]) -> dict[str, Any]:
    """The new locator, of the old one's kind where the element has it (an id for an id)."""
    role, label = element.get("role"), element.get("label")
    if ("id" in old or "css" in old or "selector" in old) and element.get("id"):
        return {"id": element["id"]}
    if "testid" in old and element.get("data-testid"):
        return {"testid": element["data-testid"]}
    if role and label:
        return {"role": role, "name": label}
    if element.get("id"):
        return {"id": element["id"]}
    return {"css": f'[data-testid="{element["data-testid"]}"]'} if element.get("data-testid") else {"role": role}
