"""`m365-replay demo`: the shipped flow, unmodified, on the built-in simulator.

It runs from any folder after a wheel install (the flow is package data, found by runner.spec.catalog)
and writes its report under the current folder like any run. The two demo accounts get passwords
made up for this run and held in memory only, so the demo needs no keyring and leaves no secret
behind.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..core.errors import UsageError
from ..core.model import AccountSpec, BrowserSettings, RunOptions
from ..core.results import default_report_dir
from ..secrets.credentials import MemoryStore
from ..simulator import Simulator, demo_accounts
from ..spec.catalog import find_shipped
from ..spec.flow import load_flow
from .runs import execute

FLOW_NAME = "sync-profile-photo"


def shipped_flow() -> Path:
    """The shipped flow the demo runs, from the installed package (or the checkout's flows/)."""
    shipped = find_shipped(FLOW_NAME)
    if shipped is None:
        raise UsageError(f"The shipped flow {FLOW_NAME} is missing from this installation; reinstall m365-replay.")
    return shipped.path


def run_demo(browser: BrowserSettings | None = None, report_dir: Path | None = None, locale: str | None = None,
             timeout: float = 30.0, verbose: int = 0) -> int:
    """Run the demo with `run`'s browser and page settings; the exit code (0: both accounts passed)."""
    accounts = demo_accounts()
    store = MemoryStore({("password", a.upn): a.password for a in accounts})
    simulator = Simulator(accounts)
    flow = load_flow(shipped_flow())
    specs = [AccountSpec(accounts[0].upn, flow.resolve_inputs({"tile": "OneDrive"})),
             AccountSpec(accounts[1].upn, flow.resolve_inputs({"tile": "SharePoint"}))]
    options = RunOptions(report_dir=report_dir or default_report_dir(), simulator=simulator, locale=locale,
                         timeout=timeout, browser=browser or BrowserSettings())
    click.echo(f"Demo: {flow.name} on the built-in Microsoft 365 simulator ({flow.path})")
    report = execute(flow, specs, options, store, verbose=verbose)
    for acc in accounts:
        photo = [e for e in simulator.events_for(acc.upn, "photo_viewed") if e.get("own")]
        loaded = {"OneDrive": simulator.events_for(acc.upn, "onedrive_loaded"),
                  "SharePoint": simulator.events_for(acc.upn, "sharepoint_loaded")}
        app = next((name for name, events in loaded.items() if events), None)
        seen = "the sync was not prompted"
        if app and photo:
            via_apps = bool(simulator.events_for(acc.upn, "apps_page"))
            home = "the Microsoft 365 Copilot app's Apps page" if via_apps else "the classic home"
            seen = (f"{app} loaded as {acc.upn}, own photo requested "
                    f"(tile clicked on {home}; {app} at {loaded[app][-1]['host']})")
        click.echo(f"  simulator saw: {seen}")
    s = report.summary()
    return 0 if s["passed"] == s["total"] else 1
