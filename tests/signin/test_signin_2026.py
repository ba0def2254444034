"""The sign-in pages of 2026 (issue 10, parts 2 and 5): the credential picker, passwordless
Authenticator, the passkey prompt, primary buttons with only a name, login.live.com's personal
account page and the AADSTS399218 interrupt (action_required, issue 28). The shipped flow, unmodified, in real headless
Chromium against the simulator, in English, Turkish and German."""

from __future__ import annotations

import threading

import pyotp
import pytest

from runner.core.results import CATEGORIES
from runner.reporters.console import LinePrinter
from runner.signin import PASSKEY_REFUSAL
from runner.signin.interrupts import CONFIRMATION_NEXT
from runner.simulator import SimAccount

pytestmark = pytest.mark.browser

SIGN_IN_STEP = "Sign in with the work or school account"
# the sign-in is what is under test: the classic home with its tiles (the quickest way on to OneDrive),
# no trace recording (trace="off"), pages built after 100 ms, so that the whole file stays well under 90 s
QUICK_PAGES = {"render_delay_ms": 100}


def account(upn: str, password: str, **options) -> SimAccount:
    return SimAccount(upn, password, home_layout="tiles", **options)


def outcome(run) -> str:
    return run.status if run.status == "passed" else run.failure.category


def typed_passwords(sim, upn: str) -> list[bool]:
    return [e["correct"] for e in sim.events_for(upn, "password_attempt")]


# primary buttons with only name="idSIButton9" in Turkish and German (and in English below): every
# page of every case, "Stay signed in?" included, found by the button's name
@pytest.mark.parametrize(("locale", "primary_button"), [("en-US", "id"), ("tr-TR", "name_only"),
                                                        ("de-DE", "name_only")])
def test_2026_first_factors_and_pages(replay, locale: str, primary_button: str) -> None:
    totp = pyotp.random_base32()  # 32 characters
    picker = account("picker@contoso.com", "pw-picker-1", first_factor="picker")
    picker_totp = account("pickertotp@contoso.com", "pw-picker-2", first_factor="picker", mfa="totp",
                          totp_secret=totp)
    ngc = account("ngc@contoso.com", "pw-ngc-3", first_factor="passwordless")
    passkey = account("passkey@contoso.com", "pw-passkey-4", first_factor="passkey")
    ngc_only = account("ngconly@contoso.com", "pw-ngconly-5", first_factor="passwordless", has_password=False)
    personal = account("personal@contoso.com", "pw-personal-6", personal=True)
    confirm = account("confirm@contoso.com", "pw-confirm-7", interrupt="user_confirmation")
    expected = {picker.upn: "passed", picker_totp.upn: "passed", ngc.upn: "passed", passkey.upn: "passed",
                ngc_only.upn: "mfa_required", personal.upn: "personal_account", confirm.upn: "action_required"}
    accounts = [picker, picker_totp, ngc, passkey, ngc_only, personal, confirm]
    out = replay(accounts, locale=locale, workers=2, unrecognized_after=4.0, trace="off",
                 sim_options={**QUICK_PAGES, "primary_button": primary_button})
    sim = out.sim

    assert {r.account: outcome(r) for r in out.report.runs} == expected, [r.failure for r in out.report.runs]
    assert {e["lang"] for e in sim.app.events if e["event"] == "sign_in_page"} == {locale[:2]}
    for run in out.report.runs:
        if run.failure is not None:
            assert run.failure.step == SIGN_IN_STEP
            assert run.failure.action == (CONFIRMATION_NEXT if run.account == confirm.upn
                                          else CATEGORIES[run.failure.category])

    # the password reached by each way, typed exactly once; the TOTP code after it; "Stay signed in?"
    # answered No (Back, which comes before the primary button in the DOM); OneDrive as the user
    for acc in (picker, picker_totp, ngc, passkey):
        assert typed_passwords(sim, acc.upn) == [True], acc.upn
        assert [e["stay_signed_in"] for e in sim.events_for(acc.upn, "kmsi")] == [False], acc.upn
        assert sim.events_for(acc.upn, "onedrive_loaded"), acc.upn
    assert [e["correct"] for e in sim.events_for(picker_totp.upn, "mfa_code")] == [True]
    # the runner never approves anything: the passwordless request it met was left alone
    for acc in accounts:
        assert not sim.events_for(acc.upn, "push_result"), acc.upn
        assert not sim.events_for(acc.upn, "passwordless_sign_in"), acc.upn
    assert sim.events_for(ngc.upn, "push_sent")  # the default sent a request to the phone; not approved
    assert not sim.events_for(picker.upn, "push_sent")  # the picker's password tile sends none
    # the passkey prompt was refused by m365-replay's init script, not by the browser or the page
    prompts = sim.events_for(passkey.upn, "passkey_prompt")
    assert [(p["result"], p["message"]) for p in prompts] == [("NotAllowedError", PASSKEY_REFUSAL)]

    # passwordless only: mfa_required at once (not "Nobody approved ... within N s" after a wait), naming
    # the number the phone waits for; nothing typed
    only = out.run(ngc_only.upn)
    number = sim.events_for(ngc_only.upn, "push_sent")[0]["number"]
    assert f"(passwordless, number {number}); the account offers no password" in only.failure.message
    assert typed_passwords(sim, ngc_only.upn) == []

    # a personal Microsoft account: login.live.com's page reached, nothing typed there
    assert sim.events_for(personal.upn, "personal_sign_in_page")
    assert typed_passwords(sim, personal.upn) == []
    assert "personal Microsoft account" in out.run(personal.upn).failure.message

    # AADSTS399218: action_required with the code and what it means; never confirmed by the runner
    stopped = out.run(confirm.upn).failure
    assert stopped.details["aadsts"] == "AADSTS399218" and "user confirmation is required" in stopped.message
    assert [(i.kind, i.action) for i in out.run(confirm.upn).interrupts] == [("tenant_confirmation", "action_required")]
    assert sim.events_for(confirm.upn, "user_confirmation_shown")
    assert not sim.events_for(confirm.upn, "user_confirmation_answered")
    assert typed_passwords(sim, confirm.upn) == [True]


