"""runner.pytest.pwbridge: the engine on pytest-playwright's sync objects, in this suite's own process.

Also pins the Playwright internals the bridge relies on, so that an upgrade that moves them
fails here, by name, rather than hanging a flow test."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from runner.pytest import pwbridge
from runner.run.browser import system_chromium
from runner.run.engine import AccountSpec, Engine, RunOptions
from runner.secrets.credentials import MemoryStore
from runner.simulator import SimAccount, Simulator
from runner.spec.flow import load_flow
from tests.conftest import SHIPPED


def test_the_internals_the_bridge_relies_on_are_there() -> None:
    import playwright.async_api
    from playwright._impl._async_base import mapping
    from playwright._impl._impl_to_api_mapping import API_ATTR, ImplToApiMapping
    from playwright._impl._sync_base import SyncBase

    assert callable(SyncBase._sync)
    assert isinstance(mapping, ImplToApiMapping) and isinstance(mapping._mapping, dict)
    assert API_ATTR == "_pw_api_instance_"  # the cache both flavours share, see pwbridge
    assert playwright.async_api.Page in mapping._mapping.values()


@pytest.mark.browser
def test_engine_runs_a_flow_on_a_sync_api_context(tmp_path: Path) -> None:
    """What the plugin does with pytest-playwright's `page` (tests/test_plugin.py runs the plugin
    itself, in a subprocess), here on a sync Playwright of the test's own: a session-wide one
    (pytest-playwright's `playwright` fixture) would leave its event loop marked as running in
    this process, and the suite's other tests call asyncio.run()."""
    from playwright.sync_api import sync_playwright

    account = SimAccount("bridge@contoso.com", "bridge-pw-1")
    chromium = system_chromium()
    with Simulator([account]) as sim, sync_playwright() as playwright:
        own = os.path.exists(playwright.chromium.executable_path)
        browser = playwright.chromium.launch(**({} if own or not chromium else {"executable_path": chromium}))
        context = browser.new_context(**sim.context_options())
        popups: list[Any] = []
        context.on("page", lambda p: popups.append(p))
        page = context.new_page()
        apage = pwbridge.to_async(page)
        assert type(apage).__module__ == "playwright.async_api._generated"
        assert type(apage.context).__module__ == "playwright.async_api._generated"
        flow = load_flow(SHIPPED)
        engine = Engine(flow, RunOptions(report_dir=tmp_path, trace="off", timeout=10),
                        MemoryStore({("password", account.upn): account.password}))
        result = pwbridge.run(page, engine.run_account(AccountSpec(account.upn, flow.resolve_inputs({})),
                                                       context=apage.context, page=apage))
        assert result.status == "passed", result.failure
        assert sim.events_for(account.upn, "onedrive_loaded")
        # the sync side still gets sync objects, for pytest-playwright's own clean-up
        assert type(page.context).__module__ == "playwright.sync_api._generated"
        assert popups and all(type(p).__module__ == "playwright.sync_api._generated" for p in popups)
        assert not context.pages[0].is_closed(), "the context's owner closes it, not the engine"
        browser.close()


def test_asyncio_run_still_works_after_the_bridge() -> None:
    """The bridge's one change to Playwright (its own cache attribute) leaves plain asyncio use of
    the async API, as `m365-replay run` makes, as it was."""

    async def nothing() -> int:
        return 1

    assert asyncio.run(nothing()) == 1
