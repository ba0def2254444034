"""Finding a browser on machines that differ, and the one line said when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.core.errors import UsageError
from runner.run import browser
from runner.simulator import SimAccount


@pytest.mark.browser
def test_no_browser_at_all_is_one_line_saying_what_to_install(replay, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(browser, "system_chromium", lambda: None)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "no-browsers-here"))
    with pytest.raises(UsageError) as info:
        replay([SimAccount("alice@contoso.com", "pw-alice-1")])
    message = str(info.value)
    assert message == browser.NO_BROWSER
    assert "playwright install chromium" in message and "apt-get install chromium" in message
    assert "\n" not in message


@pytest.mark.browser
def test_the_system_chromium_is_found_when_playwright_has_none(replay, monkeypatch, tmp_path: Path) -> None:
    found = browser.system_chromium()
    if found is None:
        pytest.skip("no system Chromium on this machine")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "no-browsers-here"))
    out = replay([SimAccount("alice@contoso.com", "pw-alice-1")])
    assert out.run("alice@contoso.com").status == "passed"
    assert f"browser: {found}" in out.stdout


def test_a_missing_executable_path_is_a_usage_error() -> None:
    import asyncio

    settings = browser.BrowserSettings(executable_path="/nowhere/chrome")
    with pytest.raises(UsageError, match="--executable-path /nowhere/chrome does not exist"):
        asyncio.run(browser.launch(object(), settings))  # type: ignore[arg-type]
