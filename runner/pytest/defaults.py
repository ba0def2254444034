"""Extensions of pytest-playwright's session fixtures, registered by runner.pytest.plugin after every
entry-point plugin so that each extends pytest-playwright's fixture of the same name (a fixture
overriding another can ask for it). A conftest overrides these as it would pytest-playwright's."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..simulator import Simulator


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], browser_name: str,
                             browser_type: Any, connect_options: dict[str, Any] | None) -> dict[str, Any]:
    """The system Chromium when Playwright's own is not installed (no download possible) and
    nothing else was asked for (--browser-channel, an executable_path, a remote browser); without
    --headed its headless shell when installed, as `run` chooses (runner.run.browser)."""
    args = dict(browser_type_launch_args)
    if (browser_name == "chromium" and not connect_options and not args.get("channel")
            and not args.get("executable_path") and not os.path.exists(browser_type.executable_path)):
        from ..run.browser import system_chromium

        found = system_chromium(headless=args.get("headless", True))
        if found:
            args["executable_path"] = found
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], m365_simulator: Simulator | None,
                         pytestconfig: pytest.Config, browser: Any) -> dict[str, Any]:
    """With m365-replay's options, every context is made as `run` makes it (runner.run.browser.
    context_args: desktop viewport, --m365-locale, a plain Chrome user agent, the simulator's
    proxy), so a flow passes or fails in pytest exactly as in `run`; a conftest's own
    browser_context_args still wins, as it overrides this fixture."""
    from .plugin import _active

    if not _active(pytestconfig):
        return dict(browser_context_args)
    from ..run.browser import as_plain_chrome, context_args

    agent = None
    if not browser_context_args.get("user_agent"):
        context = browser.new_context()
        try:
            agent = as_plain_chrome(str(context.new_page().evaluate("navigator.userAgent")))
        finally:
            context.close()
    made = context_args(pytestconfig.getoption("--m365-locale"), agent, None, m365_simulator)
    return {**made, **browser_context_args, **({"proxy": made["proxy"]} if "proxy" in made else {})}
