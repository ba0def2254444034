"""The Microsoft sign-in as a state machine, driven by one table of page states (states.py).

Every page a real account can meet is recognized by language-independent markers (the
`<meta name="PageID">`, `$Config.sErrorCode`, element ids and names), then acted on or turned
into a failure category the helpdesk can act on. When Microsoft changes a page, the fix is a
row in states.py, not a change to any flow.

May import: `runner.core` (the StepContext protocol, results); Playwright at run time. The engine
(`runner.run`) calls it through the `sign_in` step; it never imports the engine.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from ..core.results import StepFailure
from .actions import SignIn, SignInOptions
from .page import PASSKEY_GUARD_JS, PASSKEY_REFUSAL, Facts, probe
from .states import STATES, recognize

if TYPE_CHECKING:
    from ..core.context import StepContext

__all__ = ["PASSKEY_GUARD_JS", "PASSKEY_REFUSAL", "STATES", "SignInOptions", "recognize", "run_sign_in"]

# states that may rightly stay unchanged for up to mfa_wait seconds: a person is approving on the phone
WAITS_FOR_A_PERSON = ("mfa_push", "passwordless")


def page_marks(facts: Facts | None) -> str:
    """", PageID 'X', sErrorCode N" of a page: what a new row of STATES would recognize it by."""
    if facts is None:
        return ""
    marks = f", PageID {facts.page_id!r}" if facts.page_id else ""
    return marks + (f", sErrorCode {facts.error_code}" if facts.error_code else "")


async def run_sign_in(rt: StepContext, options: SignInOptions) -> None:
    """Walk the sign-in pages until a signed-in Microsoft 365 page, or fail with a category.

    A page that no row recognizes, or a recognized page that does not move on, for
    `unrecognized_after` seconds is `page_changed`: Microsoft changed something the table
    does not know yet.
    """
    si = SignIn(rt, options)
    progress = time.monotonic()
    where: tuple[str, str] | None = None
    last: Facts | None = None
    while not si.finished:
        await rt.resume_tracing()  # once the page that held the password has gone
        facts = await probe(rt)
        if rt.network_failure() is not None:  # the browser's own error page: the network, not Microsoft
            raise rt.explain(StepFailure("page_changed", "The sign-in page did not load."))
        state = None
        if facts is not None:
            last = facts
            state = recognize(facts)
            if state is not None:
                waiting = state.name in WAITS_FOR_A_PERSON and rt.options.can_ask_a_person
                if (state.name, facts.url) != where or waiting:
                    where = (state.name, facts.url)
                    progress = time.monotonic()
                    rt.trace_state(state.name)
                await state.act(si, facts)
        if si.finished:
            break
        if time.monotonic() - progress > options.unrecognized_after:
            slow = rt.slowest_request()
            if slow:
                raise StepFailure("timeout", f"The sign-in waited {options.unrecognized_after:.0f} s for {slow} "
                                  "to answer.", url=slow)
            title = last.title if last else ""
            url = last.url if last else rt.page.url
            what = f"stayed on the {where[0]!r} page" if where and state else "found no known sign-in page"
            raise StepFailure("page_changed", f"The sign-in {what} for {options.unrecognized_after:.0f} s "
                              f"at {url} (title {title!r}{page_marks(last)}).", url=url, title=title,
                              page_id=last.page_id if last else None, error_code=last.error_code if last else None)
        await asyncio.sleep(0.2)
