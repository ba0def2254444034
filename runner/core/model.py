"""The model every stage shares: a validated flow (Flow, Step, Input), who to run it for
(AccountSpec), how (RunOptions) and who listens (Listener).

Plain data with no behaviour beyond checking input values, and no import of the engine, the
sign-in or the step handlers: validation builds these, the engine runs them, the console and the
reporters read them, and none of those has to import another to get a dataclass.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import did_you_mean

if TYPE_CHECKING:
    from .results import Report, RunResult


@dataclass
class Input:
    name: str
    type: str = "string"
    default: Any = None
    allowed: list[Any] | None = None
    description: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None

    def coerce(self, raw: Any) -> Any:
        """Convert a value from YAML or `--var` to this input's type; ValueError says why not."""
        value = raw
        if self.type == "boolean":
            if isinstance(raw, str) and raw.lower() in ("true", "false", "yes", "no", "1", "0"):
                value = raw.lower() in ("true", "yes", "1")
            elif not isinstance(raw, bool):
                raise ValueError(f"input {self.name!r} takes true or false, not {raw!r}")
        elif self.type in ("integer", "number"):
            try:
                value = int(raw) if self.type == "integer" else float(raw)
            except (TypeError, ValueError, OverflowError):  # OverflowError: int(.inf)
                raise ValueError(f"input {self.name!r} takes {_a(self.type)}, not {raw!r}") from None
            if isinstance(raw, bool) or not math.isfinite(value):
                raise ValueError(f"input {self.name!r} takes {_a(self.type)}, not {raw!r}")
        else:
            if isinstance(raw, (dict, list)) or raw is None:
                raise ValueError(f"input {self.name!r} takes text, not {raw!r}")
            value = str(raw)
        if self.allowed is not None and value not in self.allowed:
            allowed = ", ".join(str(a) for a in self.allowed)
            hint = did_you_mean(str(value), {str(a) for a in self.allowed})
            raise ValueError(f"input {self.name!r} is {value!r}; allowed: {allowed}{hint}")
        return value


def _a(type_name: str) -> str:
    return f"an {type_name}" if type_name == "integer" else f"a {type_name}"


@dataclass
class Step:
    command: str
    arg: Any
    name: str
    file: str
    line: int
    doc: str | None = None  # what reports show: the English (or only) wording
    optional: bool = False
    when: dict[str, Any] | None = None
    unless: dict[str, Any] | None = None
    timeout: float | None = None
    subflow: Flow | None = None
    with_: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, str] | None = None  # `doc:` per locale when the flow gives it so (doccheck.py)
    # what this step changes in the account once it has passed (`changes:`, e.g. ["profile photo"]):
    # a run that fails after it says so (RunResult.changed), never a plain failure
    changes: list[str] = field(default_factory=list)


@dataclass
class Flow:
    name: str
    path: Path
    steps: list[Step]
    source: str | None = None
    description: str | None = None
    inputs: dict[str, Input] = field(default_factory=dict)
    # what running it changes in an account (`changes:`, e.g. ["profile photo"]), its sub-flows' included;
    # `run` refuses such a flow without --allow-changes
    changes: list[str] = field(default_factory=list)

    def every_step(self) -> Iterator[Step]:
        """The flow's steps and its sub-flows' steps, in the order they run."""
        for step in self.steps:
            yield step
            if step.subflow is not None:
                yield from step.subflow.every_step()

    def resolve_inputs(self, values: dict[str, Any]) -> dict[str, Any]:
        """Defaults filled in and types checked; ValueError names the first problem."""
        out = {}
        for name, inp in self.inputs.items():
            if name in values:
                out[name] = inp.coerce(values[name])
            elif inp.default is not None:
                out[name] = inp.default
            else:
                raise ValueError(f"input {name!r} has no default; set it with --var {name}=VALUE or in the users file")
        unknown = set(values) - set(self.inputs)
        if unknown:
            name = sorted(unknown)[0]
            raise ValueError(f"the flow has no input {name!r}{did_you_mean(name, set(self.inputs))}")
        return out


