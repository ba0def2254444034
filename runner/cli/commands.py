"""The m365-replay command line: each command is one plain function over the modules.

Exit codes: 0 every account passed, 1 an account did not pass, 2 bad input or setup (nothing
was run), 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import __version__
from ..core.errors import FlowError, UsageError
from .creds import creds
from .experiment import experiment, simulator_command
from .helptext import WholeHelpGroup
from .options import (
    browser_options,
    doc_offline_option,
    notify_options,
    outcome_options,
    page_options,
    report_dir_option,
    retries_option,
    run_option,
    simulator_from,
    verbose_option,
)
from .show import show_report

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..core.model import AccountSpec, BrowserSettings, Flow
    from ..core.results import Report


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(cls=WholeHelpGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="m365-replay")
def cli() -> None:
    """Replay documented Microsoft 365 user-side procedures in a real browser, one private
    browser context per account."""


@cli.command()
@click.argument("flow_file", metavar="FLOW")
@run_option("account")
@run_option("users")
@run_option("var")
@run_option("workers")
@run_option("allow-changes")
@browser_options
@run_option("shard")
@page_options
@report_dir_option
@run_option("account-timeout")
@run_option("trace")
@run_option("video")
@run_option("mfa-wait")
@run_option("simulator")
@run_option("config")
@run_option("simulator-accounts")
@verbose_option
@click.option("-q", "--quiet", is_flag=True, help="Only failures and the summary.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout at the end.")
@click.option("--rerun-failed", type=click.Path(path_type=Path), metavar="DIR",
              help="Run only the accounts that did not pass in the report in DIR.")
@click.option("--evidence", is_flag=True, help="Also write one zip per account for a ticket (screenshots, trace, "
              "redacted log, summary.txt) under REPORT_DIR/evidence/.")
@click.option("--doc-check", "doc_check", is_flag=True, help="Also check the flow's `doc:` wording against its "
              "article first, and record when and with what result in report.json (see `doc-check`).")
@doc_offline_option
@outcome_options
@run_option("states")
@click.option("--teach", type=click.Path(path_type=Path), metavar="FILE", help="With --headed: a sign-in page no "
              "state knows waits for you; the button you click becomes a row appended to FILE.")
@retries_option
@notify_options
def run(flow_file: str, accounts: tuple[str, ...], users: Path | None, variables: tuple[str, ...], workers: int,
        allow_changes: bool,
        browser: BrowserSettings, locale: str | None, report_dir: Path | None, timeout: float,
        account_timeout: float, trace: str, video: str, mfa_wait: float, simulator: bool, config_file: Path | None,
        simulator_accounts: Path | None, verbose: int, quiet: bool, as_json: bool, rerun_failed: Path | None,
        evidence: bool, shard: str | None, doc_check: bool, notify: tuple[str, ...], notify_on: str,
        report_url: str | None, require_synced: bool, until_synced: float | None, states_file: Path | None,
        teach: Path | None, retries: int = 0, offline: Path | None = None) -> None:
    """Run FLOW for each account: a flow file, or a shipped flow's name (see `m365-replay flows`)."""
    from ..core.model import RunOptions
    from ..core.results import default_report_dir
    from ..reporters.notify import check_urls
    from ..secrets.credentials import run_store
    from ..spec.catalog import resolve_flow
    from ..spec.config import check_allowed
    from ..spec.flow import load_flow, refuse_changes
    from ..spec.states import states_for_run
    from .runs import execute

    if teach is not None and not browser.headed:
        raise UsageError("--teach needs --headed: a person at the browser window shows the runner the new page.")
    if offline is not None and not doc_check:
        raise UsageError("--offline FILE is the saved article for --doc-check: add --doc-check, or leave it out.")
    flow = load_flow(resolve_flow(flow_file))
    refuse_changes(flow, allow_changes, "--allow-changes")
    check_urls(notify)
    sim = simulator_from(simulator, simulator_accounts)
    if sim is not None and not (accounts or users or rerun_failed):  # on the simulator: all its accounts
        accounts = tuple(sim.app.accounts)
    specs = _select_specs(flow, accounts, users, variables, rerun_failed, shard)
    check_allowed([spec.account for spec in specs], config_file)
    if video != "off":
        from ..run.browser import check_video_support

        check_video_support(browser)
    store = run_store(sim.secrets() if sim is not None else None)  # on the simulator: its file too
    options = RunOptions(
        report_dir=report_dir or default_report_dir(), browser=browser, workers=workers, locale=locale,
        timeout=timeout, account_timeout=account_timeout, trace=trace, video=video, mfa_wait=mfa_wait,
        simulator=sim, require_synced=require_synced,
        until_synced=until_synced, sign_in_states=states_for_run(states_file, config_file, teach), teach=teach,
        retries=retries,
    )
    doc_summary = _doc_check_first(flow, locale, as_json, offline) if doc_check else None
    report = execute(flow, specs, options, store, verbose=verbose, quiet=quiet, to_stderr=as_json,
                     evidence=evidence, doc_check=doc_summary)
    _send_notifications([(report, options.report_dir)], notify, notify_on, report_url)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    sys.exit(_run_exit_code(report, sharded=shard is not None))


