"""A page card: what a page the runner did not understand looked like, and the fix it proposes.

Nobody who writes m365-replay sees the real Microsoft 365 pages; the first real account that meets a
page no public source described is where the fix must start. So on `page_changed` (the sign-in or
any flow step) and on a sign-in `timeout`, one look at the page becomes `page.json` in the account's
folder: its URL (tokens cut), title, PageID and $Config's page ids and key names (never values),
every visible interactive element and heading by its language-independent markers, and
- for the sign-in: the known states it resembles (markers shown and lacking), the markers only it
  shows, the buttons a person could press (the likeliest first) and a proposed row for a states
  file, ready to paste (runner/spec/states.py);
- for a flow step whose locator found nothing: the elements a person would take for it (same
  accessible name or role, an id close to the old one) and the flow edit, with the step's file:line.
A password or code field's value is never read, nor anything typed; the card passes the redactor too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import TYPE_CHECKING, Any

from ..core.locators import LIST_KEYS, describe_locator, interpolate_locator
from ..core.locators import alternatives as locator_alternatives
from ..core.model import StateRow
from ..core.redact import cut_tokens, redact
from ..core.results import write_json_atomic
from ..signin.page import probe
from ..signin.rows import (
    candidate_buttons,
    element_marker,
    from_row,
    new_markers,
    proposed_row,
    resemblance,
    watched_markers,
)
from ..signin.states import STATES
from ..spec.states import row_yaml
from ..spec.steps import STEP_TYPES

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from ..core.context import StepContext
    from ..core.model import Step
    from ..core.results import StepFailure

log = logging.getLogger("m365replay")
CARD_FILE = "page.json"

# One look at the page: every visible interactive element and heading, by its markers. Values of
# inputs are never read (a button's caption is its `value` only for input type=submit/button).
INVENTORY_JS = """() => {
  const shown = (e) => {
    const r = e.getBoundingClientRect(), s = window.getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0';
  };
  const text = (e) => (e && (e.innerText || e.textContent) || '').replace(/\\s+/g, ' ').trim();
  const roles = {A: 'link', BUTTON: 'button', SELECT: 'combobox', TEXTAREA: 'textbox', H1: 'heading', H2: 'heading',
                 H3: 'heading'};
  const inputRole = {submit: 'button', button: 'button', reset: 'button', checkbox: 'checkbox', radio: 'radio'};
  const role = (e) => e.getAttribute('role') || (e.tagName === 'INPUT' ? (inputRole[e.type] || 'textbox')
                                                                       : roles[e.tagName] || null);
  const label = (e) => {
    if (e.getAttribute('aria-label')) return e.getAttribute('aria-label');
    const by = e.getAttribute('aria-labelledby');
    if (by) return by.split(/\\s+/).map((id) => text(document.getElementById(id))).join(' ');
    if (e.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(e.type)) return e.value;
    if (e.labels && e.labels.length) return text(e.labels[0]);
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName)) return e.getAttribute('placeholder') || e.title || '';
    return text(e) || e.title || (e.querySelector('img[alt]') || {}).alt || '';
  };
  const pick = 'a[href], button, input:not([type=hidden]), select, textarea, [role=button], [role=link], ' +
    '[role=checkbox], [role=radio], [role=tab], [role=menuitem], [role=switch], h1, h2, h3, [role=heading], ' +
    '[data-report-event], [data-testid]';
  const elements = [];
  for (const e of document.querySelectorAll(pick)) {
    if (!shown(e) || e.closest('m365-replay-teach')) continue;
    const data = {};
    for (const a of e.attributes) if (a.name.startsWith('data-test')) data[a.name] = a.value.slice(0, 120);
    elements.push({tag: e.tagName.toLowerCase(), id: e.id || null, name: e.getAttribute('name'),
      type: e.getAttribute('type'), role: role(e), 'data-testid': e.getAttribute('data-testid'),
      'data-report-event': e.getAttribute('data-report-event'), data, label: (label(e) || '').slice(0, 80),
      focused: e === document.activeElement,
      primary: typeof e.className === 'string' && /(^|[\\s_-])primary([\\s_-]|$)/i.test(e.className)});
    if (elements.length >= 100) break;
  }
  const meta = document.querySelector('meta[name="PageID"]'), c = window.$Config || {};
  return {url: location.href, title: document.title, pageId: meta ? meta.getAttribute('content') : null,
          config: {pgid: c.pgid == null ? null : String(c.pgid), hpgid: c.hpgid == null ? null : String(c.hpgid),
                   sErrorCode: c.sErrorCode == null ? null : String(c.sErrorCode)},
          configKeys: Object.keys(c).slice(0, 200), elements};
}"""


def wants_card(step: Step, failure: StepFailure) -> bool:
    return failure.category == "page_changed" or (step.command == "sign_in" and failure.category == "timeout")


async def write_card(rt: StepContext, folder: Path, step: Step, step_name: str, failure: StepFailure) -> str | None:
    """page.json in the account's `folder` for the page `step` gave up on; its path relative to the
    report folder, or None when the page could not be read (a closed tab, a dead browser, a page that
    does not answer). Best effort: the account's answer is the failure, with or without a card."""
    try:
        return await asyncio.wait_for(_write_card(rt, folder, step, step_name, failure), timeout=15)
    except Exception as exc:
        log.debug("%s: no page card: %s", folder.name, exc)
        return None


