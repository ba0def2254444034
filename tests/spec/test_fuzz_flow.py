"""Fuzzing the flow loader and validator: any input ends in a clean error or a valid flow.

"Clean" means a FlowError whose every problem has a file, a line and column (1-based) and a
message; never another exception (that would be a traceback for the user). Inputs are arbitrary
text and bytes, and YAML built from the flow vocabulary (steps, locator keys, inputs, sub-flows)
with values of every type, then mutated the way hands mistype YAML (tabs, brackets, colons).
No example is timed (hypothesis' deadline is off): a busy machine would fail it; how long the worst
shapes take is benchmarks/hostile.py's figure.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from runner.core.errors import FlowError
from runner.simulator import load_accounts
from runner.spec.flow import COMMON_KEYS, FLOW_KEYS, INPUT_KEYS, INPUT_TYPES, Flow, load_flow
from runner.spec.shapes import LOCATOR_KEYS
from runner.spec.steps import STEP_TYPES
from runner.spec.users import load_users
from tests.conftest import SHIPPED

FUZZ = settings(
    max_examples=250,
    deadline=None,
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sub-flows the fuzzed flow can `use:`: a good one, a broken one, and itself (a cycle)."""
    base = tmp_path_factory.mktemp("fuzz")
    (base / "sub.yaml").write_text("name: sub\ninputs:\n  app: {default: OneDrive}\nsteps:\n  - goto: https://x\n")
    (base / "broken.yaml").write_text("name: broken\nsteps:\n  - goto: [x\n")
    (base / "lib").mkdir()  # also a folder where a file is expected
    shutil.copy(SHIPPED.parent / "lib" / "open-app.yaml", base / "lib" / "open-app.yaml")
    return base


def check_clean(path: Path, load: Any = load_flow) -> Any:
    """Load `path`; assert the outcome is a valid result or a clean, positioned FlowError."""
    try:
        result = load(path)
    except FlowError as exc:
        assert exc.problems, "a FlowError names at least one problem"
        for problem in exc.problems:
            assert isinstance(problem.file, str) and problem.file
            assert isinstance(problem.line, int) and problem.line >= 1, problem
            assert isinstance(problem.col, int) and problem.col >= 1, problem
            assert isinstance(problem.message, str) and problem.message.strip(), problem
            text = str(problem)
            assert text.startswith(f"{problem.file}:{problem.line}:{problem.col}: ")
            assert len(text) < len(problem.file) + 500
        event("clean error")
        result = None
    else:
        event("valid")
    return result


def check_flow(path: Path) -> None:
    flow = check_clean(path)
    if flow is not None:
        assert isinstance(flow, Flow) and flow.steps and isinstance(flow.name, str)
        for step in flow.steps:
            assert step.command in STEP_TYPES and isinstance(step.name, str)


# ------------------------------------------------------------------------------ strategies

# whole lines that exercise odd corners of YAML: non-text keys, tags, anchors, escapes, dates
TRICKY_LINES = [
    "[a]: b", "? {a: 1}\n: b", "{[x]: y}", "x: !!bool maybe", "x: !!timestamp 2001-02-30", "x: !!binary zz",
    "x: !!int 0xZZ", 'x: "\\UFFFFFFFF"', 'x: "\\ud800"', "x: &a [1]", "y: *a", "x: !!python/object:os.system {}",
    "x: !custom y", "x: !!float nope", "---", "...", "%YAML 1.1", "x: 2026-11-25", "x: .inf", "x: .nan", "x: 0o777",
    "x: 1_000", "x: ~", "<<: {a: 1}", "- ? a\n  : b", "x: |\n  text", "x: >-\n  folded", "? x", "x: !!str",
    "timeout: 1e999", "nth: -1", "nth: 99999999999999999999999", "optional: !!bool maybe", "timeout: !!bool x",
    "name: !!timestamp 2001-02-30", "goto: !!int x", "- goto: !!float x", "- click: {id: !!bool x, nth: !!int y}",
]
YAML_NOISE = [*"\t:[]{}-'\"&*!%@`#|>,?\n \\$", "${", "}", "---\n", "  ", "\n  - ", ": ", "\x00", "\ufeff"]

words = st.sampled_from([
    *FLOW_KEYS, *INPUT_KEYS, *INPUT_TYPES, *STEP_TYPES, *COMMON_KEYS, *LOCATOR_KEYS, "with", "file", "value",
    "secret", "key", "state", "regex", "glob", "full_page", "account", "stay_signed_in", "unrecognized_after",
    "stepz", "nmae", "clik", "rol", "sing_in", "tile", "app", "<<", "", "1", "null", "true",
])
texts = st.one_of(
    words,
    st.text(max_size=20),
    st.sampled_from(["${tile}", "${account}", "${nope}", "$${x}", "${", "${}", "https://www.office.com/", "#i0116",
                     "sub.yaml", "broken.yaml", "f.yaml", "missing.yaml", "lib", "../f.yaml", "a\x00b", "load",
                     "password", "totp", "visible", "OneDrive", "9" * 400, "x" * 2000]),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**20, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), texts,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.one_of(words, scalars), inner,
                                                                          max_size=4)),
    max_leaves=12,
)
locators = st.one_of(texts, st.dictionaries(st.sampled_from(sorted(LOCATOR_KEYS)), values, max_size=3))
steps = st.one_of(
    st.builds(lambda command, arg, extra: {command: arg, **extra},
              st.sampled_from(sorted(STEP_TYPES)), st.one_of(locators, values),
              st.dictionaries(st.sampled_from([*COMMON_KEYS, "with", "stepz"]), values, max_size=2)),
    st.fixed_dictionaries({"use": st.sampled_from(["sub.yaml", "broken.yaml", "f.yaml", "missing.yaml", "lib"])},
                          optional={"with": st.dictionaries(st.sampled_from(["app", "ap", "tile"]), values,
                                                            max_size=2)}),
    values,
)
flows = st.fixed_dictionaries(
    {},
    optional={
        "name": texts, "source": values, "description": values,
        "inputs": st.one_of(values, st.dictionaries(
            words, st.one_of(values, st.dictionaries(st.sampled_from([*INPUT_KEYS, "defualt"]), values,
                                                     max_size=3)), max_size=3)),
        "steps": st.one_of(values, st.lists(steps, max_size=6)),
        "stepz": values,
    },
)


