"""The one YAML writer (runner/spec/yamlwrite.py): what it writes reads back as the same value in
PyYAML and in ruamel.yaml, in YAML 1.1 (where `No` is false) and YAML 1.2 alike. A person pastes a
proposed row or flow edit into a file that other tools read too."""

from __future__ import annotations

import io
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from runner.spec.yamlwrite import block, flow, list_item, scalar

# what YAML would misread if written plain: booleans and nulls of YAML 1.1 and 1.2, numbers of every
# base and the sexagesimal ones, dates and times, the merge and value keys, leading indicators,
# `: ` and ` #` inside, spaces at the ends, line breaks and characters a reader refuses
MISREAD = [
    "yes", "Yes", "YES", "no", "No", "NO", "y", "Y", "n", "N", "on", "On", "ON", "off", "Off", "OFF",
    "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~", "",
    "0", "12", "-3", "+4", "1_000", "0x1F", "0o17", "017", "0b1010", "190:20:30", "1.5", "1e3", "6.8523015e+5",
    ".inf", "-.Inf", ".NaN", "2026-10-12", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
    "<<", "=", "-", "- a", "? a", ":a", "a: b", "a #b", "#a", "&a", "*a", "!a", "|", ">", "'a'", '"a"', "%a", "@a",
    "`a", "[a]", "{a}", "a, b", "${account}", " lead", "trail ", "multi\nline", "tab\there", "nel\x85next",
    "line\u2028sep", "bell\x07", "Jetzt nicht", "Şimdi değil", "Überspringen",
]


def ruamel(version: tuple[int, int] | None) -> Any:
    reader = YAML(typ="safe", pure=True)
    if version is not None:
        reader.version = version
    return lambda text: reader.load(io.StringIO(text))


READERS = {"PyYAML (YAML 1.1)": yaml.safe_load, "ruamel.yaml, YAML 1.1": ruamel((1, 1)),
           "ruamel.yaml, YAML 1.2": ruamel(None)}


@pytest.mark.parametrize("reader", READERS)
def test_a_scalar_reads_back_as_the_same_string(reader: str) -> None:
    load = READERS[reader]
    for value in MISREAD:
        written = scalar(value)
        assert load(f"key: {written}\n") == {"key": value}, written
        assert load(f"{{key: {written}, other: 1}}\n") == {"key": value, "other": 1}, written  # in a flow mapping
        assert load(f"- [{written}, x]\n") == [[value, "x"]], written
    assert scalar("No") == '"No"' and scalar("190:20:30") == '"190:20:30"' and scalar("~") == '"~"'


@pytest.mark.parametrize("reader", READERS)
def test_a_proposed_locator_named_no_stays_the_string_no(reader: str) -> None:
    """The bug this writer exists for: `{role: button, name: No}` is `name: false` to any YAML reader."""
    written = flow({"role": "button", "name": "No"})
    assert written == '{role: button, name: "No"}'
    assert READERS[reader](f"click: {written}\n") == {"click": {"role": "button", "name": "No"}}


def test_words_stay_plain_as_people_write_them() -> None:
    assert [scalar(v) for v in ("idBtn_Back", "O365_MainLink_Me", "login.microsoftonline.com", "a-b/c",
                                "action_required")] == ["idBtn_Back", "O365_MainLink_Me", "login.microsoftonline.com",
                                                        "a-b/c", "action_required"]
    assert [scalar(v) for v in (None, True, False, 3, 2.5)] == ["null", "true", "false", "3", "2.5"]
    assert flow({"any": [{"id": "a"}, {"role": "link", "name": "Sign in"}]}) == \
        '{any: [{id: a}, {role: link, name: "Sign in"}]}'


def test_block_and_list_item_read_back() -> None:
    row: dict[str, Any] = {"name": "tenant_confirmation", "description": "'Confirm' at login.microsoftonline.com",
                           "match": {"page_id": "ConvergedUserConfirmation", "error_code": "399218",
                                     "shows": ["idSIButton9", '[data-report-event="Signin_Submit"]']},
                           "fail": {"category": "action_required", "message": "Yes: confirm it by hand"}}
    text = "states:\n" + "\n".join(list_item(row, indent=2)) + "\n"
    assert text.startswith("states:\n  - name: tenant_confirmation\n    description: ")
    assert "    match:\n      page_id: ConvergedUserConfirmation\n      error_code: \"399218\"\n" in text
    for load in READERS.values():
        assert load(text) == {"states": [row]}
    assert yaml.safe_load("\n".join(block(row))) == row


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_any_text_reads_back(value: str) -> None:
    """Whatever a page's title or a button's label holds (every character Hypothesis draws)."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        return  # a lone surrogate is not text a page can hold
    assert yaml.safe_load(f"k: {scalar(value)}") == {"k": value}
    assert READERS["ruamel.yaml, YAML 1.1"](f"k: {flow([value])}") == {"k": [value]}
