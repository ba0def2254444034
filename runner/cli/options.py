"""The command-line options several commands share, each defined once.

`run`, `demo` and `doctor` all start a browser; when each listed its own --browser-channel the
choices drifted apart (five in one, two in another). So, as shot-scraper does, every shared option
is defined here once as a decorator that each command stacks, and browser_options() is the one
factory from the browser options to the launch settings: the command receives a BrowserSettings,
never the loose flags. tests/test_cli.py checks that every command taking a browser option takes
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
from ..reporters.notify import WHEN as NOTIFY_WHEN

if TYPE_CHECKING:
    from ..simulator import Simulator

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]

BROWSER_CHANNELS = ("chrome", "msedge", "chrome-beta", "msedge-beta", "chromium")
TRACE_CHOICES = click.Choice(["on", "off", "retain-on-failure"])
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


page_options = stack(
    click.option("--locale", help="Browser UI language, e.g. tr-TR or de-DE."),
    click.option("--timeout", type=click.FloatRange(0.5), default=30.0, show_default=True, help="Seconds per step."),
)
page_options.__doc__ = "--locale, --timeout: how each account's pages are opened (run and demo)."

report_dir_option = click.option(
    "--report-dir", type=click.Path(path_type=Path),
    help="Report folder (default: a new one under m365-replay-results/).")

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


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    from ..checks.photos import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


duration_value = _duration  # a click callback: DURATION (120, 90s, 5m, 1h) as seconds, for any command

outcome_options = stack(
    click.option("--require-synced", is_flag=True, help="Fail (exit 1) an account whose check did not find "
                 "`synced` (not_yet, no_photo, unknown): QA's gate. Without it a replay that ran passes, its "
                 "outcome shown beside it."),
    click.option("--until-synced", metavar="DURATION", callback=_duration, help="Re-check a `not_yet` outcome in "
                 "the same session, with backoff, until `synced` or DURATION ends (120, 90s, 5m)."),
)
outcome_options.__doc__ = "--require-synced, --until-synced: what a flow's check (compare_images) decides."


RETRIES_HELP = ("Run an account again from the start, in a new private context, when it ended unreachable, "
                "timeout or browser_error: at most N more tries, after 5 s, then 15 s, then 45 s (QA's nightly "
                "runs use 2). Never retried: the account's own answers (bad_credentials, locked, unknown_account, "
                "mfa_required, action_required, password_expired, blocked...: another try would only count "
                "toward a lockout), page_changed and not_synced. An account that passed on a later try is "
                "passed and flaky.")
retries_option = click.option("--retries", type=click.IntRange(0, 3), default=0, show_default=True, metavar="N",
                              help=RETRIES_HELP)
retries_option.__doc__ = "--retries N: transient faults tried again in a new context (runner/run/retry.py)."


def simulator_from(wanted: bool, accounts_file: Path | None) -> Simulator | None:
    """--simulator / --simulator-accounts: the built-in Microsoft 365 with those accounts, or None."""
    if not wanted and accounts_file is None:
        return None
    if accounts_file is None:
        raise UsageError("--simulator needs --simulator-accounts FILE (or try `m365-replay demo`).")
    from ..simulator import load_simulator

    try:
        return load_simulator(accounts_file)  # its accounts, and any faults the file sets
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"{accounts_file}: {exc}") from None
