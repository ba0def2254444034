"""`m365-replay doctor`: what a run needs, and whether this machine has it.

The helpdesk runs it first when something is off, so each line is one need, what was found, and
when something is missing the one-line fix. A run cannot start (exit 1) without a browser, a
keyring backend or a config file that loads: `run` would stop at exit 2 before any account. A keyring
that keeps secrets unencrypted fails the check too (exit 1), though a run can read from it. ffmpeg
(only `--video` needs it) and the name resolution of login.microsoftonline.com (only real
Microsoft needs it; the demo and the simulator do not) are reported but do not fail the check.

The browser is really started (headless, then closed), by the same code and in the same order as a
run, because a browser that exists but cannot start (missing system libraries) is the common case
that a path check would call fine. Its own words are plain ASCII, which any Windows console shows.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.errors import FlowError, UsageError

if TYPE_CHECKING:
    from ..core.model import BrowserSettings

OK, WARN, FAIL = "ok", "warn", "FAIL"
SIGN_IN_HOST = "login.microsoftonline.com"
DNS_TIMEOUT = 5.0
HEADLESS_KEYRING_FIX = (
    "run a Secret Service in a D-Bus session (gnome-keyring, or KeePassXC with its Secret Service integration), or "
    "add keyrings.cryptfile to m365-replay's environment (`pipx inject m365-replay keyrings.cryptfile`, or pip "
    "install) and set PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring with its passphrase in "
    "KEYRING_CRYPTFILE_PASSWORD; see docs/credentials.md, 'Passwords and TOTP secrets in the keyring'"
)


@dataclass
class Check:
    name: str
    status: str  # OK, WARN or FAIL
    found: str
    fix: str | None = None
    blocks: bool = True  # a FAIL that stops a run; an unencrypted keyring is a problem that does not


def run_checks(settings: BrowserSettings, host: str = SIGN_IN_HOST, dns_timeout: float = DNS_TIMEOUT) -> list[Check]:
    return [check_playwright(), check_browser(settings), check_keyring(), check_config(), check_ffmpeg(),
            check_dns(host, dns_timeout)]


def render(checks: list[Check]) -> Iterator[str]:
    from .. import __version__

    yield f"m365-replay {__version__}, Python {sys.version.split()[0]} on {sys.platform} ({sys.executable})"
    width = max(len(c.name) for c in checks)
    for check in checks:
        yield f"{check.status:<4}  {check.name:<{width}}  {check.found}"
        if check.fix:
            yield f"{'':<4}  {'':<{width}}  fix: {check.fix}"
    if any(c.status == FAIL and c.blocks for c in checks):
        yield "A run cannot start here: fix the FAIL lines above."
    elif any(c.status == FAIL for c in checks):
        yield "A run can start here, but fix the FAIL lines above."
    else:
        yield "A run can start here."


def check_playwright() -> Check:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return Check("playwright", OK, version("playwright"))
    except PackageNotFoundError:
        return Check("playwright", FAIL, "not installed", "reinstall m365-replay (pipx reinstall m365-replay)")


def check_browser(settings: BrowserSettings) -> Check:
    """Start the browser a run would use, and say which one and its version."""
    import asyncio

    try:
        how, version = asyncio.run(_start_browser(settings))
    except UsageError as exc:
        from ..run.browser import NO_BROWSER

        if settings.connect:  # the remote browser server (--connect) does not answer
            return Check("browser", FAIL, str(exc), "start `playwright run-server` (the same Playwright version as "
                         "this one) at that address, or check the address and the network")
        if str(exc) != NO_BROWSER:  # the browser asked for (--browser-channel, --executable-path) is not there
            return Check("browser", FAIL, "not found", str(exc))
        return Check("browser", FAIL, "none found", browser_fix())
    except Exception as exc:  # found, but it does not start (missing system libraries, say)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Check("browser", FAIL, f"does not start: {first}", browser_fix())
    return Check("browser", OK, f"{how} ({version}){_headed_too(how, settings)}")


def _headed_too(how: str, settings: BrowserSettings) -> str:
    """Headless, the system Chromium's headless shell may be the one started: name the full browser
    that --headed and --teach would use instead (not started here: it may need a display)."""
    from ..run.browser import system_chromium

    headed = system_chromium(headless=False)
    if settings.headed or how != system_chromium(headless=True) or not headed or headed == how:
        return ""
    return f"; headless runs use this shell, --headed and --teach use {headed}"


def browser_fix() -> str:
    """The one line that gets this machine a browser, with this installation's own Playwright."""
    from ..run.browser import playwright_command

    if sys.platform.startswith("linux"):
        return (f"run `{playwright_command('install', '--with-deps', 'chromium')}` (as root), or "
                "`apt-get install chromium`, or pass --executable-path PATH to a Chromium-based browser")
    return (f"run `{playwright_command('install', 'chromium')}`, or install Microsoft Edge or Google Chrome "
            "(then nothing else is needed)")


