"""The compare_images step: fetch both images in the account's session, decide the outcome
(photos.py), re-check a `not_yet` with --until-synced, and time the sync.

Why time it: QA proves the documented procedure by changing a test account's photo, replaying the
fix and watching SharePoint follow; how long SharePoint takes is the number that tells, night after
night, whether the service is getting slower. The clock starts at the documented visit: the page
the check stands on, when SharePoint's copy is on that page's own host (the OneDrive or SharePoint
page the flow loaded, as in sync-profile-photo), read from the browser's Navigation Timing (when
the server answered that page). A check that reads the address from a link (`base:`, the check-only
flow) made no visit, and measures nothing.

Why fetches are tried again: under a network that drops now and then, a check that gave up at the
first reset would answer `unknown`, which --require-synced fails and nothing retries. So a fetch that
failed on the network or with a server error (5xx) is tried again, at most 3 tries under the retry
policy of runs (photos.FETCH_POLICY); never one answered 404 (no photo) or 403, which another try
would only repeat. The outcome counts the retries (`fetch_retries`) and says so in its message.

Why these waits: with a visit to measure from, a re-check comes 2 s after the last one at first,
then a tenth of the time since the visit (at most 60 s), so `synced_after_s` is within about a tenth
of the true time; without one, the backoff of photos.backoff(). Either way the waits add up to
--until-synced.

The resolution the figures state: SharePoint changed its copy after `last_not_yet_s` (when the last
check that found `not_yet` was asked: the answer came later, and was still the old picture) and at
or before `synced_after_s` (when the answer that found `synced` arrived), both seconds after the
visit, rounded to ROUNDING_S. So that interval, not the machine's speed, is how exact they are.
"""

from __future__ import annotations

import asyncio
import mimetypes
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from ..core.retry import Tries, retrying
from .photos import FETCH_POLICY, THRESHOLD, Fetched, Outcome, backoff, decide, fetch_image, read_file

if TYPE_CHECKING:
    from ..core.context import StepContext

ROUNDING_S = 0.1  # synced_after_s and last_not_yet_s are rounded to this
FIRST_WAIT_S = 2.0
MOST_WAIT_S = 60.0
SHARE_OF_ELAPSED = 0.1
# the address a link leads to (`base:`: the OneDrive tile): the element's own, or its enclosing link's
LINK_ADDRESS_JS = "e => e.href || e.closest('a[href]')?.href || ''"
# when the server answered the current document (ms since the epoch)
NAVIGATION_JS = ("() => { const n = performance.getEntriesByType('navigation')[0];"
                 " return performance.timeOrigin + (n ? n.responseStart : 0); }")


class FetchTries(Tries[Fetched]):
    """The tries of one image fetch (photos.FETCH_POLICY): each retry shown live, and an image still
    not fetched after them says how many tries it had."""

    def __init__(self, rt: StepContext, label: str):
        super().__init__(FETCH_POLICY)
        self.rt, self.label = rt, label

    def announce(self, answer: Fetched, wait: float) -> None:
        self.rt.progress(f"{self.label}: {answer.error}; fetching it again in {wait:g} s")

    def answer(self, final: Fetched) -> Fetched:
        if self.retried and final.transient:
            final.error = f"{final.error} ({self.retried + 1} tries)"
        return final


async def _fetch_side(rt: StepContext, side: dict[str, Any], label: str) -> tuple[Fetched, int]:
    """One side of a compare_images step, and how many times its fetch was tried again: its file when
    one is named (a `${photo}` that is empty names none), else its URL, relative to the page the
    account is on (or to the address of the `base` link on it), opened in its session; a fetch that
    failed on the network or with a 5xx is tried again (FETCH_POLICY)."""
    file = rt.text(side.get("file") or "").strip()
    if file:
        return read_file(file), 0
    base = rt.page.url
    if side.get("base"):  # a link on the page (e.g. the OneDrive tile): the URL is on the host it leads to
        link = rt.locator(side["base"]).first
        base = await link.evaluate(LINK_ADDRESS_JS, timeout=rt.timeout_ms) or base
    url = urljoin(base, rt.text(side["url"]))
    tries = FetchTries(rt, label)
    fetched = await retrying(tries, lambda: fetch_image(rt.page.context, url, timeout_s=rt.timeout_ms / 1000))
    return fetched, tries.retried


def side_label(rt: StepContext, side: dict[str, Any], default: str) -> str:
    """What one image is, in the terminal, report.json's `label` and report.html: the flow's `label`,
    which names the image its `url` gives; when a side names a file as well and the file is used, the
    image is that file: "the uploaded picture" when an upload of this run handed it to the page (the
    generated picture of qa-profile-photo), else "the photo file" (the users file's `photo:`)."""
    file = rt.text(side.get("file") or "").strip()
    if not file or not side.get("url"):
        return side.get("label") or default
    uploaded = str(Path(file).expanduser().resolve()) in rt.uploaded
    return "the uploaded picture" if uploaded else "the photo file"


