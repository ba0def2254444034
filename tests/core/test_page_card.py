"""The page card as a record (runner/core/pagecard.py): written from the record, read back equal; a
card written before the record reads into it and writes back key for key; every text is redacted on
the way to the file; a card that is not there, not JSON or not of a card's shape reads as None. No
browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runner.core.pagecard import (
    Button,
    Candidate,
    CardFailure,
    CardStep,
    FlowEdit,
    FlowProposal,
    PageCard,
    PageConfig,
    Resemblance,
    SignInProposal,
    read_card,
)
from runner.core.redact import redactor
from tests.support.pagecards import FLOW, NO_ROW, NOT_COMPARED, NOTHING_ALIKE, SIGN_IN, card


def written(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def page(**parts: Any) -> PageCard:
    return PageCard("https://login.microsoftonline.com/common/login", "Sign in", "ConvergedTermsOfUse",
                    PageConfig("ConvergedTermsOfUse", None, "50058"), ["sFT", "urlPost"],
                    CardStep("Sign in", "sign_in", "flows/f.yaml", 3), CardFailure("timeout", "Waited 20 s."),
                    [{"tag": "input", "id": "idSIButton9", "role": "button", "label": "Accept", "primary": True}],
                    **parts)


@pytest.mark.parametrize("old", [SIGN_IN, FLOW, NOTHING_ALIKE, NOT_COMPARED, NO_ROW],
                         ids=["sign_in", "flow", "nothing_alike", "not_compared", "no_row"])
def test_a_card_written_before_the_record_reads_into_it_and_writes_back_key_for_key(tmp_path: Path,
                                                                                   old: dict[str, Any]) -> None:
    loaded = read_card(written(tmp_path / "page.json", old))
    assert isinstance(loaded, PageCard)
    assert json.dumps(loaded.to_dict()) == json.dumps(old), "the same keys, in the same order, with the same values"


def test_an_old_card_is_read_into_typed_parts(tmp_path: Path) -> None:
    sign_in = read_card(written(tmp_path / "a.json", SIGN_IN))
    assert sign_in is not None and sign_in.flow is None and sign_in.sign_in is not None
    assert sign_in.step == CardStep("Sign in with the work or school account", "sign_in",
                                    "flows/sync-profile-photo.yaml", 9)
    assert sign_in.config == PageConfig("ConvergedTermsOfUse", "1104", None)
    assert sign_in.sign_in.buttons[1] == Button("idBtn_Back", "button", "Ablehnen", "go_back")
    assert sign_in.sign_in.resembles[0].lacks == ["PageID:KmsiInterrupt"]
    assert sign_in.sign_in.proposed_row and sign_in.sign_in.proposed_row["click"] == "idSIButton9"

    flow = read_card(written(tmp_path / "b.json", FLOW))
    assert flow is not None and flow.sign_in is None and flow.flow is not None
    assert flow.flow.candidates[0].marker == "O365_MainLink_MeControl" and flow.flow.candidates[0].score == 95
    edit = flow.flow.proposed_edit
    assert edit is not None and edit.copy == "m365-replay flows copy my-flows" and edit.at.endswith(".yaml:14")

    nothing = read_card(written(tmp_path / "c.json", NOTHING_ALIKE))
    assert nothing is not None and nothing.flow is not None and nothing.flow.proposed_edit is None
    unread = read_card(written(tmp_path / "d.json", NOT_COMPARED))
    assert unread is not None and unread.sign_in is None and unread.flow is None
    no_row = read_card(written(tmp_path / "e.json", NO_ROW))
    assert no_row is not None and no_row.sign_in is not None and no_row.sign_in.proposed_row is None


def test_a_card_written_from_its_record_reads_back_equal(tmp_path: Path) -> None:
    like = Resemblance("kmsi", "runner/signin/states.py", "Stay signed in?", ["idSIButton9"], ["PageID:KmsiInterrupt"],
                       0.5)
    sign_in = page(sign_in=SignInProposal([like], ["PageID:ConvergedTermsOfUse"],
                                          [Button("idSIButton9", "button", "Accept", "primary")], "primary action",
                                          {"name": "terms", "match": {"page_id": "ConvergedTermsOfUse"},
                                           "click": "idSIButton9"}, "states:\n  - name: terms\n"))
    sign_in.write(tmp_path / "a" / "page.json")
    assert read_card(tmp_path / "a" / "page.json") == sign_in

    element = {"tag": "button", "id": "O365_MainLink_MeControl", "role": "button"}
    flow = page(flow=FlowProposal("#O365_MainLink_Me", [Candidate(element, "O365_MainLink_MeControl", ["same role"],
                                                                  20, 1)],
                                  FlowEdit(at="f.yaml:3", old="click: {id: a}", new="click: {id: b}")))
    flow.write(tmp_path / "b" / "page.json")
    assert read_card(tmp_path / "b" / "page.json") == flow
    text = json.loads((tmp_path / "b" / "page.json").read_text(encoding="utf-8"))
    assert text["proposed_edit"] == {"at": "f.yaml:3", "old": "click: {id: a}", "new": "click: {id: b}"}, \
        "a flow of the user's own: no copy, shipped or run"
    assert text["config"] == {"pgid": "ConvergedTermsOfUse", "hpgid": None, "sErrorCode": "50058"}

    bare = page()
    bare.write(tmp_path / "c" / "page.json")
    assert read_card(tmp_path / "c" / "page.json") == bare
    assert "locator" not in (tmp_path / "c" / "page.json").read_text(encoding="utf-8")


def test_every_text_of_a_card_is_redacted_before_it_is_written(tmp_path: Path) -> None:
    secret = 'Tr0ub"4dor\\3'  # a quote and a backslash: redacted one string at a time, not in the JSON text
    secret_card = page(sign_in=SignInProposal([], [], [Button("idSIButton9", "button", f"Go {secret}", "primary")],
                                              "rule", {"name": "x", "fail": {"message": f"typed {secret}"}}))
    secret_card.elements[0]["label"] = secret
    secret_card.failure.message = f"The page said {secret} was wrong"
    redactor.add(secret)
    try:
        secret_card.write(tmp_path / "page.json")
    finally:
        redactor.clear()
    text = (tmp_path / "page.json").read_text(encoding="utf-8")
    assert "Tr0ub" not in text and text.count("***") == 4
    loaded = read_card(tmp_path / "page.json")
    assert loaded is not None and loaded.failure.message == "The page said *** was wrong"


@pytest.mark.parametrize("content", [
    "not json {", "[]", "null", '"page"',
    json.dumps(card(SIGN_IN, step=None)),
    json.dumps(card(SIGN_IN, step={k: v for k, v in SIGN_IN["step"].items() if k != "line"})),
    json.dumps(card(SIGN_IN, elements=["idSIButton9"])),
    json.dumps(card(SIGN_IN, config={"pgid": None})),
    json.dumps(card(SIGN_IN, proposed_row="click idSIButton9")),
    json.dumps(card(SIGN_IN, buttons=["idSIButton9"])),
    json.dumps(card(FLOW, candidates=[{"marker": "x"}])),
    json.dumps(card(FLOW, proposed_edit={"at": "f.yaml:3"})),
], ids=["not_json", "a_list", "null", "a_string", "no_step", "odd_step", "odd_element", "odd_config", "odd_row",
        "odd_button", "odd_candidate", "odd_edit"])
def test_a_card_that_is_not_of_a_cards_shape_reads_as_none(tmp_path: Path, content: str) -> None:
    (tmp_path / "page.json").write_text(content, encoding="utf-8")
    assert read_card(tmp_path / "page.json") is None


def test_a_card_from_a_later_version_with_keys_this_one_does_not_know_still_reads(tmp_path: Path) -> None:
    newer = card(FLOW, step={**FLOW["step"], "column": 3}, failure={**FLOW["failure"], "hint": "new"},
                 candidates=[{**c, "confidence": 0.9} for c in FLOW["candidates"]])
    loaded = read_card(written(tmp_path / "page.json", newer))
    assert loaded is not None and loaded.flow is not None
    assert loaded.step == read_card(written(tmp_path / "old.json", FLOW)).step  # type: ignore[union-attr]
    assert len(loaded.flow.candidates) == len(FLOW["candidates"])


def test_a_sign_in_card_from_before_the_proposal_rule_keeps_its_row(tmp_path: Path) -> None:
    """Cards written between 2026-12-04 and 12-06 ranked their buttons (`rank`) and named no rule:
    their proposed row is still shown."""
    from runner.reporters.pagecard import card_lines

    older = {key: value for key, value in SIGN_IN.items() if key != "proposal_rule"}
    older["buttons"] = [{k: v for k, v in b.items() if k != "kind"} | {"rank": n}
                        for n, b in enumerate(SIGN_IN["buttons"], 1)]
    loaded = read_card(written(tmp_path / "page.json", older))
    assert loaded is not None and loaded.sign_in is not None
    assert loaded.sign_in.proposed_row == SIGN_IN["proposed_row"]
    assert [b.marker for b in loaded.sign_in.buttons] == [b["marker"] for b in SIGN_IN["buttons"]]
    assert any(line.startswith("proposed row") for line in card_lines(loaded))


def test_a_card_that_is_not_there_reads_as_none(tmp_path: Path) -> None:
    assert read_card(tmp_path / "page.json") is None
    (tmp_path / "folder").mkdir()
    assert read_card(tmp_path / "folder") is None
