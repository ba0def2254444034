"""The baseline of the overhead benchmark: the shipped flow's steps written by hand in plain
Playwright, as a QA engineer would (same simulator, same browser, one context per account,
accounts one after another, a screenshot after each documented step as evidence).

Run alone: `python benchmarks/handwritten.py WORKSPACE` (made by benchmarks/common.py);
prints {"seconds": ..., "passed": N, "total": N} as JSON.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ONEDRIVE = re.compile(r"^https://[a-z0-9-]+\.sharepoint\.com/(.*/)?_layouts/15/(onedrive|sharepoint)\.aspx")


async def one_account(browser, sim, upn: str, password: str, shots: Path) -> bool:  # type: ignore[no-untyped-def]
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1280, "height": 800}, **sim.context_options())
    try:
        page = await context.new_page()
        await page.goto("https://www.office.com/", wait_until="load")
        await page.screenshot(path=shots / f"{upn}-1.png")
        await page.click("#hero-banner-sign-in-microsoft-365-link")
        await page.fill("#i0116", upn)
        await page.click("#idSIButton9")
        await page.fill("#i0118", password)
        await page.click("#idSIButton9")
        await page.click("#idBtn_Back")  # "Stay signed in?" -> No
        await page.wait_for_selector("#O365_MainLink_Me")
        await page.screenshot(path=shots / f"{upn}-2.png")
        async with context.expect_page() as tab:
            await page.get_by_role("link", name="OneDrive").first.click()
        page = await tab.value
        await page.wait_for_url(ONEDRIVE, wait_until="commit")
        await page.wait_for_load_state("load")
        await page.screenshot(path=shots / f"{upn}-3.png")
        await expect(page.locator("#O365_MainLink_Me")).to_be_visible()
        await page.screenshot(path=shots / f"{upn}-4.png")
        return True
    except Exception as exc:  # a benchmark counts failures, it does not stop on them
        print(f"{upn}: {type(exc).__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return False
    finally:
        await context.close()


async def main(workspace: Path) -> dict[str, float]:
    from playwright.async_api import async_playwright

    from runner.core.model import BrowserSettings
    from runner.run.browser import launch
    from runner.simulator import Simulator, load_accounts

    started = time.perf_counter()
    accounts = load_accounts(workspace / "sim.yaml")
    passed = 0
    with Simulator(accounts) as sim, tempfile.TemporaryDirectory() as tmp:
        async with async_playwright() as pw:
            browser, _ = await launch(pw.chromium, BrowserSettings())
            for acc in accounts:
                passed += await one_account(browser, sim, acc.upn, acc.password, Path(tmp))
            await browser.close()
    return {"seconds": time.perf_counter() - started, "passed": passed, "total": len(accounts)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(Path(sys.argv[1])))))
