"""Finding and starting a browser on machines that differ.

Order: what the user named (--executable-path, --browser-channel, --connect), then
launch_attempts(): Playwright's own Chromium (CI), then on Windows the Edge channel (every helpdesk
PC has it) and Chrome, elsewhere a system Chromium/Chrome (Linux boxes with apt's chromium) and the
Chrome and Edge channels. When none works the message says exactly what to install.

Headless, a system Chromium's headless shell comes before the full browser, as Playwright's own
Chromium does with its own shell: the full browser's headless mode starts the whole browser (its UI
pages rendered off screen), and costs about 60 % more CPU per account (benchmarks/cpu.py).
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING, Any

from ..core.errors import UsageError
from ..core.model import BrowserSettings, SimulatorLike

if TYPE_CHECKING:
    from pathlib import Path

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


# the old headless Chromium, a separate build since Chromium 132 (Debian's chromium-headless-shell)
HEADLESS_SHELL_NAMES = ("chromium-headless-shell", "chrome-headless-shell")
HEADLESS_SHELL_PATHS = ("/usr/bin/chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell")


def system_chromium(headless: bool = False) -> str | None:
    """The system's Chromium-based browser; for a headless run its headless shell when there is one."""
    if headless:
        shell = next(filter(None, map(shutil.which, HEADLESS_SHELL_NAMES)), None)
        shell = shell or next((p for p in HEADLESS_SHELL_PATHS if os.path.exists(p)), None)
        if shell:
            return shell
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in SYSTEM_PATHS if os.path.exists(p)), None)


def _missing_executable(exc: Exception) -> bool:
    text = str(exc)
    return ("Executable doesn't exist" in text or "is not found at" in text or "Chromium distribution" in text
            or ("not found" in text and "channel" in text.lower()))


def remote_launch_headers(settings: BrowserSettings) -> dict[str, str]:
    """How a client tells `playwright run-server` (or a grid speaking its protocol) to launch the
    browser: the JSON header Playwright's own clients send, in the server's camelCase. A path or
    channel names a browser on the server's machine; a plain `run-server` honours executablePath
    only when started with --unsafe."""
    import json

    options: dict[str, Any] = {"headless": not settings.headed}
    if settings.executable_path:
        options["executablePath"] = settings.executable_path
    if settings.browser_channel:
        options["channel"] = settings.browser_channel
    return {"x-playwright-launch-options": json.dumps(options)}


def launch_attempts(headless: bool = False) -> list[dict[str, Any]]:
    """The launch options tried in turn when the user named no browser. Playwright's own Chromium
    comes first everywhere: it is the build this Playwright release is tested with. On Windows, Edge
    next: it is on every Windows 10/11 PC and kept current by Windows Update and IT, where Chrome may
    be missing or stale (the SYSTEM_PATHS are not Windows paths). Elsewhere a system Chromium/Chrome
    (apt's chromium where Playwright's download is impossible; headless, its headless shell when
    installed), then the Chrome and Edge channels."""
    attempts: list[dict[str, Any]] = [{}]
    if sys.platform == "win32":
        return [*attempts, {"channel": "msedge"}, {"channel": "chrome"}]
    found = system_chromium(headless)
    if found:
        attempts.append({"executable_path": found})
    return [*attempts, {"channel": "chrome"}, {"channel": "msedge"}]


async def launch(chromium: BrowserType, settings: BrowserSettings) -> tuple[Browser, str]:
    """Start (or connect to) a browser; returns it with a description for the report."""
    from playwright.async_api import Error as PlaywrightError

    if settings.connect:
        try:
            return (await chromium.connect(settings.connect, slow_mo=settings.slow_mo,
                                           headers=remote_launch_headers(settings)),
                    f"remote {settings.connect}")
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
    for extra in launch_attempts(headless=not settings.headed):
        try:
            browser = await chromium.launch(**extra, **common)
        except PlaywrightError as exc:
            if _missing_executable(exc):
                continue
            raise
        how = extra.get("executable_path") or extra.get("channel") or "Playwright's Chromium"
        return browser, str(how)
    raise UsageError(NO_BROWSER)


