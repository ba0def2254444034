"""Finding and starting a browser on machines that differ.

Order: what the user named (--executable-path, --browser-channel, --connect), then Playwright's
own Chromium (CI), then a system Chromium/Chrome (Linux boxes with apt's chromium), then the
Chrome and Edge channels (Windows helpdesk PCs have Edge). When none works the message says
exactly what to install.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserType

NO_BROWSER = (
    "No browser found: run `playwright install chromium` (or on Debian/Ubuntu `apt-get install chromium`), "
    "or pass --browser-channel msedge|chrome, or --executable-path PATH to a Chromium-based browser."
)

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge")
SYSTEM_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)


@dataclass
class BrowserSettings:
    headed: bool = False
    browser_channel: str | None = None
    executable_path: str | None = None
    connect: str | None = None
    slow_mo: float = 0


def system_chromium() -> str | None:
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in SYSTEM_PATHS if os.path.exists(p)), None)


def _missing_executable(exc: Exception) -> bool:
    text = str(exc)
    return ("Executable doesn't exist" in text or "is not found at" in text or "Chromium distribution" in text
            or ("not found" in text and "channel" in text.lower()))


async def launch(chromium: BrowserType, settings: BrowserSettings) -> tuple[Browser, str]:
    """Start (or connect to) a browser; returns it with a description for the report."""
    from playwright.async_api import Error as PlaywrightError

    if settings.connect:
        try:
            return await chromium.connect(settings.connect, slow_mo=settings.slow_mo), f"remote {settings.connect}"
        except PlaywrightError as exc:
            raise UsageError(f"Cannot connect to the browser server at {settings.connect}: "
                             f"{str(exc).splitlines()[0]}") from None
    common: dict[str, Any] = {"headless": not settings.headed, "slow_mo": settings.slow_mo}
    if settings.executable_path:
        if not os.path.exists(settings.executable_path):
            raise UsageError(f"--executable-path {settings.executable_path} does not exist.")
        return (await chromium.launch(executable_path=settings.executable_path, **common),
                settings.executable_path)
    if settings.browser_channel:
        try:
            return await chromium.launch(channel=settings.browser_channel, **common), settings.browser_channel
        except PlaywrightError as exc:
            raise UsageError(f"The {settings.browser_channel} browser channel is not installed here "
                             f"({str(exc).splitlines()[0]}). {NO_BROWSER}") from None
    attempts: list[dict[str, Any]] = [{}]
    found = system_chromium()
    if found:
        attempts.append({"executable_path": found})
    attempts += [{"channel": "chrome"}, {"channel": "msedge"}]
    for extra in attempts:
        try:
            browser = await chromium.launch(**extra, **common)
        except PlaywrightError as exc:
            if _missing_executable(exc):
                continue
            raise
        how = extra.get("executable_path") or extra.get("channel") or "Playwright's Chromium"
        return browser, str(how)
    raise UsageError(NO_BROWSER)