def _select_specs(flow: Flow, accounts: tuple[str, ...], users: Path | None, variables: tuple[str, ...],
                  rerun_failed: Path | None, shard: str | None) -> list[AccountSpec]:
    """Who `run` runs: the accounts named (or those that did not pass in --rerun-failed's report),
    then only this --shard's share of them. Nothing to rerun is a success (exit 0)."""
    if rerun_failed is not None:
        from .runs import rerun_specs

        specs = rerun_specs(flow, rerun_failed, accounts, users, variables)
        if not specs:
            click.echo(f"Nothing to rerun: every account passed in {rerun_failed}.", err=True)
            sys.exit(0)
    else:
        from ..spec.users import build_specs

        specs = build_specs(flow, accounts, users, variables)
    if shard is None:
        return specs
    from ..run.shard import parse_shard, select

    index, total = parse_shard(shard)
    return select(specs, index, total)


def _doc_check_first(flow: Flow, locale: str | None, as_json: bool, offline: Path | None) -> dict[str, object]:
    """`run --doc-check`: the article checked before any account, one line said about it (to
    stderr with --json, whose stdout is report.json alone). A saved copy (--offline) that is no
    article is bad input, so nothing runs (exit 2); a page that could not be fetched lets the run go on."""
    from ..checks.doccheck import for_run, run_line

    summary = for_run(flow, locale, offline)
    if offline is not None and summary["error"]:
        raise UsageError(f"--offline: {summary['error']}")
    click.echo(run_line(summary), err=as_json)
    return summary


def _send_notifications(reports: Iterable[tuple[Report, Path]], notify: tuple[str, ...], notify_on: str,
                        report_url: str | None) -> None:
    """--notify after a run or a `report`: a service that cannot be reached is a warning, not a failure."""
    if not notify:
        return
    from ..reporters.notify import notify_run

    for report, folder in reports:
        for warning in notify_run(report, folder, notify, notify_on, report_url):
            click.echo(f"warning: {warning}", err=True)


def _run_exit_code(report: Report, sharded: bool) -> int:
    """0 every account passed, 1 one did not (or nobody ran), 130 interrupted. An empty shard (a
    few accounts over many CI jobs) is a success, not a run with nobody in it."""
    if report.interrupted:
        return 130
    s = report.summary()
    return 0 if s["passed"] == s["total"] and (s["total"] > 0 or sharded) else 1


@cli.command()
@click.argument("results_dir", type=click.Path(path_type=Path), metavar="RESULTS_DIR")
@click.option("--account", metavar="EMAIL", help="Only this account's page card.")
def explain(results_dir: Path, account: str | None) -> None:
    """Print the page cards of a finished run: each page the runner did not understand, what it looked
    like, and the proposed fix (a flow edit, or a row for a sign-in states file). Exit 1 when none."""
    from ..reporters.pagecard import explain as explain_cards

    lines = explain_cards(results_dir, account)
    if not lines:
        click.echo(f"{results_dir}: no page card: no account{' ' + account if account else ''} met a page the "
                   "runner did not understand.", err=True)
        sys.exit(1)
    click.echo("\n".join(lines))


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FLOW...")
def validate(files: tuple[str, ...]) -> None:
    """Check flow files (or shipped flows by name) without a browser; problems as file:line:col: message."""
    from ..spec.catalog import resolve_flow
    from ..spec.flow import load_flow

    bad = False
    for file in files:
        try:
            flow = load_flow(resolve_flow(file))
        except FlowError as exc:
            bad = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        click.echo(f"{file}: ok ({flow.name!r}, {len(flow.steps)} steps)")
    sys.exit(2 if bad else 0)


@cli.command("doc-check")
@click.argument("files", nargs=-1, required=True, metavar="FLOW...")
@click.option("--locale", help="The article's locale, e.g. tr-TR (default: the `source:` address as written).")
@doc_offline_option
@click.option("--threshold", type=click.FloatRange(50, 100), default=95.0, show_default=True,
              help="Fuzzy ratio (0-100) from which a quote is the same as the article's sentence.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("doc-check.json"),
              show_default=True, help="Where to write the verdicts as JSON.")
