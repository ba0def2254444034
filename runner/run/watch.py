"""What an account's browser context is doing underneath the steps: requests still waiting, the
navigation that failed, a renderer that crashed, tabs that opened.

The engine needs these to tell the helpdesk the right thing: a step that timed out while a
request was still waiting is a slow server (`timeout`), one that ended on the browser's own error
page is the network (`unreachable`), one whose browser died is `browser_error`, never "Microsoft
changed a page".
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page


class ContextWatch:
    def __init__(self, context: BrowserContext, page: Page):
        self.context = context
        self.new_pages: list[Page] = []
        self.crashed = False
        self.navigation_failed: tuple[str, str] | None = None
        self._inflight: dict[Any, float] = {}
        context.on("page", self._on_page)
        context.on("request", self._request_started)
        context.on("requestfinished", self._request_ended)
        context.on("requestfailed", self._request_failed)
        context.on("response", self._response)
        page.on("crash", self._on_crash)

    def _on_page(self, page: Page) -> None:
        self.new_pages.append(page)
        page.on("crash", self._on_crash)

    def _on_crash(self, *_: Any) -> None:
        self.crashed = True

    def _response(self, response: Any) -> None:
        """A main-frame navigation's answer: a 5xx is a failed navigation; any answer below 400 means
        the page loaded, so an earlier failure (a goto retried, say) is over."""
        with contextlib.suppress(Exception):
            if not (response.request.is_navigation_request() and _main_frame(response.request)):
                return
            if response.status >= 500:
                self.navigation_failed = (response.url, f"HTTP {response.status}")
            elif response.status < 400:
                self.navigation_failed = None

    def _request_failed(self, request: Any) -> None:
        self._inflight.pop(request, None)
        with contextlib.suppress(Exception):
            if request.is_navigation_request() and _main_frame(request):  # an iframe's failure is not the page's
                error = str(request.failure or "").removeprefix("net::").strip()
                self.navigation_failed = (request.url, error or "failed")

    def _request_started(self, request: Any) -> None:
        self._inflight[request] = time.monotonic()

    def _request_ended(self, request: Any) -> None:
        self._inflight.pop(request, None)

    def slowest_request(self, older_than: float = 2.0) -> str | None:
        """URL of a request still waiting for its response after `older_than` seconds: a slow
        server, not a changed page."""
        now = time.monotonic()
        waiting = [(start, req) for req, start in self._inflight.items() if now - start > older_than]
        return min(waiting, key=lambda item: item[0])[1].url if waiting else None

    def network_failure(self, page: Page) -> tuple[str, str] | None:
        """(URL, error) of the navigation that left `page` on the browser's own error page (or on
        a 5xx answer), if it did.

        A dropped network mid-way (a form post reset, a server that refused) is not retried, since
        a POST is not safe to repeat: the browser shows chrome-error:// instead of Microsoft's page.
        """
        with contextlib.suppress(Exception):
            failed = self.navigation_failed
            if failed and (page.url.startswith("chrome-error://")
                           or (failed[1].startswith("HTTP ") and page.url == failed[0])):
                return failed
        return None

    def browser_dead(self, page: Page) -> bool:
        """The browser (or this page's renderer) died: what failed after it is not the page's fault."""
        if self.crashed:
            return True
        try:
            browser = self.context.browser
            return page.is_closed() or (browser is not None and not browser.is_connected())
        except Exception:
            return True

    def newest_page(self, current: Page) -> Page:
        """A click that opened a tab without saying so: carry on in the newest open tab."""
        page = current
        while self.new_pages:
            candidate = self.new_pages.pop()
            if not candidate.is_closed():
                page = candidate
                self.new_pages.clear()
        if page.is_closed():
            open_pages = [p for p in self.context.pages if not p.is_closed()]
            if open_pages:
                page = open_pages[-1]
        return page


def _main_frame(request: Any) -> bool:
    """Whether a request is for a page's top document (not an iframe's)."""
    return request.frame.parent_frame is None