def _keep(rt: StepContext, fetched: Fetched, name: str) -> str | None:
    if fetched.data is None:
        return None
    ext = mimetypes.guess_extension(fetched.content_type or "") or ".img"
    return rt.save_file(name + {".jpe": ".jpg", ".jpeg": ".jpg"}.get(ext, ext), fetched.data)


async def visit_time(rt: StepContext, candidate: dict[str, Any]) -> float | None:
    """When the page of the documented visit loaded (seconds since the epoch), if the check stands on
    it: SharePoint's copy is fetched from the current page's own host, not from a file or through a
    link (`base`). None when there is no such visit to measure from."""
    if candidate.get("base") or rt.text(candidate.get("file") or "").strip() or not candidate.get("url"):
        return None
    here = rt.page.url
    if (urlsplit(urljoin(here, rt.text(candidate["url"]))).hostname or "") != (urlsplit(here).hostname or "?"):
        return None
    try:
        loaded_ms = await rt.page.evaluate(NAVIGATION_JS)
    except Exception:  # a page that cannot say (closed, a browser without Navigation Timing)
        return None
    return float(loaded_ms) / 1000 if isinstance(loaded_ms, (int, float)) and loaded_ms > 0 else None


class Rechecks:
    """The waits between the checks of --until-synced, adding up to `total_s`."""

    def __init__(self, total_s: float | None, visit: float | None):
        # a deadline, not a sum of waits: the checks themselves (a tab, two fetches) take time too, and
        # --until-synced is what the account's time budget allows for them all
        self.deadline = time.monotonic() + (total_s or 0.0)
        self.visit = visit
        self.plan = backoff(total_s) if total_s and visit is None else None

    @property
    def left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def next_wait(self) -> float | None:
        """Seconds until the next check; None when the time is up."""
        left = self.left
        if left <= 0:
            return None
        if self.plan is not None:
            return min(self.plan.pop(0), left) if self.plan else None
        if self.visit is None:
            return None
        wait = min(MOST_WAIT_S, max(FIRST_WAIT_S, SHARE_OF_ELAPSED * (time.time() - self.visit)))
        return left if left - wait < FIRST_WAIT_S else wait  # no shorter wait at the end: the last check ends it


async def check_images(rt: StepContext, arg: dict[str, Any]) -> Outcome:
    """The compare_images step: fetch both images, compare, and record the outcome on the account.

    With --until-synced a `not_yet` is checked again in the same context (the reference is fetched
    once: it is what the candidate should become), the wait shown live; with a visit to measure
    from, the outcome says when it came (`synced_after_s`)."""
    reference_spec, candidate_spec = arg["reference"], arg["candidate"]
    labels = (side_label(rt, reference_spec, "the reference"), side_label(rt, candidate_spec, "the candidate"))
    threshold = int(arg.get("threshold", THRESHOLD))
    visit = await visit_time(rt, candidate_spec)
    reference, retried = await _fetch_side(rt, reference_spec, labels[0])
    rechecks = Rechecks(rt.options.until_synced, visit)
    checks, answered, not_yet_at = 0, 0.0, None
    while True:
        checks += 1
        asked = time.time()
        candidate, again = await _fetch_side(rt, candidate_spec, labels[1])
        answered = time.time()
        retried += again
        outcome = decide(reference, candidate, threshold, labels)
        outcome.message = outcome.message[:1].upper() + outcome.message[1:]  # a label may begin it ("the ...")
        if outcome.status != "not_yet":
            break
        not_yet_at = asked
        left = rechecks.left
        wait = rechecks.next_wait()
        if wait is None:
            break
        rt.progress(f"{outcome.status} after {checks} check(s); checking again in {wait:.0f} s "
                    f"({left:.0f} s left of --until-synced)")
        await asyncio.sleep(wait)
    outcome.checks = checks
    outcome.fetch_retries = retried
    if retried:  # the answer came through a fault on the way: say so beside it
        outcome.message += (f"; {retried} image fetch{'es' if retried > 1 else ''} tried again after a network or "
                            "server error")
    if visit is not None:
        outcome.visited_at = datetime.fromtimestamp(visit, UTC).isoformat(timespec="milliseconds").replace(
            "+00:00", "Z")
        if outcome.status == "synced" and rt.options.until_synced:
            outcome.synced_after_s = round(max(0.0, answered - visit), 1)
            outcome.last_not_yet_s = round(not_yet_at - visit, 1) if not_yet_at is not None else None
    outcome.reference.image = _keep(rt, reference, "reference")
    outcome.candidate.image = _keep(rt, candidate, "candidate")
    rt.record_outcome(outcome)
    return outcome
