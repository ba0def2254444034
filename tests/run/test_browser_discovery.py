"""Finding a browser on machines that differ, and the one line said when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.core.errors import UsageError
from runner.run import browser
from runner.simulator import SimAccount


@pytest.mark.browser
def test_no_browser_at_all_is_one_line_saying_what_to_install(replay, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(browser, "system_chromium", lambda headless=False: None)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "no-browsers-here"))
    with pytest.raises(UsageError) as info:
        replay([SimAccount("alice@contoso.com", "pw-alice-1")])
    message = str(info.value)
    assert message == browser.NO_BROWSER
    assert "playwright install chromium" in message and "apt-get install chromium" in message
    assert "\n" not in message


@pytest.mark.browser
def test_the_system_chromium_is_found_when_playwright_has_none(replay, monkeypatch, tmp_path: Path) -> None:
    found = browser.system_chromium(headless=True)  # its headless shell, when installed
    if found is None:
        pytest.skip("no system Chromium on this machine")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "no-browsers-here"))
    out = replay([SimAccount("alice@contoso.com", "pw-alice-1")])
    assert out.run("alice@contoso.com").status == "passed"
    assert f"browser: {found}" in out.stdout


def test_headless_the_system_chromiums_headless_shell_comes_first(monkeypatch, tmp_path: Path) -> None:
    """As Playwright does with its own Chromium: headless, the shell (a fraction of the full
    browser's CPU per account); headed, or without a shell, the full browser."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("chromium", "chromium-headless-shell"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(browser, "HEADLESS_SHELL_PATHS", ())
    monkeypatch.setattr(browser.sys, "platform", "linux")
    assert browser.launch_attempts(headless=True)[1] == {"executable_path": str(bin_dir / "chromium-headless-shell")}
    assert browser.launch_attempts(headless=False)[1] == {"executable_path": str(bin_dir / "chromium")}
    (bin_dir / "chromium-headless-shell").unlink()
    assert browser.system_chromium(headless=True) == str(bin_dir / "chromium")


def test_a_missing_executable_path_is_a_usage_error() -> None:
    import asyncio

    settings = browser.BrowserSettings(executable_path="/nowhere/chrome")
    with pytest.raises(UsageError, match="--executable-path /nowhere/chrome does not exist"):
        asyncio.run(browser.launch(object(), settings))  # type: ignore[arg-type]
