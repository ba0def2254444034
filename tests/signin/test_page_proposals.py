"""What a page card proposes, without a browser (runner/signin/proposal.py, runner/run/flowedit.py):
the buttons ranked by the likeliest answer and the rule that chose, in every language the simulator
speaks; the proposed row; the flow edit, pointed at a copy for a shipped flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from runner.core.model import Step
from runner.core.pagecard import FlowEdit
from runner.run.flowedit import propose_edit, where_to_edit
from runner.signin.page import Facts
from runner.signin.proposal import propose, proposed_row, rank_buttons
from tests.conftest import FLOWS

# the simulator's wording of the pages below (runner/simulator/i18n.py)
CONFIRM = {"en": ("Confirm your sign-in", "Cancel", "Continue"), "tr": ("Oturum açmanızı onaylayın", "İptal",
                                                                       "Devam"),
           "de": ("Anmeldung bestätigen", "Abbrechen", "Weiter")}
CAMPAIGN = {"en": ("Create a passkey", "Not now", "Next"), "tr": ("Geçiş anahtarı oluşturun", "Şimdi değil", "İleri"),
            "de": ("Passkey erstellen", "Jetzt nicht", "Weiter")}


def page(text: str = "", page_id: str | None = "ConvergedUserConfirmation", code: str | None = "399218") -> Facts:
    return Facts(url="https://login.microsoftonline.com/common/login", title="Sign in to your account",
                 page_id=page_id, error_code=code, visible=set(), text={}, config={}, hidden_form=False,
                 page_text=text)


def button(label: str, id: str | None = None, primary: bool = False, type: str = "button", **more: Any
           ) -> dict[str, Any]:
    return {"tag": "input", "id": id, "type": type, "role": "button", "label": label, "primary": primary, **more}


@pytest.mark.parametrize("lang", CONFIRM)
def test_a_confirmation_page_proposes_its_primary_action_never_cancel(lang: str) -> None:
    """AADSTS399218's "confirm your sign-in": Cancel (idBtn_Back) comes before the primary button in
    the DOM, and was proposed before; the page's primary action is."""
    title, cancel, go_on = CONFIRM[lang]
    elements = [button(cancel, "idBtn_Back"), button(go_on, "idSIButton9", primary=True, type="submit")]
    choice = rank_buttons(page(f"{title}\nAADSTS399218"), elements)
    assert choice.click == "idSIButton9" and [b.marker for b in choice.buttons] == ["idSIButton9", "idBtn_Back"]
    assert choice.rule.startswith("primary action: idSIButton9") and "converged pages' primary button" in choice.rule
    assert [b.kind for b in choice.buttons] == ["primary", "go_back"]


@pytest.mark.parametrize("lang", CAMPAIGN)
def test_a_nudge_proposes_its_way_out_and_never_its_set_up(lang: str) -> None:
    title, not_now, next_ = CAMPAIGN[lang]
    elements = [{"tag": "h1", "role": "heading", "label": title}, button(next_, "idSIButton9", primary=True,
                                                                         type="submit"),
                button(not_now, "campaignSnooze")]
    choice = rank_buttons(page(title, page_id="ConvergedPasskeyCampaign", code=None), elements)
    assert choice.click == "campaignSnooze" and choice.rule.startswith("nudge:"), choice.rule
    assert not_now in choice.rule and [b.kind for b in choice.buttons] == ["way_out", "primary"]
    # no way out (the campaign enforced): a row that fails the account, never one that clicks "Next"
    enforced = rank_buttons(page(title, page_id="ConvergedPasskeyCampaign", code=None), elements[:2])
    assert enforced.click is None and "no way out" in enforced.rule
    row = proposed_row(page(title, page_id="ConvergedPasskeyCampaign", code=None), enforced.click)
    assert row is not None and row.click is None and row.fail == {
        "category": "action_required", "message": "Sign in once by hand to answer this page."}