def test_primary_buttons_with_only_a_name(replay) -> None:
    plain = account("plain@contoso.com", "pw-plain-1")
    picker = account("pickername@contoso.com", "pw-picker-2", first_factor="picker", mfa="totp",
                     totp_secret=pyotp.random_base32())
    out = replay([plain, picker], locale="en-US", workers=2, trace="off",
                 sim_options={**QUICK_PAGES, "primary_button": "name_only"})
    assert [outcome(r) for r in out.report.runs] == ["passed", "passed"], [r.failure for r in out.report.runs]
    for acc in (plain, picker):
        assert typed_passwords(out.sim, acc.upn) == [True]
        # "Stay signed in?" was recognized by the button's name and answered No (Back, not "the first submit")
        assert [e["stay_signed_in"] for e in out.sim.events_for(acc.upn, "kmsi")] == [False]
        assert out.sim.events_for(acc.upn, "onedrive_loaded")
    assert [e["correct"] for e in out.sim.events_for(picker.upn, "mfa_code")] == [True]


def test_passwordless_only_with_a_person_at_the_keyboard(replay, monkeypatch) -> None:
    """--headed (or --interactive): the number is announced, and the person who reads it approves
    that number on the phone while the run waits."""
    acc = account("phone@contoso.com", "pw-phone", first_factor="passwordless", has_password=False)
    sims: list = []
    announced: list[str] = []
    terminal = LinePrinter.announce

    def person_reads(self: LinePrinter, message: str) -> None:
        terminal(self, message)
        announced.append(message)
        shown = sims[0].events_for(acc.upn, "push_sent")[0]["number"]
        if message.startswith(f"{acc.upn}: ") and f"number {shown} " in message:
            threading.Timer(0.5, sims[0].approve_push, args=(acc.upn,)).start()

    monkeypatch.setattr(LinePrinter, "announce", person_reads)
    out = replay([acc], setup=sims.append, interactive=True, mfa_wait=20.0, trace="off", sim_options=QUICK_PAGES)
    assert out.run(acc.upn).status == "passed", (out.run(acc.upn).failure, announced)
    number = out.sim.events_for(acc.upn, "push_sent")[0]["number"]
    assert f"approve the sign-in in Microsoft Authenticator, number {number}" in out.stdout
    assert [e["result"] for e in out.sim.events_for(acc.upn, "push_result")] == ["approved"]
    assert out.sim.events_for(acc.upn, "passwordless_sign_in")
    assert typed_passwords(out.sim, acc.upn) == []
