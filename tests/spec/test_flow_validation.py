"""`validate` and the flow loader: every problem with its file, line and column, no browser."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from runner.core.errors import FlowError
from runner.spec.flow import load_flow
from runner.spec.schema import flow_schema
from tests.conftest import FLOWS, SHIPPED, cli


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(FlowError) as info:
        load_flow(path)
    return [str(p) for p in info.value.problems]


def test_shipped_flows_are_valid() -> None:
    result = cli("validate", str(SHIPPED), str(FLOWS / "lib" / "open-app.yaml"),
                 str(FLOWS / "check-profile-photo.yaml"))
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout
    flow = load_flow(SHIPPED)
    assert [s.command for s in flow.steps] == ["goto", "sign_in", "use", "wait_for_url", "expect_visible",
                                               "compare_images"]  # the last one checks the outcome
    assert flow.steps[0].arg == "https://www.office.com/"
    assert all(s.doc for s in flow.steps[:4]), "each documented step carries its documented wording"
    assert flow.inputs["tile"].allowed == ["OneDrive", "SharePoint"] and flow.inputs["tile"].default == "OneDrive"


def test_unknown_step_has_line_and_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", """
        name: t
        steps:
          - goto: https://www.office.com/
          - clik: {id: idSIButton9}
    """)
    assert problems(path) == [f"{path}:4:5: unknown step 'clik' (did you mean 'click'?)"]


def test_validate_cli_prints_each_problem_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", """
        name: t
        inputs:
          tile: {default: OneDrive, allowed: [OneDrive, SharePoint]}
        steps:
          - goto: https://www.office.com/
            timeout: soon
          - click: {role: link, nmae: "${tile}"}
          - fill: {id: i0116, value: "${tiel}"}
          - wait_for_load_state: loaded
    """)
    result = cli("validate", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert f"{path}:6:14: expected a number, got text" in lines
    assert f"{path}:7:25: unknown locator key 'nmae' (did you mean 'name'?)" in lines
    assert any(line.startswith(f"{path}:8:30: unknown variable ${{tiel}} (did you mean 'tile'?)") for line in lines)
    assert any(line.startswith(f"{path}:9:26: 'loaded' is not one of load, domcontentloaded, networkidle")
               for line in lines)
    assert "Traceback" not in result.stderr


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "name: t\nsteps:\n  - goto: [unclosed\n")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:4:1: YAML syntax:")


def test_missing_subflow_and_self_inclusion(tmp_path: Path) -> None:
    missing = write(tmp_path, "a.yaml", "name: a\nsteps:\n  - use: nowhere.yaml\n")
    [problem] = problems(missing)
    assert problem.startswith(f"{missing}:3:10: sub-flow not found: nowhere.yaml")
    loop = write(tmp_path, "b.yaml", "name: b\nsteps:\n  - use: c.yaml\n")
    write(tmp_path, "c.yaml", "name: c\nsteps:\n  - use: b.yaml\n")
    assert any("sub-flow includes itself: b.yaml → c.yaml → b.yaml" in p for p in problems(loop))


def test_subflow_inputs_are_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "main.yaml", """
        name: main
        steps:
          - use: lib/open.yaml
            with: {ap: OneDrive}
    """)
    write(tmp_path, "lib/open.yaml",
          "name: open\ninputs:\n  app: {}\nsteps:\n  - click: {role: link, name: '${app}'}\n")
    found = problems(path)
    assert any("has no input 'ap' (did you mean 'app'?)" in p for p in found)
    assert any("needs input 'app': add it under `with:`" in p for p in found)


def test_aliases_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "name: &n t\nsteps:\n  - goto: *n\n")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:3:11: YAML syntax: YAML aliases")


def test_input_default_must_be_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", """
        name: t
        inputs:
          tile: {default: Teams, allowed: [OneDrive, SharePoint]}
        steps:
          - goto: https://www.office.com/
    """)
    [problem] = problems(path)
    assert problem.startswith(f"{path}:3:19: default: input 'tile' is 'Teams'; allowed: OneDrive, SharePoint")


def test_step_shapes(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", """
        name: t
        steps:
          - click: {id: a, css: b}
          - sign_in: {stay_signed_in: maybe}
          - goto: https://a
            click: "#b"
          - optional: true
    """)
    found = problems(path)
    assert f"{path}:3:20: give one locator, not id and css" in found
    assert f"{path}:4:31: expected true or false, got text" in found
    assert f"{path}:6:5: one command per step: 'goto' and 'click'" in found
    assert any(p.startswith(f"{path}:7:5: step has no command") for p in found)


def test_schema_is_json_schema_and_accepts_the_shipped_flows() -> None:
    result = cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in (SHIPPED, FLOWS / "lib" / "open-app.yaml"):
        validator.validate(yaml.safe_load(path.read_text()))
    bad = {"name": "t", "steps": [{"clik": {"id": "x"}}]}
    assert list(validator.iter_errors(bad)), "the schema must reject an unknown step"
    assert schema == flow_schema()


LOCATOR_PAGE = """
<button id="go">Go</button>
<label for="user">User name</label><input id="user" placeholder="someone@example.com">
<span data-testid="tile" id="tile">OneDrive</span>
<p id="intro">Welcome back</p>
<img id="logo" alt="Contoso logo" src="data:,">
<a id="help" title="Help center" href="#">?</a>
<div class="item" id="i0">a</div><div class="item" id="i1">b</div>
<span id="price">Costs $5</span>
"""
# each locator a flow may write -> the id of the element it must find on LOCATOR_PAGE
LOCATOR_CASES = [
    ('"#go"', "go"),
    ('{role: "${kind}", name: "${label}"}', "go"),
    ('{label: "${who} name"}', "user"),
    ('{text: "Welcome back", exact: true}', "intro"),
    ("{testid: tile}", "tile"),
    ("{css: .item, nth: 1}", "i1"),
    ("{id: logo}", "logo"),
    ("{placeholder: someone@example.com}", "user"),
    ('{alt: "Contoso logo"}', "logo"),
    ('{title: "Help center"}', "help"),
    ('{first_of: [{id: nowhere}, {testid: tile}]}', "tile"),
    ('{any: [{id: nowhere}, {text: "Costs $$5"}]}', "price"),
]


@pytest.mark.browser
def test_every_locator_key_the_validator_accepts_finds_its_element(tmp_path: Path) -> None:
    """The validator's locator keys are the runtime's (one table, runner/core/locators.py): each one,
    with `${var}` and `$$`, finds its element in a real browser."""
    from playwright.sync_api import sync_playwright

    from runner.core.locators import LOCATOR_PRIMARY, build_locator, interpolate
    from runner.run.browser import system_chromium

    steps = "".join(f"  - expect_visible: {loc}\n" for loc, _ in LOCATOR_CASES)
    path = write(tmp_path, "f.yaml", "name: t\ninputs:\n  kind: {default: button}\n  label: {default: Go}\n"
                 f"  who: {{default: User}}\nsteps:\n{steps}")
    flow = load_flow(path)
    used = {key for step in flow.steps for key in step.arg}
    used |= {key for item in flow.steps[-1].arg["any"] for key in item}
    assert set(LOCATOR_PRIMARY) <= used, f"not tried: {set(LOCATOR_PRIMARY) - used}"
    variables = {**flow.resolve_inputs({}), "account": "a@contoso.com"}
    chromium = system_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**({"executable_path": chromium} if chromium else {}))
        try:
            page = browser.new_page()
            page.set_content(LOCATOR_PAGE)
            for step, (written, element) in zip(flow.steps, LOCATOR_CASES, strict=True):
                loc = build_locator(page, step.arg, lambda text: interpolate(text, variables))  # type: ignore[arg-type]
                assert loc.count() == 1 and loc.get_attribute("id") == element, written
        finally:
            browser.close()


FALLBACK_PAGE = """
<a id="pic" href="#" onclick="document.body.dataset.clicked = 'link'; return false">AB</a>
<button onclick="document.body.dataset.clicked = 'button'">Add or change your picture</button>
"""


@pytest.mark.browser
def test_first_of_tries_its_alternatives_in_order_where_any_cannot_tell_two_matches_apart(tmp_path: Path) -> None:
    """An ordered fallback (`first_of:`) clicks its first alternative on the page, and says so when
    that was not the first one written; `any:` with both on the page is a click on two elements."""
    import asyncio

    from playwright.async_api import async_playwright

    from runner.core.model import Listener, RunOptions
    from runner.run.account import AccountRun
    from runner.run.browser import system_chromium
    from runner.secrets.account_secrets import Secrets

    path = write(tmp_path, "f.yaml", """
        name: t
        steps:
          - click: {first_of: [{id: pic}, {role: button, name: Add or change your picture}]}
          - click: {first_of: [{id: picture}, {role: button, name: Add or change your picture}]}
          - click: {any: [{id: pic}, {role: button, name: Add or change your picture}]}
    """)
    flow = load_flow(path)

    async def clicked(steps: list) -> tuple[str | None, AccountRun]:
        chromium = system_chromium()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(**({"executable_path": chromium} if chromium else {}))
            try:
                context = await browser.new_context()
                page = await context.new_page()
                await page.set_content(FALLBACK_PAGE)
                rt = AccountRun(RunOptions(report_dir=tmp_path, timeout=3.0), Listener(), "a@contoso.com", {}, context,
                                page, tmp_path, Secrets(None, "a@contoso.com"))  # type: ignore[arg-type]
                try:
                    await rt.run_steps(steps)
                finally:
                    done = await page.evaluate("document.body.dataset.clicked || null")
                return done, rt
            finally:
                await browser.close()

    assert asyncio.run(clicked(flow.steps[:1]))[0] == "link"  # both on the page: the first written
    done, rt = asyncio.run(clicked(flow.steps[1:2]))  # the id renamed: the next alternative, and a note
    assert done == "button" and rt.steps[0].message == (
        "found by button 'Add or change your picture' (alternative 2 of 2); #picture was not on the page")
    from runner.core.results import StepFailure

    with pytest.raises(StepFailure, match="strict mode violation"):
        asyncio.run(clicked(flow.steps[2:]))


def test_every_declared_step_type_has_one_handler() -> None:
    """A step type is declared in spec/steps.py (what `validate` accepts) and handled in
    run/steps.py (what a run does): a command that validates but has no handler would fail every
    account at run time, and a handler without a shape could never be reached."""
    from runner.run.steps import HANDLERS, handles
    from runner.spec.steps import STEP_TYPES

    assert set(HANDLERS) == set(STEP_TYPES)
    with pytest.raises(LookupError, match="no declared shape"):
        handles("teleport")
