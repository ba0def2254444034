"""The photo check's cost: how much the "does SharePoint now show the Exchange photo?" check adds
per account on the simulator (target: at most 2 s). A figure, not a timed test.

Two measures:
- `flow` (the one the target is about): `m365-replay run` of the shipped flow, with its image check
  and with the check's steps removed (same accounts, same simulator, one process per run,
  alternating so that a busy machine slows both alike); the difference of the medians per account.
- `direct`: the check alone, in process: each account signs in and opens OneDrive by hand in plain
  Playwright (as benchmarks/handwritten.py), then both images are fetched in its context and
  compared (runner/checks/photos.py); the median and worst time per account. It needs no flow support,
  so it also measures a simulator or a comparison change on its own.

`python benchmarks/photo.py [--accounts 10] [--rounds 2] [--only flow|direct]`
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import SHIPPED, Workspace

TARGET_S = 2.0
CHECK_KEY = "compare_images"  # the step type of the image check (runner/run/steps.py)
SHAREPOINT_PHOTO = "https://{tenant}-my.sharepoint.com/_layouts/15/userphoto.aspx?size=L&accountname={upn}"
EXCHANGE_PHOTO = "https://outlook.office.com/owa/service.svc/s/GetPersonaPhoto?email={upn}&UA=0&size=HR240x240"


def without_check(folder: Path) -> Path | None:
    """A copy of the shipped flow (and its lib/) without the image-check steps; None when the
    shipped flow has none."""
    import yaml

    data = yaml.safe_load(SHIPPED.read_text())
    steps = [s for s in data["steps"] if CHECK_KEY not in s]
    if len(steps) == len(data["steps"]):
        return None
    data["steps"] = steps
    shutil.copytree(SHIPPED.parent / "lib", folder / "lib", dirs_exist_ok=True)
    target = folder / "without-check.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return target


def flow_measure(accounts: int, rounds: int) -> float | None:
    workspace = Workspace.create(accounts)
    stripped = without_check(workspace.root)
    if stripped is None:
        print(f"flow: the shipped flow has no `{CHECK_KEY}` step yet; nothing to compare")
        return None
    times: dict[str, list[float]] = {"with": [], "without": []}
    for index in range(rounds):
        for kind in (("with", "without") if index % 2 == 0 else ("without", "with")):
            command = workspace.runner_command(1, workspace.root / f"report-{kind}-{index}")
            if kind == "without":
                command[command.index(str(SHIPPED))] = str(stripped)
            started = time.perf_counter()
            done = subprocess.run(command, env=workspace.env, capture_output=True, text=True)
            times[kind].append(time.perf_counter() - started)
            if done.returncode != 0:
                raise SystemExit(f"{kind} run failed:\n{done.stdout}\n{done.stderr}")
            print(f"  round {index + 1}: {kind:<7} the check {times[kind][-1]:6.1f} s", flush=True)
    added = (statistics.median(times["with"]) - statistics.median(times["without"])) / accounts
    verdict = "ok" if added <= TARGET_S else "ABOVE TARGET"
    print(f"flow: the check adds {added:.2f} s per account ({accounts} accounts, median of {rounds}) "
          f"(target <= {TARGET_S:.0f} s: {verdict})")
    return added


async def _one(browser, sim, upn: str, password: str) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    from runner.checks.photos import decide, fetch_image

    context = await browser.new_context(**sim.context_options())
    try:
        page = await context.new_page()
        await page.goto("https://www.office.com/login")
        await page.fill("#i0116", upn)
        await page.click("#idSIButton9")
        await page.fill("#i0118", password)
        await page.click("#idSIButton9")
        await page.click("#idBtn_Back")
        await page.wait_for_selector("#O365_MainLink_Me")
        tenant = upn.split("@")[1].split(".")[0]
        await page.goto(f"https://{tenant}-my.sharepoint.com/")  # the visit that prompts the sync
        candidate = SHAREPOINT_PHOTO.format(tenant=tenant, upn=upn)
        # Outlook on the web, when this simulator serves it; else SharePoint twice (same round trips)
        reference = EXCHANGE_PHOTO.format(upn=upn) if sim.app.knows_host("outlook.office.com") else candidate
        started = time.perf_counter()
        outcome = decide(await fetch_image(context, reference), await fetch_image(context, candidate))
        return time.perf_counter() - started, outcome.status
    finally:
        await context.close()


async def _direct(workspace: Workspace) -> list[tuple[float, str]]:
    from playwright.async_api import async_playwright

    from runner.core.model import BrowserSettings
    from runner.run.browser import launch
    from runner.simulator import Simulator, load_accounts

    with Simulator(load_accounts(workspace.root / "sim.yaml")) as sim:
        async with async_playwright() as pw:
            browser, _ = await launch(pw.chromium, BrowserSettings())
            figures = [await _one(browser, sim, upn, pw_) for upn, pw_ in workspace.accounts]
            await browser.close()
    return figures


def direct_measure(accounts: int) -> float:
    figures = asyncio.run(_direct(Workspace.create(accounts)))
    seconds = [s for s, _ in figures]
    outcomes = sorted({o for _, o in figures})
    worst = max(seconds)
    verdict = "ok" if worst <= TARGET_S else "ABOVE TARGET"
    print(f"direct: fetch both images and compare: median {statistics.median(seconds):.2f} s, worst {worst:.2f} s "
          f"per account ({accounts} accounts; outcomes {', '.join(outcomes)}) (target <= {TARGET_S:.0f} s: {verdict})")
    return worst


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="with/without pairs of the flow measure")
    parser.add_argument("--only", choices=("flow", "direct"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory():
        if args.only in (None, "direct"):
            direct_measure(args.accounts)
        if args.only in (None, "flow"):
            flow_measure(args.accounts, args.rounds)


if __name__ == "__main__":
    main()
