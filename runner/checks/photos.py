"""Image checks: fetch an image inside an account's signed-in browser session, compare it with
another one perceptually, and decide the outcome ("did the fix work?").

Why perceptual: SharePoint keeps its own resized JPEG copies of the user's photo and Exchange
serves its copy at the requested size, so the bytes of the two never match even when the picture
is the same. The comparison is a perceptual hash (`imagehash`'s DCT hash, pHash), which stays nearly
the same when a picture is resized, re-encoded, or shifted in colour.

Why fetch through a page: the photo endpoints need the session's cookies, and a host the session has
not visited yet (Outlook on the web, when the flow only opened SharePoint) first sends the visitor
through the Microsoft sign-in and back with an auto-posted form (`response_mode=form_post`), which
only a browser completes. So the image is opened in a new tab of the account's own context, exactly
as a user opening the address would, and its bytes are taken from the browser's response.

Nothing here knows about photos in particular: a flow names the two addresses (or a file for the
reference), and this module answers with hashes, a distance and an outcome; the step that uses it
(re-checks, the sync's timing) is outcome.py. Pillow, imagehash and Playwright are imported lazily:
`m365-replay --help` and `validate` must stay fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import mimetypes
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..core.options import parse_duration as parse_duration  # where --until-synced is read
from ..core.results import Outcome, Side
from ..core.retry import FETCH_SCHEDULE, RetryPolicy

if TYPE_CHECKING:
    from PIL import Image
    from playwright.async_api import BrowserContext, Response


# The perceptual hash: imagehash.phash with 16x16 = 256 bits (the 8x8 default, 64 bits, cannot tell
# two face-like pictures from one picture cropped by 3%: distances overlap at 10-12 bits).
HASH_SIZE = 16
# Small crops tried on either side before comparing (fractions cut from each edge): a copy another
# service made may be cropped slightly differently, which moves a pHash more than anything else.
# The distance is the smallest over these alignments.
CROPS = (0.0, 0.015, 0.03)
# At most this many of the 256 bits may differ for "the same picture" (25%). Measured on the
# simulator's generated pictures (tests/checks/test_photo_compare.py): the same picture at 48-648 px,
# re-encoded as JPEG quality 60, cropped by up to 3% a side or shifted in colour by 5-8% stays
# within 14 bits; two different pictures differ by 82 bits or more (random pictures: about 128).
# The hash is of luminance: a colour shift alone never makes a picture "different".
THRESHOLD = 64

# HTTP statuses meaning "there is no image there" (Exchange answers 404 for a user without a photo)
MISSING_STATUSES = (404,)


class ImageCheckError(Exception):
    """An image could not be fetched, read or decoded; the message says which and why."""


@dataclass
class Fetched:
    """One side of a comparison: where the image came from, and its bytes or why there are none."""

    source: str  # the URL or file it was taken from
    data: bytes | None = None
    content_type: str | None = None
    status: int | None = None  # the HTTP status of the image's own response; None for a file
    error: str | None = None  # why there is no image: unreachable, a sign-in never completed, not an image...
    missing: bool = False  # the server answered "no image here" (e.g. 404): not an error
    unreachable: bool = False  # the network failed on the way (a reset, a refused or dropped connection)

    @property
    def ok(self) -> bool:
        return self.data is not None and self.error is None and not self.missing

    @property
    def transient(self) -> bool:
        """A failure another fetch may clear: the network, or a server error (5xx); never an answer
        about the image (a 404 has none, a 403 is refused) nor a sign-in that did not complete."""
        return self.error is not None and (self.unreachable or (self.status or 0) >= 500)


# An image that could not be fetched for a transient reason is fetched again, on the schedule of
# runner/core/retry.py (FETCH_SCHEDULE: at most 3 tries, 1 s then 2 s apart), each retry counted in the outcome
FETCH_POLICY: RetryPolicy[Fetched] = replace(FETCH_SCHEDULE, transient=lambda fetched: fetched.transient)


# ---------------------------------------------------------------------------------------------- compare
def load_image(data: bytes, source: str = "image") -> Image.Image:
    """Decode `data` as a picture (any format Pillow reads), or say why not."""
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageCheckError(f"{source} is not a picture ({len(data)} bytes: {type(exc).__name__})") from None
    return img.convert("RGB")


def _crops(img: Image.Image) -> list[Image.Image]:
    w, h = img.size
    out = []
    for c in CROPS:
        dx, dy = round(w * c), round(h * c)
        out.append(img.crop((dx, dy, w - dx, h - dy)) if c else img)
    return out


def phash(img: Image.Image) -> str:
    """The picture's perceptual hash as hex (what the report records)."""
    import imagehash

    return str(imagehash.phash(img, hash_size=HASH_SIZE))