def test_markers_decide_before_labels_and_labels_in_the_page_language() -> None:
    # a data-report-event "Nudge_NotNow" is a way out whatever its label says
    nudge = [button("Next", "idSIButton9", primary=True, type="submit"),
             button("Irgendwas", "idBtn_Nudge_NotNow", **{"data-report-event": "Nudge_NotNow"})]
    assert rank_buttons(page("Go passwordless: sign in faster with a passkey"), nudge).click == "idBtn_Nudge_NotNow"
    # no ids: the German labels say which goes on and which goes back
    plain = [{"tag": "button", "role": "button", "label": "Abbrechen", "data-testid": "a"},
             {"tag": "button", "role": "button", "label": "Akzeptieren", "data-testid": "b"}]
    choice = rank_buttons(page("Nutzungsbedingungen", page_id=None, code=None), plain)
    assert choice.click == '[data-testid="b"]' and "goes on" in choice.rule
    # "Stay signed in?": Yes before No
    kmsi = [button("No", "idBtn_Back"), button("Yes", "idSIButton9", primary=True, type="submit")]
    assert rank_buttons(page("Stay signed in?", "KmsiInterrupt", None), kmsi).click == "idSIButton9"
    # nothing with a marker: a row that fails, and the card says why
    assert rank_buttons(page(), [{"tag": "button", "role": "button", "label": "OK"}]).rule.startswith("no button")


def test_the_card_part_names_the_rule_and_its_row_reads_back() -> None:
    elements = [button("İptal", "idBtn_Back"), button("Devam", "idSIButton9", primary=True, type="submit")]
    card = propose(page("Oturum açmanızı onaylayın"), elements, [])
    assert card.proposal_rule.startswith("primary action")
    assert card.proposed_row is not None and card.proposed_row["click"] == "idSIButton9"
    assert card.proposed_row["match"] == {"page_id": "ConvergedUserConfirmation", "host": "login.microsoftonline.com",
                                          "error_code": "399218", "shows": ["idSIButton9"]}
    assert card.proposed_row_yaml is not None
    assert yaml.safe_load(card.proposed_row_yaml)["states"][0] == card.proposed_row


def step(file: Path, arg: Any, command: str = "click") -> Step:
    return Step(command=command, arg=arg, name="Open it", file=str(file), line=12)


def test_a_flow_edit_of_a_shipped_flow_goes_into_a_copy(tmp_path: Path) -> None:
    shipped = FLOWS / "sync-profile-photo.yaml"
    assert where_to_edit(str(shipped), 12, "a", "b") == FlowEdit(
        at="my-flows/sync-profile-photo.yaml:12", copy="m365-replay flows copy my-flows",
        shipped=f"{shipped}:12", run="m365-replay run my-flows/sync-profile-photo.yaml", old="a", new="b")
    assert where_to_edit(str(FLOWS / "lib" / "open-app.yaml"), 3, "a", "b").at == "my-flows/lib/open-app.yaml:3"
    mine = tmp_path / "mine.yaml"
    assert where_to_edit(str(mine), 7, "a", "b") == FlowEdit(at=f"{mine}:7", old="a", new="b")

    elements = [{"tag": "button", "id": "O365_MainLink_MeControl", "role": "button", "label": "Account manager"}]
    proposal = propose_edit(step(mine, {"id": "O365_MainLink_Me"}, "expect_visible"), elements, str)
    assert proposal is not None and proposal.proposed_edit is not None
    assert proposal.proposed_edit.to_dict() == {"at": f"{mine}:12", "old": "expect_visible: {id: O365_MainLink_Me}",
                                                "new": "expect_visible: {id: O365_MainLink_MeControl}"}


def test_a_proposed_locator_named_like_a_yaml_word_stays_a_string(tmp_path: Path) -> None:
    """The flow edit goes through the one YAML writer: a button called "No" stays the string."""
    elements = [{"tag": "button", "role": "button", "label": "No"}]
    proposal = propose_edit(step(tmp_path / "f.yaml", {"role": "button", "name": "no"}), elements, str)
    assert proposal is not None and proposal.proposed_edit is not None
    assert proposal.proposed_edit.new == 'click: {role: button, name: "No"}'
    assert yaml.safe_load(proposal.proposed_edit.new) == {"click": {"role": "button", "name": "No"}}
