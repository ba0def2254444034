"""The shipped flow, unmodified, in real headless Chromium against the simulator."""

from __future__ import annotations

import json

import pytest

from runner.run.engine import AccountSpec
from runner.simulator import SimAccount

pytestmark = pytest.mark.browser


def test_onedrive_tile_reaches_onedrive_signed_in_as_the_user(replay) -> None:
    alice = SimAccount("alice@contoso.com", "Correct-Horse-1")
    out = replay([alice])
    run = out.run(alice.upn)
    assert run.status == "passed", run.failure
    assert out.sim.events_for(alice.upn, "onedrive_loaded"), "OneDrive was never loaded"
    photo = out.sim.events_for(alice.upn, "photo_viewed")
    assert photo and photo[-1]["own"] and photo[-1]["accountname"] == alice.upn
    # office.com, then OneDrive, then Outlook on the web for Exchange's copy of the photo (the check)
    assert [e["client"] for e in out.sim.events_for(alice.upn, "signed_in")] == ["office", "sharepoint", "outlook"]
    assert run.final_url == "https://contoso-my.sharepoint.com/personal/alice_contoso_com/_layouts/15/onedrive.aspx"
    assert "PASS alice@contoso.com" in out.stdout


def test_sharepoint_tile_and_the_report_contract(replay) -> None:
    megan = SimAccount("megan@contoso.com", "Pa55-word!")
    out = replay([megan], specs=[AccountSpec(megan.upn, {"tile": "SharePoint"})])
    assert out.run(megan.upn).status == "passed"
    assert out.sim.events_for(megan.upn, "sharepoint_loaded")
    assert not out.sim.events_for(megan.upn, "onedrive_loaded")
    data = json.loads((out.report_dir / "report.json").read_text())
    assert set(data) >= {"flow", "started_at", "finished_at", "summary", "runs"}
    assert data["summary"] == {"total": 1, "passed": 1, "failed": 0, "skipped": 0, "outcomes": {"synced": 1}}
    [run] = data["runs"]
    assert set(run) >= {"account", "status", "duration_ms", "final_url", "failure", "steps"}
    assert run["failure"] is None
    assert run["final_url"] == "https://contoso.sharepoint.com/_layouts/15/sharepoint.aspx"
    documented = [s for s in run["steps"] if s["doc"]]
    assert [s["doc"] for s in documented][:3] == [
        "Open a web browser in an In-Private or Incognito session and go to Office.com.",
        "Sign in with their work or school account,",
        "and click the OneDrive or SharePoint tile.",
    ]
    for step in documented:
        assert set(step) >= {"name", "doc", "status", "duration_ms", "screenshot"}
        assert step["screenshot"] and (out.report_dir / step["screenshot"]).stat().st_size > 1000
    assert "Click the SharePoint tile" in [s["name"] for s in run["steps"]]


def test_kmsi_shown_is_answered_no_and_skipped_kmsi_is_fine(replay) -> None:
    shown = SimAccount("kmsi@contoso.com", "pw-kmsi-1", kmsi=True)
    skipped = SimAccount("nokmsi@contoso.com", "pw-kmsi-2", kmsi=False)
    out = replay([shown, skipped])
    assert out.run(shown.upn).status == "passed"
    assert out.run(skipped.upn).status == "passed"
    assert [e["stay_signed_in"] for e in out.sim.events_for(shown.upn, "kmsi")] == [False]
    assert out.sim.events_for(skipped.upn, "kmsi") == []


def test_wrong_password_is_bad_credentials_after_exactly_one_attempt(replay) -> None:
    bob = SimAccount("bob@contoso.com", "the-real-one")
    carol = SimAccount("carol@contoso.com", "carols-pw")
    out = replay([bob, carol], passwords={bob.upn: "a-wrong-one"})
    run = out.run(bob.upn)
    assert run.status == "failed"
    assert run.failure.category == "bad_credentials"
    assert run.failure.step == "Sign in with the work or school account"
    assert "smart lockout" in run.failure.action
    assert len(out.sim.events_for(bob.upn, "password_attempt")) == 1
    assert out.run(carol.upn).status == "passed", "one account's failure never stops the others"
    failed_step = next(s for s in run.steps if s.status == "failed")
    assert failed_step.screenshot and (out.report_dir / failed_step.screenshot).exists()
    assert "FAIL bob@contoso.com" in out.stdout and "bad_credentials" in out.stdout


def test_missing_credential_fails_that_account_only(replay) -> None:
    dave = SimAccount("dave@contoso.com", "daves-pw")
    erin = SimAccount("erin@contoso.com", "erins-pw")
    out = replay([dave, erin], passwords={dave.upn: None})
    run = out.run(dave.upn)
    assert run.status == "failed" and run.failure.category == "missing_credential"
    assert "m365-replay creds set dave@contoso.com" in run.failure.message
    assert out.sim.events_for(dave.upn) == [], "no browser work for an account without a password"
    assert out.run(erin.upn).status == "passed"


def test_two_workers_two_private_contexts(replay) -> None:
    one = SimAccount("one@contoso.com", "pw-one-1")
    two = SimAccount("two@fabrikam.com", "pw-two-2")
    out = replay([one, two], workers=2)
    assert [r.status for r in out.report.runs] == ["passed", "passed"]
    for acc in (one, two):
        # each account typed its own password: no cookie of the other context helped it
        assert len(out.sim.events_for(acc.upn, "password_attempt")) == 1
        assert [e["client"] for e in out.sim.events_for(acc.upn, "sso")] == ["sharepoint", "outlook"]
    starts = sorted(r.started_at for r in out.report.runs)
    ends = sorted(r for r in (out.sim.events_for(one.upn, "photo_viewed")[-1]["time"],
                              out.sim.events_for(two.upn, "photo_viewed")[-1]["time"]))
    assert starts and ends
    assert out.sim.events_for(two.upn, "onedrive_loaded")[0]["host"] == "fabrikam-my.sharepoint.com"
