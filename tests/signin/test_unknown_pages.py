"""When Microsoft shows a page the runner has never seen: the page card, its proposed fix, a states
file that teaches the runner the page without a release, and teach mode. In real Chromium against
the simulator's pages the runner does not know (a tenant's terms of use after the password, an id
renamed on OneDrive), in every language the simulator speaks."""

from __future__ import annotations

import asyncio
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from runner.core.model import Listener
from runner.core.results import CATEGORIES
from runner.reporters.console import Fanout, LinePrinter
from runner.simulator import SimAccount
from runner.spec.flow import load_flow
from runner.spec.states import load_states
from tests.conftest import FLOWS, cli

pytestmark = pytest.mark.browser

TERMS_PASSWORD = "terms-Pw-7731"
RENAMED = {"O365_MainLink_Me": "O365_MainLink_MeControl"}


def accounts() -> tuple[SimAccount, SimAccount]:
    """A tenant where OneDrive renamed the account manager's id, and one of its accounts meets
    terms of use after the password (a page no row knows)."""
    terms = SimAccount("terms@contoso.com", TERMS_PASSWORD, new_interrupt=True, rename_ids=RENAMED)
    renamed = SimAccount("renamed@contoso.com", "renamed-Pw-5521", home_layout="tiles", rename_ids=RENAMED)
    return terms, renamed


def card_of(out: Any, account: str) -> dict[str, Any]:
    failure = out.run(account).failure
    assert failure is not None and failure.page_card, failure
    return json.loads((out.report_dir / failure.page_card).read_text(encoding="utf-8"))