def _redacted(value: Any) -> Any:
    """Every text of the card through the redactor, one string at a time (a secret with a quote or
    a backslash in it would escape a redactor run over the JSON text)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


async def _write_card(rt: StepContext, folder: Path, step: Step, step_name: str, failure: StepFailure) -> str | None:
    seen = await rt.page.evaluate(INVENTORY_JS)
    elements = [{k: v for k, v in e.items() if v not in (None, "", {}, False)} for e in seen["elements"]]
    card: dict[str, Any] = {
        "url": cut_tokens(seen["url"]), "title": seen["title"], "page_id": seen["pageId"], "config": seen["config"],
        "config_keys": seen["configKeys"],
        "step": {"name": step_name, "command": step.command, "file": step.file, "line": step.line},
        "failure": {"category": failure.category, "message": failure.message},
        "elements": elements,
    }
    if step.command == "sign_in":
        card.update(await sign_in_analysis(rt, elements))
    else:
        card.update(step_analysis(rt, step, elements))
    path = folder / CARD_FILE
    try:
        write_json_atomic(path, _redacted(card))
    except OSError as exc:
        rt.warn(f"could not write the page card: {exc.strerror or exc}")
        return None
    return str(path.relative_to(rt.options.report_dir))


async def sign_in_analysis(rt: StepContext, elements: list[dict[str, Any]]) -> dict[str, Any]:
    """What the sign-in knows that this page is like, and the row that would teach it the page."""
    rows = rt.options.sign_in_states
    facts = await probe(rt, watched_markers(rows))
    if facts is None:
        return {}
    states = [from_row(r) for r in rows] + STATES
    like = resemblance(facts, states)
    near = [s for s in states if s.name in {entry["state"] for entry in like}]
    buttons = candidate_buttons(elements)
    row = proposed_row(facts, buttons)
    out = {"resembles": like, "new_markers": new_markers(facts, elements, near), "buttons": buttons,
           "proposed_row": row}
    if row is not None:
        text = row_yaml(StateRow(row["name"], row["match"], row.get("click"), row.get("fail"), row["description"]))
        out["proposed_row_yaml"] = "states:\n" + text
    return out


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


def step_analysis(rt: StepContext, step: Step, elements: list[dict[str, Any]]) -> dict[str, Any]:
    """For a step whose locator found nothing: the elements a person would take for it, best first,
    and the flow edit that would use the best."""
    locator = step_locator(step)
    if locator is None:
        return {}
    def own(loc: dict[str, Any]) -> dict[str, Any]:
        return interpolate_locator(loc, rt.text)

    listed = next((key for key in LIST_KEYS if key in locator), None)  # any: or first_of:
    alternatives = [own(alt) for alt in locator_alternatives(locator)]
    candidates = rank_any(alternatives, elements)
    out: dict[str, Any] = {"locator": describe_locator(own(locator) if listed is None else locator),
                           "candidates": candidates}
    if candidates:
        best = locator_for(candidates[0]["element"], alternatives[candidates[0]["alternative"]])
        new = {listed: [*locator[listed], best]} if listed else best  # one more name for it, tried last
        command = step.command
        rest = {k: v for k, v in step.arg.items() if k != "locator"} if "locator" in step.arg else {}
        out["proposed_edit"] = {
            "at": f"{step.file}:{step.line}",
            "old": f"{command}: {flow_yaml({**locator, **rest})}",
            "new": f"{command}: {flow_yaml({**new, **rest})}",
        }
    return out


def rank_any(alternatives: list[dict[str, Any]], elements: list[dict[str, Any]], top: int = 5
             ) -> list[dict[str, Any]]:
    """rank_candidates over each alternative of an `any:` locator (or the one locator): per element
    its best score, with the alternative it answers."""
    best: dict[int, dict[str, Any]] = {}
    for n, alternative in enumerate(alternatives):
        for candidate in rank_candidates(alternative, elements, top=len(elements)):
            key = id(candidate["element"])
            if key not in best or candidate["score"] > best[key]["score"]:
                best[key] = {**candidate, "alternative": n}
    return sorted(best.values(), key=lambda c: -c["score"])[:top]


def _wanted_id(loc: dict[str, Any]) -> str | None:
    if loc.get("id"):
        return str(loc["id"])
    found = re.fullmatch(r"#([\w-]+)", str(loc.get("css") or loc.get("selector") or ""))
    return found.group(1) if found else None


def rank_candidates(loc: dict[str, Any], elements: list[dict[str, Any]], top: int = 5) -> list[dict[str, Any]]:
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
            scored.append({"element": element, "marker": element_marker(element), "why": why, "score": round(score)})
    scored.sort(key=lambda c: -c["score"])
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


def locator_for(element: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
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


def flow_yaml(value: dict[str, Any]) -> str:
    """A mapping as a one-line YAML flow mapping, as flows write locators: {id: O365_MainLink_Me}."""
    def scalar(v: Any) -> str:
        if isinstance(v, bool | int | float):
            return json.dumps(v)
        text = str(v)
        return text if re.fullmatch(r"[A-Za-z_$][\w.${}-]*", text) else json.dumps(text, ensure_ascii=False)

    def item(v: Any) -> str:
        if isinstance(v, dict):
            return flow_yaml(v)
        if isinstance(v, list):
            return "[" + ", ".join(item(x) for x in v) + "]"
        return scalar(v)

    return "{" + ", ".join(f"{k}: {item(v)}" for k, v in value.items()) + "}"
