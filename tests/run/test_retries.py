"""--retries: a transient fault runs the account again from the start in a new private context, an
account's own answer never does, each try is kept, and a pass after a failed try is `flaky` in every
report. Real headless Chromium against the simulator; the backoffs are shortened (RunOptions)."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from runner.cli.runs import rerun_specs
from runner.simulator import SimAccount
from runner.spec.flow import load_flow
from tests.conftest import ROOT, SHIPPED

pytestmark = pytest.mark.browser
SCHEMA = ROOT / "tests" / "schemas" / "jenkins-junit.xsd"

FLAKY = SimAccount("flaky@contoso.com", "pw-flaky-123")
DOWN = SimAccount("fed@fabrikam.com", "pw-fed-123", federated=True)  # its AD FS answers 503, every time
BADPW = SimAccount("badpw@contoso.com", "pw-right-123")
LOCKED = SimAccount("locked@contoso.com", "pw-locked-123", locked=True)
CHANGED = SimAccount("changed@contoso.com", "pw-changed-123", new_interrupt=True)


def faults(sim) -> None:
    # the flaky account's own OneDrive page answers 503 once: its first try fails after signing in
    sim.add_fault("contoso-my.sharepoint.com", "status", status=503, times=1, path=FLAKY.onedrive_path)
    sim.add_fault("sts.fabrikam.com", "status", status=503)


def test_transient_faults_are_retried_in_a_fresh_context_and_account_answers_never(replay) -> None:
    out = replay([FLAKY, DOWN, BADPW, LOCKED, CHANGED], passwords={BADPW.upn: "a-wrong-password"}, setup=faults,
                 retries=2, retry_backoff=(0.2, 0.4), workers=2, unrecognized_after=6.0)
    sim = out.sim
    data = json.loads((out.report_dir / "report.json").read_text())
    runs = {r["account"]: r for r in data["runs"]}

    # passed on its second try, in a new context: it had to sign in again (one password per try)
    flaky = runs[FLAKY.upn]
    assert (flaky["status"], flaky["flaky"], flaky["failure"]) == ("passed", True, None)
    assert [a["status"] for a in flaky["attempts"]] == ["failed", "passed"]
    first = flaky["attempts"][0]
    assert first["category"] == "unreachable" and "HTTP 503" in first["message"]
    assert [e["correct"] for e in sim.events_for(FLAKY.upn, "password_attempt")] == [True, True]
    assert len(sim.events_for(FLAKY.upn, "onedrive_loaded")) == 1
    assert first["screenshot"].startswith("flaky_contoso.com/attempt-1/")
    assert (out.report_dir / first["screenshot"]).is_file(), "the first try's evidence is kept aside"
    assert flaky["duration_ms"] >= sum(a["duration_ms"] for a in flaky["attempts"])

    # a transient fault on every try: three tries, each kept, each its own folder
    down = runs[DOWN.upn]
    assert (down["status"], down["failure"]["category"], down["flaky"]) == ("failed", "unreachable", False)
    assert [a["category"] for a in down["attempts"]] == ["unreachable"] * 3
    assert all((out.report_dir / "fed_fabrikam.com" / f"attempt-{n}").is_dir() for n in (1, 2))

    # the account's own answers and a changed page are never tried again
    for acc, category in ((BADPW, "bad_credentials"), (LOCKED, "locked"), (CHANGED, "page_changed")):
        assert (runs[acc.upn]["failure"]["category"], runs[acc.upn]["attempts"]) == (category, []), acc.upn
    assert len(sim.events_for(BADPW.upn, "password_attempt")) == 1, "a wrong password is typed once, retries or not"
    assert len(sim.events_for(LOCKED.upn, "password_attempt")) == 1
    assert data["summary"] == {"total": 5, "passed": 1, "failed": 4, "skipped": 0, "flaky": 1,
                               "outcomes": {"synced": 1}}

    # the terminal: the retries as they happen, the flaky pass, the count
    assert "fed@fabrikam.com: try 1 of 3 ended unreachable" in out.stdout
    assert re.search(r"PASS flaky flaky@contoso\.com", out.stdout), out.stdout
    assert "try 1: unreachable" in out.stdout and "1 passed (1 flaky), 4 failed" in out.stdout

    # junit.xml: Surefire's elements for reruns, valid against the schema
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(out.report_dir / "junit.xml"))
    cases = {c.get("name"): c for c in ET.parse(out.report_dir / "junit.xml").getroot().iter("testcase")}
    assert [e.tag for e in cases[FLAKY.upn] if e.tag != "system-out"] == ["flakyFailure"]
    assert cases[FLAKY.upn].find("flakyFailure").get("type") == "unreachable"  # type: ignore[union-attr]
    assert "attempt-1/" in (cases[FLAKY.upn].find("flakyFailure/system-out").text or "")  # type: ignore[union-attr]
    assert [e.tag for e in cases[DOWN.upn] if e.tag != "system-out"] == ["failure", "rerunFailure", "rerunFailure"]
    assert [e.tag for e in cases[BADPW.upn] if e.tag != "system-out"] == ["failure"]

    # report.html: its own badge, the first try's screenshot one click from the row
    page = (out.report_dir / "report.html").read_text()
    row = page[page.index(f'data-account="{FLAKY.upn}"'):]
    row = row[:row.index("</summary>")]
    assert 'class="badge passed flaky">FLAKY<' in row and f'href="{first["screenshot"]}"' in row
    assert 'id="flaky-count"' in page

    # --rerun-failed on top: the flaky account passed, so it is not run again
    again = rerun_specs(load_flow(SHIPPED), out.report_dir, (), None, ())
    assert {spec.account for spec in again} == {DOWN.upn, BADPW.upn, LOCKED.upn, CHANGED.upn}

    # no token of the sign-in in any message: the AD FS URL's wctx (the sign-in's ctx) is cut
    assert "wctx=…" in down["failure"]["message"]
    tokens = {flow.ctx for flow in sim.app.flows.values()} | {flow.nonce for flow in sim.app.flows.values()}
    assert len(tokens) >= 4
    texts = [out.stdout] + [(out.report_dir / name).read_text() for name in ("report.json", "report.html",
                                                                             "junit.xml")]
    leaked = [token for token in tokens for text in texts if token in text]
    assert leaked == []


def test_a_goto_retry_waits_for_the_browsers_error_page_instead_of_racing_it(replay) -> None:
    """Chromium commits its own error page for a failed navigation a moment after goto gave up; a
    retry started at once was interrupted by it ("Navigation to ... is interrupted by another
    navigation to chrome-error://...") and the account ended `error`. No backoff here, to race."""
    acc = SimAccount("race@contoso.com", "pw-race-123")
    out = replay([acc], navigation_backoff=0.0, timeout=8.0,
                 setup=lambda sim: sim.add_fault("www.office.com", "reset", times=2))
    run = out.run(acc.upn)
    assert run.status == "passed", run.failure
    assert sum(1 for e in out.sim.app.events if e["event"] == "fault") == 2, "two resets, then the page"


def test_a_snooze_in_a_failed_try_is_kept_and_counted(replay, tmp_path) -> None:
    """The passkey campaign snoozed in a try that then failed (its OneDrive answered 503 once), and
    again in the try that passed: both snoozes were used on the tenant, so the report lists both,
    each with its try, this run's count line says 2, and the next run counts 2 from this one."""
    from runner.run.snoozes import earlier_snoozes

    acc = SimAccount("snoozer@contoso.com", "pw-snoozer-123", passkey_campaign="snoozable")
    results = tmp_path / "m365-replay-results"
    out = replay([acc], retries=1, retry_backoff=(0.2,), report_dir=results / "night-0", trace="off",
                 unrecognized_after=20.0,
                 setup=lambda sim: sim.add_fault("contoso-my.sharepoint.com", "status", status=503, times=1,
                                                 path=acc.onedrive_path))
    run = out.run(acc.upn)
    assert (run.status, run.flaky, [t.category for t in run.tries]) == ("passed", True, ["unreachable", None])
    assert [e["snoozes_used"] for e in out.sim.events_for(acc.upn, "campaign_snoozed")] == [1, 2]

    saved = next(r for r in json.loads((out.report_dir / "report.json").read_text())["runs"] if r["account"] == acc.upn)
    assert [(i["kind"], i["action"], i["try_number"]) for i in saved["interrupts"]] == [
        ("passkey_campaign", "snoozed", 1), ("passkey_campaign", "snoozed", 2)]
    [line] = [w for w in run.warnings if w.startswith("Passkey registration snoozes")]
    assert "; 2 this run, earlier ones unknown" in line, line

    assert earlier_snoozes(results / "night-1", "9999") == ({acc.upn: 2}, 1)
