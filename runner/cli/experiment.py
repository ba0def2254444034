"""`m365-replay experiment run|start|observe|report`: does the documented fix still cause the sync?
And `m365-replay simulator`, the built-in simulator served on its own for commands run in separate
processes. One plain function per command over runner/run/experiment.py.

Exit codes: 0 done (also `observe` before the end, and a `start` where some accounts failed: they
are listed and left out); 1 the observer cannot read the photos, or with --require-effect a verdict
other than fix_makes_a_difference; 2 bad input, or the folder held by another m365-replay process (nothing
started); 130 interrupted.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..core.errors import UsageError
from .options import (
    browser_options,
    duration_value,
    page_options,
    run_option,
    simulator_from,
    stack,
    verbose_option,
)

if TYPE_CHECKING:
    from ..core.model import BrowserSettings, SimulatorLike
    from ..run.experiment import Session
    from ..secrets.credentials import CredentialStore

_proxy = click.option("--simulator-proxy", metavar="URL", help="Use the built-in simulator that `m365-replay "
                      "simulator` serves at URL (its state outlives this process, as a real tenant's does).")
_require_effect = click.option("--require-effect", is_flag=True, help="Exit 1 unless the verdict is "
                               "fix_makes_a_difference (QA's gate).")
_every = click.option("--every", default="60s", show_default=True, callback=duration_value, metavar="DURATION",
                      help="Time between observation rounds (120, 90s, 5m).")
_quiet = click.option("-q", "--quiet", is_flag=True, help="Only failures and the summary.")

start_options = stack(
    click.option("--users", type=click.Path(path_type=Path), required=True,
                 help="YAML file of the test accounts: users: [{account: ...}] (their photo is changed)."),
    click.option("--observer", required=True, metavar="UPN", help="A separate test account, in neither arm, that "
                 "reads everyone's photo in SharePoint."),
    click.option("--control", "control_share", type=float, default=0.5, show_default=True, metavar="SHARE",
                 help="The control arm's share of the accounts, between 0 and 1 (rounded down: an odd account "
                 "goes to the fix arm)."),
    click.option("--seed", type=int, help="Seed of the random split (default: a new one, recorded)."),
    click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
                 show_default=True, help="Significance level of the log-rank test."),
    click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="A flow input for every account "
                 "(tile=SharePoint: the tile the fix clicks, and whose address the observer reads)."),
    click.option("--sharepoint-host", metavar="HOST", help="Where the observer reads the photos (default: the host "
                 "the tile leads to, e.g. contoso-my.sharepoint.com)."),
    run_option("workers"),
    click.option("--allow-changes", is_flag=True, help="Required: every account's photo is changed."),
    click.option("--out", type=click.Path(path_type=Path), required=True, metavar="DIR",
                 help="The experiment's folder (experiment.json, report.html, junit.xml); the same command again "
                 "carries on with the experiment there."),
    run_option("account-timeout"),
    run_option("trace"),
    run_option("config"),
    click.option("--simulator-accounts", type=click.Path(path_type=Path), help="`run` only: against the built-in "
                 "simulator with these accounts, in this process."),
    _proxy, browser_options, page_options, verbose_option, _quiet,
)


@click.group()
def experiment() -> None:
    """Does the documented fix still cause the sync? A controlled experiment: every account gets a new
    photo, a random half replays the fix, an observer account reads SharePoint's copy of every photo, and
    a log-rank test compares how soon each arm shows it."""


@experiment.command("run")
@start_options
@click.option("--deadline", required=True, callback=duration_value, metavar="DURATION",
              help="How long to observe, counted from the last account's upload (e.g. 2h; 48h on a real tenant).")
@_every
@_require_effect
def run_command(**options: Any) -> None:
    """Start, observe until the deadline, and report."""
    sys.exit(_start(options, observe_after=True))


@experiment.command("start")
@start_options
@_every
@_require_effect
def start_command(**options: Any) -> None:
    """Give every account its new photo and replay the fix in the fix arm (the observer reading along);
    returns once every account is done. Then `experiment observe DIR`, e.g. nightly."""
    if options["simulator_accounts"] is not None:
        raise UsageError("--simulator-accounts lasts one process, and `observe` must see what `start` changed: serve "
                         "it with `m365-replay simulator --simulator-accounts FILE` and give --simulator-proxy URL, "
                         "or use `experiment run`.")
    sys.exit(_start(options, observe_after=False))


@experiment.command("observe")
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--until", "until_s", callback=duration_value, metavar="DURATION", help="Observe in rounds until "
              "DURATION after the last upload (default: one round). Again after that, nothing more is observed.")
@_every
@_require_effect
@_proxy
@browser_options
@page_options
@verbose_option
@_quiet
def observe_command(folder: Path, until_s: float | None, every: float, require_effect: bool,
                    simulator_proxy: str | None, browser: BrowserSettings, locale: str | None, timeout: float,
                    verbose: int, quiet: bool) -> None:
    """One or more observation rounds of the experiment in DIR, then its report. Safe to run again and
    again (cron, a nightly pipeline): it carries on from DIR/experiment.json."""
    from ..core.experiment import FILE, writing
    from ..run import experiment as lifecycle
    from ..run.arms import check_passwords

    if until_s is not None and until_s < every:
        raise UsageError(f"--until {until_s:g} s is shorter than one observation round (--every {every:g} s).")
    if not (folder / FILE).is_file():
        _load(folder)  # no experiment there: said before the folder is touched
    with writing(folder):  # one observer at a time: two would save over each other's rounds
        exp = _load(folder)  # what the last writer left
        exp.every_s = every
        session = _session(folder, browser, locale, timeout, 1, 300.0, None, simulator_proxy, verbose, quiet,
                           require_effect)
        check_passwords(session.store, [exp.observer])  # before any browser: the observer signs in
        sys.exit(_with_simulator(session, lambda: lifecycle.observe(exp, session, until_s)))


@experiment.command("report")
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@_require_effect
def report_command(folder: Path, require_effect: bool) -> None:
    """The experiment in DIR as observed so far: per arm how many synced and the median, the verdict;
    report.html and junit.xml written again. No browser."""
    from ..core.model import BrowserSettings
    from ..run.experiment import finish

    exp = _load(folder)
    session = _session(folder, BrowserSettings(), None, 30.0, 1, 300.0, None, None, 0, False, require_effect)
    sys.exit(finish(exp, session))


@click.command("simulator")
@click.option("--simulator-accounts", type=click.Path(path_type=Path), required=True, help="YAML of simulated "
              "accounts (`m365-replay schema --simulator-accounts`).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port on 127.0.0.1 "
              "(0: a free one).")
def simulator_command(simulator_accounts: Path, port: int) -> None:
    """Serve the built-in Microsoft 365 simulator until Ctrl-C, so that commands in separate processes
    (`experiment start`, `observe`) share one simulated tenant through --simulator-proxy URL."""
    sim = simulator_from(True, simulator_accounts)
    assert sim is not None
    sim.start(port)
    click.echo(sim.proxy_server)  # alone on stdout: what a script reads
    click.echo(f"m365-replay simulator: {len(sim.accounts)} account(s) at {sim.proxy_server}; give it to other "
               "commands as --simulator-proxy URL. Ctrl-C stops it (and forgets everything).", err=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        sim.stop()


# ---------------------------------------------------------------------------------------------- glue
def _load(folder: Path) -> Any:
    from ..core.experiment import FILE, load

    exp = load(folder)
    if exp is None:
        raise UsageError(f"{folder}: no {FILE} there; start an experiment with `m365-replay experiment start` "
                         "or `experiment run`.")
    return exp


def _start(o: dict[str, Any], observe_after: bool) -> int:
    from ..core.experiment import writing
    from ..run import experiment as lifecycle
    from ..run.arms import Request, plan
    from ..spec.config import check_allowed

    if not o["allow_changes"]:
        raise UsageError("The experiment changes the photo of every account in --users (a new generated picture): "
                         "nothing was run. Add --allow-changes if these are test accounts.")
    if o["simulator_accounts"] is not None and o["simulator_proxy"] is not None:
        raise UsageError("Give --simulator-accounts or --simulator-proxy, not both.")
    session = _session(o["out"], o["browser"], o["locale"], o["timeout"], o["workers"], o["account_timeout"],
                       o["simulator_accounts"], o["simulator_proxy"], o["verbose"], o["quiet"], o["require_effect"])
    session.options.trace = o["trace"]
    request = Request(o["out"], o["users"], o["observer"], o["control_share"], o["seed"], o["alpha"], o["every"],
                      o.get("deadline"), o["variables"], o["sharepoint_host"])
    with writing(o["out"]):  # one process writes the folder at a time (an observe of it may be running)
        exp, specs, flows = plan(request, session.store)
        check_allowed([s.account for s in exp.accounts] + [exp.observer], o["config_file"])
        return _with_simulator(session, lambda: lifecycle.start(exp, specs, flows, session, observe_after))


def _session(folder: Path, browser: BrowserSettings, locale: str | None, timeout: float, workers: int,
             account_timeout: float, accounts_file: Path | None, proxy: str | None, verbose: int, quiet: bool,
             require_effect: bool) -> Session:
    from ..core.model import RunOptions
    from ..run.experiment import Session
    from ..secrets.credentials import KeyringStore, run_store

    simulator: SimulatorLike | None = None
    store: CredentialStore = KeyringStore()  # `report` reads no secret
    if accounts_file is not None:  # the simulator's own passwords where the keyring has none, as `run`'s
        sim = simulator_from(True, accounts_file)
        simulator, store = sim, run_store(sim.secrets() if sim is not None else None)
    elif proxy is not None:  # another process's simulator: its file is not ours, the keyring is
        from ..simulator import RunningSimulator

        simulator = RunningSimulator(proxy)
    options = RunOptions(report_dir=folder, browser=browser, workers=workers, locale=locale, timeout=timeout,
                         account_timeout=account_timeout, simulator=simulator)
    return Session(folder, options, store, verbose=verbose, quiet=quiet, require_effect=require_effect)


def _with_simulator(session: Session, body: Any) -> int:
    """The simulator of this process (if any) serves while `body` runs."""
    sim = session.options.simulator
    if sim is not None:
        sim.start()
    try:
        return int(body())
    finally:
        if sim is not None:
            sim.stop()
