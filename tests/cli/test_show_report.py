"""`m365-replay show-report [DIR]`, as on a helpdesk's headless box and on a desktop: the report served
from 127.0.0.1 at the address it prints (fetched here, no desktop needed), with the run's traces and
videos and Playwright's trace viewer beside it; the newest run's report when no DIR is given."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from runner.cli.show import find_report
from runner.core.errors import UsageError
from runner.reporters.html import write_html
from runner.run.browser import system_chromium
from tests.conftest import ROOT, cli
from tests.support.sample import sample_report, write_artifacts

HEADLESS = {name: "" for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}


def results(folder: Path, started_at: str = "2026-11-25T10:15:00.000Z") -> Path:
    """A finished run's folder: report.html, a failed account's trace, and a video."""
    report = sample_report(2, accounts=["alice@contoso.com", "bob@contoso.com"], kinds=["passed", "page_changed"],
                           started_at=started_at)
    write_artifacts(report, folder)
    report.runs[1].video = "bob_contoso.com/video/page@1.webm"
    (folder / report.runs[1].video).parent.mkdir(parents=True)
    (folder / report.runs[1].video).write_bytes(b"\x1aE\xdf\xa3 a webm")
    write_html(report, folder)
    return folder


@contextmanager
def show_report(*args: str, env: dict[str, str], cwd: Path = ROOT) -> Iterator[tuple[str, str]]:
    """Start `show-report`; yield (its first line, the address it printed); stop it with Ctrl-C."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    proc = subprocess.Popen([sys.executable, "-m", "runner", "show-report", *args, "--port", "0"], cwd=cwd,
                            env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert proc.stdout.readline().strip() == "Serving the report until Ctrl-C.", first + proc.stderr.read()
        address = next(word for word in first.split() if word.startswith("http://127.0.0.1:"))
        yield first, address
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and out.strip() == "Stopped." and "Traceback" not in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_on_a_headless_box_it_says_so_and_serves_the_report_at_the_address(tmp_path: Path) -> None:
    folder = results(tmp_path / "run")
    with show_report(str(folder), env=HEADLESS) as (first, address):
        assert first.startswith(f"No browser could be started here (no display: a headless box?); open {address} ")
        assert address.endswith("/report.html")
        status, page = fetch(address)
        assert status == 200 and page == (folder / "report.html").read_bytes()
        base = address.removesuffix("report.html")
        for artifact in ("bob_contoso.com/trace.zip", "bob_contoso.com/video/page@1.webm",
                         "bob_contoso.com/03-Click_the_OneDrive_tile.png"):
            assert fetch(base + artifact) == (200, (folder / artifact).read_bytes()), artifact
        status, viewer = fetch(base + "trace-viewer/index.html")
        assert status == 200 and b"Playwright Trace Viewer" in viewer
        assert fetch(base + "trace-viewer/%2E%2E/%2E%2E/%2E%2E/package.json")[0] == 404  # the viewer's folder only
        assert fetch(base + "no-such-file.png")[0] == 404


def test_on_a_desktop_it_opens_the_address_in_the_browser(tmp_path: Path) -> None:
    """$BROWSER stands for the desktop's browser: a script that writes down the address it was given."""
    folder = results(tmp_path / "run")
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f"#!{sys.executable}\nimport sys, pathlib\n"
                       f"pathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    browser.chmod(0o755)
    with show_report(str(folder), env={**HEADLESS, "BROWSER": str(browser)}) as (first, address):
        assert first == f"Opened {address} in the browser ({folder})."
        assert opened.read_text() == address
        assert fetch(address)[0] == 200


def test_without_dir_the_newest_run_under_the_results_folder(tmp_path: Path) -> None:
    base = tmp_path / "m365-replay-results"
    older = results(base / "20261125-101500", "2026-11-25T10:15:00.000Z")
    newer = results(base / "20261126-080000", "2026-11-26T08:00:00.000Z")
    (base / "20261127-090000").mkdir()  # a run that wrote nothing yet
    assert find_report(None, base) == newer
    assert find_report(older) == older and find_report(older / "report.html") == older
    with show_report(env=HEADLESS, cwd=tmp_path) as (first, address):
        assert first.endswith("(m365-replay-results/20261126-080000).")
        assert fetch(address)[1] == (newer / "report.html").read_bytes()


def test_nothing_to_show_is_a_usage_error(tmp_path: Path) -> None:
    empty = cli("show-report", cwd=tmp_path, env=HEADLESS)
    assert empty.returncode == 2
    assert "error: No report under m365-replay-results/ here: give a run's results folder" in empty.stderr
    (tmp_path / "json-only").mkdir()
    (tmp_path / "json-only" / "report.json").write_text("{}")
    with pytest.raises(UsageError, match=re.escape("json-only: no report.html there; run `m365-replay report ")):
        find_report(tmp_path / "json-only")
    missing = cli("show-report", str(tmp_path / "nowhere"), env=HEADLESS)
    assert missing.returncode == 2 and "nowhere: no such folder" in missing.stderr and not missing.stdout


@pytest.mark.browser
def test_a_trace_opens_in_the_trace_viewer_from_the_served_report(tmp_path: Path) -> None:
    """A real trace, recorded here, opens from the report's link in Playwright's trace viewer: what a
    file: page cannot do (the link is not even shown there)."""
    if system_chromium() is None:
        pytest.skip("no Chromium on this machine")
    folder = results(tmp_path / "run")
    asyncio.run(_record_trace(folder / "bob_contoso.com" / "trace.zip"))
    with show_report(str(folder), env=HEADLESS) as (_, address):
        seen = asyncio.run(_open_trace(address, (folder / "report.html").as_uri()))
    assert seen["on_file_page"] is False
    assert "trace-viewer/index.html?trace=" in str(seen["href"])
    assert any("Set content" in title or "setContent" in title for title in seen["actions"]), seen["actions"]


async def _record_trace(path: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=system_chromium())
        context = await browser.new_context()
        await context.tracing.start(screenshots=True, snapshots=True)
        page = await context.new_page()
        await page.set_content("<h1>A page the account saw</h1>")
        await context.tracing.stop(path=str(path))
        await browser.close()


async def _open_trace(address: str, file_url: str) -> dict[str, object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=system_chromium())
        page = await browser.new_page()
        await page.goto(file_url)
        on_file_page = await page.locator(".view-trace").first.is_visible()
        await page.goto(address)
        await page.locator("details#account-1 summary").click()
        link = page.get_by_role("link", name="in the trace viewer")
        await link.wait_for()
        href = await link.get_attribute("href")
        await link.click()
        await page.locator(".action-title").first.wait_for()
        actions = await page.locator(".action-title").all_inner_texts()
        await browser.close()
    return {"on_file_page": on_file_page, "href": href, "actions": actions}
