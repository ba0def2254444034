"""The sign-in's rows without a browser: one page test per row, its markers derived from it (the
built-in table and a states file's rows alike), and the one row builder teach mode and a page
card's proposal share, written by the one YAML writer and read back by the states-file loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.core.model import StateRow
from runner.signin.match import KINDS, Match
from runner.signin.page import LOGIN_HOSTS, WATCHED_KEYS, Facts
from runner.signin.proposal import proposed_row
from runner.signin.rows import from_row, row_for, row_name
from runner.signin.states import STATES, recognize
from runner.spec.states import append_row, load_states, row_mapping, row_yaml


def facts(markers: tuple[str, ...] = (), url: str = "https://login.microsoftonline.com/common/login",
          **extra: object) -> Facts:
    """The facts of a page that shows exactly these markers (in the marker notation)."""
    page_id = next((m.split(":", 1)[1] for m in markers if m.startswith("PageID:")), None)
    code = next((m.split(":", 1)[1] for m in markers if m.startswith("sErrorCode:")), None)
    host = next((m.split(":", 1)[1] for m in markers if m.startswith("host:")), None)
    if host:
        url = f"https://{host}/x"
    visible = {m for m in markers if m.split(":", 1)[0] not in KINDS}
    return Facts(url=url, title="Sign in to your account", page_id=page_id, error_code=code, visible=visible,
                 text={}, config={}, hidden_form="form:hiddenform" in markers, **extra)  # type: ignore[arg-type]


def test_shows_means_all_and_any_of_means_one() -> None:
    both = Match(shows=("a", "b"))
    either = Match(any_of=("a", "b"))
    assert not both.test(facts(("a",))) and both.test(facts(("a", "b")))
    assert either.test(facts(("a",))) and not either.test(facts(("c",)))
    assert not Match(shows=("a",), not_shown=("b",)).test(facts(("a", "b")))
    assert Match(page_id=("ConvergedSignIn", None)).test(facts(("i0116",)))  # a page without a PageID yet
    assert not Match(page_id=("ConvergedSignIn", None)).test(facts(("PageID:KmsiInterrupt",)))
    assert Match(login_host=False).test(facts(url="https://www.office.com/")) is True
    assert not Match(after_credentials=True).test(facts())
    assert Match(after_credentials=True).test(facts(after_credentials=True))


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.name)
def test_a_built_in_row_is_recognized_by_the_markers_it_names(state) -> None:
    """Each row's markers come from its test: a page showing them (one of `any_of`) is that row's
    page, and without any one of its `shows` it is not; every marker is one the probe watches."""
    match = state.match
    for marker in state.markers:
        assert marker in WATCHED_KEYS or marker.split(":", 1)[0] in KINDS, (state.name, marker)
    if any(m.startswith("words:") for m in match.markers):
        return  # the word rows: tested with their pages' words (test_passkey_campaign.py)
    needed = [*(f"PageID:{p}" for p in match.page_id[:1] if p), *([f"host:{match.host}"] if match.host else []),
              *([f"sErrorCode:{match.error_code}"] if match.error_code else []), *match.shows, *match.any_of[:1]]
    url = f"https://{LOGIN_HOSTS[0]}/x" if match.login_host is not False else "https://m365.cloud.microsoft/"
    page = facts(tuple(needed), url=url, after_credentials=True)
    assert match.test(page), state.name
    for marker in match.shows:
        assert not match.test(facts(tuple(m for m in needed if m != marker), url=url, after_credentials=True))


def test_a_states_file_row_speaks_the_same_vocabulary() -> None:
    row = StateRow("terms", {"page_id": "ConvergedTermsOfUse", "host": "login.microsoftonline.com",
                             "shows": ["idSIButton9"]}, click="idSIButton9", where="states.yaml:2")
    state = from_row(row)
    assert state.markers == ("PageID:ConvergedTermsOfUse", "host:login.microsoftonline.com", "idSIButton9")
    page = facts(("PageID:ConvergedTermsOfUse", "idSIButton9", "idBtn_Back"))
    assert recognize(page, [state]) is state
    assert recognize(facts(("PageID:ConvergedTermsOfUse",)), [state]) is None  # its button not shown


def test_one_row_builder_for_teach_mode_and_the_proposal() -> None:
    page = facts(("PageID:ConvergedTermsOfUse", "sErrorCode:50058", "idSIButton9"))
    assert row_name(page) == "converged_terms_of_use"
    assert row_name(page, "taught_", {"taught_converged_terms_of_use"}) == "taught_converged_terms_of_use_2"
    assert row_name(facts(url="https://sts.contoso.com/adfs/ls")) == "sts_contoso_com"
    row = row_for(page, "idSIButton9", "taught", "taught_x")
    assert (row.name, row.click, row.fail, row.description) == ("taught_x", "idSIButton9", None, "taught")
    assert row.match == {"page_id": "ConvergedTermsOfUse", "host": "login.microsoftonline.com",
                         "shows": ["idSIButton9"]}  # 50058 is every sign-in page's code: not a mark
    confirm = facts(("PageID:ConvergedUserConfirmation", "sErrorCode:399218"))
    assert row_for(confirm, None, "d", "n", fail_with={"category": "action_required"}).match["error_code"] == "399218"
    proposed = proposed_row(page, "idSIButton9")
    assert proposed == StateRow("converged_terms_of_use", row.match, "idSIButton9", None,
                                "'Sign in to your account' at login.microsoftonline.com")
    assert proposed_row(facts(url="https://login.microsoftonline.com/x"), None) is None  # nothing of its own


def test_a_built_row_reads_back_through_the_states_file_loader(tmp_path: Path) -> None:
    page = facts(("PageID:ConvergedTermsOfUse", "sErrorCode:399218"))
    row = row_for(page, None, 'Yes: "No" is a button', "terms",
                  fail_with={"category": "action_required", "message": "No"})
    path = tmp_path / "states.yaml"
    path.write_text("states:\n" + row_yaml(row), encoding="utf-8")
    [back] = load_states(path)
    assert (back.name, back.match, back.fail, back.description) == (row.name, row.match, row.fail, row.description)
    assert row_mapping(back)["fail"] == {"category": "action_required", "message": "No"}
    taught = row_for(page, "[data-report-event=\"TermsOfUse_Accept\"]", "Taught: 'x' at y", "taught_terms")
    assert append_row(path, taught) == "states.yaml:11"
    assert [r.click for r in load_states(path)] == [None, '[data-report-event="TermsOfUse_Accept"]']