def test_a_page_card_proposes_the_fix_and_the_fix_makes_the_run_pass(replay, tmp_path: Path) -> None:
    terms, renamed = accounts()
    first = replay([terms, renamed], workers=2, unrecognized_after=4.0, locale="de-DE")
    assert {r.account: r.failure.category for r in first.report.runs if r.failure} == {
        terms.upn: "page_changed", renamed.upn: "page_changed"}

    # the sign-in's card: the page by its markers, what it resembles, the buttons, a row to paste
    card = card_of(first, terms.upn)
    assert card["page_id"] == "ConvergedTermsOfUse" and card["title"]
    assert card["url"].startswith("https://login.microsoftonline.com/")
    assert "sFT" in card["config_keys"] and "urlPost" in card["config_keys"]
    assert card["step"]["file"].endswith("sync-profile-photo.yaml") and card["step"]["line"] > 1
    # the page's primary action first (Accept), its way back (Decline, idBtn_Back, before it in the DOM) last
    assert [b["marker"] for b in card["buttons"]][:2] == ["idSIButton9", "idBtn_Back"]
    assert card["buttons"][0]["label"] == "Akzeptieren"  # the page's own (German) wording, beside the marker
    assert card["proposal_rule"].startswith("primary action: idSIButton9 ('Akzeptieren')")
    decline = next(e for e in card["elements"] if e.get("id") == "idBtn_Back")
    assert decline["data-report-event"] == "TermsOfUse_Decline" and decline["role"] == "button"
    assert "PageID:ConvergedTermsOfUse" in card["new_markers"]
    assert card["resembles"] and all(like["lacks"] for like in card["resembles"])
    assert card["proposed_row"]["click"] == "idSIButton9"
    assert card["proposed_row"]["match"] == {"page_id": "ConvergedTermsOfUse", "host": "login.microsoftonline.com",
                                             "shows": ["idSIButton9"]}
    assert not any(field.get("type") == "password" and "value" in field for field in card["elements"])
    assert TERMS_PASSWORD not in (first.report_dir / first.run(terms.upn).failure.page_card).read_text()
    assert "page card:" in first.stdout and "proposed row 'converged_terms_of_use': click idSIButton9" \
        in first.stdout
    assert "chosen by the rule: primary action" in first.stdout
    html = (first.report_dir / "report.html").read_text(encoding="utf-8")
    assert "Page card: a page m365-replay did not understand" in html
    assert '<pre class="copy" id="proposed-row-0">states:\n  - name: converged_terms_of_use' in html
    # shown once, as the block to copy: not again below it as bullets with the YAML flattened
    assert html.count("click: idSIButton9") == 1 and html.count("converged_terms_of_use") == 1
    assert "the row was chosen by the rule: primary action" in html
    assert '<pre class="copy" id="proposed-edit-1">expect_visible: {id: O365_MainLink_MeControl}</pre>' in html

    # a flow step whose element moved: the failure says which step waited for what on which page, and
    # points to the card: the candidates and the flow edit, with the step's file:line
    failure = first.run(renamed.upn).failure
    assert failure.message.startswith("Step 'Check that OneDrive shows the signed-in user' waited 10 s for "
                                      "#O365_MainLink_Me on https://contoso-my.sharepoint.com/")
    assert failure.message.endswith(f" The page card {failure.page_card} shows what the page had instead.")
    moved = card_of(first, renamed.upn)
    assert moved["locator"] == "#O365_MainLink_Me"
    best = moved["candidates"][0]
    assert best["marker"] == "O365_MainLink_MeControl" and any("id close" in why for why in best["why"])
    edit = moved["proposed_edit"]
    # the shipped flow is not edited where it is installed: the edit is for a copy (`flows copy`)
    line = moved["step"]["line"]
    assert edit == {"at": f"my-flows/sync-profile-photo.yaml:{line}", "copy": "m365-replay flows copy my-flows",
                    "shipped": f"{FLOWS / 'sync-profile-photo.yaml'}:{line}",
                    "run": "m365-replay run my-flows/sync-profile-photo.yaml",
                    "old": "expect_visible: {id: O365_MainLink_Me}",
                    "new": "expect_visible: {id: O365_MainLink_MeControl}"}
    assert "copy the flows first (m365-replay flows copy my-flows), then edit my-flows/sync-profile-photo.yaml:" \
        in first.stdout
    assert "<code class=\"cmd\">m365-replay flows copy my-flows</code>" in html

    # `explain` prints the cards again; a run without one exits 1
    explained = cli("explain", str(first.report_dir), "--account", terms.upn)
    assert explained.returncode == 0, explained.stderr
    assert "states:\n" in explained.stdout and "click: idSIButton9" in explained.stdout
    assert "renamed@contoso.com" not in explained.stdout

    # the proposed row pasted into a states file, the proposed edit into the flow: the same run passes
    states = tmp_path / "sign-in-states.yaml"
    states.write_text(card["proposed_row_yaml"], encoding="utf-8")
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    flow = flows / "sync-profile-photo.yaml"
    flow.write_text(flow.read_text().replace(edit["old"], edit["new"]))
    second = replay([terms, renamed], flow=flow, workers=2, sign_in_states=load_states(states), locale="de-DE",
                    report_dir=tmp_path / "second")
    assert [r.status for r in second.report.runs] == ["passed", "passed"], [r.failure for r in second.report.runs]
    assert second.sim.events_for(terms.upn, "terms_accepted")
    assert not second.run(terms.upn).interrupts  # a page of the tenant's own, not one of Microsoft's interrupts
    sign_in = next(s for s in second.run(terms.upn).steps if s.name == "Sign in with the work or school account")
    assert sign_in.message == "state converged_terms_of_use (sign-in-states.yaml:2)"


