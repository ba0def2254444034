"""Reading a page the runner did not understand, in the browser, into its page card (page.json).

Nobody who writes m365-replay sees the real Microsoft 365 pages; the first real account that meets a
page no public source described is where the fix must start. So on `page_changed` (the sign-in or
any flow step), on a sign-in `timeout` and at the tenant confirmation (AADSTS399218), one look at
the page becomes `page.json` in the account's folder: its URL (tokens cut), title, PageID and
$Config's page ids and key names (never values), every visible interactive element and heading by
its language-independent markers, and
- for the sign-in: the known states it resembles (markers shown and lacking), the markers only it
  shows, the buttons a person could press (the likeliest first) and a proposed row for a states
  file, ready to paste (runner/spec/states.py);
- for a flow step whose locator found nothing: the elements a person would take for it (same
  accessible name or role, an id close to the old one) and the flow edit, with the step's file:line.
A password or code field's value is never read, nor anything typed; the card passes the redactor too.

This module only reads (INVENTORY_JS, the sign-in's probe) and writes the file; the card is a record
(runner/core/pagecard.py) and what it proposes is worked out without a browser: the sign-in's row in
runner/signin/proposal.py, the flow edit in flowedit.py. runner/reporters/pagecard.py puts a card
into words.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ..core.pagecard import CARD_FILE, CardFailure, CardStep, Element, PageCard, PageConfig, SignInProposal
from ..core.redact import cut_tokens
from ..signin.page import probe
from ..signin.proposal import propose
from ..signin.rows import watched_markers
from ..spec.steps import STEP_TYPES
from .flowedit import propose_edit

if TYPE_CHECKING:
    from pathlib import Path

    from ..core.context import StepContext
    from ..core.model import Step
    from ..core.results import StepFailure

log = logging.getLogger("m365replay")

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
    """On page_changed, on a sign-in timeout, and on the tenant confirmation the sign-in does not
    answer on its own (its card proposes the row that would, for a person to decide)."""
    return failure.category == "page_changed" or (STEP_TYPES[step.command].signs_in and (
        failure.category == "timeout" or failure.details.get("interrupt") == "tenant_confirmation"))


async def write_card(rt: StepContext, folder: Path, step: Step, step_name: str, failure: StepFailure) -> str | None:
    """page.json in the account's `folder` for the page `step` gave up on; its path relative to the
    report folder, or None when the page could not be read (a closed tab, a dead browser, a page that
    does not answer). Best effort: the account's answer is the failure, with or without a card."""
    try:
        return await asyncio.wait_for(_write_card(rt, folder, step, step_name, failure), timeout=15)
    except Exception as exc:
        log.debug("%s: no page card: %s", folder.name, exc)
        return None


async def _write_card(rt: StepContext, folder: Path, step: Step, step_name: str, failure: StepFailure) -> str | None:
    seen = await rt.page.evaluate(INVENTORY_JS)
    elements = [{k: v for k, v in e.items() if v not in (None, "", {}, False)} for e in seen["elements"]]
    card = PageCard(cut_tokens(seen["url"]), seen["title"], seen["pageId"],
                    PageConfig.from_dict(seen["config"]), seen["configKeys"],  # INVENTORY_JS gives the file's keys
                    CardStep(step_name, step.command, step.file, step.line),
                    CardFailure(failure.category, failure.message), elements)
    if STEP_TYPES[step.command].signs_in:
        card.sign_in = await sign_in_analysis(rt, elements)
    else:
        card.flow = propose_edit(step, elements, rt.text)
    path = folder / CARD_FILE
    try:
        card.write(path)  # every text through the redactor
    except OSError as exc:
        rt.warn(f"could not write the page card: {exc.strerror or exc}")
        return None
    return str(path.relative_to(rt.options.report_dir))


async def sign_in_analysis(rt: StepContext, elements: list[Element]) -> SignInProposal | None:
    """What the sign-in knows that this page is like, and the row that would teach it the page (None
    when the probe could not read the page)."""
    rows = rt.options.sign_in_states
    facts = await probe(rt, watched_markers(rows))
    return propose(facts, elements, rows) if facts is not None else None