def dump(data: Any, flow_style: bool | None) -> str:
    return yaml.safe_dump(data, default_flow_style=flow_style, sort_keys=False, allow_unicode=True)


# valid flows in block style: one small mistake in them reaches deep into the validator
TEMPLATES = [
    SHIPPED.read_text(encoding="utf-8"),
    """name: every step
inputs:
  tile: {type: string, allowed: [OneDrive, SharePoint], default: OneDrive}
  n: {type: integer, default: 2}
steps:
  - goto: https://www.office.com/
    timeout: 10
  - click:
      role: link
      name: ${tile}
      nth: 0
    optional: true
  - fill:
      id: i0116
      value: ${account}
  - fill_secret:
      label: Password
      secret: password
  - press:
      css: input
      key: Enter
  - wait_for:
      any:
        - id: a
        - text: b
      state: visible
  - wait_for_url:
      regex: https://.*
  - wait_for_load_state: load
  - expect_text:
      testid: t
      text: x
    when:
      id: w
  - screenshot:
      name: s
      full_page: true
  - use: sub.yaml
    with:
      app: ${tile}
  - sign_in:
      stay_signed_in: false
      unrecognized_after: 5
""",
]


def mutate(draw: st.DrawFn, text: str) -> str:
    """Up to three hand-made mistakes: a stray character, a cut, a repeated or a tricky line."""
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate-line", "tricky-line", "tricky-line"]))
        if action == "insert":
            text = text[:at] + draw(st.sampled_from(YAML_NOISE)) + text[at:]
        elif action == "tricky-line":  # after a line, as one more key of the mapping on that line
            lines = text.splitlines(keepends=True) or [""]
            index = at % len(lines)
            stripped = lines[index].lstrip(" ")
            indent = " " * (len(lines[index]) - len(stripped) + (2 if stripped.startswith("- ") else 0))
            tricky = draw(st.sampled_from(TRICKY_LINES)).replace("\n", "\n" + indent)
            text = "".join([*lines[: index + 1], indent + tricky + "\n", *lines[index + 1:]])
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 5)):]
        else:
            lines = text.splitlines(keepends=True) or [""]
            index = at % len(lines)
            text = "".join(lines[: index + 1] + lines[index:])
    return text


@st.composite
def mutated(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> str:
    """A YAML text from `documents` (data, dumped in a random style), then a few mistakes."""
    return mutate(draw, dump(draw(documents), draw(st.sampled_from([False, True, None]))))


@st.composite
def mutated_templates(draw: st.DrawFn, *templates: str) -> str:
    return mutate(draw, draw(st.sampled_from(templates or TEMPLATES)))


# ------------------------------------------------------------------------------------ tests


@FUZZ
@given(text=st.text(max_size=400))
def test_any_text(folder: Path, text: str) -> None:
    path = folder / "f.yaml"
    path.write_text(text, encoding="utf-8")
    check_flow(path)


@settings(FUZZ, max_examples=100)
@given(data=st.binary(max_size=400))
def test_any_bytes(folder: Path, data: bytes) -> None:
    path = folder / "f.yaml"
    path.write_bytes(data)
    check_flow(path)


@settings(FUZZ, max_examples=300)
@given(text=st.one_of(mutated(flows), mutated_templates()))
def test_flow_shaped_yaml(folder: Path, text: str) -> None:
    path = folder / "f.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_flow(path)


users_files = st.fixed_dictionaries({}, optional={
    "users": st.one_of(values, st.lists(st.one_of(values, st.dictionaries(
        st.sampled_from(["account", "tile", "tiel"]),
        st.one_of(values, st.sampled_from(["a@contoso.com", "A@contoso.com", "alice", "OneDrive", "Teams"])),
        max_size=3)), max_size=4)),
    "user": values,
})
accounts_files = st.fixed_dictionaries({}, optional={
    "accounts": st.one_of(values, st.lists(st.one_of(values, st.dictionaries(
        st.sampled_from(["upn", "password", "kmsi", "mfa", "totp_secret", "home_layout", "kmsii"]),
        st.one_of(values, st.sampled_from(["a@contoso.com", "alice", "totp", "tiles", "push"])),
        max_size=4)), max_size=4)),
    "acounts": values,
})


@settings(FUZZ, max_examples=150)
@given(text=st.one_of(mutated(users_files), st.text(max_size=200), mutated_templates(
    "users:\n  - account: a@contoso.com\n  - account: b@contoso.com\n    tile: SharePoint\n")))
def test_users_files(folder: Path, text: str) -> None:
    flow = load_flow(SHIPPED)
    path = folder / "users.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_clean(path, lambda p: load_users(p, flow))
    check_clean(path, lambda p: load_users(p, None))


@settings(FUZZ, max_examples=150)
@given(text=st.one_of(mutated(accounts_files), st.text(max_size=200), mutated_templates(
    "accounts:\n  - upn: a@contoso.com\n    password: pw\n    kmsi: false\n    mfa: totp\n"
    "    totp_secret: JBSWY3DP\n")))
def test_simulator_accounts_files(folder: Path, text: str) -> None:
    path = folder / "sim.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_clean(path, load_accounts)
