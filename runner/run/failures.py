"""Whatever a step raised -> a failure category with a plain message.

Kept apart from the engine so that the rules that decide what the helpdesk is told ("the
network", "the browser", "Microsoft changed a page", "too slow") live in one place.
"""

from __future__ import annotations

import asyncio
import re

from ..core.redact import cut_tokens, redact
from ..core.results import StepFailure

NETWORK_ERRORS = ("ERR_CONNECTION_RESET", "ERR_CONNECTION_REFUSED", "ERR_CONNECTION_CLOSED", "ERR_EMPTY_RESPONSE",
                  "ERR_TUNNEL_CONNECTION_FAILED", "ERR_PROXY_CONNECTION_FAILED", "ERR_NAME_NOT_RESOLVED",
                  "ERR_INTERNET_DISCONNECTED", "ERR_ADDRESS_UNREACHABLE", "ERR_CONNECTION_TIMED_OUT",
                  "ERR_NETWORK_CHANGED", "ERR_SSL_PROTOCOL_ERROR", "ERR_TIMED_OUT")
CLOSED_MARKERS = ("has been closed", "Browser closed", "browser has disconnected", "Target crashed",
                  "Connection closed", "Target closed", "Browser.new_context: Target", "crashed")


def is_closed_error(exc: BaseException) -> bool:
    return any(marker in str(exc) for marker in CLOSED_MARKERS)


# a navigation that another one took over: under network faults, the browser's own error page for a
# navigation that failed a moment before (chrome-error://); never a fault of m365-replay
RACE_MARKERS = ("is interrupted by another navigation", "net::ERR_ABORTED")


def navigation_race(exc: BaseException) -> bool:
    return any(marker in str(exc) for marker in RACE_MARKERS)


# a locator that resolved to more than one element where a step acts on one (Playwright's strict mode)
STRICT = re.compile(r"strict mode violation: .* resolved to (\d+) elements")


def network_error(exc: BaseException) -> str | None:
    """The Chromium network error code a Playwright error carries, if any."""
    return next((code for code in NETWORK_ERRORS if code in str(exc)), None)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def classify(exc: BaseException, on_timeout: str, timeout_s: float) -> StepFailure:
    """Turn whatever a step raised into a failure category with a plain message.

    `on_timeout` is what a Playwright timeout means for the step type that raised it (an element
    that never came is a changed page; a URL that never came is slowness).
    """
    if isinstance(exc, StepFailure):
        return exc
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    message = redact(first_line(exc)) or ""
    if isinstance(exc, asyncio.TimeoutError):
        return StepFailure("timeout", f"The step did not finish within {timeout_s:.0f} s.")
    if isinstance(exc, PlaywrightTimeoutError):
        return StepFailure(on_timeout, message)
    if strict := STRICT.search(str(exc)):  # a second element of the same name appeared: the page changed
        return StepFailure("page_changed", message, matched=int(strict.group(1)))
    if isinstance(exc, AssertionError):
        return StepFailure("page_changed", message.replace("Locator expected", "Expected"))
    if isinstance(exc, PlaywrightError):
        network = network_error(exc)
        if network:
            return StepFailure("unreachable", message, network_error=network)
        if is_closed_error(exc):
            return StepFailure("browser_error", message)
        if "Timeout" in message and "exceeded" in message:
            return StepFailure(on_timeout, message)
        if navigation_race(exc):  # a navigation the browser's own (error) navigation took over
            return StepFailure("unreachable", f"The page's navigation was interrupted ({message}).")
    return StepFailure("error", f"{type(exc).__name__}: {message}")


def located(failure: StepFailure, step: str, what: str, url: str, seconds: float) -> StepFailure:
    """A step's element that the page did not give as the flow expects, said so that the helpdesk can
    act on it: which step, its locator in the flow's own words (`what`), on which page (tokens cut),
    instead of Playwright's `Locator.wait_for: Timeout 30000ms exceeded` or `strict mode violation`.
    Either it never came (a wait that ran out: `waited_for`), or the locator matched several elements
    where the step acts on one (`matched`: a second element of the same name appeared). with_card()
    then points to the page card."""
    if "matched" in failure.details:
        failure.message = (f"Step {step!r} looked for {what} on {cut_tokens(url)} and found "
                           f"{failure.details['matched']} elements where the flow expects one: the page has "
                           "changed (another element now matches it too).")
        failure.details["locator"] = what
        return failure
    failure.message = f"Step {step!r} waited {seconds:g} s for {what} on {cut_tokens(url)}."
    failure.details["waited_for"] = what
    return failure


def with_card(failure: StepFailure) -> str:
    """A located() failure's message, pointing to the page card that shows what the page had (for a
    wait that ran out: instead); any other failure's message as it is."""
    if "waited_for" not in failure.details and "locator" not in failure.details:
        return failure.message
    card, instead = failure.page_card, " instead" * ("waited_for" in failure.details)
    return failure.message + (f" The page card {card} shows what the page had{instead}." if card
                              else " No page card could be read from the page.")


def explain(failure: StepFailure, browser_dead: bool, navigation_failed: tuple[str, str] | None) -> StepFailure:
    """A step that saw a changed page or a timeout may have seen a dead browser or network:
    the helpdesk must be told that, never "Microsoft changed a page"."""
    if failure.category not in ("page_changed", "timeout", "error"):
        return failure
    if browser_dead:
        return StepFailure("browser_error", f"The browser stopped during this step ({failure.message})",
                           **failure.details)
    if navigation_failed is None:
        return failure
    url, error = navigation_failed
    details = {**failure.details, "url": url, "network_error": error}
    if error.startswith("HTTP "):
        details["http_status"] = int(error.split()[1])
        return StepFailure("unreachable", f"{url} answered {error}.", **details)
    return StepFailure("unreachable", f"{url} could not be reached ({error}); the browser shows its own error page.",
                       **details)


def under_faults(failure: StepFailure, exc: BaseException, navigation_failed: tuple[str, str] | None) -> StepFailure:
    """A Playwright error with no category of its own (`error`: "Execution context was destroyed", "frame
    was detached"...) in a context whose navigation failed on the network (a reset, a refused
    connection, a 5xx) is that network's doing, not a fault of m365-replay: `unreachable`. A Python
    error stays `error`, and so does a Playwright one where the network never failed."""
    from playwright.async_api import Error as PlaywrightError

    if failure.category != "error" or not isinstance(exc, PlaywrightError) or navigation_failed is None:
        return failure
    url, error = navigation_failed
    if not (error.startswith("HTTP ") or any(code in error for code in NETWORK_ERRORS)):
        return failure  # an aborted navigation (a redirect, a script going elsewhere) is everyday browsing
    return StepFailure("unreachable", f"{url} could not be reached ({error}), and the page went on without it "
                       f"({failure.message.removeprefix('Error: ')}).", **{**failure.details, "url": url,
                                                                         "network_error": error})
