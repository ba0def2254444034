"""The experiment's plan: its two arms as flows the engine runs, the observer's steps, and the
record of a new experiment (or the one already in the folder, when the same command runs again).

Why these flows, reused rather than written again: both arms give the account a new generated
picture the user's way, exactly as `qa-profile-photo` does (its first step, add-profile-photo,
which ends by checking that Exchange has the picture). The fix arm then replays the documented fix,
the flow's second step (sync-profile-photo) without that flow's own check: the check would read
SharePoint in the account's session, and the observer is the one check, the same for both arms. The
control arm does nothing else: it never opens OneDrive or SharePoint.

The observer replays check-profile-photo up to its check (Office.com, the sign-in, the Apps page:
OneDrive is not opened) and reads each account's photo where that check reads the user's own:
`userphoto.aspx` on the host the ${tile} tile leads to, the one the fix visits.

Everything here runs before any browser starts: every problem of the input is a UsageError
(exit 2) while nothing has been changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..checks.experiment import MIN_PER_ARM, arm_sizes, split
from ..checks.pictures import FILE_NAME
from ..core.errors import UsageError
from ..core.experiment import FIX, Experiment, Subject, load
from ..core.model import AccountSpec, Flow, Step
from ..core.results import slug
from ..secrets.credentials import CredentialStore
from ..spec.catalog import resolve_flow
from ..spec.flow import load_flow
from ..spec.steps import STEP_TYPES
from ..spec.users import build_specs, check_email
from .account import step_title

QA_FLOW = "qa-profile-photo"  # the new photo, then the fix
CHECK_FLOW = "check-profile-photo"  # the observer's way to SharePoint's copy, without a visit
START_NAME = "Profile photo experiment: the new photo (both arms), then the documented fix (fix arm)"


@dataclass
class ArmFlows:
    fix: Flow
    control: Flow
    uploaded_step: str  # the step whose start means the upload's steps have all passed (Exchange's check)
    observer_steps: list[Step]
    photo: dict[str, Any]  # check-profile-photo's candidate: `base` (the tile) and `url` (${account}'s photo)

    def for_arm(self, arm: str) -> Flow:
        return self.fix if arm == FIX else self.control


def checks_outcome(step: Step) -> bool:
    """The step that checks the outcome, known by its declaration (runner/spec/steps.py): the arms
    and the observer are cut around it whatever the shipped flows call it."""
    return STEP_TYPES[step.command].checks_outcome


def arm_flows() -> ArmFlows:
    """The shipped flows, cut as the arms and the observer need them (see the module's docstring)."""
    qa = load_flow(resolve_flow(QA_FLOW))
    uses = [step for step in qa.steps if step.subflow is not None]
    upload = next(step for step in uses if step.subflow and step.subflow.changes)  # the one that changes the photo
    fix = next(step for step in uses if step is not upload)
    assert upload.subflow is not None and fix.subflow is not None
    own_check = [step for step in fix.subflow.steps if checks_outcome(step)]
    fix_only = replace(fix, subflow=replace(fix.subflow, steps=[s for s in fix.subflow.steps if s not in own_check]))
    exchange_check = [step for step in upload.subflow.steps if checks_outcome(step)][-1]
    check = load_flow(resolve_flow(CHECK_FLOW))
    at = next(i for i, step in enumerate(check.steps) if checks_outcome(step))
    return ArmFlows(
        fix=replace(qa, name=START_NAME, steps=[upload, fix_only]),
        control=replace(qa, name=START_NAME, steps=[upload]),
        uploaded_step=step_title(upload.name, exchange_check.name),
        observer_steps=check.steps[:at],
        photo=check.steps[at].arg["candidate"],
    )


@dataclass
class Request:
    """What `experiment run` / `start` were asked, before anything is checked."""

    folder: Path
    users: Path
    observer: str
    control_share: float = 0.5
    seed: int | None = None
    alpha: float = 0.05
    every_s: float = 60.0
    deadline_s: float | None = None
    variables: tuple[str, ...] = ()
    sharepoint_host: str | None = None


def plan(request: Request, store: CredentialStore) -> tuple[Experiment, list[AccountSpec], ArmFlows]:
    """The experiment in the folder (new, or the one there when the same command runs again), and
    the accounts still to replay, in the drawn order, each with its arm's flow. UsageError for
    anything that would stop it before its end: nothing has changed yet. Called inside
    core.experiment.writing(), which has proven the folder writable and holds it."""
    flows = arm_flows()
    specs = build_specs(flows.fix, (), request.users, request.variables)
    accounts = [spec.account for spec in specs]
    observer = request.observer.strip()
    _check_people(request, accounts, observer)
    if request.deadline_s is not None and request.deadline_s < request.every_s:
        raise UsageError(f"--deadline {request.deadline_s:g} s is shorter than one observation round (--every "
                         f"{request.every_s:g} s): give a longer --deadline or a shorter --every.")
    check_passwords(store, [observer, *accounts])
    exp = load(request.folder)
    if exp is None:
        seed = request.seed if request.seed is not None else secrets.randbits(31)
        arms, _ = split(accounts, request.control_share, seed)
        tile = specs[0].inputs.get("tile", "OneDrive") if specs else "OneDrive"
        exp = Experiment(observer, seed, request.control_share, request.alpha, request.every_s,
                         [Subject(account, arms[account]) for account in sorted(accounts, key=str.lower)],
                         deadline_s=request.deadline_s, sharepoint_host=request.sharepoint_host, tile=tile)
    else:
        _same_experiment(exp, request, accounts, observer)
        exp.every_s, exp.alpha = request.every_s, request.alpha
        if request.deadline_s is not None:
            exp.deadline_s = request.deadline_s
    _, order = split(accounts, exp.control_share, exp.seed)
    by_account = {spec.account.lower(): spec for spec in specs}
    todo = [replace(by_account[a.lower()], flow=flows.for_arm(exp.subject(a).arm)) for a in order
            if exp.subject(a).replayed_at is None and exp.subject(a).failure is None]
    return exp, todo, flows


def _check_people(request: Request, accounts: list[str], observer: str) -> None:
    problem = check_email(observer)
    if problem:
        raise UsageError(f"--observer: {problem}")
    if observer.lower() in {a.lower() for a in accounts}:
        raise UsageError(f"--observer {observer} is also in {request.users}: the observer must be an account of its "
                         "own (it signs in to read everyone's photo, which would be a visit for that account); "
                         "take it out of the users file or name another observer.")
    if not 0 < request.control_share < 1:
        raise UsageError(f"--control {request.control_share:g}: the control arm's share is between 0 and 1 (0.5: "
                         "half and half).")
    fix, control = arm_sizes(len(accounts), request.control_share)
    if min(fix, control) < MIN_PER_ARM:
        raise UsageError(f"{request.users}: {len(accounts)} accounts make {fix} in the fix arm and {control} in the "
                         f"control arm (--control {request.control_share:g}); each arm needs at least {MIN_PER_ARM} "
                         "(with two, the test can never reach p < 0.05): add accounts or change --control.")


def check_passwords(store: CredentialStore, accounts: list[str]) -> None:
    """Every account's password, the observer's too, before anything changes: a missing one found
    halfway through would leave the experiment with accounts changed and no way to finish."""
    missing = [account for account in accounts if not store.get("password", account)]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise UsageError(f"No password is stored for {shown}; nothing was changed. Store each with "
                         "`m365-replay creds set ACCOUNT` (`creds check --users FILE` lists them).")


def _same_experiment(exp: Experiment, request: Request, accounts: list[str], observer: str) -> None:
    """The folder's experiment is this one when its accounts and seed are the ones asked for (and
    its observer and split); anything else is another experiment, never mixed into this record."""
    differ = []
    if sorted(s.account.lower() for s in exp.accounts) != sorted(a.lower() for a in accounts):
        differ.append(f"its accounts ({len(exp.accounts)}) are not those of {request.users} ({len(accounts)})")
    if request.seed is not None and request.seed != exp.seed:
        differ.append(f"its seed is {exp.seed}, not {request.seed}")
    if abs(request.control_share - exp.control_share) > 1e-9:
        differ.append(f"its control share is {exp.control_share:g}, not {request.control_share:g}")
    if observer.lower() != exp.observer.lower():
        differ.append(f"its observer is {exp.observer}, not {observer}")
    if differ:
        raise UsageError(f"{request.folder} holds another experiment: {'; '.join(differ)}. Give another --out, or "
                         "the same options to carry on with that one.")


def picture_of(start_dir: str, account: str) -> str:
    """Where the engine saves an account's generated picture, relative to the experiment's folder."""
    return f"{start_dir}/{slug(account)}/{FILE_NAME}"
