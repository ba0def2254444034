"""Simulated profile photos: Exchange's copy, SharePoint's copy, and the sync between them.

Why generated: the photos are made at run time from a seed with Pillow (a face-like composition of
shapes), so the repository holds no binary image, and every account can have its own picture.

Why variants: the real services never hand back the uploaded bytes. Exchange Online keeps HD photos
up to 648x648 and serves 48, 64, 96, 120, 240, 360, 432, 504 and 648 px; SharePoint keeps its own
resized JPEG copies (S, M, L thumbnails in the my-site's "User Photos" library) and serves them
through userphoto.aspx. So the simulator answers each request with the picture resized and
re-encoded for that request, and SharePoint's copy is a re-encoding with a slight colour shift and
crop, as a copy made by another service is: only a perceptual comparison can tell the pictures
apart, never their bytes.

The sync (Microsoft's documented behaviour until 2024): SharePoint Online copies the photo from
Exchange Online only after the user visits OneDrive or SharePoint. A visit schedules SharePoint's
copy to become the picture Exchange has then, after the account's delay: 0 is at once, None
("never") is a sync that never comes (the case the helpdesk escalates). A photo the user uploads
("Change your photo") is Exchange's at once, and SharePoint's only after the next visit and the
delay; each copy SharePoint makes is handed to the simulator's log (`changes()`), so the log reads
upload, visit, change.

Since 2024 Microsoft says the service changed ("IAPI") and the user steps "no longer apply": SharePoint
may follow on its own. Which world a tenant is in is what `experiment` finds out, so the simulator has
both, per account: `unprompted` is the delay after an upload at which SharePoint copies the new photo
without any visit (None: never, the documented world). With both delays set, whichever comes first.
"""

from __future__ import annotations

import io
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

# The sizes Exchange Online serves (GetPersonaPhoto ...&size=HR<n>x<n>): a request for another size
# gets the next larger one, up to 648
EXCHANGE_SIZES = (48, 64, 96, 120, 240, 360, 432, 504, 648)
# SharePoint's thumbnails (userphoto.aspx?size=S|M|L): _SThumb, _MThumb, _LThumb
SHAREPOINT_SIZES = {"S": 48, "M": 72, "L": 300}
MASTER_SIZE = 648
NEVER = None  # a sync delay that never ends