@dataclass(frozen=True)
class StateRow:
    """One sign-in page state from a states file (`--states`, the config's `sign_in_states:`, teach
    mode): how to recognize the page (`match`: page_id, host, error_code, shows) and the one thing
    to do there, click a marker or fail with a category. Plain data: runner/spec/states.py reads it,
    runner/signin/ acts on it, and only the built-in rows may type anything."""

    name: str
    match: dict[str, Any]
    click: str | None = None
    fail: dict[str, str] | None = None
    description: str = ""
    where: str = ""  # file:line, shown in the steps and the trace when the row is used


@dataclass
class BrowserSettings:
    """Which browser a run uses and how it shows (the CLI's and doctor's browser options)."""

    headed: bool = False
    browser_channel: str | None = None
    executable_path: str | None = None
    connect: str | None = None
    slow_mo: float = 0


class SimulatorLike(Protocol):
    """What a run needs of the built-in simulator: the context options that send a browser context
    through it (its proxy). The simulator lives apart (runner.simulator) and only the ways in start
    it, so the engine knows it by this shape alone."""

    def context_options(self) -> dict[str, Any]: ...
    def start(self) -> SimulatorLike: ...
    def stop(self) -> None: ...


@dataclass
class RunOptions:
    report_dir: Path
    browser: BrowserSettings = field(default_factory=BrowserSettings)
    workers: int = 1
    locale: str | None = None
    timeout: float = 30.0
    account_timeout: float = 300.0
    sign_in_timeout: float = 120.0
    unrecognized_after: float = 20.0
    mfa_wait: float = 60.0
    when_probe: float = 3.0
    trace: str = "retain-on-failure"
    video: str = "off"
    navigation_retries: int = 2
    navigation_backoff: float = 1.0  # seconds before goto's first retry, doubled for each next one (at most 8)
    # --retries: an account that ended `unreachable`, `timeout` or `browser_error` runs again from the start
    # in a new context, this many times at most, after the backoff of that retry (seconds; the last repeats)
    retries: int = 0
    retry_backoff: tuple[float, ...] = (5.0, 15.0, 45.0)
    simulator: SimulatorLike | None = None
    # a person is at the keyboard (default: when headed) and can approve a push notification
    interactive: bool | None = None
    # a check's outcome (compare_images) other than `synced` fails the account (QA); and how long a
    # `not_yet` is re-checked, with backoff, in the same context before it is the answer (seconds)
    require_synced: bool = False
    until_synced: float | None = None
    # rows of a sign-in states file, checked before the built-in table (runner/signin/states.py); and
    # teach mode's file: an unknown sign-in page waits for the person at the window, and the element
    # they click becomes a new row appended there
    sign_in_states: list[StateRow] = field(default_factory=list)
    teach: Path | None = None

    @property
    def can_ask_a_person(self) -> bool:
        return self.browser.headed if self.interactive is None else self.interactive


def option_default(name: str) -> Any:
    """RunOptions' default for `name`: a run's defaults are written once, above; the command line, the
    pytest plugin and the help texts read them here."""
    found = next(f for f in fields(RunOptions) if f.name == name)
    return found.default_factory() if found.default is MISSING else found.default  # type: ignore[misc]


# the account's photo (`${photo}`) as a word rather than a file: a new picture made for the run
# (runner/checks/pictures.py), distinct from every earlier one, saved in the account's folder
GENERATE_PHOTO = "generate"


@dataclass
class AccountSpec:
    account: str
    inputs: dict[str, Any]
    photo: str | None = None  # the users file's `photo:` for this account: the `${photo}` variable
    # the flow this account runs when not the run's own (an experiment's arms: the control arm runs
    # only the upload, the fix arm the upload and the fix, in one run and one random order)
    flow: Flow | None = None


class Listener:
    """What the terminal (or a test) hears as the run goes; every method is optional."""

    def run_started(self, report: Report, total: int, browser: str) -> None: ...
    def account_started(self, account: str) -> None: ...
    def step_started(self, account: str, step: str) -> None: ...
    def account_finished(self, result: RunResult) -> None: ...
    def announce(self, message: str) -> None: ...
    def teach_waiting(self, account: str, page: Any) -> None:
        """Teach mode waits for the person at the window on `page` (a Playwright Page): a listener may
        look at it, or, as the tests do, play the person."""