def playwright_ffmpeg_path() -> str | None:
    """Where Playwright looks for the ffmpeg it records videos with (None: unknown, e.g. no Playwright)."""
    import json

    try:
        import playwright

        package = os.path.join(os.path.dirname(playwright.__file__), "driver", "package", "browsers.json")
        with open(package, encoding="utf-8") as handle:
            revision = next(b["revision"] for b in json.load(handle)["browsers"] if b["name"] == "ffmpeg")
    except (OSError, StopIteration, KeyError, ValueError):
        return None
    home = os.path.expanduser("~")
    if sys.platform == "win32":  # Playwright's registry defaults, per platform
        cache, name = os.environ.get("LOCALAPPDATA"), "ffmpeg-win64.exe"
    elif sys.platform == "darwin":
        cache, name = os.path.join(home, "Library", "Caches"), "ffmpeg-mac"
    else:
        cache, name = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"), "ffmpeg-linux"
    base = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or (os.path.join(cache, "ms-playwright") if cache else None)
    if base == "0":  # browsers installed inside the playwright package
        base = os.path.join(os.path.dirname(package), ".local-browsers")
    return os.path.join(base, f"ffmpeg-{revision}", name) if base else None


def check_video_support(settings: BrowserSettings) -> None:
    """--video needs Playwright's ffmpeg; say so before any account runs, not in every account's failure."""
    if settings.connect:
        return  # the remote server records
    path = playwright_ffmpeg_path()
    if path and not os.path.exists(path):
        raise UsageError(f"--video needs Playwright's ffmpeg: {ffmpeg_fix(path)}")


def playwright_command(*args: str) -> str:
    """A Playwright CLI command that works for this installation: after `pipx install` the `playwright`
    script is not on the PATH, but this interpreter's `-m playwright` always is what a run uses."""
    python = f'"{sys.executable}"' if " " in sys.executable else sys.executable
    return " ".join([python, "-m", "playwright", *args])


def ffmpeg_fix(path: str) -> str:
    """How to get the ffmpeg Playwright expects at `path` (`run --video` and `doctor` say the same)."""
    if sys.platform == "win32":
        return f"run `{playwright_command('install', 'ffmpeg')}`"
    return (f"run `{playwright_command('install', 'ffmpeg')}`; where that download is impossible, install the "
            f"system's ffmpeg (`apt-get install ffmpeg`) and link it: ln -s \"$(command -v ffmpeg)\" {path}")


VIEWPORT = {"width": 1280, "height": 800}


def context_args(locale: str | None, user_agent: str | None, video_dir: Path | None = None,
                 simulator: SimulatorLike | None = None) -> dict[str, Any]:
    """Options of every account's browser context, in `run` and in the pytest plugin alike (so a
    flow passes or fails in pytest exactly as in `run`): a desktop viewport (Microsoft 365 shows
    its phone layout below ~1000 px), the UI language, the user agent of a plain Chrome, and the
    simulator's proxy when it runs."""
    opts: dict[str, Any] = {"viewport": dict(VIEWPORT)}
    if locale:
        opts["locale"] = locale
    if user_agent:
        opts["user_agent"] = user_agent
    if video_dir is not None:
        opts["record_video_dir"] = str(video_dir)
    if simulator is not None:
        opts.update(simulator.context_options())
    return opts


def as_plain_chrome(agent: str) -> str:
    """Headless Chromium says "HeadlessChrome" in its user agent, which Conditional Access
    policies may block; present the same browser as plain Chrome."""
    return agent.replace("HeadlessChrome", "Chrome")


async def plain_user_agent(browser: Browser) -> str | None:
    """The user agent of `browser` as plain Chrome (as_plain_chrome), read once per browser."""
    try:
        context = await browser.new_context()
        page = await context.new_page()
        agent = await page.evaluate("navigator.userAgent")
        await context.close()
    except Exception:
        return None
    return as_plain_chrome(str(agent))
