"""The Microsoft sign-in as a state machine, driven by one table of page states (states.py).

Every page a real account can meet is recognized by language-independent markers (the
`<meta name="PageID">`, `$Config.sErrorCode`, element ids and names), then acted on or turned
into a failure category the helpdesk can act on. When Microsoft changes a page, the fix is a
row in states.py, not a change to any flow.

`page.py` is how the sign-in sees a page (the probe), `match.py` a row's page test, `words.py` the
visible words a few built-in rows may read (the documented exception), `actions.py` what it does on
each page, `states.py` the built-in table, `rows.py` a states file's rows and the one row builder,
`teach.py` teach mode, and `proposal.py` what a page card proposes for a page no row knows.

May import: `runner.core` (the StepContext protocol, results) and `runner.spec` (teach mode writes a
states file); Playwright at run time. The engine (`runner.run`) calls it through the `sign_in` step; it
never imports the engine.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from ..core.pagemarks import page_marks
from ..core.redact import cut_tokens
from ..core.results import StepFailure
from .actions import SignIn, SignInOptions
from .page import PASSKEY_GUARD_JS, PASSKEY_REFUSAL, Facts, probe
from .rows import from_row, watched_markers
from .states import STATES, recognize
from .teach import teach

if TYPE_CHECKING:
    from ..core.context import StepContext
    from ..core.model import StateRow

__all__ = ["PASSKEY_GUARD_JS", "PASSKEY_REFUSAL", "STATES", "SignInOptions", "recognize", "run_sign_in"]

# states that may rightly stay unchanged for up to mfa_wait seconds: a person is approving on the phone
WAITS_FOR_A_PERSON = ("mfa_push", "passwordless")
# teach mode asks the person only about a page that stayed unknown this long (pages between two known
# ones, a redirect or a page still drawing, are unknown for a moment)
TEACH_AFTER = 3.0


class Rows:
    """A states file's rows as page states, and the markers the probe must watch for them; teach
    mode adds to them (to RunOptions.sign_in_states too, so the next account of the run knows the page)."""

    def __init__(self, rows: list[StateRow]):
        self.rows = rows
        self.states, self.markers = [from_row(r) for r in rows], watched_markers(rows)
        self.unknown: tuple[str, float] | None = None  # the URL of a page no row knows, since when

    async def teach(self, rt: StepContext, facts: Facts) -> bool:
        """Teach mode, on a page no row knows that has stayed so for TEACH_AFTER s: True when the
        person answered it and a row was learned."""
        if self.unknown is None or self.unknown[0] != facts.url:
            self.unknown = (facts.url, time.monotonic())
        if rt.options.teach is None or not rt.options.can_ask_a_person or not facts.ready \
                or time.monotonic() - self.unknown[1] < TEACH_AFTER:
            return False
        taught = await teach(rt, facts, rt.options.teach)
        if taught is None:
            return False
        self.add(taught)
        return True

    def add(self, row: StateRow) -> None:
        self.rows.append(row)
        self.states.append(from_row(row))
        self.markers = watched_markers(self.rows)


async def run_sign_in(rt: StepContext, options: SignInOptions) -> None:
    """Walk the sign-in pages until a signed-in Microsoft 365 page, or fail with a category.

    A page that no row recognizes, or a recognized page that does not move on, for
    `unrecognized_after` seconds is `page_changed`: Microsoft changed something the table
    does not know yet. The seconds count from the page's arrival or from the end of our own
    action on it (typing, clicking), whichever is later: the time the browser took to type is not
    the page's, and on a busy machine it alone could exceed the wait. With `--teach`, a page no row
    recognizes waits for the person at the window instead (teach.py).
    """
    si = SignIn(rt, options)
    progress = time.monotonic()
    where: tuple[str, str] | None = None
    last: Facts | None = None
    rows = Rows(rt.options.sign_in_states)
    while not si.finished:
        await rt.resume_tracing()  # once the page that held the password has gone
        facts = await probe(rt, rows.markers)
        if rt.network_failure() is not None:  # the browser's own error page: the network, not Microsoft
            raise rt.explain(StepFailure("page_changed", "The sign-in page did not load."))
        state = None
        if facts is not None:
            facts.after_credentials = si.credentials_given
            last = facts
            state = recognize(facts, rows.states)
            if state is not None:
                rows.unknown = None
                waiting = state.name in WAITS_FOR_A_PERSON and rt.options.can_ask_a_person
                if (state.name, facts.url) != where or waiting:
                    where = (state.name, facts.url)
                    progress = time.monotonic()
                    await rt.trace_state(f"{state.name} ({state.where})" if state.where else state.name,
                                         noted=bool(state.where))
                acted = dict(si.done)
                await state.act(si, facts)
                if si.done != acted:  # the page's time to answer starts once we have typed and clicked
                    progress = time.monotonic()
            elif await rows.teach(rt, facts):
                progress = time.monotonic()
        if si.finished:
            break
        if time.monotonic() - progress > options.unrecognized_after:
            raise _stuck(rt, options, last, where if state else None)
        await asyncio.sleep(0.2)


def _stuck(rt: StepContext, options: SignInOptions, last: Facts | None,
           where: tuple[str, str] | None) -> StepFailure:
    """Why the sign-in gave up: a request still waiting (timeout), or a page it cannot pass."""
    slow = rt.slowest_request()
    if slow:
        return StepFailure("timeout", f"The sign-in waited {options.unrecognized_after:.0f} s for {slow} "
                           "to answer.", url=slow)
    title = last.title if last else ""
    url = cut_tokens(last.url if last else rt.page.url)
    what = f"stayed on the {where[0]!r} page" if where else "found no known sign-in page"
    marks = ", " + page_marks(last.page_id, last.error_code, last.pgid) if last else ""
    return StepFailure("page_changed", f"The sign-in {what} for {options.unrecognized_after:.0f} s "
                       f"at {url} (title {title!r}{marks}).", url=url, title=title,
                       page_id=last.page_id if last else None, error_code=last.error_code if last else None)
