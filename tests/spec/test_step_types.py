"""A step type says what the engine needs of it (runner/spec/steps.py `declare`): what a timeout means,
how long the whole step may take, where its locator is, which secret it types, whether it waits for
--until-synced or changes the account. The engine asks the declaration, never the step's name. No
browser."""

from __future__ import annotations

from pathlib import Path

from runner.core.model import BrowserSettings, RunOptions
from runner.core.results import CATEGORIES
from runner.run.engine import checks_in, needs
from runner.run.flowedit import step_locator
from runner.run.steps import HANDLERS
from runner.spec.flow import load_flow
from runner.spec.steps import STEP_TYPES
from tests.conftest import SHIPPED

ROOT = Path(__file__).resolve().parents[2]
BUTTON = {"role": "button", "name": "Next"}


def step(command: str, arg: object) -> object:
    from runner.core.model import Step

    return Step(command, arg, command, "flow.yaml", 1)


def test_every_declared_type_has_a_handler_and_a_known_timeout_category() -> None:
    assert set(HANDLERS) == set(STEP_TYPES)
    for name, declared in STEP_TYPES.items():
        assert declared.on_timeout in CATEGORIES, name
    slow = {name for name, declared in STEP_TYPES.items() if declared.on_timeout == "timeout"}
    assert slow == {"goto", "wait_for_url", "wait_for_load_state", "sign_in", "compare_images"}


def test_the_budgets_follow_the_run_options() -> None:
    options = RunOptions(report_dir=Path("."), timeout=10, sign_in_timeout=100, mfa_wait=60, account_timeout=300,
                         until_synced=90)
    assert STEP_TYPES["click"].budget(None, options) == 30 and STEP_TYPES["click"].budget(5, options) == 20
    assert STEP_TYPES["sign_in"].budget(None, options) == 100, "nobody at the window: no time to approve"
    headed = RunOptions(report_dir=Path("."), browser=BrowserSettings(headed=True), sign_in_timeout=100, mfa_wait=60)
    assert STEP_TYPES["sign_in"].budget(None, headed) == 160
    assert STEP_TYPES["use"].budget(5, options) == 300
    # two fetches of up to 3 tries each (a try: the image and its sign-in round trip), 1 s and 2 s between
    assert STEP_TYPES["compare_images"].budget(None, options) == 2 * (3 * 10 * 2 + 1 + 2) + 10 + 90


def test_where_the_locator_is_and_which_secret_is_typed() -> None:
    assert step_locator(step("click", BUTTON)) == BUTTON
    assert step_locator(step("fill", {"locator": BUTTON, "value": "x"})) == BUTTON
    assert step_locator(step("press", "Enter")) is None and step_locator(step("press", {"key": "Enter"})) is None
    assert step_locator(step("press", {"key": "Enter", "locator": BUTTON})) == BUTTON
    assert step_locator(step("goto", "https://www.office.com/")) is None
    assert STEP_TYPES["sign_in"].secret_in({}) == "password"
    assert STEP_TYPES["fill_secret"].secret_in({"locator": BUTTON}) == "password"
    assert STEP_TYPES["fill_secret"].secret_in({"locator": BUTTON, "secret": "totp"}) == "totp"
    assert STEP_TYPES["click"].secret_in(BUTTON) is None
    assert [name for name, declared in STEP_TYPES.items() if declared.changes] == ["upload"]
    assert [name for name, declared in STEP_TYPES.items() if declared.signs_in] == ["sign_in"]
    assert [name for name, declared in STEP_TYPES.items() if declared.checks_outcome] == ["compare_images"]


def test_a_flow_is_read_by_its_steps_declarations() -> None:
    sync = load_flow(SHIPPED)
    assert needs(sync, "password") and not needs(sync, "totp") and checks_in(sync) == 1
    qa = load_flow(SHIPPED.parent / "qa-profile-photo.yaml")
    assert checks_in(qa) == 2, "the QA loop checks before and after the change"


def test_the_engine_names_no_step_type() -> None:
    """Adding a step type is a declaration and a handler: the engine's modules ask the declaration."""
    for module in ("runner/run/account.py", "runner/run/engine.py", "runner/run/pageread.py", "runner/run/arms.py"):
        text = (ROOT / module).read_text(encoding="utf-8")
        assert "command ==" not in text and "command in" not in text, module
