"""Every sign-in page a real account can meet: handled, or classified with the helpdesk's next
action. Each state is a case of the simulator, run with the shipped flow in headless Chromium."""

from __future__ import annotations

import asyncio
import sys

import pytest

from runner.core.results import CATEGORIES
from runner.reporters.console import LinePrinter
from runner.run.engine import AccountSpec
from runner.simulator import SimAccount
from runner.simulator.accounts import microsoft_totp_secret

pytestmark = pytest.mark.browser

TOTP = microsoft_totp_secret()  # 16 characters in groups of four, as Microsoft hands them out


def test_each_sign_in_state_ends_with_its_category(replay, memory_keyring) -> None:
    cases = {
        "chooser@contoso.com": (SimAccount("chooser@contoso.com", "pw-chooser", chooser=True), "passed"),
        "fed@fabrikam.com": (SimAccount("fed@fabrikam.com", "pw-fed", federated=True), "passed"),
        "totp@contoso.com": (SimAccount("totp@contoso.com", "pw-totp", mfa="totp", totp_secret=TOTP), "passed"),
        "pushcode@contoso.com": (SimAccount("pushcode@contoso.com", "pw-push", mfa="push", totp_secret=TOTP),
                                 "passed"),
        "askl@contoso.com": (SimAccount("askl@contoso.com", "pw-askl", proofup="ask_later"), "passed"),
        "push@contoso.com": (SimAccount("push@contoso.com", "pw-push2", mfa="push"), "mfa_required"),
        "locked@contoso.com": (SimAccount("locked@contoso.com", "pw-locked", locked=True), "locked"),
        "proof@contoso.com": (SimAccount("proof@contoso.com", "pw-proof", proofup="required"), "action_required"),
        "old@contoso.com": (SimAccount("old@contoso.com", "pw-old", password_expired=True), "password_expired"),
        "ca@contoso.com": (SimAccount("ca@contoso.com", "pw-ca", blocked=True), "blocked"),
        "new@contoso.com": (SimAccount("new@contoso.com", "pw-new", new_interrupt=True), "page_changed"),
        "fedbad@fabrikam.com": (SimAccount("fedbad@fabrikam.com", "pw-fedbad", federated=True), "bad_credentials"),
    }
    accounts = [acc for acc, _ in cases.values()]
    memory_keyring.set_password("m365-replay", "ghost@contoso.com", "pw-ghost")
    specs = [AccountSpec(a.upn, {"tile": "OneDrive"}) for a in accounts] + [
        AccountSpec("ghost@contoso.com", {"tile": "OneDrive"})]
    out = replay(accounts, specs=specs, passwords={"fedbad@fabrikam.com": "wrong-one"}, workers=2,
                 unrecognized_after=4.0)
    expected = {upn: want for upn, (_, want) in cases.items()} | {"ghost@contoso.com": "unknown_account"}
    got = {r.account: (r.status if r.status == "passed" else r.failure.category) for r in out.report.runs}
    assert got == expected
    for run in out.report.runs:
        if run.failure is not None:
            assert run.failure.action == CATEGORIES[run.failure.category]
            assert run.failure.step == "Sign in with the work or school account"

    # the work account was chosen, AD FS took the password, the code came from the stored secret
    assert out.sim.events_for("chooser@contoso.com", "onedrive_loaded")
    assert [e.get("via") for e in out.sim.events_for("fed@fabrikam.com", "password_attempt")] == ["adfs"]
    assert [e["correct"] for e in out.sim.events_for("totp@contoso.com", "mfa_code")] == [True]
    assert [e["correct"] for e in out.sim.events_for("pushcode@contoso.com", "mfa_code")] == [True]
    # headless and no TOTP secret: stop at once rather than wait for a phone nobody holds (waiting would
    # end "Nobody approved the push notification within N s"), with the number the page showed
    number = out.sim.events_for("push@contoso.com", "push_sent")[0]["number"]
    assert f"number match {number}); no TOTP secret is stored" in out.run("push@contoso.com").failure.message
    # "Ask later" is taken and the run says so
    assert out.sim.events_for("askl@contoso.com", "proofup_skipped")
    assert any("Ask later" in w for w in out.run("askl@contoso.com").warnings)
    # Conditional Access: the AADSTS code, Correlation ID and Timestamp are copied into the failure
    blocked = out.run("ca@contoso.com").failure
    assert blocked.details["aadsts"] == "AADSTS53003"
    assert len(blocked.details["correlation_id"]) == 36 and blocked.details["timestamp"].startswith("20")
    # a page nobody knows: page_changed with the URL, the title and a screenshot
    changed = out.run("new@contoso.com")
    assert changed.failure.details["url"].startswith("https://login.microsoftonline.com/")
    assert changed.failure.details["title"] == "Sign in to your account"
    shot = next(s.screenshot for s in changed.steps if s.status == "failed")
    assert shot and (out.report_dir / shot).exists()
    # smart lockout: a refused password is never typed twice
    assert len(out.sim.events_for("fedbad@fabrikam.com", "password_attempt")) == 1
    assert len(out.sim.events_for("locked@contoso.com", "password_attempt")) == 1