def distance(reference: Image.Image, candidate: Image.Image) -> int:
    """How many bits of the two pictures' pHashes differ, at the best of the small crops of
    either picture (a copy cropped slightly differently must still be the same picture)."""
    import imagehash

    refs = [imagehash.phash(img, hash_size=HASH_SIZE) for img in _crops(reference)]
    cands = [imagehash.phash(img, hash_size=HASH_SIZE) for img in _crops(candidate)]
    best = min(min(refs[0] - c for c in cands), min(r - cands[0] for r in refs))
    return int(best)


def same_picture(reference: bytes, candidate: bytes, threshold: int = THRESHOLD) -> tuple[bool, int]:
    """Whether two encoded images show the same picture, and their distance in bits."""
    d = distance(load_image(reference, "the reference"), load_image(candidate, "the candidate"))
    return d <= threshold, d


# ---------------------------------------------------------------------------------------------- outcome
def decide(reference: Fetched, candidate: Fetched, threshold: int = THRESHOLD,
           labels: tuple[str, str] = ("the reference", "the candidate")) -> Outcome:
    """The outcome of comparing `candidate` (SharePoint's copy) with `reference` (Exchange's copy):
    - no_photo: the reference has no image (the procedure cannot help: nothing to sync from);
    - unknown: either image could not be fetched or read (the message says which and why);
    - synced / not_yet: the same picture or not, by perceptual distance against `threshold`.
    """
    ref_side = Side(reference.source, error=reference.error, label=labels[0])
    cand_side = Side(candidate.source, error=candidate.error, label=labels[1])
    if reference.missing:
        return Outcome("no_photo", ref_side, cand_side, threshold=threshold,
                       message=f"{labels[0]} has no image (HTTP {reference.status} at {reference.source})")
    images = []
    problems = []
    for label, fetched, side in zip(labels, (reference, candidate), (ref_side, cand_side), strict=True):
        try:
            images.append(_image_of(fetched, label))
        except ImageCheckError as exc:
            side.error = str(exc)
            problems.append(f"{label} could not be checked: {exc}")
    if problems:
        return Outcome("unknown", ref_side, cand_side, threshold=threshold, message="; ".join(problems))
    ref_side.hash, cand_side.hash = phash(images[0]), phash(images[1])
    d = distance(images[0], images[1])
    status = "synced" if d <= threshold else "not_yet"
    verb = "shows the same picture as" if status == "synced" else "still differs from"
    return Outcome(status, ref_side, cand_side, distance=d, threshold=threshold,
                   message=f"{labels[1]} {verb} {labels[0]} (distance {d}, threshold {threshold})")


def _image_of(fetched: Fetched, label: str) -> Image.Image:
    if fetched.error:
        raise ImageCheckError(fetched.error)
    if fetched.missing or fetched.data is None:
        raise ImageCheckError(f"no image (HTTP {fetched.status} at {_where(fetched.source)})")
    return load_image(fetched.data, label)


# ---------------------------------------------------------------------------------------------- fetch
def read_file(path: str | Path) -> Fetched:
    """A reference picture from a file (the users file's `photo:` for the account)."""
    file = Path(path).expanduser()
    try:
        data = file.read_bytes()
    except OSError as exc:
        return Fetched(str(file), error=f"the file {file} could not be read ({exc.strerror or type(exc).__name__})")
    return Fetched(str(file), data=data, content_type=mimetypes.guess_type(file.name)[0])


def _same_place(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.hostname or "").lower() == (pb.hostname or "").lower() and pa.path.lower() == pb.path.lower()


def _is_final(response: Response, target: str) -> bool:
    """A main-frame answer that ends the fetch: an image (wherever a redirect took it), or any
    non-redirect answer at the image's own address (a 404, a 401...). Pages in between, such as the
    sign-in's auto-posted form, are passed through."""
    if 300 <= response.status < 400:
        return False
    if response.status >= 500:  # a server failed on the way: no image will come (another fetch may get one)
        return True
    content_type = (response.headers.get("content-type") or "").lower()
    return content_type.startswith("image/") or _same_place(response.url, target)