@click.option("--all-steps", is_flag=True, help="Also list the steps of the article's other procedures (those "
              "the flow quotes nothing of), as context: never drift.")
@notify_options
def doc_check(files: tuple[str, ...], locale: str | None, offline: Path | None, threshold: float, out: Path,
              all_steps: bool, notify: tuple[str, ...], notify_on: str, report_url: str | None) -> None:
    """Check that each flow's `doc:` quotes still match its `source:` article: same, changed (with the
    word-level difference), missing, and the steps of the procedures it replays that no quote covers
    (new). Exit 1 on drift."""
    from ..checks.doccheck import command

    sys.exit(command(files, locale, offline, threshold, out, notify, notify_on, report_url, all_steps))


@cli.group(invoke_without_command=True)
@click.pass_context
def flows(ctx: click.Context) -> None:
    """The flows shipped with m365-replay: their names, sources and inputs (`flows copy DIR` to edit them)."""
    if ctx.invoked_subcommand is None:
        from ..spec.catalog import describe_shipped

        for line in describe_shipped():
            click.echo(line)


@flows.command("copy")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite flows that already exist in DIRECTORY.")
def flows_copy(directory: Path, force: bool) -> None:
    """Copy the shipped flows (and their lib/ sub-flows) into DIRECTORY for editing."""
    from ..spec.catalog import copy_shipped

    for line in copy_shipped(directory, force=force):
        click.echo(line)


@cli.command()
@browser_options
def doctor(browser: BrowserSettings) -> None:
    """What a run needs and whether this machine has it; exit 1 if a run cannot start or the keyring is unencrypted."""
    from .doctor import FAIL, render, run_checks

    checks = run_checks(browser)
    for line in render(checks):
        click.echo(line)
    sys.exit(1 if any(check.status == FAIL for check in checks) else 0)


@cli.command()
@click.option("--users", "kind", flag_value="users", help="The schema of users files instead.")
@click.option("--config", "kind", flag_value="config", help="The schema of the config file instead.")
@click.option("--simulator-accounts", "kind", flag_value="simulator-accounts",
              help="The schema of simulated-accounts files instead.")
@click.option("--states", "kind", flag_value="states", help="The schema of sign-in states files instead.")
def schema(kind: str | None) -> None:
    """Print the JSON Schema of flow files (for editors), or of another YAML file this tool reads."""
    from ..simulator.accounts import accounts_schema
    from ..spec import schema as schemas

    make = {"users": schemas.users_schema, "config": schemas.config_schema, "states": schemas.states_schema,
            "simulator-accounts": accounts_schema}.get(kind or "", schemas.flow_schema)
    click.echo(json.dumps(make(), indent=2))


cli.add_command(creds)
cli.add_command(show_report)
cli.add_command(experiment)
cli.add_command(simulator_command)


@cli.command()
@click.argument("dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--merge", is_flag=True, help="Merge the reports of shards or reruns in DIRS into one (needs --out).")
@click.option("--out", type=click.Path(path_type=Path), help="With --merge: the folder for the merged report.")
@click.option("--evidence", is_flag=True, help="Also write the per-account evidence zips.")
@notify_options
def report(dirs: tuple[Path, ...], merge: bool, out: Path | None, evidence: bool, notify: tuple[str, ...],
           notify_on: str, report_url: str | None) -> None:
    """Re-render report.html and junit.xml from report.json in DIR (or merge several DIRs)."""
    from ..reporters.commands import render_command
    from ..reporters.notify import check_urls

    check_urls(notify)
    for line in render_command(list(dirs), merge=merge, out=out, evidence=evidence):
        click.echo(line)
    if notify:  # after a sharded matrix: one message about the merged report, not one per shard
        from ..reporters.data import load_report

        folders = [out] if merge and out is not None else list(dirs)
        _send_notifications(((load_report(folder), folder) for folder in folders), notify, notify_on, report_url)


@cli.command()
@browser_options
@page_options
@report_dir_option
@verbose_option
def demo(browser: BrowserSettings, locale: str | None, timeout: float, report_dir: Path | None, verbose: int) -> None:
    """Run the shipped flow on the built-in simulator for two demo accounts (one per tile)."""
    from .demo import run_demo

    sys.exit(run_demo(browser, report_dir=report_dir, locale=locale, timeout=timeout, verbose=verbose))


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="m365-replay", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except UsageError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
