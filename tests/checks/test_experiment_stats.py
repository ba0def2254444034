"""The experiment's statistics on constructed records, without a browser: the random split, the
observations' bookkeeping, censoring, the Kaplan-Meier curves and medians, each verdict, and the
record's file (runner/checks/experiment.py, runner/core/experiment.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.checks.experiment import analyse, arm_sizes, curve, split, survival
from runner.core.errors import UsageError
from runner.core.experiment import (
    CONTROL,
    FILE,
    FIX,
    NOT_YET,
    SYNCED,
    UNKNOWN,
    Experiment,
    Round,
    StartFailure,
    Subject,
    iso,
    load,
)

T0 = 1_800_000_000.0  # the uploads' moment in these records


def subject(name: str, arm: str, synced_at: float | None = None, last_seen: float = 60.0, every: float = 2.0,
            upload: float = T0) -> Subject:
    """An account uploaded at `upload`, observed every `every` s: not_yet until `synced_at` (seconds
    after the upload), synced from then on; never synced when None, observed until `last_seen`."""
    s = Subject(f"{name}@contoso.com", arm, uploaded_at=iso(upload), replayed_at=iso(upload + 1))
    t = every
    while t <= last_seen:
        synced = synced_at is not None and t >= synced_at
        s.observe(SYNCED if synced else NOT_YET, upload + t, upload + t + 0.1, 10 if synced else 120)
        if synced:
            break
        t += every
    return s


def experiment(*subjects: Subject, alpha: float = 0.05, deadline: float | None = None) -> Experiment:
    exp = Experiment("observer@contoso.com", 7, 0.5, alpha, 2.0, list(subjects), deadline_s=deadline)
    rounds = sorted({o.last_at for s in subjects for o in s.observations})
    exp.rounds = [Round(at, finished_at=at) for at in rounds]
    exp.start_finished_at = iso(T0)
    analyse(exp)
    return exp


def arms(fix: list[float | None], control: list[float | None], **kw) -> Experiment:  # type: ignore[no-untyped-def]
    return experiment(*[subject(f"f{i}", FIX, t) for i, t in enumerate(fix)],
                      *[subject(f"c{i}", CONTROL, t) for i, t in enumerate(control)], **kw)


def test_the_split_is_reproducible_from_the_accounts_and_the_seed_and_rounds_an_odd_one_to_the_fix() -> None:
    accounts = [f"user{i}@contoso.com" for i in range(7)]
    arms_a, order_a = split(accounts, 0.5, seed=42)
    arms_b, order_b = split(list(reversed(accounts)), 0.5, seed=42)
    assert arms_a == arms_b and order_a == order_b, "the users file's order does not matter"
    assert sorted(arms_a.values()).count(CONTROL) == 3 and sorted(arms_a.values()).count(FIX) == 4
    assert sorted(order_a) == sorted(accounts)
    others = [split(accounts, 0.5, seed)[0] for seed in range(1, 6)]
    assert any(other != arms_a for other in others), "another seed, another split"
    assert arm_sizes(7, 0.5) == (4, 3) and arm_sizes(100, 0.29) == (71, 29) and arm_sizes(10, 0.7) == (3, 7)
    # the replay order is drawn too: the control arm does not simply go first
    firsts = {tuple(arms_s[a] for a in order_s[:3]) for arms_s, order_s in (split(accounts, 0.5, s) for s in range(20))}
    assert len(firsts) > 2


def test_observations_are_kept_as_runs_with_the_times_each_one_proves() -> None:
    s = Subject("a@contoso.com", FIX, uploaded_at=iso(T0), replayed_at=iso(T0 + 1))
    s.observe(NOT_YET, T0 + 5, T0 + 5.4, 120)
    s.observe(NOT_YET, T0 + 10, T0 + 10.4, 118)
    s.observe(UNKNOWN, T0 + 15, T0 + 15.4, None, "contoso-my.sharepoint.com answered HTTP 503")
    s.observe(NOT_YET, T0 + 20, T0 + 20.3, 121)
    s.observe(SYNCED, T0 + 25, T0 + 25.5, 8)
    assert [(o.status, o.count) for o in s.observations] == [(NOT_YET, 2), (UNKNOWN, 1), (NOT_YET, 1), (SYNCED, 1)]
    # not yet at the moment it was asked, synced by the moment the answer came: the sync lies between
    assert s.last_not_yet_after_upload_s == 20.0 and s.synced_after_upload_s == 25.5
    assert s.observations[0].first_at == iso(T0 + 5) and s.observations[0].last_at == iso(T0 + 10)
    assert s.observations[1].message.endswith("HTTP 503")
    assert survival(s) == (25.5, True)
    never = subject("b", CONTROL, None, last_seen=30)
    assert survival(never) == (30.0, False), "censored at its last observation"
    unread = Subject("c@contoso.com", CONTROL, uploaded_at=iso(T0), replayed_at=iso(T0))
    unread.observe(UNKNOWN, T0 + 3, T0 + 3.2)
    assert survival(unread) is None, "nothing seen: not in the test"
    failed = subject("d", FIX, 10)
    failed.failure = StartFailure("page_changed", "The fix's tile was not found.", "Click the OneDrive tile")
    assert survival(failed) is None
    cut_off = subject("e", FIX, 10)  # uploaded and observed, but its run never ended (a killed start)
    cut_off.replayed_at = None
    assert cut_off.observable and not cut_off.in_test and survival(cut_off) is None


def test_kaplan_meier_counts_the_censored_accounts() -> None:
    drawn, median = curve([(10.0, True), (30.0, True), (40.0, False), (50.0, False)])
    # half synced by 30 s: the two still waiting count as at risk, not as failures nor as absent
    assert median == 30.0 and drawn.censored == [40.0, 50.0]
    assert drawn.times[:2] == [10.0, 30.0] and drawn.share[:2] == [0.25, 0.5]
    _, early = curve([(10.0, True), (30.0, True), (5.0, False), (6.0, False)])
    assert early == 10.0, "accounts censored early leave the risk set: the estimate is 1/2 after the first sync"
    assert curve([(40.0, False), (50.0, False)])[1] is None


def test_the_fix_arm_syncing_while_the_control_arm_never_does_is_a_difference() -> None:
    exp = arms([10, 12, 14], [None, None, None], deadline=30.0)
    assert exp.verdict is not None and exp.test is not None
    assert exp.verdict.verdict == "fix_makes_a_difference", exp.verdict
    assert exp.test.p_value == pytest.approx(0.0246, abs=5e-4) and exp.test.statistic > 0
    assert "SciPy" in exp.test.library
    assert exp.arms[FIX].synced == 3 and exp.arms[FIX].median_s == 12.1 and exp.arms[CONTROL].median_s is None
    assert exp.verdict.sentence.startswith("The documented fix makes a difference: SharePoint showed the new photo "
                                           "for 3 of 3 accounts that replayed the documented fix (median 12 s), "
                                           "against 0 of 3 accounts that did not (median not reached)")
    assert "p = 0.0246 < 0.05" in exp.verdict.sentence
    assert exp.verdict.final, "the last round came after the deadline"


def test_a_control_arm_that_syncs_sooner_is_said_so() -> None:
    exp = arms([None, None, None], [4, 6, 8])
    assert exp.verdict is not None and exp.test is not None
    assert exp.verdict.verdict == "control_sooner" and exp.test.statistic < 0 and exp.test.p_value < 0.05
    assert "did not replay the documented fix synced sooner" in exp.verdict.sentence
    assert not exp.verdict.final, "no deadline: observation is open"


def test_both_arms_syncing_alike_is_no_difference() -> None:
    exp = arms([8, 10, 14, 20], [8, 12, 16, None])
    assert exp.verdict is not None and exp.test is not None
    assert exp.verdict.verdict == "no_difference" and exp.test.p_value >= 0.05, exp.test
    assert "No difference" in exp.verdict.sentence and "≥ 0.05" in exp.verdict.sentence
    assert exp.arms[CONTROL].synced == 3 and exp.arms[CONTROL].in_test == 4
    assert not exp.verdict.final, "one account still waits, no window set"
    everyone = arms([8, 10, 14], [9, 12, 15])
    assert everyone.verdict is not None and everyone.verdict.final, "every account synced: nothing can change it"


@pytest.mark.parametrize(("fix", "control", "why"), [
    ([10, 12], [None, None, None], "too few accounts to tell: 2 in the fix arm and 3 in the control arm"),
    ([None, None, None], [None, None, None], "no account's new photo has been seen in SharePoint yet"),
    ([10, None, None], [None, None, None], "no account of the control arm has been seen synced yet"),
])
def test_inconclusive_says_why(fix: list[float | None], control: list[float | None], why: str) -> None:
    exp = arms(fix, control)
    assert exp.verdict is not None and exp.verdict.verdict == "inconclusive"
    assert exp.verdict.reason is not None and exp.verdict.reason.startswith(why), exp.verdict.reason
    assert exp.verdict.sentence.startswith("Inconclusive: " + why)


def test_a_significant_difference_wins_over_a_silent_arm_and_alpha_is_the_users() -> None:
    strict = arms([10, 12, 14], [None, None, None], alpha=0.01)
    assert strict.verdict is not None and strict.verdict.verdict == "inconclusive", "p = 0.025 is not below 0.01"
    assert "p = 0.0246 ≥ 0.01" in strict.verdict.sentence


def test_accounts_left_out_are_counted_apart_and_do_not_enter_the_test() -> None:
    bad = subject("f9", FIX, 2)
    bad.failure = StartFailure("timeout", "The account did not finish.", None)
    exp = experiment(bad, *[subject(f"f{i}", FIX, t) for i, t in enumerate([10, 12, 14])],
                     *[subject(f"c{i}", CONTROL, None) for i in range(3)])
    assert exp.arms[FIX].accounts == 4 and exp.arms[FIX].in_test == 3 and exp.arms[FIX].left_out == 1
    assert exp.test is not None and exp.test.p_value == pytest.approx(0.0246, abs=5e-4)


def test_the_record_survives_a_round_trip_and_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    exp = arms([10, 12, 14], [None, None, None], deadline=30.0)
    exp.save(tmp_path)
    data = json.loads((tmp_path / FILE).read_text())
    assert list(data)[:3] == ["kind", "version", "observer"] and data["version"] == 1
    assert {"account", "arm", "uploaded_at", "synced_after_upload_s", "last_not_yet_after_upload_s",
            "observations", "failure"} <= set(data["accounts"][0])
    assert data["test"]["name"] == "log-rank (two-sided)" and set(data["test"]) >= {"statistic", "p_value"}
    assert data["verdict"]["verdict"] == "fix_makes_a_difference" and data["arms"]["fix"]["median_s"] == 12.1
    again = load(tmp_path)
    assert again is not None and again.to_dict() == exp.to_dict()
    assert load(tmp_path / "nothing") is None

    (tmp_path / FILE).write_text(json.dumps({**data, "version": 99}))
    with pytest.raises(UsageError, match=r"version 99 .* upgrade m365-replay"):
        load(tmp_path)
    (tmp_path / FILE).write_text(json.dumps({"runs": []}))
    with pytest.raises(UsageError, match="not a m365-replay experiment record"):
        load(tmp_path)
    (tmp_path / FILE).write_text("{half")
    with pytest.raises(UsageError, match="not a readable experiment record"):
        load(tmp_path)


def test_the_simulator_has_both_worlds_per_account() -> None:
    """SharePoint follows only after a visit (the documented world), on its own some time after the
    upload (the fix does not matter), or whichever comes first; one copy is logged once."""
    from runner.simulator.photos import PhotoSetup, PhotoSync, encode, face

    now = [0.0]
    sync = PhotoSync({"visit@contoso.com": PhotoSetup(exchange_seed=1, delay=5),
                      "own@contoso.com": PhotoSetup(exchange_seed=2, delay=None, unprompted=20),
                      "either@contoso.com": PhotoSetup(exchange_seed=3, delay=5, unprompted=20)},
                     clock=lambda: now[0])
    for n, upn in enumerate(("visit@contoso.com", "own@contoso.com", "either@contoso.com")):
        sync.upload(upn, encode(face(100 + n), 300))
    now[0] = 10
    sync.visited("own@contoso.com")  # a visit does nothing where SharePoint follows on its own
    sync.visited("either@contoso.com")  # due at 15, before the upload's own copy at 20
    now[0] = 14.9
    assert not any(sync.synced(u) for u in ("visit@contoso.com", "own@contoso.com", "either@contoso.com"))
    now[0] = 15
    assert sync.synced("either@contoso.com") and not sync.synced("own@contoso.com")
    now[0] = 20
    assert sync.synced("own@contoso.com") and not sync.synced("visit@contoso.com"), "no visit, no sync"
    now[0] = 10**6
    assert not sync.synced("visit@contoso.com")
    changes = sync.changes()
    assert sorted(c.upn for c in changes) == ["either@contoso.com", "own@contoso.com"], "the later copy changes nothing"