def test_a_states_file_on_the_command_line_and_its_fail_rows(tmp_path: Path) -> None:
    """`run --states FILE`: a row clicks a data-* marker and the account passes, another fails the
    account with a documented category; a broken file (here through the config file's
    `sign_in_states:`) is refused before anything runs, naming its lines."""
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n  - {upn: terms@contoso.com, password: terms-pw, new_interrupt: true}\n"
                   "  - {upn: confirm@contoso.com, password: confirm-pw, interrupt: user_confirmation}\n")
    (tmp_path / "states.yaml").write_text(
        "states:\n"
        "  - name: terms_of_use\n"
        "    match: {page_id: ConvergedTermsOfUse, shows: ['[data-report-event=\"TermsOfUse_Accept\"]']}\n"
        "    click: '[data-report-event=\"TermsOfUse_Accept\"]'\n"
        "  - name: tenant_confirmation\n"
        "    match: {error_code: \"399218\"}\n"
        "    fail: {category: action_required, message: Confirm the sign-in to this tenant once by hand.}\n")
    config = tmp_path / "m365-replay.yaml"
    config.write_text("allowed_domains: [contoso.com]\nsign_in_states: broken.yaml\n")
    keyring = tmp_path / "keyring.json"
    keyring.write_text(json.dumps({"m365-replay\nterms@contoso.com": "terms-pw",
                                   "m365-replay\nconfirm@contoso.com": "confirm-pw"}))
    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring", "M365_TEST_KEYRING_FILE": str(keyring)}
    args = ("run", str(FLOWS / "sync-profile-photo.yaml"), "--account", "terms@contoso.com", "--account",
            "confirm@contoso.com", "--simulator-accounts", str(sim), "--workers", "2", "--trace", "off")
    result = cli(*args, "--states", str(tmp_path / "states.yaml"), "--report-dir", str(tmp_path / "r"), env=env)
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    got = {r["account"]: (r["status"], (r["failure"] or {}).get("category")) for r in report["runs"]}
    assert got == {"terms@contoso.com": ("passed", None), "confirm@contoso.com": ("failed", "action_required")}, \
        result.stdout + result.stderr
    confirm = next(r for r in report["runs"] if r["account"] == "confirm@contoso.com")["failure"]
    assert confirm["message"] == "Confirm the sign-in to this tenant once by hand."  # the row's, not the built-in's
    assert confirm["action"] == CATEGORIES["action_required"] and confirm["page_card"] is None
    confirmed = next(r for r in report["runs"] if r["account"] == "confirm@contoso.com")
    assert [(i["kind"], i["action"], i["detail"]) for i in confirmed["interrupts"]] == [
        ("tenant_confirmation", "row", "tenant_confirmation (states.yaml:5): fail action_required")]

    (tmp_path / "broken.yaml").write_text("states:\n  - name: Terms Page\n    mtch: {host: x}\n    click: a\n")
    broken = cli(*args, "--config", str(config), "--report-dir", str(tmp_path / "r2"), env=env)
    assert broken.returncode == 2
    assert "broken.yaml:2:11: 'Terms Page' is not one lower-case word" in broken.stderr
    assert "broken.yaml:3:5: unknown key 'mtch' (did you mean 'match'?)" in broken.stderr
    assert not (tmp_path / "r2" / "report.json").exists()


def test_which_states_file_a_run_reads(tmp_path: Path) -> None:
    """--states replaces the config file's `sign_in_states:` (read relative to the config file);
    teach mode's file, when it exists, is read too, so what was taught before is known."""
    from runner.spec.states import states_for_run

    (tmp_path / "conf").mkdir()
    row = "states:\n  - name: {}\n    match: {{page_id: P}}\n    click: b\n"
    (tmp_path / "conf" / "mine.yaml").write_text(row.format("from_config"))
    (tmp_path / "cli.yaml").write_text(row.format("from_cli"))
    (tmp_path / "taught.yaml").write_text(row.format("taught"))
    config = tmp_path / "conf" / "m365-replay.yaml"
    config.write_text("sign_in_states: mine.yaml\n")
    names = lambda rows: [r.name for r in rows]  # noqa: E731
    assert names(states_for_run(None, config)) == ["from_config"]
    assert states_for_run(None, config)[0].where == "mine.yaml:2"
    assert names(states_for_run(tmp_path / "cli.yaml", config)) == ["from_cli"]
    assert names(states_for_run(None, config, tmp_path / "taught.yaml")) == ["from_config", "taught"]
    assert names(states_for_run(None, config, tmp_path / "not-yet.yaml")) == ["from_config"]


class Person(Listener):
    """Plays the person at the window in teach mode: clicks an element of the page, as they would."""

    def __init__(self, click: str):
        self.click = click
        self.asked: list[str] = []
        self.banner = ""

    def teach_waiting(self, account: str, page: Any) -> None:
        self.asked.append(account)
        asyncio.get_running_loop().create_task(self.look_and_click(page))

    async def look_and_click(self, page: Any) -> None:
        self.banner = await page.locator("m365-replay-teach div").inner_text()  # above the page, in its shadow root
        await page.locator(self.click).click()


