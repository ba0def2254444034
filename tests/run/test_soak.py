"""A small night in the suite: 10 accounts of the 2026 page variants on three workers, against random
503s, resets and stalls on page loads, with --retries 2. Every account answers, none with `error`,
every failure is the network's, and the transient faults are retried into passes. The 200-account
night is `python -m benchmarks soak` (README, Benchmarks)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from runner.simulator import SimAccount

pytestmark = pytest.mark.browser

# seed 1: www.office.com's second page load answers 503 (faults.py draws per host), so at least one
# account's first try fails at once, whatever the two workers' order
SEED = 1
VARIANTS = [
    {},  # the Microsoft 365 Copilot app's home, "Stay signed in?"
    {"first_factor": "picker"},  # "Choose a way to sign in"
    {"mfa": "totp"},
    {"kmsi": False, "home_layout": "tiles"},
    {"home_layout": "copilot_apps", "onedrive_host": "cloud"},
]


def test_a_small_night_of_random_faults_stays_green_and_true(replay) -> None:
    accounts = [SimAccount(f"night{i:02d}@contoso.com", f"pw-night-{i:02d}", **VARIANTS[i % len(VARIANTS)])
                for i in range(10)]

    def night(sim) -> None:
        sim.add_random_faults(status=0.02, reset=0.02, stall=0.05, stall_seconds=0.5, seed=SEED)

    out = replay(accounts, setup=night, sim_options={"render_delay_ms": 50}, workers=3, retries=2,
                 retry_backoff=(0.5, 1.0), trace="off", timeout=15.0, when_probe=1.0)
    data = json.loads((out.report_dir / "report.json").read_text())
    runs = data["runs"]
    assert sorted(r["account"] for r in runs) == sorted(a.upn for a in accounts), "every account answered"
    assert [r for r in runs if r["status"] == "error"] == []
    failures = Counter(r["failure"]["category"] for r in runs if r["failure"])
    assert set(failures) <= {"unreachable", "timeout"}, failures
    tries = [a for r in runs for a in r["tries"] if a["status"] != "passed"]
    assert {a["category"] for a in tries} <= {"unreachable", "timeout"}, "only the network's faults were retried"
    flaky = [r for r in runs if r["flaky"]]
    assert flaky and all(r["status"] == "passed" and len(r["tries"]) >= 2 for r in flaky)
    assert data["summary"]["passed"] >= 9 and data["summary"]["flaky"] == len(flaky)
    played = Counter(e["kind"] for e in out.sim.app.events if e["event"] == "fault")
    assert played["status"] >= 1 and played["slow"] >= 1, played
    for run in runs:  # one password per try, never more
        assert len(out.sim.events_for(run["account"], "password_attempt")) <= max(1, len(run["tries"]))
