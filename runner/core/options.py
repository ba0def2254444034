"""The options of a run, written once: `m365-replay run` (runner/cli/options.py makes click options of
them) and the pytest plugin (runner/pytest/plugin.py makes `--m365-<name>` options of them) take the
same ones, with the same meaning, range and default.

Each row says what the option is for; its default is RunOptions' (core/model.py), never typed here,
and a text that depends on a setting (the retries' waits) is made from that setting. The pytest
option's help is the run option's, followed by "(as `run --NAME`)", unless the row gives its own
(where the plugin does something of its own, such as starting the simulator).

Plain data, no click and no pytest: both ways in import it, and `--help` must stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import option_default
from .retry import MAX_RETRIES, RETRYABLE, account_policy

KINDS = ("text", "path", "float", "int", "flag", "many", "duration", "choice")
TRACE_CHOICES = ("on", "off", "retain-on-failure")


@dataclass(frozen=True)
class RunOption:
    name: str  # the run's flag without its dashes; the plugin's is --m365-NAME
    help: str
    kind: str = "text"  # one of KINDS: `many` is repeatable text, `duration` seconds or 90s/5m/1h
    dest: str | None = None  # the parameter name `run` receives (default: the name with underscores)
    field: str | None = None  # the RunOptions field it sets, whose default it has
    minimum: float | None = None
    maximum: float | None = None
    metavar: str | None = None
    pytest_help: str | None = None  # the plugin's own words, where it does more or less than `run`
    choices: tuple[str, ...] = ()
    plugin: bool = True  # False: `run` only (pytest-playwright and xdist have their own, or it means nothing there)

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind

    @property
    def cli(self) -> str:
        return f"--{self.name}"

    @property
    def pytest(self) -> str:
        return f"--m365-{self.name}"

    @property
    def param(self) -> str:
        return self.dest or self.name.replace("-", "_")

    @property
    def default(self) -> Any:
        if self.field is not None:
            return option_default(self.field)
        return {"flag": False, "many": ()}.get(self.kind)

    def pytest_text(self) -> str:
        shown = f" Default: {self.default:g}." if isinstance(self.default, float | int) and self.kind != "flag" else ""
        return (self.pytest_help or f"{self.help.rstrip('.')} (as `run {self.cli}`).") + shown


def _retries_help() -> str:
    never = ("the account's own answers (bad_credentials, locked, unknown_account, mfa_required, action_required, "
             "password_expired, blocked...: another try would only count toward a lockout), page_changed and "
             "not_synced")
    return (f"Run an account again from the start, in a new private context, when it ended {', '.join(RETRYABLE[:-1])} "
            f"or {RETRYABLE[-1]}: at most N more tries, after {account_policy().schedule(', then ')} (QA's nightly "
            f"runs use 2). Never retried: {never}. An account that passed on a later try is passed and flaky.")


ROWS = (
    RunOption("account", "Account to run (repeatable).", "many", dest="accounts", metavar="EMAIL",
              pytest_help="An account to run every flow for (repeatable)."),
    RunOption("users", "YAML file: users: [{account: ..., INPUT: value}]", "path", metavar="FILE"),
    RunOption("var", "Set a flow input for every account (repeatable).", "many", dest="variables",
              metavar="NAME=VALUE"),
    RunOption("allow-changes", "Run a flow that changes something in the accounts (its `changes:`, e.g. "
              "add-profile-photo); without it such a flow is refused (exit 2), nothing run.", "flag",
              pytest_help="Run flows that change something in the accounts (their `changes:`, as `run "
              "--allow-changes`); without it such a flow is refused at collection."),
    RunOption("shard", "Run only shard K of N: a stable split of the accounts (CI matrix); merge the shards' "
              "reports with `report --merge`.", metavar="K/N"),
    RunOption("locale", "Browser UI language, e.g. tr-TR or de-DE."),
    RunOption("timeout", "Seconds per step.", "float", field="timeout", minimum=0.5, metavar="S"),
    RunOption("workers", "Accounts at once.", "int", field="workers", minimum=1, maximum=64, plugin=False),
    RunOption("account-timeout", "Seconds per account.", "float", field="account_timeout", minimum=1, metavar="S",
              pytest_help="Seconds per flow x account (as `run --account-timeout`)."),
    RunOption("trace", "Playwright trace per account (secrets are never recorded).", "choice", field="trace",
              choices=TRACE_CHOICES, plugin=False),
    RunOption("video", "Video per account.", "choice", field="video", choices=TRACE_CHOICES, plugin=False),
    RunOption("mfa-wait", "With --headed: seconds to wait for a person to approve a push notification.", "float",
              field="mfa_wait", minimum=0, plugin=False),
    RunOption("config", "Config file (default: ./m365-replay.yaml, else the user's config file; `doctor` shows "
              "which).", "path", dest="config_file", metavar="FILE",
              pytest_help="Config file with the tenant allow-list (default: as `run`: ./m365-replay.yaml, else the "
              "user's config file)."),
    RunOption("simulator", "Run against the built-in Microsoft 365 simulator, with the demo's accounts (all of them "
              "when no account is named); a password the keyring lacks comes from the simulator.", "flag",
              pytest_help="Run against the built-in Microsoft 365 simulator with the demo's accounts (as `run "
              "--simulator`); without --m365-account or --m365-users, every simulated account runs."),
    RunOption("simulator-accounts", "YAML of your own simulated accounts: the simulator with them (`schema "
              "--simulator-accounts`); a password the keyring lacks comes from this file.", "path", metavar="FILE",
              pytest_help="Run against the built-in Microsoft 365 simulator holding these accounts (as `run "
              "--simulator-accounts`)."),
    RunOption("require-synced", "Fail (exit 1) an account whose check did not find `synced` (not_yet, no_photo, "
              "unknown): QA's gate. Without it a replay that ran passes, its outcome shown beside it.", "flag",
              field="require_synced",
              pytest_help="Fail a test whose check did not find `synced` (as `run --require-synced`)."),
    RunOption("until-synced", "Re-check a `not_yet` outcome in the same session, with backoff, until `synced` or "
              "DURATION ends (120, 90s, 5m).", "duration", field="until_synced", metavar="DURATION"),
    RunOption("report-dir", "Report folder (default: a new one under m365-replay-results/).", "path",
              pytest_help="Folder of the session's report.json and report.html (and junit.xml), as `run` writes "
              "them, with the runs' evidence (default: a new one under m365-replay-results/, as `run`; never "
              "pytest-playwright's --output, which it empties at every session start); with several flow files, one "
              "folder per flow inside it."),
    RunOption("states", "A sign-in states file: page states checked before the built-in table (default: the "
              "config's sign_in_states:). A page card's proposed row goes there.", "path", dest="states_file",
              metavar="FILE"),
    RunOption("retries", _retries_help(), "int", field="retries", minimum=0, maximum=MAX_RETRIES, metavar="N",
              pytest_help=_retries_help().replace("in a new private context", "in a new context (pytest-playwright's "
                                                  "new_context)").replace("passed and flaky", "reported FLAKY")),
)
RUN_OPTIONS = {row.name: row for row in ROWS}
PLUGIN_OPTIONS = tuple(row for row in ROWS if row.plugin)


def parse_duration(text: str | float) -> float:
    """`--until-synced` values: seconds (`120`), or with a unit (`90s`, `5m`, `1h`)."""
    import re

    if isinstance(text, (int, float)):
        seconds = float(text)
    else:
        match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$", text, re.IGNORECASE)
        if not match:
            raise ValueError(f"a duration is seconds (120) or a number with s, m or h (90s, 5m); got {text!r}")
        seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"a duration must be more than 0 seconds; got {text!r}")
    return seconds


def check_value(row: RunOption, value: Any) -> Any:
    """A value of `row` as the run takes it (a duration in seconds), in its range; ValueError says why not."""
    if row.kind == "duration" and value is not None:
        return parse_duration(value)
    if row.kind in ("float", "int") and value is not None:
        low, high = row.minimum, row.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{low:g} to {high:g}" if low is not None and high is not None else f"at least {low:g}"
            raise ValueError(f"{row.cli} takes {bounds}, not {value:g}")
    return value
