"""The observer: a separate test account that reads SharePoint's copy of every account's photo.

Why a separate account: the observation must be the same for both arms and never a visit. Reading
an account's photo in its own session would sign it in to SharePoint, which may itself be the visit
under test; colleagues' photos, though, are readable by any user. So one account that is in neither
arm signs in once, in a fresh private context, with the same sign-in machinery as every account
(check-profile-photo's steps up to its check: Office.com, the sign-in, the Apps page, where the tile
gives SharePoint's address without opening it), and fetches `userphoto.aspx?accountname=...` for
each account, comparing it with the picture that account uploaded by the photo check's own
perceptual comparison (runner/checks/photos.py).

Why side by side: one round over 200 accounts must take well under a minute, so the fetches of a
round run a bounded number at a time inside the observer's one context (the first alone, since it
completes the sign-in round trip to SharePoint that the others then share).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from ..checks.outcome import LINK_ADDRESS_JS
from ..checks.photos import THRESHOLD, Fetched, ImageCheckError, fetch_image, load_image, read_file
from ..checks.pictures import crop_hashes, hash_distance
from ..core.errors import UsageError
from ..core.experiment import NOT_YET, SYNCED, UNKNOWN, Experiment, Round, Subject
from ..core.locators import interpolate
from ..core.model import Listener, RunOptions
from ..core.results import StepFailure, now_iso
from ..secrets.account_secrets import Secrets
from ..signin import PASSKEY_GUARD_JS
from .account import AccountRun
from .arms import ArmFlows
from .browser import context_args, launch, plain_user_agent

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext

    from ..secrets.credentials import CredentialStore

log = logging.getLogger("m365replay")
PARALLEL = 8  # fetches in flight at once within the observer's context
LABELS = ("the uploaded picture", "SharePoint's copy")


class ObserverError(Exception):
    """The observer cannot read the photos: the experiment stops with this said (exit 1)."""


class Observer:
    """The observer's browser, context and session for one process (`async with`)."""

    def __init__(self, exp: Experiment, flows: ArmFlows, options: RunOptions, store: CredentialStore,
                 folder: Path, listener: Listener | None = None, parallel: int = PARALLEL):
        self.exp, self.flows, self.options, self.store = exp, flows, options, store
        self.folder = folder  # the experiment's folder
        self.listener = listener or Listener()
        self.parallel = parallel
        self._playwright: Any = None
        self._browser: Browser | None = None
        self.context: BrowserContext | None = None
        self._rt: AccountRun | None = None
        self._signed_in_to_sharepoint = False  # a tab has fetched a photo: the context holds SharePoint's session

    async def __aenter__(self) -> Observer:
        from playwright.async_api import async_playwright

        self._playwright = await async_playwright().start()
        try:
            self._browser, _ = await launch(self._playwright.chromium, self.options.browser)
            agent = await plain_user_agent(self._browser)
            self.context = await self._browser.new_context(**context_args(self.options.locale, agent, None,
                                                                          self.options.simulator))
            self.context.set_default_timeout(self.options.timeout * 1000)
            await self.context.add_init_script(PASSKEY_GUARD_JS)
            await self.sign_in()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._browser.close(), timeout=15)
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                await self._playwright.stop()
        self._browser = self._playwright = None

    # ------------------------------------------------------------------ the session
    async def sign_in(self) -> None:
        """Sign in as the observer (again, when its session has lapsed), and find SharePoint's host
        the first time: the address the tile on the Apps page leads to."""
        assert self.context is not None
        account = self.exp.observer
        if self._rt is None:
            folder = self.folder / "observer"
            folder.mkdir(parents=True, exist_ok=True)
            page = await self.context.new_page()
            self._rt = AccountRun(self.options, self.listener, account, {"tile": self.exp.tile}, self.context, page,
                                  folder, Secrets(self.store, account))
        try:
            await self._rt.run_steps(self.flows.observer_steps, {"tile": self.exp.tile})
        except StepFailure as failure:
            card = f" (page card: {failure.page_card})" if failure.page_card else ""
            raise ObserverError(f"The observer {account} could not sign in: {failure.category}: "
                                f"{failure.message}{card}") from None
        except UsageError as exc:
            raise ObserverError(f"The observer {account} could not sign in: {exc}") from None
        if self.exp.sharepoint_host is None:
            self.exp.sharepoint_host = await self._host()

    async def _host(self) -> str:
        assert self._rt is not None
        try:
            link = self._rt.locator(self.flows.photo["base"]).first
            host = urlsplit(await link.evaluate(LINK_ADDRESS_JS, timeout=self._rt.timeout_ms)).hostname
        except Exception as exc:  # no such tile on the Apps page: the host cannot be derived
            log.debug("the tile's address: %s", exc)
            host = None
        if not host:
            raise ObserverError(f"The {self.exp.tile} tile on the observer's Apps page gives no address, so "
                                "SharePoint's host cannot be derived: give it with --sharepoint-host "
                                "(e.g. contoso-my.sharepoint.com).")
        return host

    def url(self, account: str) -> str:
        """The observer's address of `account`'s photo (check-profile-photo's, on the experiment's host)."""
        path = interpolate(self.flows.photo["url"], {"account": account, "tile": self.exp.tile})
        return urljoin(f"https://{self.exp.sharepoint_host}/", path)

    # ------------------------------------------------------------------ reading
    async def can_read(self, account: str) -> None:
        """Before anything changes: the observer reads `account`'s photo as it is now (any picture
        will do), or the experiment does not start."""
        assert self.context is not None
        fetched = await self._fetch(self.url(account))
        if not fetched.ok:
            why = fetched.error or f"no image (HTTP {fetched.status})"
            raise ObserverError(f"The observer {self.exp.observer} cannot read {account}'s photo at "
                                f"{self.exp.sharepoint_host}: {why}; nothing was changed.")

    def _reference(self, subject: Subject) -> list[Any]:
        """The uploaded picture's crop hashes: from the record, else made once from its file (and kept
        in the record, so no later round or process decodes it again). ImageCheckError when unreadable."""
        import imagehash

        if not subject.picture_hashes:
            fetched = read_file(self.folder / (subject.picture or "missing"))
            if fetched.data is None:
                raise ImageCheckError(fetched.error or "the uploaded picture is missing")
            subject.picture_hashes = [str(h) for h in crop_hashes(load_image(fetched.data, "the uploaded picture"))]
        return [imagehash.hex_to_hash(h) for h in subject.picture_hashes]

    def _compare(self, subject: Subject, fetched: Fetched) -> tuple[str, int | None, str]:
        """The photo check's comparison (photos.py): the perceptual distance at the best of the small
        crops, against its THRESHOLD; on the uploaded picture's hashes made once (pictures.py)."""
        try:
            reference = self._reference(subject)
            if not fetched.ok:
                raise ImageCheckError(fetched.error or f"no image (HTTP {fetched.status})")
            distance = hash_distance(reference, crop_hashes(load_image(fetched.data or b"", LABELS[1])))
        except ImageCheckError as exc:
            return UNKNOWN, None, f"{LABELS[1]} could not be checked: {exc}"
        return (SYNCED if distance <= THRESHOLD else NOT_YET), distance, ""

    async def _fetch(self, url: str) -> Fetched:
        """The photo at `url` in the observer's session. Once a tab has fetched one (through the sign-in
        round trip to SharePoint, which only a browser completes), the session's cookies are the
        context's, so the next ones are plain requests of the context: no tab to open, draw and close
        for each of hundreds of accounts. Anything but a picture there (the session lapsed: a redirect
        to the sign-in) is fetched again in a tab, as a browser would."""
        assert self.context is not None
        if self._signed_in_to_sharepoint:
            with contextlib.suppress(Exception):
                response = await self.context.request.get(url, max_redirects=0, timeout=self.options.timeout * 1000)
                content_type = (response.headers.get("content-type") or "").split(";")[0].strip().lower()
                if response.ok and content_type.startswith("image/"):
                    return Fetched(url, data=await response.body(), content_type=content_type, status=response.status)
        fetched = await fetch_image(self.context, url, timeout_s=self.options.timeout)
        self._signed_in_to_sharepoint = fetched.ok
        return fetched

    async def read(self, subject: Subject) -> tuple[str, float, float, int | None, str]:
        """One observation: (status, asked, answered, distance, message), times in epoch seconds."""
        assert self.context is not None
        asked = time.time()
        fetched = await self._fetch(self.url(subject.account))
        answered = time.time()
        status, distance, message = await asyncio.to_thread(self._compare, subject, fetched)
        return status, asked, answered, distance, message

    def _hash_pictures(self, subjects: list[Subject]) -> None:
        """The pictures not hashed yet (an account whose replay is still running), before the fetches."""
        for subject in subjects:
            with contextlib.suppress(ImageCheckError):
                self._reference(subject)

    async def round(self, subjects: list[Subject], record: Callable[[Subject], None]) -> Round:
        """Read every subject's photo once (the first alone, then `parallel` at a time); `record` is
        called after each observation (the caller saves the record there). The round is in the
        record from its start, its `finished_at` set at its end."""
        current = Round(now_iso(), accounts=len(subjects))
        self.exp.rounds.append(current)
        await asyncio.to_thread(self._hash_pictures, subjects)
        gate = asyncio.Semaphore(self.parallel)

        async def one(subject: Subject) -> None:
            async with gate:
                status, asked, answered, distance, message = await self.read(subject)
            subject.observe(status, asked, answered, distance, message)
            setattr(current, status, getattr(current, status) + 1)
            record(subject)

        if subjects:
            await one(subjects[0])
            await asyncio.gather(*(one(subject) for subject in subjects[1:]))
        current.finished_at = now_iso()
        return current
