"""The command-line options several commands share, each defined once.

`run`, `demo` and `doctor` all start a browser; when each listed its own --browser-channel the
choices drifted apart (five in one, two in another). So, as shot-scraper does, every shared option
is defined here once as a decorator that each command stacks, and browser_options() is the one
factory from the browser options to the launch settings: the command receives a BrowserSettings,
never the loose flags. tests/cli/test_cli.py checks that every command taking a browser option takes
them all, defined alike.

Nothing here imports Playwright: `--help` must stay fast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..core.errors import UsageError
from ..core.model import BrowserSettings
from ..core.options import RUN_OPTIONS, RunOption, check_value, parse_duration
from ..reporters.notify import WHEN as NOTIFY_WHEN

if TYPE_CHECKING:
    from ..simulator import Simulator

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]

BROWSER_CHANNELS = ("chrome", "msedge", "chrome-beta", "msedge-beta", "chromium")
# the click parameter names browser_options() turns into the command's one `browser` argument
BROWSER_PARAMS = ("headed", "browser_channel", "executable_path", "connect")


def stack(*decorators: Decorator[Any]) -> Decorator[Any]:
    """Several option decorators as one, listed in --help in the order written here."""

    def apply(command: F) -> F:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


_BROWSER = stack(
    click.option("--headed", is_flag=True, help="Show the browser window."),
    click.option("--browser-channel", type=click.Choice(BROWSER_CHANNELS),
                 help="Use an installed Chrome or Edge."),
    click.option("--executable-path", type=click.Path(), help="Path to a Chromium-based browser."),
    click.option("--connect", metavar="WS_ENDPOINT", help="Use a remote Playwright browser server."),
)


def browser_options(command: F) -> F:
    """--headed, --browser-channel, --executable-path, --connect: which browser a command starts.
    The command gets them as one `browser: BrowserSettings` argument (the same one `run` uses)."""

    @functools.wraps(command)
    def with_browser(*args: Any, **kwargs: Any) -> Any:
        kwargs["browser"] = BrowserSettings(**{name: kwargs.pop(name) for name in BROWSER_PARAMS})
        return command(*args, **kwargs)

    return _BROWSER(with_browser)  # type: ignore[return-value]


def _checked(row: RunOption) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback reading a value as the table says (a duration in seconds)."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        try:
            return check_value(row, value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return check


def run_option(name: str) -> Decorator[Any]:
    """The click option of a run option (runner/core/options.py: the one table `run` and the pytest
    plugin share), with its RunOptions default and its range."""
    row = RUN_OPTIONS[name]
    kw: dict[str, Any] = {"help": row.help, "metavar": row.metavar}
    if row.field is not None:
        kw["default"] = row.default
    if row.kind == "flag":
        kw = {"help": row.help, "is_flag": True, "default": False}
    elif row.kind == "many":
        kw["multiple"] = True
    elif row.kind == "path":
        kw["type"] = click.Path(path_type=Path)
    elif row.kind == "duration":
        kw["callback"] = _checked(row)
    elif row.kind == "choice":
        kw.update(type=click.Choice(row.choices), show_default=True, metavar=None)
    elif row.kind in ("float", "int"):
        bounded = click.FloatRange if row.kind == "float" else click.IntRange
        kw.update(type=bounded(row.minimum, row.maximum), show_default=True)
    return click.option(row.cli, row.param, **kw)


page_options = stack(run_option("locale"), run_option("timeout"))
page_options.__doc__ = "--locale, --timeout: how each account's pages are opened (run and demo)."

report_dir_option = run_option("report-dir")

verbose_option = click.option("-v", "--verbose", count=True,
                              help="More log output (-vv for debug); secrets are always masked.")

notify_options = stack(
    click.option("--notify", "notify", multiple=True, metavar="URL", help="Send the result to an Apprise URL "
                 "(repeatable): workflows://… (Teams), slack://…, mailtos://…, json://host/path."),
    click.option("--notify-on", type=click.Choice(NOTIFY_WHEN), default=NOTIFY_WHEN[0], show_default=True,
                 help="When to send: on failures or a changed outcome, only one of them, or always."),
    click.option("--report-url", metavar="BASE", help="Where the results folder is published (CI artifact, web "
                 "share): messages link BASE/report.html instead of a local path."),
)
notify_options.__doc__ = "--notify, --notify-on, --report-url: the same three wherever a result is sent."


def duration_value(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """A click callback for a command's own DURATION option (120, 90s, 5m, 1h), read as the run options'
    durations are (core/options.py parse_duration): seconds, or a clear error (exit 2)."""
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


outcome_options = stack(run_option("require-synced"), run_option("until-synced"))
outcome_options.__doc__ = "--require-synced, --until-synced: what a flow's check (compare_images) decides."

retries_option = run_option("retries")
retries_option.__doc__ = "--retries N: transient faults tried again in a new context (runner/run/retry.py)."

doc_offline_option = click.option(
    "--offline", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE",
    help="Check against this saved copy of the article instead of fetching it: a support.microsoft.com or "
    "learn.microsoft.com page (HTML) or MicrosoftDocs Markdown.")
doc_offline_option.__doc__ = "--offline FILE: the saved article, for `doc-check` and `run --doc-check` alike."


def simulator_from(wanted: bool, accounts_file: Path | None) -> Simulator | None:
    """--simulator / --simulator-accounts: the built-in Microsoft 365 with the demo's accounts or the
    file's, or None."""
    if not wanted and accounts_file is None:
        return None
    if accounts_file is None:
        from ..simulator import Simulator, demo_accounts

        return Simulator(demo_accounts())
    from ..simulator import load_simulator

    try:
        return load_simulator(accounts_file)  # its accounts, and any faults the file sets
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"{accounts_file}: {exc}") from None