async def fetch_image(context: BrowserContext, url: str, timeout_s: float = 20.0) -> Fetched:
    """Open `url` in a new tab of `context` (the account's signed-in session) and take the bytes of
    the image it shows, following the sign-in round trip like a browser. Never raises for what a
    server or the network does: the answer carries the error instead."""
    page = await context.new_page()
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Response] = loop.create_future()
    last = {"url": url}

    def on_response(response: Response) -> None:
        if response.frame != page.main_frame or not response.request.is_navigation_request():
            return
        last["url"] = response.url
        if not done.done() and _is_final(response, url):
            done.set_result(response)

    def on_failed(request: Any) -> None:
        if request.is_navigation_request() and request.frame == page.main_frame and not done.done():
            done.set_exception(ImageCheckError(f"{_host(request.url)} could not be reached ({request.failure})"))

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    try:
        return await _fetch_on(page, url, done, last, timeout_s)
    finally:
        page.remove_listener("response", on_response)
        page.remove_listener("requestfailed", on_failed)
        await _close(page)


async def _close(page: Any) -> None:
    """Close the tab once its document has loaded: Chromium can leave `page.close()` waiting forever
    when a tab is closed right after its navigation committed (seen about once in 20 fetches on a
    busy machine), so the load is awaited first, and the close is bounded all the same."""
    from playwright.async_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError, TimeoutError):
        await page.wait_for_load_state("load", timeout=5000)
    with contextlib.suppress(PlaywrightError, TimeoutError):
        await asyncio.wait_for(page.close(), 5)


async def _fetch_on(page: Any, url: str, done: asyncio.Future[Response], last: dict[str, str],
                    timeout_s: float) -> Fetched:
    from playwright.async_api import Error as PlaywrightError

    try:
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        response = await asyncio.wait_for(asyncio.shield(done), timeout_s)
    except ImageCheckError as exc:  # a navigation of the tab failed on the network (fetch_image's on_failed)
        return Fetched(url, error=str(exc), unreachable=True)
    except (TimeoutError, PlaywrightError) as exc:
        if done.done() and not done.cancelled() and done.exception() is not None:
            return Fetched(url, error=str(done.exception()), unreachable=True)
        if isinstance(exc, PlaywrightError) and "net::" in str(exc):
            code = re.search(r"net::\w+", str(exc))
            return Fetched(url, error=f"{_host(url)} could not be reached ({code.group(0) if code else exc})",
                           unreachable=True)
        return Fetched(url, error=f"no image within {timeout_s:.0f} s: the tab stopped at {_where(last['url'])}"
                       + (" (a sign-in the session could not complete)" if "login." in _host(last["url"]) else ""))
    content_type = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
    if response.status in MISSING_STATUSES:
        return Fetched(url, status=response.status, content_type=content_type, missing=True)
    if not response.ok:
        return Fetched(url, status=response.status, error=f"{_host(response.url)} answered HTTP {response.status}")
    try:
        data = await response.body()
    except PlaywrightError as exc:
        return Fetched(url, status=response.status, error=f"the image's bytes were not available ({exc})")
    if not content_type.startswith("image/"):
        return Fetched(url, status=response.status, content_type=content_type,
                       error=f"{_host(url)} answered {content_type or 'no content type'}, not an image")
    return Fetched(url, data=data, content_type=content_type, status=response.status)


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _where(url: str) -> str:
    """Host and path only: a query may carry codes or an e-mail address."""
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}" if parts.hostname else url


# ---------------------------------------------------------------------------------------------- waiting
def backoff(total_s: float, first_s: float = 2.0, factor: float = 2.0, cap_s: float = 60.0) -> list[float]:
    """The waits between re-checks within `total_s`: 2, 4, 8... seconds up to `cap_s`, the last one
    shortened so that the final check happens when the duration ends."""
    waits: list[float] = []
    spent, wait = 0.0, first_s
    while spent < total_s:
        step = min(wait, cap_s, total_s - spent)
        waits.append(step)
        spent += step
        wait *= factor
    return waits
