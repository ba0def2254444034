"""The experiment's statistics: the random split into arms, the Kaplan-Meier curves, the log-rank
test and the verdict. Pure functions over the record (runner/core/experiment.py): no browser, no
file, so each verdict is tested on constructed data.

Why these: the question is "does replaying the documented fix make SharePoint show a new photo
sooner?", and the answer is a time that is often not seen at all (an account still not synced
when observation ends is censored, not failed). Comparing two arms' times with censoring is what
the log-rank test is for, and the Kaplan-Meier estimate draws each arm's share synced against time;
both come from SciPy (`stats.logrank`, `stats.ecdf` over `stats.CensoredData`), not from formulas
written here. The test is two-sided: a fix arm that syncs *later* is worth a ticket too.

SciPy is imported lazily: `m365-replay --help` must stay fast.
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Sequence

from ..core.experiment import (
    ARMS,
    CONTROL,
    FIX,
    ArmSummary,
    Curve,
    Experiment,
    Subject,
    TestResult,
    Verdict,
    duration_text,
    parse_time,
)

MIN_PER_ARM = 3  # two accounts per arm can never reach p < 0.05 with a log-rank test
ARM_NAMES = {FIX: "replayed the documented fix", CONTROL: "did not"}


# ---------------------------------------------------------------------------------------------- the split
def arm_sizes(total: int, control_share: float) -> tuple[int, int]:
    """(fix, control): the control arm gets `control_share` of the accounts rounded down, so an odd
    account goes to the fix arm, the one under test (7 at 0.5: 4 and 3)."""
    control = math.floor(total * control_share + 1e-9)  # 0.29 * 100 is 28.999…: still 29
    return total - control, control


def split(accounts: Sequence[str], control_share: float, seed: int) -> tuple[dict[str, str], list[str]]:
    """Each account's arm, and the order the accounts are replayed in, both drawn from `seed`.

    The accounts are sorted first, so the split depends on the set of accounts and the seed, not on
    the users file's order: anyone with the two can reproduce it. The replay order is drawn too, so
    neither arm goes first (a tenant's sync that runs on a schedule would otherwise favour one)."""
    ordered = sorted({a.lower(): a for a in accounts}.values(), key=str.lower)
    rnd = random.Random(seed)
    shuffled = ordered[:]
    rnd.shuffle(shuffled)
    _, control = arm_sizes(len(ordered), control_share)
    arms = {account: CONTROL if i < control else FIX for i, account in enumerate(shuffled)}
    order = ordered[:]
    rnd.shuffle(order)
    return arms, order


# ---------------------------------------------------------------------------------------------- survival
def survival(subject: Subject) -> tuple[float, bool] | None:
    """(seconds after the upload, synced) for the test: the first observation showing the new
    picture, or, censored, the last one still showing another. None when the account has no
    observation that tells either (not observed yet, or every read failed)."""
    if not subject.in_test:
        return None
    if subject.synced_after_upload_s is not None:
        return max(0.0, subject.synced_after_upload_s), True
    if subject.last_not_yet_after_upload_s is not None:
        return max(0.0, subject.last_not_yet_after_upload_s), False
    return None


def _censored_data(times: list[tuple[float, bool]]):  # type: ignore[no-untyped-def]
    from scipy import stats

    return stats.CensoredData(uncensored=[t for t, synced in times if synced],
                              right=[t for t, synced in times if not synced])


def curve(times: list[tuple[float, bool]]) -> tuple[Curve, float | None]:
    """The Kaplan-Meier estimate of the share synced (SciPy's ecdf of censored data), and its
    median: the first time the estimate reaches one half (None: not reached)."""
    censored = sorted(t for t, synced in times if not synced)
    if not times:
        return Curve(), None
    if not any(synced for _, synced in times):
        return Curve(times=[0.0], share=[0.0], censored=censored), None
    from scipy import stats

    cdf = stats.ecdf(_censored_data(times)).cdf
    xs = [float(x) for x in cdf.quantiles]
    ys = [round(float(y), 6) for y in cdf.probabilities]
    median = next((x for x, y in zip(xs, ys, strict=True) if y >= 0.5), None)
    return Curve(times=xs, share=ys, censored=censored), median


def logrank(fix: list[tuple[float, bool]], control: list[tuple[float, bool]]) -> TestResult | None:
    """SciPy's two-sided log-rank test of the fix arm against the control arm; its statistic is
    positive when the fix arm synced sooner than it would with no difference. None when the test
    has nothing to compare (no sync while accounts of both arms were observed)."""
    import scipy
    from scipy import stats

    with warnings.catch_warnings():  # no account of one arm at risk when the other's synced: no variance
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.logrank(_censored_data(fix), _censored_data(control), alternative="two-sided")
    if not (math.isfinite(result.statistic) and math.isfinite(result.pvalue)):
        return None
    return TestResult("log-rank (two-sided)", round(float(result.statistic), 6), float(result.pvalue),
                      f"scipy.stats.logrank (SciPy {scipy.__version__})")


# ---------------------------------------------------------------------------------------------- verdict
def analyse(exp: Experiment, now: float | None = None) -> None:
    """Set the record's per-arm summaries, test and verdict from its observations so far."""
    times: dict[str, list[tuple[float, bool]]] = {}
    for arm in ARMS:
        members = [s for s in exp.accounts if s.arm == arm]
        times[arm] = [t for t in (survival(s) for s in members) if t is not None]
        drawn, median = curve(times[arm])
        exp.arms[arm] = ArmSummary(accounts=len(members), in_test=sum(s.in_test for s in members),
                                   synced=sum(synced for _, synced in times[arm]), median_s=median,
                                   left_out=sum(s.failure is not None for s in members), curve=drawn)
    fix, control = times[FIX], times[CONTROL]
    events = sum(synced for _, synced in fix + control)
    exp.test = logrank(fix, control) if events and fix and control else None
    verdict, reason = _decide(exp, fix, control)
    exp.verdict = Verdict(verdict, sentence(exp, verdict, reason, fix + control), reason, _final(exp))


def _final(exp: Experiment) -> bool:
    """Whether more observation can change nothing: a round came at or after the window's end, or
    every account was replayed and each one in the test has been seen synced."""
    ends, last = exp.ends_at, exp.observed_until
    if ends is not None and last is not None and parse_time(last) >= ends:
        return True
    observed = [s for s in exp.accounts if s.observable]
    return exp.start_finished_at is not None and bool(observed) and all(s.synced for s in observed)


def _decide(exp: Experiment, fix: list[tuple[float, bool]], control: list[tuple[float, bool]]
            ) -> tuple[str, str | None]:
    if len(fix) < MIN_PER_ARM or len(control) < MIN_PER_ARM:
        return "inconclusive", (f"too few accounts to tell: {len(fix)} in the fix arm and {len(control)} in the "
                                f"control arm have been observed after their upload; the test needs at least "
                                f"{MIN_PER_ARM} in each (two can never reach p < 0.05)")
    synced_fix, synced_control = sum(s for _, s in fix), sum(s for _, s in control)
    if not synced_fix and not synced_control:
        return "inconclusive", "no account's new photo has been seen in SharePoint yet: observe longer"
    if exp.test is None:
        return "inconclusive", ("no account of one arm was still observed when the other arm's synced, so the arms "
                                "cannot be compared yet: observe longer")
    if exp.test.p_value < exp.alpha:
        return ("fix_makes_a_difference" if exp.test.statistic > 0 else "control_sooner"), None
    if synced_fix and synced_control:
        return "no_difference", None
    quiet = "fix" if not synced_fix else "control"
    return "inconclusive", (f"no account of the {quiet} arm has been seen synced yet, and the difference is not "
                            f"significant (p = {exp.test.p_value:.3g}): observe longer, or add accounts")


def _arm_text(exp: Experiment, arm: str) -> str:
    summary = exp.arms[arm]
    median = f"median {duration_text(summary.median_s)}" if summary.median_s is not None else "median not reached"
    observed = sum(1 for s in exp.accounts if s.arm == arm and survival(s) is not None)
    return f"{summary.synced} of {observed} accounts that {ARM_NAMES[arm]} ({median})"


def sentence(exp: Experiment, verdict: str, reason: str | None, times: list[tuple[float, bool]]) -> str:
    """The verdict in one sentence a QA lead can paste into a ticket: what was compared, what was
    seen in each arm, for how long, and the test."""
    window = f"observed up to {duration_text(max((t for t, _ in times), default=0.0))} after the upload"
    seen = f"SharePoint showed the new photo for {_arm_text(exp, FIX)}, against {_arm_text(exp, CONTROL)}"
    test = ""
    if exp.test is not None:
        sign = "<" if exp.test.p_value < exp.alpha else "≥"
        test = f"; log-rank test, two-sided: p = {exp.test.p_value:.3g} {sign} {exp.alpha:g}"
    if verdict == "fix_makes_a_difference":
        return f"The documented fix makes a difference: {seen}, {window}{test}."
    if verdict == "control_sooner":
        return (f"The accounts that did not replay the documented fix synced sooner: {seen}, {window}{test}; "
                "the fix does not speed the sync here.")
    if verdict == "no_difference":
        return (f"No difference between replaying the documented fix and not: {seen}, {window}{test}; SharePoint "
                "followed without the fix as well.")
    return f"Inconclusive: {reason}. So far {seen}, {window}{test}."

