"""A page card in words (runner/reporters/pagecard.py): the lines the terminal, `explain` and
report.html show, read from the card's record, for each shape a card has. No browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runner.core.pagecard import PageCard
from runner.core.results import write_json_atomic
from runner.reporters.data import REPORT_FILE, load_report
from runner.reporters.html import card_view, render_html
from runner.reporters.pagecard import HEAD, card_lines, explain, load_card
from tests.support.pagecards import FLOW, NO_ROW, NOT_COMPARED, NOTHING_ALIKE, SIGN_IN
from tests.support.sample import sample_report

PAGE = ("page: 'Sign in to your account' at https://login.microsoftonline.com/common/login?state=… "
        "(PageID 'ConvergedTermsOfUse', hpgid 1104)")
RULE = "primary action: idSIButton9 ('Akzeptieren') is the converged pages' primary button (idSIButton9)"
COMPARED = ["buttons: idSIButton9 ('Akzeptieren'), idBtn_Back ('Ablehnen')",
            "resembles kmsi (runner/signin/states.py): shows idSIButton9; lacks PageID:KmsiInterrupt",
            "only this page shows: PageID:ConvergedTermsOfUse, idBtn_Back"]
ELEMENTS = "3 visible elements: h1 ('Nutzungsbedingungen'); idSIButton9 ('Akzeptieren'); idBtn_Back ('Ablehnen')"
STEP = "step 'Check that OneDrive shows the signed-in user'"


def record(data: dict[str, Any]) -> PageCard:
    return PageCard.from_dict(data)


def test_a_sign_in_card_proposes_its_row_first() -> None:
    assert card_lines(record(SIGN_IN)) == [
        PAGE,
        "proposed row 'converged_terms_of_use': click idSIButton9 on the page with page_id ConvergedTermsOfUse, "
        "host login.microsoftonline.com, shows ['idSIButton9'] (the whole row below; add it to a states file: "
        "--states FILE)",
        f"  chosen by the rule: {RULE}",
        *COMPARED,
        "proposed row for a sign-in states file (check that it clicks the button the user would press):",
        "  states:", "    - name: converged_terms_of_use",
        "      description: \"'Sign in to your account' at login.microsoftonline.com\"", "      match:",
        "        page_id: ConvergedTermsOfUse", "        host: login.microsoftonline.com",
        "        shows: [idSIButton9]",
        "      click: idSIButton9",
        ELEMENTS]
    # report.html shows the row as a block of its own: the lines leave it out
    assert card_lines(record(SIGN_IN), row_apart=True) == [PAGE, f"the row was chosen by the rule: {RULE}", *COMPARED,
                                                           ELEMENTS]
    # no row (nothing of its own to be recognized by), or nothing compared (the probe could not read it)
    assert card_lines(record(NO_ROW)) == [PAGE, *COMPARED[1:], ELEMENTS]
    assert card_lines(record(NOT_COMPARED)) == [PAGE, ELEMENTS]


def test_a_flow_card_proposes_its_edit_in_a_copy_of_a_shipped_flow() -> None:
    page = "page: 'OneDrive' at https://contoso-my.sharepoint.com/personal/bob_contoso_com/_layouts/15/onedrive.aspx"
    assert card_lines(record(FLOW)) == [
        f"{page} (no PageID)",
        f"{STEP} (/opt/m365-replay/flows/sync-profile-photo.yaml:14, a shipped flow) looked for #O365_MainLink_Me; "
        "copy the flows first (m365-replay flows copy my-flows), then edit my-flows/sync-profile-photo.yaml:14:",
        "  expect_visible: {id: O365_MainLink_MeControl}",
        "  instead of expect_visible: {id: O365_MainLink_Me}",
        "  and run the copy: m365-replay run my-flows/sync-profile-photo.yaml",
        "candidate: O365_MainLink_MeControl ('Account manager'): id close to 'O365_MainLink_Me' (keeps the old id)",
        "1 visible elements: O365_MainLink_MeControl ('Account manager')"]
    nothing = card_lines(record(NOTHING_ALIKE))
    assert nothing[1] == (f"{STEP} (/opt/m365-replay/flows/sync-profile-photo.yaml:14) looked for #O365_MainLink_Me: "
                          "nothing on the page looks like it")
    assert nothing[2].startswith("14 visible elements: link0 ('Link 0'); ")
    assert nothing[2].endswith("link11 ('Link 11'); …")
    assert len(nothing) == 3


def report_with_cards(folder: Path, cards: dict[str, Any]) -> None:
    """A finished run in `folder` whose page_changed accounts point to the cards given (text as is)."""
    report = sample_report(len(cards), accounts=list(cards), kinds=["page_changed"] * len(cards))
    for run, content in zip(report.runs, cards.values(), strict=True):
        assert run.failure is not None
        run.failure.page_card = f"{run.account}/page.json"
        (folder / run.account).mkdir(parents=True)
        (folder / run.failure.page_card).write_text(content, encoding="utf-8")
    write_json_atomic(folder / REPORT_FILE, report.to_dict())


def test_explain_and_the_html_panel_read_the_cards_a_report_points_to(tmp_path: Path) -> None:
    report_with_cards(tmp_path, {"terms@contoso.com": json.dumps(SIGN_IN), "moved@contoso.com": json.dumps(FLOW),
                                 "odd@contoso.com": json.dumps({"url": "https://x"})})
    out = explain(tmp_path)
    assert out[:3] == ["terms@contoso.com: page_changed at step 'Click the OneDrive tile'",
                       f"  card: {tmp_path / 'terms@contoso.com/page.json'}", f"  {PAGE}"]
    assert f"  {STEP} (/opt/m365-replay/flows/sync-profile-photo.yaml:14, a shipped flow) looked for " \
           "#O365_MainLink_Me; copy the flows first (m365-replay flows copy my-flows), then edit " \
           "my-flows/sync-profile-photo.yaml:14:" in out
    assert not any("odd@contoso.com" in line for line in out), "a card of the wrong shape is left out, best effort"
    assert load_card(tmp_path, "odd@contoso.com/page.json") is None and load_card(tmp_path, None) is None
    assert len(card_lines(record(SIGN_IN))[:HEAD]) == HEAD

    report = load_report(tmp_path)
    runs = report.runs
    terms = card_view(tmp_path, runs[0], 0)
    assert terms is not None and terms.row == SIGN_IN["proposed_row_yaml"] and terms.edit is None
    assert terms.page == PAGE and terms.lines[0] == f"the row was chosen by the rule: {RULE}"
    moved = card_view(tmp_path, runs[1], 1)
    assert moved is not None and moved.row is None and moved.edit is not None
    assert (moved.edit.copy, moved.edit.new) == ("m365-replay flows copy my-flows",
                                                 "expect_visible: {id: O365_MainLink_MeControl}")
    assert card_view(tmp_path, runs[2], 2) is None
    html = render_html(report, tmp_path)
    assert '<code class="cmd">m365-replay flows copy my-flows</code>' in html
    assert '<code class="cmd">m365-replay run my-flows/sync-profile-photo.yaml</code>' in html
    assert "expect_visible: {id: O365_MainLink_MeControl}</pre>" in html and "- name: converged_terms_of_use" in html
