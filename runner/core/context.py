"""What a step handler and the Microsoft sign-in may use of an account's run: the StepContext.

A protocol rather than the engine's AccountRun itself, so that steps.py and signin/ import no
engine (no import cycle) and a reader sees in one place everything a step can do. The engine's
AccountRun implements it; a test could hand a handler anything else that does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

    from .model import RunOptions, Step
    from .results import Outcome, StepFailure


class StepContext(Protocol):
    page: Page  # the account's current tab (a click that opens a tab moves it there)
    uploaded: set[str]  # the files an `upload` step handed to a page in this run (resolved paths)
    options: RunOptions
    timeout_ms: float  # this step's timeout

    # text and elements
    def text(self, value: str) -> str:
        """`${var}` interpolation with the account's variables."""
        ...

    def locator(self, spec: dict[str, Any], page: Page | None = None) -> Locator: ...
    async def find(self, spec: dict[str, Any], state: str = "visible") -> Locator:
        """The element a step acts on, waited for; a `first_of:` list resolved in its order."""
        ...

    # pages and the network
    async def navigate(self, url: str) -> None: ...
    def switch_to(self, page: Page) -> None: ...
    async def wait_loaded(self, page: Page) -> None: ...
    def slowest_request(self, older_than: float = 2.0) -> str | None: ...
    def network_failure(self) -> tuple[str, str] | None: ...
    def browser_gone(self, exc: BaseException) -> bool: ...
    def explain(self, failure: StepFailure) -> StepFailure: ...

    # secrets: typed, never returned
    async def has_secret(self, kind: str) -> bool: ...
    async def fill_secret(self, target: Locator, kind: str) -> None: ...
    async def resume_tracing(self) -> None: ...

    # telling
    def warn(self, message: str) -> None: ...
    def record_interrupt(self, kind: str, action: str, detail: str | None = None) -> None:
        """A page Microsoft put into the sign-in (runner/signin/interrupts.py), and what the run did there:
        kept on the run's result (`interrupts`)."""
        ...

    def announce(self, message: str) -> None: ...
    async def trace_state(self, name: str, noted: bool = False) -> None:
        """The sign-in's page state, in the log; with `noted` (a states file's row) also in the
        trace's action list and the step's result."""
        ...

    def ask_person(self, message: str) -> None:
        """Teach mode: the person at the window is asked to act on the page (terminal, listener)."""
        ...
    async def screenshot(self, name: str, full_page: bool = False, settle: bool = True) -> str | None: ...
    def progress(self, message: str) -> None:
        """What the step is doing now, for the live display (a wait, a re-check)."""
        ...

    # a check's answer (compare_images): files beside the screenshots, and the account's outcome
    def save_file(self, name: str, data: bytes) -> str | None:
        """Write `data` in the account's folder; the path relative to the report folder."""
        ...

    def record_outcome(self, outcome: Outcome) -> None: ...

    # sub-flows
    async def run_steps(self, steps: list[Step], variables: dict[str, Any] | None = None, prefix: str = "") -> None: ...