def test_teach_mode_writes_a_row_that_makes_the_next_run_pass(replay, tmp_path: Path) -> None:
    terms = SimAccount("teach@contoso.com", "teach-Pw-99", new_interrupt=True, kmsi=False)
    taught = tmp_path / "taught.yaml"
    person = Person("#idSIButton9")
    flow = tmp_path / "sign-in.yaml"
    flow.write_text("name: Sign in\nsteps:\n  - goto: https://www.office.com/\n  - sign_in: {}\n")
    first = replay([terms], flow=flow, teach=taught, interactive=True, locale="tr-TR",
                   listener=Fanout(LinePrinter(), person))
    assert first.run(terms.upn).status == "passed", first.run(terms.upn).failure
    assert person.asked == [terms.upn]
    assert "m365-replay does not know this sign-in page" in person.banner
    assert "teach: wrote the row" in first.stdout
    rows = load_states(taught)
    assert [(r.click, r.match) for r in rows] == [("idSIButton9", {
        "page_id": "ConvergedTermsOfUse", "host": "login.microsoftonline.com", "shows": ["idSIButton9"]})]
    assert "teach-Pw-99" not in taught.read_text()

    # without --teach (and headless), the row answers the page
    second = replay([terms], flow=flow, sign_in_states=load_states(taught), report_dir=tmp_path / "second",
                    trace="on")
    assert second.run(terms.upn).status == "passed", second.run(terms.upn).failure
    assert len(second.sim.events_for(terms.upn, "terms_accepted")) == 1
    with zipfile.ZipFile(second.report_dir / str(second.run(terms.upn).trace)) as trace:  # the row, named in the trace
        assert any(f"m365-replay: state {rows[0].name} (taught.yaml:".encode() in trace.read(name)
                   for name in trace.namelist() if name.endswith(".trace"))


def test_teach_needs_a_person_at_the_window(tmp_path: Path) -> None:
    result = cli("run", "sync-profile-photo", "--account", "a@contoso.com", "--teach", str(tmp_path / "t.yaml"))
    assert result.returncode == 2
    assert "--teach needs --headed" in result.stderr
    assert not (tmp_path / "t.yaml").exists()


def test_every_built_in_state_names_markers_the_probe_watches() -> None:
    """A page card says which states a page resembles by their markers: each must be something the
    probe sees (an element key of page.py, or the PageID, error code, host, the auto-posted form, or the
    words of words.py that the passkey campaign's rows read)."""
    from runner.signin.page import WATCHED_KEYS
    from runner.signin.states import STATES

    for state in STATES:
        assert state.markers, state.name
        for marker in state.markers:
            kind = marker.split(":", 1)[0]
            assert marker in WATCHED_KEYS or kind in ("PageID", "sErrorCode", "host", "form", "words"), (
                state.name, marker)


def test_a_failed_wait_cuts_the_tokens_from_the_page_it_names() -> None:
    from runner.core.results import StepFailure
    from runner.run.failures import located, with_card

    url = "https://login.microsoftonline.com/common/oauth2/authorize?client_id=x&state=s3cr3t-state&nonce=n0nce"
    failure = located(StepFailure("page_changed", "Locator.wait_for: Timeout 10000ms exceeded."), "Sign in",
                      "button 'Next' / 'İleri'", url, 10.0)
    assert failure.message == ("Step 'Sign in' waited 10 s for button 'Next' / 'İleri' on https://login.microsoftonline"
                               ".com/common/oauth2/authorize?client_id=x&state=…&nonce=….")
    assert with_card(failure).endswith(" No page card could be read from the page.")


def test_a_page_card_adds_a_found_name_to_the_end_of_an_ordered_fallback(tmp_path: Path) -> None:
    """For a `first_of:` step the card's proposed edit keeps the flow's order: the public id first, the
    name found on the page tried last."""
    from runner.run.flowedit import propose_edit, waited_for

    flow = tmp_path / "f.yaml"
    flow.write_text("name: f\nsteps:\n  - click: {first_of: [{id: mectrl_currentAccount_picture}, "
                    "{role: link, name: Add or change your picture}]}\n")
    [step] = load_flow(flow).steps
    elements = [{"tag": "a", "id": "mectrl_currentAccount_photo", "role": "link", "label": "Profilbild ändern"}]
    card = propose_edit(step, elements, lambda text: text)
    assert card is not None and card.proposed_edit is not None
    assert card.locator == "#mectrl_currentAccount_picture, else link 'Add or change your picture'"
    assert card.proposed_edit.new == ('click: {first_of: [{id: mectrl_currentAccount_picture}, {role: link, '
                                      'name: "Add or change your picture"}, {id: mectrl_currentAccount_photo}]}')
    assert waited_for(step, lambda text: text) == card.locator