def face(seed: int, size: int = MASTER_SIZE) -> Image.Image:
    """A face-like picture for `seed`: a background, shoulders, a head, hair, eyes and a mouth, each
    placed, sized and coloured from the seed, so two seeds give two clearly different pictures (as
    two people's photos are) while one seed always gives the same one."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)

    def colour(lo: int = 0, hi: int = 255) -> tuple[int, int, int]:
        return (rnd.randint(lo, hi), rnd.randint(lo, hi), rnd.randint(lo, hi))

    s = MASTER_SIZE
    img = Image.new("RGB", (s, s), colour(30, 230))
    draw = ImageDraw.Draw(img)
    # a background split at a random angle, and a few random blocks behind the person
    top, bottom = colour(), colour()
    cut = rnd.randint(s // 5, 4 * s // 5)
    slant = rnd.randint(-s // 2, s // 2)
    draw.polygon([(0, 0), (s, 0), (s, cut + slant), (0, cut - slant)], fill=top)
    draw.polygon([(0, cut - slant), (s, cut + slant), (s, s), (0, s)], fill=bottom)
    for _ in range(rnd.randint(2, 5)):
        x, y = rnd.randint(0, s), rnd.randint(0, s)
        w, h = rnd.randint(s // 8, s // 2), rnd.randint(s // 8, s // 2)
        draw.rectangle([x - w // 2, y - h // 2, x + w // 2, y + h // 2], fill=colour())
    # the person, off centre by up to a fifth of the picture
    cx = s // 2 + rnd.randint(-s // 5, s // 5)
    cy = s // 2 + rnd.randint(-s // 8, s // 8)
    head_w, head_h = rnd.randint(s // 6, s // 3), rnd.randint(s // 5, s // 3)
    shoulders = colour()
    draw.ellipse([cx - int(head_w * 2.2), cy + head_h // 2, cx + int(head_w * 2.2), cy + head_h * 4], fill=shoulders)
    hair = colour(0, 160)
    draw.ellipse([cx - head_w - s // 40, cy - head_h - rnd.randint(s // 40, s // 8), cx + head_w + s // 40,
                  cy + head_h // 3], fill=hair)
    skin = colour(90, 255)
    draw.ellipse([cx - head_w, cy - head_h, cx + head_w, cy + head_h], fill=skin)
    eye_dx, eye_y = head_w // 2 + rnd.randint(-head_w // 8, head_w // 8), cy - head_h // 4
    eye_r = max(3, head_w // rnd.randint(6, 10))
    eyes = colour(0, 120)
    for ex in (cx - eye_dx, cx + eye_dx):
        draw.ellipse([ex - eye_r, eye_y - eye_r, ex + eye_r, eye_y + eye_r], fill=eyes)
    mouth_w, mouth_y = rnd.randint(head_w // 4, head_w * 2 // 3), cy + head_h // 2
    draw.rectangle([cx - mouth_w, mouth_y, cx + mouth_w, mouth_y + max(3, head_h // 10)], fill=colour(60, 200))
    if size != s:
        img = img.resize((size, size), Image.Resampling.LANCZOS)
    return img


def placeholder(size: int = MASTER_SIZE) -> Image.Image:
    """SharePoint's default "no photo" picture: a grey silhouette on a light background."""
    from PIL import Image, ImageDraw

    s = MASTER_SIZE
    img = Image.new("RGB", (s, s), (234, 234, 234))
    draw = ImageDraw.Draw(img)
    draw.ellipse([s // 2 - s // 6, s // 5, s // 2 + s // 6, s // 5 + s // 3], fill=(170, 170, 170))
    draw.ellipse([s // 2 - s // 3, s * 3 // 5, s // 2 + s // 3, s + s // 3], fill=(170, 170, 170))
    return img.resize((size, size), Image.Resampling.LANCZOS) if size != s else img


def shifted(img: Image.Image, crop: float = 0.0, colour: float = 0.0) -> Image.Image:
    """`img` cropped by `crop` (a fraction of each side, e.g. 0.03) and with each channel shifted by
    `colour` (a fraction of 255, e.g. 0.04: warmer), at the same size: a copy another service made of
    the same photo."""
    from PIL import Image

    w, h = img.size
    out = img
    if crop:
        dx, dy = round(w * crop), round(h * crop)
        out = out.crop((dx, dy, w - dx, h - dy)).resize((w, h), Image.Resampling.LANCZOS)
    if colour:
        delta = round(255 * colour)
        shifts = (delta, delta // 2, -delta)  # red up, blue down: a warmer white balance
        bands = [band.point(lambda v, d=d: max(0, min(255, v + d))) for band, d in zip(out.split(), shifts, strict=True)]
        out = Image.merge("RGB", bands)
    return out


def encode(img: Image.Image, size: int | None = None, fmt: str = "JPEG", quality: int = 85) -> bytes:
    """`img` resized to `size` and encoded, as a server answers an image request."""
    from PIL import Image

    if size is not None and img.size != (size, size):
        img = img.resize((size, size), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(buf, "JPEG", quality=quality)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def exchange_size(requested: str) -> int:
    """The served size for GetPersonaPhoto's `size=HR240x240` (default 96, Outlook's own default):
    the smallest stored size at least as large as asked, else the largest."""
    digits = requested.upper().removeprefix("HR").split("X")[0]
    want = int(digits) if digits.isdigit() else 96
    return next((n for n in EXCHANGE_SIZES if n >= want), EXCHANGE_SIZES[-1])


def parse_delay(value: str | float | None) -> float | None:
    """A sync delay from the simulated-accounts file: seconds (`0`, `2.5`), with a unit (`90s`, `5m`,
    `1h`), or `never`/None (the sync never comes)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("never", "none", "")):
        return NEVER
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = value.strip().lower()
        unit = {"s": 1, "m": 60, "h": 3600}.get(text[-1:], 0)
        number = text[:-1] if unit else text
        try:
            seconds = float(number) * (unit or 1)
        except ValueError:
            raise ValueError(f"a photo sync delay is seconds (120), with a unit (90s, 5m) or never; "
                             f"got {value!r}") from None
    if seconds < 0:
        raise ValueError(f"a photo sync delay cannot be negative; got {value!r}")
    return seconds


@dataclass
class PhotoSetup:
    """One account's photos: Exchange's picture (None: the user has no photo in Exchange), the
    picture SharePoint shows before the sync (None: SharePoint's placeholder), and the sync delay in
    seconds after the first OneDrive/SharePoint visit (None: never), and after an upload without any
    visit (`unprompted`; None: never)."""

    exchange_seed: int | None
    sharepoint_seed: int | None = None
    delay: float | None = 0.0
    unprompted: float | None = NEVER


# A picture: a seed of face() (an int), an uploaded picture ("upload:<sha256 prefix>"), or None (no
# picture: Exchange answers 404, SharePoint shows its placeholder)
Picture = int | str | None
# Pictures users may upload (Microsoft: JPG, PNG or GIF under 4 MB); anything Pillow reads is taken
MAX_UPLOAD_BYTES = 4 * 1024 * 1024


@dataclass
class Change:
    """SharePoint's copy becoming a new picture: what the simulator's log records as
    `sharepoint_photo_changed`, at the moment it happened (`at`, wall-clock time)."""

    upn: str
    picture: Picture
    at: float


@dataclass
class _State:
    setup: PhotoSetup
    exchange: Picture = None  # the picture Exchange serves now
    sharepoint: Picture = None  # the picture SharePoint has copied from Exchange (None: not yet)
    # the copies visits have scheduled: (due, on the clock; due, wall-clock; the picture to copy)
    pending: list[tuple[float, float, Picture]] = field(default_factory=list)


@dataclass
class PhotoSync:
    """The per-account photo state of one simulator run, safe to call from the proxy's threads.

    `visited(upn)` is what a OneDrive or SharePoint page load calls; `upload(upn, data)` what the
    "Change your photo" dialog's Apply calls (Exchange takes the picture at once); the two `*_photo`
    methods answer the photo endpoints with encoded bytes (None: no photo to serve). A visit
    schedules a copy of the picture Exchange has *at that visit*: a photo changed after the visit
    waits for the next one, as the documented procedure says.
    """

    setups: dict[str, PhotoSetup] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    _states: dict[str, _State] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cache: dict[tuple[Picture, int, str], bytes] = field(default_factory=dict)
    _uploads: dict[str, Image.Image] = field(default_factory=dict)
    _changes: list[Change] = field(default_factory=list)  # applied, not yet taken by the log

    def _state(self, upn: str) -> _State:
        upn = upn.lower()
        with self._lock:
            if upn not in self._states:
                setup = self.setups.get(upn) or PhotoSetup(exchange_seed=seed_of(upn))
                self._states[upn] = _State(setup, exchange=setup.exchange_seed)
            state = self._states[upn]
            self._settle(upn, state)
            return state

    def _now(self) -> float:
        return self.clock()

    def _settle(self, upn: str, state: _State) -> None:
        """Apply the scheduled copies that are due (under the lock)."""
        now = self._now()
        due = sorted(entry for entry in state.pending if entry[0] <= now)
        for entry in due:
            state.pending.remove(entry)
            if state.sharepoint != entry[2]:  # the later of two copies of one picture changes nothing
                state.sharepoint = entry[2]
                self._changes.append(Change(upn, entry[2], entry[1]))

    def changes(self) -> list[Change]:
        """The copies SharePoint has made since the last call, every account's, oldest first."""
        with self._lock:
            for upn, state in self._states.items():
                self._settle(upn, state)
            taken, self._changes = self._changes, []
        return sorted(taken, key=lambda change: change.at)

    def visited(self, upn: str) -> None:
        """The user loaded OneDrive or SharePoint: the sync of Exchange's picture is scheduled after
        the account's delay, unless a copy of that picture is already due by then (a second visit
        does not restart the delay) or SharePoint has it already."""
        state = self._state(upn)
        with self._lock:
            self._schedule(upn, state, state.setup.delay)

    def _schedule(self, upn: str, state: _State, delay: float | None) -> None:
        """A copy of Exchange's picture to SharePoint after `delay` (under the lock)."""
        if delay is None or state.exchange is None or state.sharepoint == state.exchange:
            return
        due = self._now() + delay
        if any(entry[2] == state.exchange and entry[0] <= due for entry in state.pending):
            return
        state.pending.append((due, time.time() + delay, state.exchange))
        self._settle(upn.lower(), state)

    def synced(self, upn: str) -> bool:
        """Whether SharePoint's copy is the picture Exchange has now."""
        state = self._state(upn)
        return state.exchange is not None and state.sharepoint == state.exchange

    def upload(self, upn: str, data: bytes) -> str:
        """A new photo for the user, as the "Change your photo" dialog sends it: Exchange has it at
        once (cropped square and stored at 648 px, as Exchange keeps HD photos); SharePoint after
        the next visit and the delay, or on its own after the `unprompted` delay. ValueError when
        `data` is no picture or too large."""
        from PIL import Image, UnidentifiedImageError

        if len(data) > MAX_UPLOAD_BYTES:
            raise ValueError(f"the photo is {len(data)} bytes; it must be under 4 MB")
        try:
            img = Image.open(io.BytesIO(data))
            img.load()
        except (UnidentifiedImageError, OSError, ValueError):
            raise ValueError("the file is not a picture") from None
        img = img.convert("RGB")
        side = min(img.size)
        left, top = (img.width - side) // 2, (img.height - side) // 2
        img = img.crop((left, top, left + side, top + side)).resize((MASTER_SIZE, MASTER_SIZE),
                                                                     Image.Resampling.LANCZOS)
        import hashlib

        key = "upload:" + hashlib.sha256(data).hexdigest()[:16]
        state = self._state(upn)
        with self._lock:
            self._uploads[key] = img
            state.exchange = key
            self._schedule(upn, state, state.setup.unprompted)
        return key

    def exchange_photo(self, upn: str, size: str = "HR96x96") -> bytes | None:
        """GetPersonaPhoto's answer: Exchange's picture at the served size, JPEG quality 90."""
        picture = self._state(upn).exchange
        if picture is None:
            return None
        return self._encoded(picture, exchange_size(size), "exchange")

    def sharepoint_photo(self, upn: str, size: str = "M") -> bytes:
        """userphoto.aspx's answer: SharePoint's own copy (a re-encoding of the picture it copied
        from Exchange, else its old picture or the placeholder), at the thumbnail's size."""
        state = self._state(upn)
        pixels = SHAREPOINT_SIZES.get(size.upper(), SHAREPOINT_SIZES["M"])
        if state.sharepoint is not None:
            return self._encoded(state.sharepoint, pixels, "sharepoint")
        return self._encoded(state.setup.sharepoint_seed, pixels, "sharepoint-old")

    def _picture(self, picture: Picture) -> Image.Image:
        if picture is None:
            return placeholder()
        if isinstance(picture, str):
            with self._lock:
                return self._uploads[picture]
        return face(picture)

    def _encoded(self, picture: Picture, size: int, kind: str) -> bytes:
        key = (picture, size, kind)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        img = self._picture(picture)
        if kind == "sharepoint":
            data = encode(shifted(img, crop=0.02, colour=0.03), size, quality=75)
        else:
            data = encode(img, size, quality=90 if kind == "exchange" else 80)
        with self._lock:
            self._cache[key] = data
        return data


def seed_of(upn: str) -> int:
    """A stable picture per account name (not Python's salted hash(): the same run to run)."""
    import zlib

    return zlib.crc32(upn.lower().encode())
