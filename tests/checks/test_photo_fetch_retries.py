"""The photo check's own fetches under faults: an image that could not be fetched because of the network or
a server error (5xx) is fetched again, at most 3 tries under the retry policy of runs
(runner/core/retry.py), each retry counted in the outcome's `fetch_retries` and said in its message; an
answer about the image (404: no photo) is never fetched again. Real Chromium against the simulator, its
faults counted from its own record."""

from __future__ import annotations

import pytest

from runner.checks.photos import FETCH_POLICY, Fetched
from runner.core.model import AccountSpec
from runner.simulator import SimAccount
from tests.conftest import FLOWS

CHECK = FLOWS / "check-profile-photo.yaml"
OUTLOOK = "outlook.office.com"


def faults_on(sim, host: str) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for e in sim.app.events if e["event"] == "fault" and e["host"] == host)


def test_which_fetch_failures_are_worth_another_try() -> None:
    assert Fetched("u", error="x could not be reached (net::ERR_CONNECTION_RESET)", unreachable=True).transient
    assert Fetched("u", status=503, error="x answered HTTP 503").transient
    assert not Fetched("u", status=403, error="x answered HTTP 403").transient, "refused: the same next time"
    assert not Fetched("u", status=404, missing=True).transient, "no photo is an answer"
    assert not Fetched("u", error="no image within 10 s: the tab stopped at login...").transient
    assert not Fetched("u", data=b"png", status=200).transient
    assert (FETCH_POLICY.retries + 1, FETCH_POLICY.backoff) == (3, (1.0, 2.0))


@pytest.mark.browser
def test_a_server_error_on_the_way_is_fetched_again_and_counted(replay) -> None:
    """Outlook on the web answers 503 to the first two photo requests: the third try gets the picture,
    the outcome is `synced` (not `unknown`), with the two retries in `fetch_retries` and its message."""
    acc = SimAccount("fetch.again@contoso.com", "Pw-again-123")

    def setup(sim) -> None:  # type: ignore[no-untyped-def]
        sim.add_fault(OUTLOOK, "status", status=503, times=2, path="/owa/service.svc/s/GetPersonaPhoto")
        sim.app.photos.visited(acc.upn)  # SharePoint has the photo already

    out = replay([acc], specs=[AccountSpec(acc.upn, {"tile": "OneDrive"})], flow=CHECK, setup=setup)
    outcome = out.run(acc.upn).outcome
    assert faults_on(out.sim, OUTLOOK) == 2
    assert (outcome.status, outcome.fetch_retries, outcome.checks) == ("synced", 2, 1)
    assert outcome.message.endswith("; 2 image fetches tried again after a network or server error"), outcome
    assert "2 image fetches tried again" in out.stdout


@pytest.mark.browser
def test_random_faults_on_the_photo_service_are_retried_and_every_retry_counted(replay) -> None:
    """A bad night of Outlook on the web (a share of its page loads answered 503, from a fixed seed):
    every fault the simulator played on the check's fetches is one failed try, so the retries the
    outcomes count are the faults, less one for each image still missing after its third try; an
    account whose picture came through is `synced`, the others `unknown` saying how many tries.
    (Resets are left out of the count: Chromium itself sends a request again once when a reused
    connection is reset, so a reset is not always a failed try.)"""
    accs = [SimAccount(f"night{n}@contoso.com", f"Pw-night{n}-123") for n in range(4)]

    def setup(sim) -> None:  # type: ignore[no-untyped-def]
        sim.add_random_faults(status=0.3, seed=20261207, host=OUTLOOK)
        for acc in accs:
            sim.app.photos.visited(acc.upn)

    out = replay(accs, specs=[AccountSpec(a.upn, {"tile": "OneDrive"}) for a in accs], flow=CHECK, setup=setup)
    outcomes = [out.run(acc.upn).outcome for acc in accs]
    assert all(out.run(acc.upn).status == "passed" for acc in accs), "the check never fails the replay"
    gave_up = [o for o in outcomes if o.status == "unknown"]
    assert {o.status for o in outcomes} <= {"synced", "unknown"}
    assert sum(o.fetch_retries for o in outcomes) == faults_on(out.sim, OUTLOOK) - len(gave_up)
    assert faults_on(out.sim, OUTLOOK) > 0, "the seed plays faults on the check's fetches"
    for o in gave_up:
        assert o.fetch_retries >= 2 and "(3 tries)" in o.message, o
    for o in outcomes:
        if o.fetch_retries:
            assert f"{o.fetch_retries} image fetch" in o.message, o