def test_push_notification_with_a_person_at_the_keyboard(replay) -> None:
    approve = SimAccount("approve@contoso.com", "pw-a", mfa="push")
    deny = SimAccount("deny@contoso.com", "pw-d", mfa="push_deny")
    late = SimAccount("late@contoso.com", "pw-l", mfa="push_timeout")
    nobody = SimAccount("nobody@contoso.com", "pw-n", mfa="push")
    phone: list = []

    class Person(LinePrinter):
        """Approves on the phone once the terminal has told the number, as a person does (approving as
        soon as the push was sent could beat a busy browser to the page, which then never tells it)."""

        def announce(self, message: str) -> None:
            super().announce(message)
            if approve.upn in message:
                phone[0].approve_push(approve.upn)

    # the phones of `deny` and `late` answer 1.5 s and 2 s after the push: well within the wait
    out = replay([approve, deny, late, nobody], setup=phone.append, interactive=True, mfa_wait=8.0, workers=2,
                 listener=Person(sys.stdout))
    assert out.run(approve.upn).status == "passed"
    number = out.sim.events_for(approve.upn, "push_sent")[0]["number"]
    assert f"approve the sign-in in Microsoft Authenticator, number {number}" in out.stdout
    assert out.run(deny.upn).failure.category == "mfa_required"
    assert "denied" in out.run(deny.upn).failure.message
    assert out.run(late.upn).failure.category == "mfa_required"
    assert "not answered in time" in out.run(late.upn).failure.message
    assert "Nobody approved" in out.run(nobody.upn).failure.message


@pytest.mark.parametrize("locale", ["tr-TR", "de-DE"])
def test_happy_path_in_other_languages_and_home_layouts(replay, locale) -> None:
    tiles = SimAccount("ayse@contoso.com", "pw-ayse", home_layout="tiles")  # the classic home (2026: test_home_2026)
    launcher = SimAccount("jonas@contoso.com", "pw-jonas", home_layout="launcher", tile_target="same_tab",
                          kmsi=False)
    specs = [AccountSpec(tiles.upn, {"tile": "OneDrive"}), AccountSpec(launcher.upn, {"tile": "SharePoint"})]
    out = replay([tiles, launcher], specs=specs, locale=locale,
                 sim_options={"office_redirect": locale == "de-DE"})
    assert [r.status for r in out.report.runs] == ["passed", "passed"], [r.failure for r in out.report.runs]
    langs = {e["lang"] for e in out.sim.app.events if e["event"] == "sign_in_page"}
    assert langs == {locale[:2]}
    assert out.sim.events_for(tiles.upn, "onedrive_loaded")
    assert out.sim.events_for(launcher.upn, "sharepoint_loaded")
    assert out.sim.events_for(launcher.upn, "office_home")[0]["layout"] == "launcher"
    launcher_steps = {s.name: s.status for s in out.run(launcher.upn).steps}
    waffle = "Click the SharePoint tile › Open the app launcher when the home page has no SharePoint tile"
    assert launcher_steps[waffle] == "passed"
    if locale == "de-DE":
        assert {e["host"] for e in out.sim.app.events if e["event"] == "office_home"} == {"m365.cloud.microsoft"}


def test_stay_signed_in_can_be_answered_yes(replay, tmp_path) -> None:
    flow = tmp_path / "kmsi-yes.yaml"
    flow.write_text("name: KMSI yes\nsteps:\n  - goto: https://www.office.com/\n"
                    "  - sign_in: {stay_signed_in: true}\n")
    acc = SimAccount("yes@contoso.com", "pw-yes")
    out = replay([acc], flow=flow)
    assert out.run(acc.upn).status == "passed"
    assert [e["stay_signed_in"] for e in out.sim.events_for(acc.upn, "kmsi")] == [True]


def test_a_slow_browser_does_not_turn_a_refused_password_into_a_changed_page(replay, monkeypatch) -> None:
    """The unrecognized-page wait is the page's time to answer, not ours: on a busy machine typing the
    password into AD FS took longer than the wait, and its "wrong password" answer (the same page, at
    the same URL, with errorText) was reported as page_changed."""
    from runner.run.account import AccountRun

    typed = AccountRun.fill_secret

    async def busy_typing(self, target, kind: str) -> None:
        await asyncio.sleep(3.0)  # longer than the whole wait below: the browser is slow, the page is not
        await typed(self, target, kind)

    monkeypatch.setattr(AccountRun, "fill_secret", busy_typing)
    wrong = SimAccount("slowbad@fabrikam.com", "pw-slowbad", federated=True)
    out = replay([wrong], passwords={wrong.upn: "wrong-one"}, unrecognized_after=2.0)
    failure = out.run(wrong.upn).failure
    assert failure.category == "bad_credentials", failure
    assert [e["correct"] for e in out.sim.events_for(wrong.upn, "password_attempt")] == [False]
