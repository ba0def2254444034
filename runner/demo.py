"""`m365-replay demo`: the shipped flow, unmodified, on the built-in simulator.

The two demo accounts get passwords made up for this run and held in memory only, so the demo
needs no keyring and leaves no secret behind.
"""

from __future__ import annotations

from pathlib import Path

import click

from .browser import BrowserSettings
from .credentials import MemoryStore
from .engine import AccountSpec, RunOptions, default_report_dir
from .errors import UsageError
from .flow import load_flow
from .runs import execute
from .simulator import Simulator, demo_accounts

FLOW_NAME = "sync-profile-photo.yaml"


def shipped_flow() -> Path:
    """The repository's flows/ folder (beside the package), or ./flows."""
    for base in (Path(__file__).resolve().parent.parent / "flows", Path.cwd() / "flows"):
        if (base / FLOW_NAME).is_file():
            return base / FLOW_NAME
    raise UsageError(f"Cannot find flows/{FLOW_NAME}; run the demo from the m365-replay checkout.")


def run_demo(headed: bool = False, report_dir: Path | None = None, browser_channel: str | None = None,
             executable_path: str | None = None, locale: str | None = None, verbose: int = 0) -> int:
    accounts = demo_accounts()
    store = MemoryStore({("password", a.upn): a.password for a in accounts})
    simulator = Simulator(accounts)
    flow = load_flow(shipped_flow())
    specs = [AccountSpec(accounts[0].upn, flow.resolve_inputs({"tile": "OneDrive"})),
             AccountSpec(accounts[1].upn, flow.resolve_inputs({"tile": "SharePoint"}))]
    options = RunOptions(report_dir=report_dir or default_report_dir(), simulator=simulator, locale=locale,
                         browser=BrowserSettings(headed=headed, browser_channel=browser_channel,
                                                 executable_path=executable_path))
    click.echo(f"Demo: {flow.name} on the built-in Microsoft 365 simulator ({flow.path})")
    report = execute(flow, specs, options, store, verbose=verbose)
    for acc in accounts:
        photo = [e for e in simulator.events_for(acc.upn, "photo_viewed") if e.get("own")]
        app = "OneDrive" if simulator.events_for(acc.upn, "onedrive_loaded") else (
            "SharePoint" if simulator.events_for(acc.upn, "sharepoint_loaded") else None)
        seen = f"{app} loaded as {acc.upn}, own photo requested" if app and photo else "the sync was not prompted"
        click.echo(f"  simulator saw: {seen}")
    s = report.summary()
    return 0 if s["passed"] == s["total"] else 1