async def _start_browser(settings: BrowserSettings) -> tuple[str, str]:
    from playwright.async_api import async_playwright

    from ..run.browser import launch

    async with async_playwright() as playwright:
        browser, how = await launch(playwright.chromium, settings)
        try:
            return how, f"{browser.browser_type.name} {browser.version}"
        finally:
            await browser.close()


def check_keyring() -> Check:
    from ..secrets.credentials import ALLOW_INSECURE_ENV, WAYS_OUT, KeyringStore

    store = KeyringStore()
    try:
        store.check()
    except UsageError as exc:
        if sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return Check("keyring", FAIL, "no usable backend (no D-Bus session: a headless box)", HEADLESS_KEYRING_FIX)
        return Check("keyring", FAIL, "no usable backend", str(exc))
    reason = store.unencrypted()
    if reason is None:
        return Check("keyring", OK, store.backend_name())
    if os.environ.get(ALLOW_INSECURE_ENV) == "1":  # asked for, on a throw-away machine
        return Check("keyring", WARN, f"{reason} (allowed by {ALLOW_INSECURE_ENV}=1)")
    return Check("keyring", FAIL, f"{reason}: `creds set` refuses to store there", WAYS_OUT, blocks=False)


def check_config() -> Check:
    from ..spec.config import find_config, load_config, user_config_path

    path = find_config(None)
    if path is None:
        return Check("config", OK, f"none (optional; looked for ./m365-replay.yaml and {user_config_path()})")
    try:
        config = load_config(None)
    except FlowError as exc:
        return Check("config", FAIL, f"{path} does not load: {exc.problems[0]}", f"fix or remove {path}")
    except UsageError as exc:
        return Check("config", FAIL, f"{path} does not load: {exc}", f"fix or remove {path}")
    domains = ", ".join(config.allowed_domains) or "any"
    return Check("config", OK, f"{path} (allowed domains: {domains})")


def check_ffmpeg() -> Check:
    from ..run.browser import ffmpeg_fix, playwright_ffmpeg_path

    path = playwright_ffmpeg_path()
    if path is None:
        return Check("ffmpeg", WARN, "cannot tell where Playwright expects it (only --video needs it)")
    if os.path.exists(path):
        return Check("ffmpeg", OK, f"{path} (for --video)")
    return Check("ffmpeg", WARN, f"missing at {path} (only --video needs it)", ffmpeg_fix(path))


def check_dns(host: str = SIGN_IN_HOST, timeout: float = DNS_TIMEOUT) -> Check:
    """Whether the sign-in host resolves, bounded in time: a resolver that never answers must not
    hang the doctor (getaddrinfo has no timeout of its own, hence the thread)."""
    addresses: list[str] = []
    errors: list[str] = []

    def resolve() -> None:
        try:
            addresses.extend(sorted({str(info[4][0]) for info in socket.getaddrinfo(host, 443,
                                                                                     type=socket.SOCK_STREAM)}))
        except OSError as exc:
            errors.append(exc.strerror or str(exc))

    worker = threading.Thread(target=resolve, daemon=True)
    worker.start()
    worker.join(timeout)
    fix = ("runs against Microsoft end `unreachable` until it does: check the network, the DNS server or the proxy; "
           "`m365-replay demo` needs neither")
    if addresses:
        return Check("dns", OK, f"{host} resolves ({', '.join(addresses[:2])})")
    if errors:
        return Check("dns", WARN, f"{host} does not resolve ({errors[0]})", fix)
    return Check("dns", WARN, f"{host}: no answer from the resolver within {timeout:g} s", fix)
