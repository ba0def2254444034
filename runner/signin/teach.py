"""Teach mode (`run --headed --teach FILE`): the operator who meets a new page shows the runner.

When the sign-in meets a page no row knows, it does not fail: it puts a short banner above the
page (in its own shadow root on <html>, outside Microsoft's form), asks the person at the window to
do what the user would do, and records the element they click: its markers only (id, name, data-*),
never anything they type (no key or input event is listened to). When the page has moved on, a row
(`match` from the page's own markers, `click` the recorded one) is appended to FILE and the sign-in
goes on; the next run, without --teach, passes on that row.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from datetime import date
from typing import TYPE_CHECKING, Any

from ..core.model import StateRow
from ..core.pagemarks import page_marks
from ..core.redact import cut_tokens
from ..core.results import StepFailure
from .page import probe
from .rows import element_marker, row_for, row_name

if TYPE_CHECKING:
    from pathlib import Path

    from ..core.context import StepContext
    from .page import Facts

BINDING = "__m365replayTeach"
# the clicks each account's context has reported (the binding is exposed on the context once)
LISTENING: weakref.WeakKeyDictionary[Any, asyncio.Queue[dict[str, Any]]] = weakref.WeakKeyDictionary()
BANNER = ("m365-replay does not know this sign-in page. Do what the user would do: the button you click "
          "becomes a new row of the sign-in states file (your typing is never recorded).")
# the banner, and a capture-phase click listener that reports the clicked element's markers
BANNER_JS = """([binding, text]) => {
  if (window.__m365replayTeaching) return;
  window.__m365replayTeaching = true;
  const host = document.createElement('m365-replay-teach');
  host.style.cssText = 'position:fixed;top:0;left:0;right:0;z-index:2147483647;pointer-events:none';
  const root = host.attachShadow({mode: 'open'});
  const bar = document.createElement('div');
  bar.textContent = text;
  bar.style.cssText = 'background:#fff4ce;color:#323130;font:14px/1.4 Segoe UI,sans-serif;padding:8px 12px;' +
    'border-bottom:2px solid #8a6d00;text-align:center';
  root.appendChild(bar);
  document.documentElement.appendChild(host);
  document.addEventListener('click', (event) => {
    const pressable = 'button, a, input[type=submit], input[type=button], [role=button], [role=link], ' +
      '[data-report-event]';
    const e = event.target && event.target.closest && event.target.closest(pressable);
    if (!e) return;
    const data = {};
    for (const a of e.attributes) if (a.name.startsWith('data-')) data[a.name] = a.value.slice(0, 120);
    window[binding]({tag: e.tagName.toLowerCase(), id: e.id || null, name: e.getAttribute('name'),
                     role: e.getAttribute('role') || (e.tagName === 'A' ? 'link' : 'button'),
                     'data-report-event': e.getAttribute('data-report-event'),
                     'data-testid': e.getAttribute('data-testid'), data, url: location.href});
  }, true);
}"""


async def _moved_on(rt: StepContext, before: Facts, wait_s: float) -> bool:
    """Whether the page the person answered has gone (another URL or page) within `wait_s`."""
    until = time.monotonic() + wait_s
    while time.monotonic() < until:
        now = await probe(rt)
        if now is not None and (now.url != before.url or now.page_id != before.page_id
                                or now.pgid != before.pgid or now.hidden_form):
            return True
        await asyncio.sleep(0.2)
    return False


async def teach(rt: StepContext, facts: Facts, path: Path) -> StateRow | None:
    """Wait for the person at the window to answer the unknown page; the row written, or None
    when nobody clicked an element with a marker in time (the sign-in then ends page_changed)."""
    from ..spec.states import append_row

    context = rt.page.context
    clicks = LISTENING.get(context)
    if clicks is None:  # a binding is exposed once per context; it outlives navigations
        clicks = LISTENING[context] = asyncio.Queue()
        await context.expose_binding(BINDING, lambda source, info: clicks.put_nowait(info))
    while not clicks.empty():  # clicks on earlier pages (a double click, the sign-in's own) are not this page's
        clicks.get_nowait()
    with contextlib.suppress(Exception):
        await rt.page.evaluate(BANNER_JS, [BINDING, BANNER])
    marks = page_marks(facts.page_id, facts.error_code, facts.pgid)
    rt.ask_person(f"teach: the sign-in does not know the page at {cut_tokens(facts.url)} ({marks}); in the browser "
                  "window, do what the user would do: the button you click becomes a row of " + str(path))
    deadline = time.monotonic() + max(rt.options.mfa_wait, rt.options.unrecognized_after)
    while time.monotonic() < deadline:
        try:
            info = await asyncio.wait_for(clicks.get(), timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        if info.get("url") != facts.url:
            continue
        marker = element_marker(info)
        if marker is None:
            rt.announce("teach: that element has no id, name or data-* attribute to recognize it by; "
                        "click another one, or answer the page by hand and add the row yourself")
            continue
        if not await _moved_on(rt, facts, rt.options.unrecognized_after):
            rt.announce(f"teach: the page did not move on after {marker} was clicked; try another element")
            continue
        row = row_for(facts, marker, f"Taught {date.today().isoformat()}: {facts.title!r} at {facts.host}",
                      row_name(facts, "taught_", {r.name for r in rt.options.sign_in_states}))
        try:
            where = append_row(path, row)
        except Exception as exc:  # a states file that cannot take the row: the person is told why
            raise StepFailure("page_changed", f"teach: could not write the row to {path}: {exc}") from None
        row = StateRow(row.name, row.match, row.click, row.fail, row.description, where)
        await rt.trace_state(f"{row.name} ({where}, taught)", noted=True)
        rt.announce(f"teach: wrote the row {row.name!r} (click {marker}) to {where}; the sign-in goes on")
        return row
    return None
