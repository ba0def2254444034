"""The m365-replay command line: each command is one plain function over the modules.

Exit codes: 0 every account passed, 1 an account did not pass, 2 bad input or setup (nothing
was run), 130 interrupted.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import FlowError, UsageError

TRACE_CHOICES = click.Choice(["on", "off", "retain-on-failure"])


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


# --- QA's nightly check: notifications (runner/notify.py) on run, report and doc-check -------------
NOTIFY_WHEN = ("failure-or-change", "failure", "change", "always")  # runner/notify.py WHEN


def _notify_options(command):  # type: ignore[no-untyped-def]
    """--notify, --notify-on, --report-url: the same three options wherever a result is sent."""
    command = click.option("--report-url", metavar="BASE", help="Where the results folder is published (CI "
                           "artifact, web share): messages link BASE/report.html instead of a local path.")(command)
    command = click.option("--notify-on", type=click.Choice(NOTIFY_WHEN), default=NOTIFY_WHEN[0], show_default=True,
                           help="When to send: on failures or a changed outcome, only one of them, or always.")(command)
    return click.option("--notify", "notify", multiple=True, metavar="URL", help="Send the result to an Apprise "
                        "URL (repeatable): workflows://… (Teams), slack://…, mailtos://…, json://host/path.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="m365-replay")
def cli() -> None:
    """Replay documented Microsoft 365 user-side procedures in a real browser, one private
    browser context per account."""


@cli.command()
@click.argument("flow_file", metavar="FLOW")
@click.option("--account", "accounts", multiple=True, metavar="EMAIL", help="Account to run (repeatable).")
@click.option("--users", type=click.Path(path_type=Path), help="YAML file: users: [{account: ..., INPUT: value}]")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="Set a flow input for every account.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Accounts at once.")
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--browser-channel", type=click.Choice(["chrome", "msedge", "chrome-beta", "msedge-beta", "chromium"]),
              help="Use an installed Chrome or Edge.")
@click.option("--executable-path", type=click.Path(), help="Path to a Chromium-based browser.")
@click.option("--connect", metavar="WS_ENDPOINT", help="Use a remote Playwright browser server.")
@click.option("--shard", metavar="K/N", help="Run only shard K of N: a stable split of the accounts (CI matrix); "
              "merge the shards' reports with `report --merge`.")
@click.option("--locale", help="Browser UI language, e.g. tr-TR or de-DE.")
@click.option("--report-dir", type=click.Path(path_type=Path), help="Report folder (default: a new one under "
              "m365-replay-results/).")
@click.option("--timeout", type=click.FloatRange(0.5), default=30.0, show_default=True, help="Seconds per step.")
@click.option("--account-timeout", type=click.FloatRange(1), default=300.0, show_default=True,
              help="Seconds per account.")
@click.option("--trace", type=TRACE_CHOICES, default="retain-on-failure", show_default=True,
              help="Playwright trace per account (secrets are never recorded).")
@click.option("--video", type=TRACE_CHOICES, default="off", show_default=True, help="Video per account.")
@click.option("--mfa-wait", type=click.FloatRange(0), default=60.0, show_default=True,
              help="With --headed: seconds to wait for a person to approve a push notification.")
@click.option("--simulator", is_flag=True, help="Run against the built-in Microsoft 365 simulator.")
@click.option("--config", "config_file", type=click.Path(path_type=Path),
              help="Config file (default: ./m365-replay.yaml, else the user's config file; `doctor` shows which).")
@click.option("--simulator-accounts", type=click.Path(path_type=Path),
              help="YAML of simulated accounts (with --simulator).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug); secrets are always masked.")
@click.option("-q", "--quiet", is_flag=True, help="Only failures and the summary.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout at the end.")
@click.option("--rerun-failed", type=click.Path(path_type=Path), metavar="DIR",
              help="Run only the accounts that did not pass in the report in DIR.")
@click.option("--evidence", is_flag=True, help="Also write one zip per account for a ticket (screenshots, trace, "
              "redacted log, summary.txt) under REPORT_DIR/evidence/.")
@click.option("--doc-check", "doc_check", is_flag=True, help="Also check the flow's `doc:` wording against its "
              "article first, and record when and with what result in report.json (see `doc-check`).")
@_notify_options
def run(flow_file: str, accounts: tuple[str, ...], users: Path | None, variables: tuple[str, ...], workers: int,
        headed: bool, browser_channel: str | None, executable_path: str | None, connect: str | None,
        locale: str | None, report_dir: Path | None, timeout: float, account_timeout: float, trace: str, video: str,
        mfa_wait: float, simulator: bool, config_file: Path | None, simulator_accounts: Path | None, verbose: int,
        quiet: bool, as_json: bool, rerun_failed: Path | None = None,
        evidence: bool = False, shard: str | None = None, doc_check: bool = False, notify: tuple[str, ...] = (),
        notify_on: str = NOTIFY_WHEN[0], report_url: str | None = None) -> None:
    """Run FLOW for each account: a flow file, or a shipped flow's name (see `m365-replay flows`)."""
    from .browser import BrowserSettings
    from .catalog import resolve_flow
    from .credentials import KeyringStore
    from .engine import RunOptions, default_report_dir
    from .flow import load_flow
    from .runs import execute
    from .users import build_specs

    flow = load_flow(resolve_flow(flow_file))
    if notify:
        from .notify import check_urls

        check_urls(notify)
    if rerun_failed is not None:
        from .reporters.history import rerun_specs

        specs = rerun_specs(flow, rerun_failed, accounts, users, variables)
        if not specs:
            click.echo(f"Nothing to rerun: every account passed in {rerun_failed}.", err=True)
            sys.exit(0)
    else:
        specs = build_specs(flow, accounts, users, variables)
    if shard is not None:
        from .shard import parse_shard, select

        index, total = parse_shard(shard)
        specs = select(specs, index, total)
    from .config import load_config

    load_config(config_file).check_accounts([spec.account for spec in specs])
    if video != "off":
        from .browser import check_video_support

        check_video_support(BrowserSettings(connect=connect))
    store = KeyringStore()
    store.check()
    sim = None
    if simulator or simulator_accounts:
        from .simulator import Simulator, load_accounts

        if simulator_accounts is None:
            raise UsageError("--simulator needs --simulator-accounts FILE (or try `m365-replay demo`).")
        try:
            sim = Simulator(load_accounts(simulator_accounts))
        except (OSError, ValueError, TypeError) as exc:
            raise UsageError(f"{simulator_accounts}: {exc}") from None
    options = RunOptions(
        report_dir=report_dir or default_report_dir(),
        browser=BrowserSettings(headed=headed, browser_channel=browser_channel, executable_path=executable_path,
                                connect=connect),
        workers=workers, locale=locale, timeout=timeout, account_timeout=account_timeout, trace=trace,
        video=video, mfa_wait=mfa_wait, simulator=sim,
    )
    doc_summary = None
    if doc_check:
        from .doccheck import for_run, run_line

        doc_summary = for_run(flow, locale)
        click.echo(run_line(doc_summary), err=as_json)
    report = execute(flow, specs, options, store, verbose=verbose, quiet=quiet, to_stderr=as_json,
                     evidence=evidence, doc_check=doc_summary)
    if notify:
        from .notify import notify_run

        for warning in notify_run(report, options.report_dir, notify, notify_on, report_url):
            click.echo(f"warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    s = report.summary()
    if report.interrupted:
        sys.exit(130)
    # an empty shard (a few accounts over many CI jobs) is a success, not a run with nobody in it
    sys.exit(0 if s["passed"] == s["total"] and (s["total"] > 0 or shard is not None) else 1)


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FLOW...")
def validate(files: tuple[str, ...]) -> None:
    """Check flow files (or shipped flows by name) without a browser; problems as file:line:col: message."""
    from .catalog import resolve_flow
    from .flow import load_flow

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
@click.option("--offline", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE",
              help="Check against this saved copy of the article (HTML or Markdown) instead of fetching it.")
@click.option("--threshold", type=click.FloatRange(50, 100), default=95.0, show_default=True,
              help="Fuzzy ratio (0-100) from which a quote is the same as the article's sentence.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("doc-check.json"),
              show_default=True, help="Where to write the verdicts as JSON.")
@_notify_options
def doc_check(files: tuple[str, ...], locale: str | None, offline: Path | None, threshold: float, out: Path,
              notify: tuple[str, ...], notify_on: str, report_url: str | None) -> None:
    """Check that each flow's `doc:` quotes still match its `source:` article: same, changed (with the
    word-level difference), missing, and the article's steps no quote covers (new). Exit 1 on drift."""
    from .doccheck import command

    sys.exit(command(files, locale, offline, threshold, out, notify, notify_on, report_url))


@cli.group(invoke_without_command=True)
@click.pass_context
def flows(ctx: click.Context) -> None:
    """The flows shipped with m365-replay: their names, sources and inputs (`flows copy DIR` to edit them)."""
    if ctx.invoked_subcommand is None:
        from .catalog import describe_shipped

        for line in describe_shipped():
            click.echo(line)


@flows.command("copy")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite flows that already exist in DIRECTORY.")
def flows_copy(directory: Path, force: bool) -> None:
    """Copy the shipped flows (and their lib/ sub-flows) into DIRECTORY for editing."""
    from .catalog import copy_shipped

    for line in copy_shipped(directory, force=force):
        click.echo(line)


@cli.command()
@click.option("--browser-channel", type=click.Choice(["chrome", "msedge", "chrome-beta", "msedge-beta", "chromium"]),
              help="Check this installed Chrome or Edge instead of the default order.")
@click.option("--executable-path", type=click.Path(), help="Check this Chromium-based browser.")
def doctor(browser_channel: str | None, executable_path: str | None) -> None:
    """What a run needs and whether this machine has it; exit 1 if a run cannot start."""
    from .browser import BrowserSettings
    from .doctor import FAIL, render, run_checks

    checks = run_checks(BrowserSettings(browser_channel=browser_channel, executable_path=executable_path))
    for line in render(checks):
        click.echo(line)
    sys.exit(1 if any(check.status == FAIL for check in checks) else 0)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of flow files (for editors)."""
    from .schema import flow_schema

    click.echo(json.dumps(flow_schema(), indent=2))


@cli.group()
def creds() -> None:
    """Passwords and TOTP secrets in the OS keyring."""


@creds.command("set")
@click.argument("account")
@click.option("--totp", is_flag=True, help="Store the account's TOTP secret (base32) instead of its password.")
@click.option("--from-env", "from_env", metavar="VAR", help="Read the value from environment variable VAR instead "
              "of a prompt (a CI job's secret store at job start; the value is never printed).")
def creds_set(account: str, totp: bool, from_env: str | None = None) -> None:
    """Store ACCOUNT's password (prompted, never echoed)."""
    from .credentials import KeyringStore
    from .users import check_email

    problem = check_email(account)
    if problem:
        raise UsageError(problem)
    store = KeyringStore()
    store.check()
    kind = "totp" if totp else "password"
    label = "TOTP secret (base32)" if totp else "Password"
    if from_env is not None:  # CI: the secret store hands secrets over as environment variables
        import os

        secret = os.environ.get(from_env, "")
        if not secret:
            raise UsageError(f"Nothing stored: environment variable {from_env} is not set or empty.")
    else:
        secret = getpass.getpass(f"{label} for {account}: ")
    if not secret:
        raise UsageError("Nothing stored: the value was empty.")
    if not totp and from_env is None and sys.stdin.isatty():
        again = getpass.getpass("Again, to confirm: ")
        if again != secret:
            raise UsageError("Nothing stored: the two entries differ.")
    if totp:
        from .credentials import TOTP_HELP, normalize_totp_secret

        try:
            secret = normalize_totp_secret(secret)
        except ValueError as exc:
            raise UsageError(f"Nothing stored: that is not a TOTP secret: {exc}. {TOTP_HELP}") from None
    store.set(kind, account, secret)
    click.echo(f"Stored the {label.lower()} of {account} in {store.backend_name()}.")


@creds.command("check")
@click.argument("accounts", nargs=-1)
@click.option("--users", type=click.Path(path_type=Path), help="Check every account of a users file.")
def creds_check(accounts: tuple[str, ...], users: Path | None) -> None:
    """Which accounts have a password / TOTP secret (exit 1 if any password is missing)."""
    from .credentials import KeyringStore
    from .users import check_email, load_users

    names = list(accounts)
    for name in names:  # bad input first: it needs no keyring to be told
        if check_email(name):
            raise UsageError(str(check_email(name)))
    if users is not None:
        names += [account for account, _, _ in load_users(users, None)]
    if not names:
        raise UsageError("Name the accounts to check: m365-replay creds check user@contoso.com ... (or --users FILE)")
    store = KeyringStore()
    store.check()
    click.echo(f"keyring backend: {store.backend_name()}")
    missing = False
    for name in names:
        has_password = bool(store.get("password", name))
        has_totp = bool(store.get("totp", name))
        missing = missing or not has_password
        click.echo(f"{name}: password {'yes' if has_password else 'MISSING'}, totp {'yes' if has_totp else 'no'}")
    sys.exit(1 if missing else 0)


@creds.command("delete")
@click.argument("account")
@click.option("--totp", is_flag=True, help="Delete the TOTP secret instead of the password.")
def creds_delete(account: str, totp: bool) -> None:
    """Remove ACCOUNT's password (or TOTP secret) from the keyring."""
    from .credentials import KeyringStore
    from .users import check_email

    if check_email(account):
        raise UsageError(str(check_email(account)))
    store = KeyringStore()
    kind = "totp" if totp else "password"
    if store.delete(kind, account):
        click.echo(f"Deleted the {kind} of {account}.")
    else:
        click.echo(f"No {kind} was stored for {account}.")


@cli.command()
@click.argument("dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--merge", is_flag=True, help="Merge the reports of shards or reruns in DIRS into one (needs --out).")
@click.option("--out", type=click.Path(path_type=Path), help="With --merge: the folder for the merged report.")
@click.option("--evidence", is_flag=True, help="Also write the per-account evidence zips.")
@_notify_options
def report(dirs: tuple[Path, ...], merge: bool, out: Path | None, evidence: bool, notify: tuple[str, ...] = (),
           notify_on: str = NOTIFY_WHEN[0], report_url: str | None = None) -> None:
    """Re-render report.html and junit.xml from report.json in DIR (or merge several DIRs)."""
    from .reporters.commands import render_command

    if notify:
        from .notify import check_urls

        check_urls(notify)
    for line in render_command(list(dirs), merge=merge, out=out, evidence=evidence):
        click.echo(line)
    if notify:  # after a sharded matrix: one message about the merged report, not one per shard
        from .notify import notify_run
        from .reporters.data import load_report

        for folder in [out] if merge and out is not None else list(dirs):
            for warning in notify_run(load_report(folder), folder, notify, notify_on, report_url):
                click.echo(f"warning: {warning}", err=True)


@cli.command()
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--report-dir", type=click.Path(path_type=Path), help="Report folder.")
@click.option("--browser-channel", type=click.Choice(["chrome", "msedge"]), help="Use an installed Chrome or Edge.")
@click.option("--executable-path", type=click.Path(), help="Path to a Chromium-based browser.")
@click.option("--locale", help="Browser UI language, e.g. tr-TR.")
@click.option("-v", "--verbose", count=True)
def demo(headed: bool, report_dir: Path | None, browser_channel: str | None, executable_path: str | None,
         locale: str | None, verbose: int) -> None:
    """Run the shipped flow on the built-in simulator for two demo accounts (one per tile)."""
    from .demo import run_demo

    sys.exit(run_demo(headed=headed, report_dir=report_dir, browser_channel=browser_channel,
                      executable_path=executable_path, locale=locale, verbose=verbose))


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
