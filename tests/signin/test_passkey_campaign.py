"""Test accounts in late 2026 (issue 28): the passkey registration campaign, recognized built in by
what it offers, snoozed by its way out and counted across runs; enforced or blocking, the account
ends action_required, never with a click on "set up"; the tenant confirmation (AADSTS399218) ends
action_required unless a states row answers it; a user's row always wins. Real headless Chromium
against the simulator, in English, Turkish and German."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path
from typing import Any

import pytest

from runner.core.results import CATEGORIES
from runner.signin.interrupts import CAMPAIGN_NEXT, CONFIRMATION_NEXT
from runner.simulator import SimAccount
from runner.spec.states import load_states

pytestmark = pytest.mark.browser

QUICK = {"render_delay_ms": 100}
# nothing here waits on a page no row knows: the sign-in gets the patience it has in production (20 s
# on a page that does not move on), so that a machine busy with other work does not end it page_changed
PATIENT = 20.0
NOT_NOW = {"en-US": "Not now", "tr-TR": "Şimdi değil", "de-DE": "Jetzt nicht"}


def account(upn: str, **options: Any) -> SimAccount:
    return SimAccount(upn, f"pw-{upn.split('@')[0]}-7", home_layout="tiles", kmsi=False, **options)


def sign_in_flow(tmp_path: Path) -> Path:
    flow = tmp_path / "sign-in.yaml"
    flow.write_text("name: Sign in\nsteps:\n  - goto: https://www.office.com/\n  - sign_in: {}\n")
    return flow


def outcome(run: Any) -> str:
    return run.status if run.status == "passed" else run.failure.category


@pytest.mark.parametrize("locale", ["en-US", "tr-TR", "de-DE"])
def test_the_campaign_and_the_confirmation_in_each_language(replay, locale: str) -> None:
    snoozable = account("snooze@contoso.com", passkey_campaign="snoozable")
    enforced = account("enforced@contoso.com", passkey_campaign="snoozable", campaign_snoozes=3, campaign_snoozed=3)
    blocking = account("blocking@contoso.com", passkey_campaign="blocking", mfa="totp")
    confirm = account("confirm@contoso.com", interrupt="user_confirmation")
    out = replay([snoozable, enforced, blocking, confirm], locale=locale, workers=2, trace="off",
                 unrecognized_after=PATIENT, sim_options=QUICK)
    sim = out.sim
    assert {r.account: outcome(r) for r in out.report.runs} == {
        snoozable.upn: "passed", enforced.upn: "action_required", blocking.upn: "action_required",
        confirm.upn: "action_required"}, [(r.account, r.failure) for r in out.report.runs]

    # snoozable: its way out, in the page's language, taken once; recorded on the run and warned
    assert [e["snoozes_used"] for e in sim.events_for(snoozable.upn, "campaign_snoozed")] == [1]
    run = out.run(snoozable.upn)
    [snooze] = run.interrupts
    assert (snooze.kind, snooze.action, snooze.detail) == ("passkey_campaign", "snoozed", NOT_NOW[locale])
    assert snooze.at.startswith("20") and snooze.at.endswith("Z")
    assert any(w.startswith("Microsoft asked to register a passkey (the registration campaign) on 20")
               and f"snoozed with {NOT_NOW[locale]!r}" in w for w in run.warnings), run.warnings
    assert any("earlier ones unknown (no earlier run is kept in" in w for w in run.warnings), run.warnings
    assert sim.events_for(snoozable.upn, "onedrive_loaded")

    # no way out (enforced after the allowed snoozes, or blocking after the second factor): what to do
    for acc in (enforced, blocking):
        failure = out.run(acc.upn).failure
        assert failure.action == CAMPAIGN_NEXT and failure.action != CATEGORIES["action_required"]
        assert "offers no way out" in failure.message and failure.details["interrupt"] == "passkey_campaign"
        assert failure.page_card is None
        assert [e["snoozable"] for e in sim.events_for(acc.upn, "campaign_shown")] == [False]
        assert [(i.kind, i.action) for i in out.run(acc.upn).interrupts] == [("passkey_campaign", "action_required")]
    assert [e["correct"] for e in sim.events_for(blocking.upn, "mfa_code")] == [True]  # after the second factor

    # the tenant confirmation: the code and what it means; not confirmed; a card proposing the confirm
    failure = out.run(confirm.upn).failure
    assert failure.details["aadsts"] == "AADSTS399218" and "user confirmation is required" in failure.message
    assert failure.action == CONFIRMATION_NEXT
    card = json.loads((out.report_dir / failure.page_card).read_text())
    assert card["proposed_row"]["click"] == "idSIButton9" and card["proposal_rule"].startswith("primary action")
    assert [b["marker"] for b in card["buttons"]] == ["idSIButton9", "idBtn_Back"]
    assert not sim.events_for(confirm.upn, "user_confirmation_answered")

    # never a click on "set up", for anyone
    for acc in (snoozable, enforced, blocking, confirm):
        assert not sim.events_for(acc.upn, "campaign_set_up"), acc.upn

    # the snooze is a warning in every report
    report = json.loads((out.report_dir / "report.json").read_text())
    saved = next(r for r in report["runs"] if r["account"] == snoozable.upn)
    assert saved["interrupts"] == [{"kind": "passkey_campaign", "action": "snoozed", "at": snooze.at,
                                    "detail": NOT_NOW[locale], "try_number": None}]
    warning = next(w for w in run.warnings if w.startswith("Microsoft asked to register a passkey"))
    assert warning in saved["warnings"]
    assert f"warning: {warning}" in out.stdout
    html = (out.report_dir / "report.html").read_text(encoding="utf-8")
    assert f'<div class="warning">{escape(warning)}</div>' in html
    junit = ET.parse(out.report_dir / "junit.xml")
    assert any(f"warning: {warning}" in (case.findtext("system-out") or "") for case in junit.iter("testcase"))


def test_snoozes_are_counted_over_the_runs_one_results_folder_holds(replay, tmp_path: Path) -> None:
    """A tenant that enforces registration after 3 snoozes, one nightly run after another, each in
    its own folder under one results folder: the count comes from the earlier reports (unknown the
    first night), warns before the snoozes run out, and the night after the last one the page has
    no way out: action_required."""
    flow = sign_in_flow(tmp_path)
    results = tmp_path / "m365-replay-results"
    warnings = []
    for night in range(4):
        nightly = account("nightly@contoso.com", passkey_campaign="snoozable", campaign_snoozes=3,
                          campaign_snoozed=night)  # the tenant's own count, kept between nights
        other = account("other@contoso.com")
        out = replay([nightly, other], flow=flow, report_dir=results / f"night-{night}", trace="off",
                     unrecognized_after=PATIENT, sim_options=QUICK)
        run = out.run(nightly.upn)
        warnings.append([w for w in run.warnings if w.startswith("Passkey registration snoozes")])
        if night < 3:
            assert run.status == "passed", run.failure
        else:
            assert run.failure.category == "action_required" and run.failure.action == CAMPAIGN_NEXT
            assert not out.sim.events_for(nightly.upn, "campaign_set_up")
        assert out.run(other.upn).status == "passed" and not out.run(other.upn).interrupts
    head = "Passkey registration snoozes: 3 allowed where the tenant enforces registration; "
    assert warnings[0] == [head + f"1 this run, earlier ones unknown (no earlier run is kept in {results}; keep the "
                           "results folders between runs to count them)."]
    assert warnings[1] == [head + f"2 used (1 this run, 1 in the 1 earlier run kept in {results}). One left before "
                           "such a tenant makes registration required."]
    assert warnings[2][0].startswith(head + f"3 used (1 this run, 2 in the 2 earlier runs kept in {results}). None "
                                     "left: the next sign-in may offer no way out.")
    assert warnings[3] == []  # nothing snoozed: the page decided there was no way out


def test_a_users_states_row_wins_over_the_built_in_answer(replay, tmp_path: Path) -> None:
    """A tenant whose admin lets the runner confirm AADSTS399218, and a QA lead who wants the campaign
    to fail the account rather than be snoozed: their rows answer the pages, and the report names
    the row and its click."""
    states = tmp_path / "states.yaml"
    states.write_text(
        "states:\n"
        "  - name: confirm_tenant\n"
        "    match: {error_code: \"399218\", shows: [idSIButton9]}\n"
        "    click: idSIButton9\n"
        "  - name: no_passkey_nudges_here\n"
        "    match: {page_id: ConvergedPasskeyCampaign}\n"
        "    fail: {category: action_required, message: Our test accounts are excluded from the campaign.}\n",
        encoding="utf-8")
    confirm = account("confirm@contoso.com", interrupt="user_confirmation")
    campaign = account("campaign@contoso.com", passkey_campaign="snoozable")
    out = replay([confirm, campaign], flow=sign_in_flow(tmp_path), sign_in_states=load_states(states), workers=2,
                 trace="off", locale="de-DE", unrecognized_after=PATIENT, sim_options=QUICK)

    assert out.run(confirm.upn).status == "passed", out.run(confirm.upn).failure
    assert out.sim.events_for(confirm.upn, "user_confirmation_answered")
    [answered] = out.run(confirm.upn).interrupts
    assert (answered.kind, answered.action, answered.detail) == (
        "tenant_confirmation", "row", "confirm_tenant (states.yaml:2): click idSIButton9")
    assert any("the states row confirm_tenant (states.yaml:2) answered it: click idSIButton9" in w
               for w in out.run(confirm.upn).warnings)
    sign_in = next(s for s in out.run(confirm.upn).steps if s.name.startswith("Sign in") or "sign_in" in s.name)
    assert "state confirm_tenant (states.yaml:2)" in (sign_in.message or "")

    failure = out.run(campaign.upn).failure
    assert failure.category == "action_required" and failure.message == \
        "Our test accounts are excluded from the campaign."
    assert not out.sim.events_for(campaign.upn, "campaign_snoozed")
    assert [(i.kind, i.action) for i in out.run(campaign.upn).interrupts] == [("passkey_campaign", "row")]
