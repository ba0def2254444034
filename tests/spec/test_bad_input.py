"""Bad input ends in exit 2 with `file:line:col: what is wrong; what to do`, never a traceback.

Each item of the "Bad input" list has a test here: malformed YAML, alias bombs and very large
files (bounded time and memory), wrong types, unknown keys and variables, sub-flow cycles, bad
users files, `--var` without `=`, missing or unreadable paths, an unwritable report folder, bad
`creds` account names and bad `--simulator-accounts` files. The CLI is run in-process (an
uncaught exception fails the test just as a traceback would), plus a few real subprocesses.
"""

from __future__ import annotations

import codecs
import os
import re
import textwrap
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.cli import commands as cli_module
from runner.core.errors import MAX_PROBLEMS, FlowError
from runner.simulator import load_accounts
from runner.spec import flow as flow_module
from runner.spec.config import load_config
from runner.spec.flow import MAX_SUBFLOW_DEPTH, load_flow
from runner.spec.users import load_users
from runner.spec.yamlpos import MAX_BYTES, MAX_DEPTH, MAX_NODES
from tests.conftest import SHIPPED, cli
from tests.support import hostile

POSITION = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

# ----------------------------------------------------------------------------------- helpers


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(path: Path, loader: Callable[[Path], Any] = load_flow) -> list[str]:
    with pytest.raises(FlowError) as info:
        loader(path)
    found = [str(p) for p in info.value.problems]
    for line in found:
        assert POSITION.match(line), line
    return found


def the_problem(path: Path, loader: Callable[[Path], Any] = load_flow) -> str:
    found = problems(path, loader)
    assert len(found) == 1, found
    return found[0]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The console script's main() in-process: its exit code, stdout and stderr."""
    with pytest.raises(SystemExit) as info:
        cli_module.main(list(args))
    out = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out.out, out.err


def assert_exit_2(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, f"{needle!r} not in:\n{err}"


def bounded(action: Callable[[], Any], megabytes: float = 100.0) -> None:
    """`action` allocates at most `megabytes` at its peak (tracemalloc: how much, not how fast, so a
    busy machine cannot change the answer). How long these shapes take is benchmarks/hostile.py's
    figure; where the work is tens of thousands of small objects, tracing would cost seconds, and the
    test checks where the reader stopped or how often it read instead."""
    tracemalloc.start()
    try:
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < megabytes * 1e6, f"peak {peak / 1e6:.1f} MB"


def expect_flow_error(path: Path) -> Callable[[], None]:
    def action() -> None:
        with pytest.raises(FlowError):
            load_flow(path)

    return action


@pytest.fixture
def keyring_ok(memory_keyring):
    """A working keyring, so `run` gets past its keyring check to what is tested."""
    return memory_keyring


@pytest.fixture
def no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a run gets as far as the engine (bad input must stop before any browser)."""
    from runner.run.engine import Engine

    def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("the engine started: bad input was not caught before the browser")

    monkeypatch.setattr(Engine, "run", refuse)


GOOD_FLOW = hostile.GOOD_FLOW


# ------------------------------------------------------------------------- malformed YAML


@pytest.mark.parametrize(("text", "where", "needles"), [
    pytest.param("name: t\nsteps:\n\t- goto: x\n", "3:1", ["tab", "spaces"], id="tab"),
    pytest.param("name: t\nsteps:\n  - goto: [x, y\n", "4:1", ["[ opened on line 3, column 11 is not closed"],
                 id="unclosed-bracket"),
    pytest.param("name: t\nsteps:\n  - click: {id: x\n", "4:1", ["{ opened on line 3, column 12 is not closed"],
                 id="unclosed-brace"),
    pytest.param('name: "t\nsteps:\n  - goto: x\n', "4:1", ["quote opened on line 1, column 7 is not closed"],
                 id="unclosed-quote"),
    pytest.param("name: t\n  steps:\n - goto: x\n", "2:8", ["indentation"], id="bad-indentation"),
    pytest.param("name: t\nsteps:\n  - goto: x\n   click: y\n", "4:4", ["indent"], id="misaligned-key"),
    pytest.param("name: t\nsteps:\n  - goto: x\n---\nname: u\n", "4:1", ["second YAML document", "remove it"],
                 id="two-documents"),
    pytest.param('name: t\nsteps:\n  - goto: "a\\qb"\n', "3:1", ["backslash", "single quotes"], id="bad-escape"),
    pytest.param("name: t\nsteps:\n  - goto: @x\n", "3:11", ["quote a value"], id="reserved-character"),
    pytest.param("name: t\nname: u\nsteps:\n  - goto: x\n", "2:1", ["duplicate key 'name' (first on line 1)"],
                 id="duplicate-key"),
    pytest.param("name: t\nsteps:\n  - {[a]: b}\n", "3:6", ["a key must be a name, not a list"], id="list-key"),
    pytest.param("name: t\n? {a: 1}\n: x\nsteps:\n  - goto: x\n", "2:3", ["a key must be a name, not a mapping"],
                 id="mapping-key"),
    pytest.param("name: t\nsteps:\n  - !!python/object:os.system {}\n", "3:5", ["YAML tag !!python/object"],
                 id="python-tag"),
    pytest.param("name: t\nsteps:\n  - goto: !custom x\n", "3:11", ["YAML tag !custom", "remove it"],
                 id="custom-tag"),
    pytest.param('name: t\nsteps:\n  - goto: "\\UFFFFFFFF"\n', "3", ["YAML"], id="escape-out-of-range"),
    pytest.param("name: t\x07\nsteps:\n  - goto: x\n", "1:8", ["U+0007 is not allowed", "remove it"],
                 id="control-character"),
    pytest.param("name: t\nsteps:\n  - goto: x\x00\n", "3:12", ["U+0000 is not allowed"], id="nul-character"),
    pytest.param("- goto: x\n- click: y\n", "1:1", ["a flow file is a mapping with `name` and `steps`"],
                 id="document-is-a-list"),
    pytest.param("just some words\n", "1:1", ["a flow file is a mapping"], id="document-is-a-scalar"),
    pytest.param("", "1:1", ["a flow file is a mapping"], id="empty-file"),
    pytest.param("# only a comment\n\n", "1:1", ["a flow file is a mapping"], id="comment-only"),
])
def test_malformed_yaml_is_one_positioned_problem(tmp_path: Path, capsys, text: str, where: str,
                                                 needles: list[str]) -> None:
    path = write(tmp_path, "f.yaml", text.encode("utf-8"))
    problem = the_problem(path)
    assert problem.startswith(f"{path}:{where}"), problem
    for needle in needles:
        assert needle in problem, problem
    code, _, err = run_cli(capsys, "validate", str(path))
    assert_exit_2(code, err, problem)


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    binary = write(tmp_path, "image.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "not UTF-8 text (byte 0x89 here)" in the_problem(binary)
    latin1 = write(tmp_path, "latin1.yaml", "name: Café\nsteps:\n  - goto: x\n".encode("latin-1"))
    assert the_problem(latin1).startswith(f"{latin1}:1:10: flow file is not UTF-8 text (byte 0xe9 here)")
    assert "Save it as UTF-8" in the_problem(latin1)


def test_utf8_and_utf16_with_bom_are_read(tmp_path: Path) -> None:
    """Windows editors write these; YAML allows them, so they are not errors."""
    bom8 = write(tmp_path, "bom8.yaml", codecs.BOM_UTF8 + GOOD_FLOW.encode())
    assert load_flow(bom8).name == "t"
    utf16 = write(tmp_path, "utf16.yaml", GOOD_FLOW.encode("utf-16"))
    assert load_flow(utf16).name == "t"


def test_odd_scalars_are_type_errors_not_crashes(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", f"""
        name: 2026-11-25
        inputs:
          n: {{type: integer, default: .inf}}
          m: {{type: number, default: .nan}}
        steps:
          - goto: x
            timeout: {"9" * 5000}
          - goto: y
            timeout: .inf
          - goto: z
            optional: !!bool maybe
    """)
    found = problems(path)
    assert any(":3:31: default: input 'n' takes an integer, not inf" in p for p in found), found
    assert any(":4:30: default: input 'm' takes a number, not nan" in p for p in found), found
    assert f"{path}:7:14: expected a number, got text" in found
    assert f"{path}:9:14: expected a finite number, got .inf" in found
    assert f"{path}:11:15: expected true or false, got text" in found
    assert not any(":1:" in p for p in found), "a date as a name is text as written"


# ------------------------------------------------------------------ bounded time and memory


def test_alias_bomb_is_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.yaml", hostile.alias_bomb())
    # refused at the first alias: nothing is expanded
    assert the_problem(path).startswith(f"{path}:2:8: YAML syntax: YAML aliases (*name) are not allowed")
    bounded(expect_flow_error(path), megabytes=20)


@pytest.mark.parametrize("megabytes", [5, 200])
def test_very_large_file_is_refused_without_reading_it_all(tmp_path: Path, megabytes: int) -> None:
    path = hostile.sparse_file(tmp_path / "big.yaml", megabytes)
    assert f"is larger than {MAX_BYTES} bytes" in the_problem(path)
    bounded(expect_flow_error(path), megabytes=3 * MAX_BYTES / 1e6)  # reading it all would take `megabytes`


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_file_is_refused() -> None:
    assert "is larger than" in the_problem(Path("/dev/zero"))


@pytest.mark.parametrize("kind", hostile.LARGEST_KINDS)
def test_largest_accepted_file_is_read_in_bounded_time(tmp_path: Path, kind: str) -> None:
    """Just under the size limit, the worst shapes for the pure-Python YAML reader: too many values
    are refused where the limit is reached, not after reading the rest; the others are read within
    their memory."""
    text = hostile.largest(kind)
    path = write(tmp_path, "large.yaml", text)
    if kind in ("many-values", "one-long-line"):
        problem = the_problem(path)
        assert f"more than {MAX_NODES} YAML values" in problem
        where = POSITION.match(problem)
        assert where is not None
        line, col = int(where["line"]), int(where["col"])
        lines = text.splitlines()
        assert line < len(lines) // 2 if kind == "many-values" else col < len(lines[-1]) // 2, problem
    else:
        bounded(lambda: load_flow(path))


@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_deep_nesting_is_refused_with_a_position(tmp_path: Path, opener: str) -> None:
    path = write(tmp_path, "deep.yaml", hostile.deep(opener))
    problem = the_problem(path)
    # ours at MAX_DEPTH, or libyaml's own limit when it scans that far ahead first
    assert f"nested more than {MAX_DEPTH} levels deep" in problem or "nested too deeply" in problem, problem
    assert not problem.startswith(f"{path}:1:1:")
    bounded(expect_flow_error(path))


def test_deeply_nested_locators_within_the_limit_validate(tmp_path: Path) -> None:
    loc = "{id: x}"
    for _ in range(MAX_DEPTH // 2 - 4):
        loc = f"{{any: [{loc}]}}"
    path = write(tmp_path, "f.yaml", f"name: t\nsteps:\n  - click: {loc}\n")
    assert load_flow(path).steps[0].command == "click"


def test_subflow_fan_out_is_validated_once_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten files each using the next one 200 times would be 200**9 loads without the cache."""
    path = hostile.fan_out(tmp_path)
    read: list[str] = []
    load_nodes = flow_module.load_nodes

    def counted(file: Path, what: str) -> Any:
        read.append(file.name)
        return load_nodes(file, what)

    monkeypatch.setattr(flow_module, "load_nodes", counted)
    assert load_flow(path).steps[0].subflow is not None
    assert sorted(read) == sorted(f"f{level}.yaml" for level in range(hostile.SUBFLOW_LEVELS))


def test_subflow_chain_depth_is_limited(tmp_path: Path) -> None:
    for level in range(40):
        write(tmp_path, f"c{level}.yaml", f"name: c{level}\nsteps:\n  - use: c{level + 1}.yaml\n")
    write(tmp_path, "c40.yaml", GOOD_FLOW)
    found = problems(tmp_path / "c0.yaml")
    assert any(f"sub-flows are nested more than {MAX_SUBFLOW_DEPTH} deep; flatten them" in p for p in found)
    bounded(expect_flow_error(tmp_path / "c0.yaml"))


def test_thousands_of_problems_are_capped(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", hostile.many_problems())
    found = problems(path)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1].endswith(f"... and {hostile.PROBLEMS - MAX_PROBLEMS} more problems; fix these first")


def test_a_huge_value_is_shortened_in_messages(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", "name: t\nsteps:\n  - wait_for_load_state: " + "k" * 500_000 + "\n")
    problem = the_problem(path)
    assert "is not one of load, domcontentloaded, networkidle" in problem and len(problem) < 600


# ------------------------------------------------------------ wrong types, unknown keys/variables


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("name: [a]\nsteps:\n  - goto: x\n", "1:7: expected text, got a list", id="name-list"),
    pytest.param("name: t\nsteps: {goto: x}\n", "2:8: `steps` must be a non-empty list, got a mapping",
                 id="steps-mapping"),
    pytest.param("name: t\nsteps: []\n", "2:8: `steps` must be a non-empty list, got a list", id="steps-empty"),
    pytest.param("name: t\ninputs: [tile]\nsteps:\n  - goto: x\n",
                 "2:9: `inputs` is a mapping of input names, got a list", id="inputs-list"),
    pytest.param("name: t\ninputs:\n  tile: {type: strng}\nsteps:\n  - goto: x\n",
                 "3:16: 'strng' is not one of string, integer, number, boolean (did you mean 'string'?)",
                 id="input-type"),
    pytest.param("name: t\nsteps:\n  - goto: x\n    optional: maybe\n", "4:15: expected true or false, got text",
                 id="optional-text"),
    pytest.param("name: t\nsteps:\n  - click: [a, b]\n", "3:12: expected a locator (text or mapping), got a list",
                 id="click-list"),
    pytest.param("name: t\nsteps:\n  - fill: {id: i0116}\n", "3:11: missing `value`", id="fill-no-value"),
    pytest.param("name: t\nsteps:\n  - goto: {url: x}\n", "3:11: expected text, got a mapping", id="goto-mapping"),
    pytest.param("name: t\nsteps:\n  - click: {id: x, nth: first}\n", "3:25: expected a whole number, got text",
                 id="nth-text"),
    pytest.param("name: t\nsteps:\n  - goto\n", "3:5: step 'goto' needs a value", id="bare-command"),
    pytest.param("name: t\nsteps:\n  - 42\n", "3:5: a step is a mapping", id="step-number"),
])
def test_wrong_types(tmp_path: Path, capsys, text: str, expected: str) -> None:
    path = write(tmp_path, "f.yaml", text)
    found = problems(path)
    assert any(p.startswith(f"{path}:{expected}") for p in found), found
    code, _, err = run_cli(capsys, "validate", str(path))
    assert_exit_2(code, err, f"{path}:{expected}")


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("name: t\nstepz:\n  - goto: x\n", "2:1: unknown key 'stepz' (did you mean 'steps'?)", id="top"),
    pytest.param("name: t\nsteps:\n  - goto: x\n    optinal: true\n", "4:5: unknown key 'optinal' (did you mean "
                 "'optional'?)", id="step-key"),
    pytest.param("name: t\nsteps:\n  - click: {rol: button}\n", "3:13: unknown locator key 'rol' (did you mean "
                 "'role'?)", id="locator-key"),
    pytest.param("name: t\ninputs:\n  tile: {defualt: x}\nsteps:\n  - goto: x\n", "3:10: unknown input key "
                 "'defualt' (did you mean 'default'?)", id="input-key"),
    pytest.param("name: t\nsteps:\n  - sign_in: {stay_signed: true}\n", "3:15: unknown key 'stay_signed' (did you "
                 "mean 'stay_signed_in'?)", id="sign-in-key"),
    pytest.param("name: t\nsteps:\n  - wait_for_url: {regexp: x}\n", "3:20: unknown key 'regexp' (did you mean "
                 "'regex'?)", id="url-key"),
])
def test_unknown_keys_have_did_you_mean(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "f.yaml", text)
    found = problems(path)
    assert any(p.startswith(f"{path}:{expected}") for p in found), found


def test_unknown_variables(tmp_path: Path) -> None:
    path = write(tmp_path, "f.yaml", """
        name: t
        inputs:
          tile: {default: OneDrive}
        steps:
          - name: open ${tiel}
            goto: https://x/$${literal}
          - fill: {id: i0116, value: "${acount}"}
          - click: "text=${}"
    """)
    found = problems(path)
    assert f"{path}:5:11: unknown variable ${{tiel}} (did you mean 'tile'?); known: account, photo, tile" in found
    assert f"{path}:7:30: unknown variable ${{acount}} (did you mean 'account'?); known: account, photo, tile" in found
    assert any(p.startswith(f"{path}:8:12: unknown variable ${{}}") for p in found)
    assert len(found) == 3, "$${literal} is a literal, not a variable"


# ------------------------------------------------------------------------------- sub-flows


def test_subflow_includes_itself_directly(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "self.yaml", "name: s\nsteps:\n  - use: self.yaml\n")
    problem = the_problem(path)
    assert problem.startswith(f"{path}:3:10: sub-flow includes itself: self.yaml → self.yaml; remove this `use:`")
    code, _, err = run_cli(capsys, "validate", str(path))
    assert_exit_2(code, err, "sub-flow includes itself")


def test_subflow_includes_itself_indirectly(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "name: a\nsteps:\n  - use: lib/b.yaml\n")
    write(tmp_path, "lib/b.yaml", "name: b\nsteps:\n  - goto: x\n  - use: c.yaml\n")
    write(tmp_path, "lib/c.yaml", "name: c\nsteps:\n  - use: ../a.yaml\n")
    found = problems(path)
    assert f"{tmp_path / 'lib' / 'c.yaml'}:3:10: sub-flow includes itself: a.yaml → b.yaml → c.yaml → a.yaml; " \
           "remove this `use:` or the one that leads back here" in found
    assert f"{path}:3:10: sub-flow lib/b.yaml has problems (listed above)" in found


def test_subflow_yaml_error_names_its_own_file_and_line(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "main.yaml", "name: m\nsteps:\n  - goto: x\n  - use: lib/open.yaml\n")
    sub = write(tmp_path, "lib/open.yaml", "name: o\nsteps:\n  - click: {id: x\n")
    code, _, err = run_cli(capsys, "validate", str(path))
    assert_exit_2(code, err, f"{sub}:4:1: YAML syntax:", f"{path}:4:10: sub-flow lib/open.yaml has problems")
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{sub}:"), "the sub-flow's own problem comes first"


@pytest.mark.parametrize(("use", "needle"), [
    ("nowhere.yaml", "sub-flow not found: nowhere.yaml"),
    ("lib", "sub-flow not found: lib"),
    ('"a\\0b.yaml"', "cannot be used"),
])
def test_subflow_paths(tmp_path: Path, use: str, needle: str) -> None:
    (tmp_path / "lib").mkdir()
    path = write(tmp_path, "f.yaml", f"name: t\nsteps:\n  - use: {use}\n")
    problem = the_problem(path)
    assert problem.startswith(f"{path}:3:10:") and needle in problem, problem


# ---------------------------------------------------------------------------------- users


@pytest.fixture(scope="module")
def flow():
    return load_flow(SHIPPED)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("users:\n  - account: a@contoso.com\n  - account: A@Contoso.com\n",
                 ["3:14: duplicate account A@Contoso.com (first on line 2)"], id="duplicate"),
    pytest.param("users:\n  - account: alice\n", ["2:14: 'alice' is not an account name like user@contoso.com"],
                 id="not-an-email"),
    pytest.param("users:\n  - account: [a@contoso.com]\n",
                 ["2:14: `account` is an account name like user@contoso.com, got a list"], id="account-list"),
    pytest.param("users:\n  - account: 'a@contoso.com\n    x'\n", ["2:14: 'a@contoso.com x' is not an account"],
                 id="account-with-space"),
    pytest.param("users:\n  - tile: OneDrive\n", ["2:5: missing `account`"], id="no-account"),
    pytest.param("users:\n  - acount: a@contoso.com\n", ["2:5: unknown key 'acount' (did you mean 'account'?)"],
                 id="account-typo"),
    pytest.param("users:\n  - a@contoso.com\n", ["2:5: each user is a mapping: `- account: user@contoso.com`, "
                                                  "got text"], id="user-is-text"),
    pytest.param("- account: a@contoso.com\n", ["1:1: a users file is a mapping with `users:`"], id="not-a-mapping"),
    pytest.param("", ["1:1: a users file is a mapping with `users:`", "got empty"], id="empty"),
    pytest.param("accounts:\n  - account: a@contoso.com\n", ["1:1: unknown key 'accounts'", "1:1: missing `users`"],
                 id="missing-users"),
    pytest.param("user:\n  - account: a@contoso.com\n", ["1:1: unknown key 'user' (did you mean 'users'?)"],
                 id="did-you-mean-users"),
    pytest.param("users: {account: a@contoso.com}\n", ["1:8: `users` must be a non-empty list"], id="users-mapping"),
    pytest.param("users:\n  - account: a@contoso.com\n    tiel: SharePoint\n",
                 ["3:5: the flow has no input 'tiel' (did you mean 'tile'?)"], id="unknown-input"),
    pytest.param("users:\n  - account: a@contoso.com\n    tile: [x]\n",
                 ["3:11: input 'tile' takes text"], id="input-wrong-type"),
    pytest.param("users:\n  - &a {account: a@contoso.com}\n  - *a\n", ["3:5: YAML syntax: YAML aliases"], id="alias"),
    pytest.param("users:\n\t- account: a@contoso.com\n", ["2:1: YAML syntax:", "tab"], id="tab"),
])
def test_bad_users_files(tmp_path: Path, flow, keyring_ok, no_browser, capsys, text: str,
                         expected: list[str]) -> None:
    users = write(tmp_path, "users.yaml", text.encode())
    found = problems(users, lambda p: load_users(p, flow))
    for needle in expected:
        assert any(p.startswith(f"{users}:{needle}") or (needle in p) for p in found), (needle, found)
    code, _, err = run_cli(capsys, "run", str(SHIPPED), "--users", str(users), "--report-dir", str(tmp_path / "r"))
    assert_exit_2(code, err, f"{users}:")
    assert not (tmp_path / "r").exists()


def test_users_file_without_a_flow_checks_accounts_only(tmp_path: Path) -> None:
    users = write(tmp_path, "users.yaml", "users:\n  - account: a@contoso.com\n    anything: 1\n")
    assert [a for a, _, _ in load_users(users, None)] == ["a@contoso.com"]


# --------------------------------------------------------------------------------- --var


@pytest.mark.parametrize(("var", "needle"), [
    ("tile", "--var 'tile': write it as NAME=VALUE (e.g. --var tile=SharePoint)"),
    ("=SharePoint", "--var '=SharePoint': write it as NAME=VALUE"),
    ("tiel=OneDrive", "the flow has no input 'tiel' (did you mean 'tile'?)"),
    ("tile=Teams", "input 'tile' is 'Teams'; allowed: OneDrive, SharePoint"),
])
def test_bad_var(tmp_path: Path, keyring_ok, no_browser, capsys, var: str, needle: str) -> None:
    code, _, err = run_cli(capsys, "run", str(SHIPPED), "--account", "a@contoso.com", "--var", var,
                           "--report-dir", str(tmp_path / "r"))
    assert_exit_2(code, err, needle)
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------------- missing/unreadable paths


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, Path]:
    a_file = write(tmp_path, "plain.txt", "not a folder\n")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    return {
        "missing": tmp_path / "missing.yaml",
        "folder": folder,
        "below-a-file": a_file / "x.yaml",
    }


PATH_MESSAGES = {
    "missing": "not found; check the path",
    "folder": "is a folder; give a .yaml file",
    "below-a-file": "cannot read {what}: Not a directory; check the path",
}


@pytest.mark.parametrize("case", list(PATH_MESSAGES))
@pytest.mark.parametrize("option", ["flow", "--users", "--simulator-accounts"])
def test_missing_and_unusable_paths(tmp_path: Path, paths, keyring_ok, no_browser, capsys, case: str,
                                    option: str) -> None:
    bad = paths[case]
    what = {"flow": "flow file", "--users": "users file", "--simulator-accounts": "simulator accounts file"}[option]
    args = ["run", str(bad if option == "flow" else SHIPPED), "--account", "a@contoso.com",
            "--report-dir", str(tmp_path / "r")]
    if option != "flow":
        args += [option, str(bad)]
    code, _, err = run_cli(capsys, *args)
    message = PATH_MESSAGES[case].format(what=what)
    if case != "below-a-file":
        message = f"{what} {message}"
    assert_exit_2(code, err, f"error: {bad}:1:1: {message}")


@pytest.mark.skipif(AS_ROOT, reason="root reads a chmod 000 file anyway; the folder and below-a-file cases "
                                    "cover unreadable paths there")
@pytest.mark.parametrize("option", ["flow", "--users", "--simulator-accounts"])
def test_unreadable_paths(tmp_path: Path, keyring_ok, no_browser, capsys, option: str) -> None:
    locked = write(tmp_path, "locked.yaml", GOOD_FLOW)
    locked.chmod(0)
    try:
        args = ["run", str(locked if option == "flow" else SHIPPED), "--account", "a@contoso.com",
                "--report-dir", str(tmp_path / "r")]
        if option != "flow":
            args += [option, str(locked)]
        code, _, err = run_cli(capsys, *args)
    finally:
        locked.chmod(0o644)
    assert_exit_2(code, err, f"{locked}:1:1:", "permission denied; make it readable")


def test_validate_missing_file(tmp_path: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "validate", str(tmp_path / "nope.yaml"), str(SHIPPED))
    assert_exit_2(code, err, f"{tmp_path / 'nope.yaml'}:1:1: flow file not found; check the path")


# ------------------------------------------------------------------------------ report folder


@pytest.mark.parametrize("case", ["below-a-file", "is-a-file"])
def test_report_folder_that_cannot_be_written_stops_before_the_browser(tmp_path: Path, keyring_ok, no_browser,
                                                                        capsys, case: str) -> None:
    a_file = write(tmp_path, "plain.txt", "x\n")
    target = a_file / "report" if case == "below-a-file" else a_file
    sim = write(tmp_path, "sim.yaml", "accounts:\n  - {upn: a@contoso.com, password: pw}\n")
    code, _, err = run_cli(capsys, "run", str(SHIPPED), "--account", "a@contoso.com", "--simulator-accounts",
                           str(sim), "--report-dir", str(target))
    assert_exit_2(code, err, str(target), "choose another --report-dir")
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(AS_ROOT, reason="root writes into a read-only folder anyway; the file cases cover root")
def test_read_only_report_folder(tmp_path: Path, keyring_ok, no_browser, capsys) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, _, err = run_cli(capsys, "run", str(SHIPPED), "--account", "a@contoso.com", "--report-dir",
                               str(folder / "r"))
    finally:
        folder.chmod(0o755)
    assert_exit_2(code, err, "permission denied", "choose another --report-dir")


# ------------------------------------------------------------------------------------ creds


@pytest.mark.parametrize("args", [
    ["creds", "set", "not-an-email"],
    ["creds", "set", "a@contoso.com\n", "--totp"],
    ["creds", "delete", "alice"],
    ["creds", "check", "a@contoso.com", "bob"],
])
def test_creds_with_a_malformed_account(capsys, args: list[str]) -> None:
    code, _, err = run_cli(capsys, *args)
    assert_exit_2(code, err, "is not an account name like user@contoso.com")
    assert "keyring" not in err.lower(), "bad input is reported before the keyring is needed"


def test_creds_check_with_a_bad_users_file(tmp_path: Path, capsys) -> None:
    users = write(tmp_path, "users.yaml", "users:\n  - account: a@contoso.com\n  - account: nobody\n")
    code, _, err = run_cli(capsys, "creds", "check", "--users", str(users))
    assert_exit_2(code, err, f"{users}:3:14: 'nobody' is not an account name")
    bomb = write(tmp_path, "bomb.yaml", "users: &u [*u]\n")
    code, _, err = run_cli(capsys, "creds", "check", "--users", str(bomb))
    assert_exit_2(code, err, f"{bomb}:1:12: YAML syntax: YAML aliases")
    listed = write(tmp_path, "list.yaml", "- a@contoso.com\n")
    code, _, err = run_cli(capsys, "creds", "check", "--users", str(listed))
    assert_exit_2(code, err, "a users file is a mapping with `users:`")


# ------------------------------------------------------------------------- simulator accounts


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("accounts:\n  - {upn: a@contoso.com, password: x, kmsii: false}\n",
                 "2:39: unknown simulated-account option 'kmsii' (did you mean 'kmsi'?)", id="unknown-option"),
    pytest.param("accounts:\n  - {upn: a@contoso.com, password: x, kmsi: maybe}\n",
                 "2:45: expected true or false, got text", id="wrong-type"),
    pytest.param("accounts:\n  - {upn: a@contoso.com, password: x, mfa: sms}\n",
                 "2:44: 'sms' is not one of totp, push, push_approve, push_deny, push_timeout", id="bad-choice"),
    pytest.param("accounts:\n  - {password: x}\n", "2:5: missing `upn`", id="missing-upn"),
    pytest.param("accounts:\n  - {upn: alice, password: x}\n",
                 "2:11: 'alice' is not an account name like user@contoso.com", id="bad-upn"),
    pytest.param("accounts:\n  - {upn: a@contoso.com, password: x}\n  - {upn: A@contoso.com, password: y}\n",
                 "3:11: duplicate upn A@contoso.com (first on line 2)", id="duplicate"),
    pytest.param("- {upn: a@contoso.com, password: x}\n", "1:1: a simulator accounts file is a mapping",
                 id="not-a-mapping"),
    pytest.param("acounts: []\n", "1:1: unknown key 'acounts' (did you mean 'accounts'?)", id="unknown-key"),
    pytest.param("accounts: []\n", "1:11: `accounts` must be a non-empty list", id="empty-list"),
    pytest.param("accounts:\n  - {upn: a@contoso.com, password: [x\n", "3:1: YAML syntax:", id="yaml-error"),
    pytest.param("accounts: &a [*a]\n", "1:15: YAML syntax: YAML aliases", id="alias"),
])
def test_bad_simulator_accounts(tmp_path: Path, keyring_ok, no_browser, capsys, text: str, expected: str) -> None:
    sim = write(tmp_path, "sim.yaml", text.encode())
    found = problems(sim, load_accounts)
    assert any(p.startswith(f"{sim}:{expected}") for p in found), found
    code, _, err = run_cli(capsys, "run", str(SHIPPED), "--account", "a@contoso.com", "--simulator-accounts",
                           str(sim), "--report-dir", str(tmp_path / "r"))
    assert_exit_2(code, err, f"{sim}:{expected}")
    assert not (tmp_path / "r").exists()


def test_simulator_accounts_values_as_written(tmp_path: Path) -> None:
    sim = write(tmp_path, "sim.yaml", "accounts:\n  - {upn: A@contoso.com, password: 1234, mfa: null}\n")
    [account] = load_accounts(sim)
    assert (account.upn, account.password, account.mfa) == ("a@contoso.com", "1234", None)


# ----------------------------------------------------------- one validator, every YAML file

LOADERS: dict[str, Callable[[Path], Any]] = {
    "flow": load_flow,
    "users": lambda path: load_users(path, None),
    "config": load_config,
    "simulated accounts": load_accounts,
}


@pytest.mark.parametrize(("kind", "text", "expected"), [
    ("flow", "name: t\nstepz:\n  - goto: x\n",
     "2:1: unknown key 'stepz' (did you mean 'steps'?); expected name, source, description, inputs, changes, steps"),
    ("users", "user:\n  - account: a@contoso.com\n", "1:1: unknown key 'user' (did you mean 'users'?); expected users"),
    ("config", "allowed_domain: [contoso.com]\n",
     "1:1: unknown key 'allowed_domain' (did you mean 'allowed_domains'?); expected allowed_domains, sign_in_states"),
    ("simulated accounts", "acounts:\n  - {upn: a@contoso.com, password: x}\n",
     "1:1: unknown key 'acounts' (did you mean 'accounts'?); expected accounts, faults, random_faults"),
])
def test_every_file_words_an_unknown_key_the_same(tmp_path: Path, kind: str, text: str, expected: str) -> None:
    """One validator for every YAML file: the same message, did-you-mean and list of keys, and a
    misspelt required key is one problem (not also `missing `steps``)."""
    path = write(tmp_path, "f.yaml", text)
    assert problems(path, LOADERS[kind]) == [f"{path}:{expected}"]


@pytest.mark.parametrize(("kind", "text", "expected"), [
    ("flow", "name: t\n", "1:1: missing `steps`: the list of what to do"),
    ("flow", "name: t\nsteps:\n  - fill: {id: i0116}\n", "3:11: missing `value`: text to type; variables allowed"),
    ("users", "users:\n  - tile: OneDrive\n", "2:5: missing `account`: an account name like user@contoso.com"),
    ("simulated accounts", "accounts:\n  - {password: x}\n",
     "2:5: missing `upn`: an account name like user@contoso.com"),
    ("simulated accounts", "{}\n", "1:1: missing `accounts`: a list of {upn: user@contoso.com, password: ...}"),
])
def test_every_file_words_a_missing_key_the_same(tmp_path: Path, kind: str, text: str, expected: str) -> None:
    """(The config file has no required key.)"""
    path = write(tmp_path, "f.yaml", text)
    assert problems(path, LOADERS[kind]) == [f"{path}:{expected}"]


@pytest.mark.parametrize(("kind", "text", "expected"), [
    ("flow", "name: t\nsteps:\n  - fill: {id: i0116, valeu: x}\n",
     "3:23: unknown locator key 'valeu' (did you mean 'value'?)"),
    ("users", "users:\n  - acount: a@contoso.com\n", "2:5: unknown key 'acount' (did you mean 'account'?); "
     "expected account"),
    ("simulated accounts", "accounts:\n  - {upn: a@contoso.com, pasword: x}\n",
     "2:26: unknown simulated-account option 'pasword' (did you mean 'password'?); expected upn, password, "),
])
def test_a_misspelt_required_key_is_one_problem(tmp_path: Path, kind: str, text: str, expected: str) -> None:
    path = write(tmp_path, "f.yaml", text)
    [problem] = problems(path, LOADERS[kind])
    assert problem.startswith(f"{path}:{expected}"), problem


def test_other_files_get_the_flows_value_checks(tmp_path: Path) -> None:
    """A choice with did-you-mean and a position at the value, as in a flow."""
    sim = write(tmp_path, "sim.yaml", "accounts:\n  - upn: a@contoso.com\n    password: x\n    mfa: totpp\n")
    assert problems(sim, load_accounts) == [f"{sim}:4:10: 'totpp' is not one of totp, push, push_approve, push_deny, "
                                            "push_timeout (did you mean 'totp'?)"]
    config = write(tmp_path, "config.yaml", "allowed_domains: [contoso.com, alice@contoso.com]\n")
    assert problems(config, load_config) == [f"{config}:1:32: 'alice@contoso.com' is not a domain such as "
                                             "contoso.com"]


# ------------------------------------------------------------------ real processes, end to end


def test_end_to_end_in_a_real_process(tmp_path: Path) -> None:
    """What a person at a terminal sees: exit 2, `file:line:col`, no traceback, for each kind."""
    tab = write(tmp_path, "tab.yaml", "name: t\nsteps:\n\t- goto: x\n")
    result = cli("validate", str(tab))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{tab}:3:1: YAML syntax:") and "tab" in result.stderr

    users = write(tmp_path, "users.yaml", "users:\n  - account: a@contoso.com\n  - account: a@contoso.com\n")
    result = cli("run", str(SHIPPED), "--users", str(users), "--report-dir", str(tmp_path / "r"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{users}:3:14: duplicate account a@contoso.com (first on line 2)" in result.stderr

    result = cli("creds", "delete", "not-an-email")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is not an account name" in result.stderr

    report_file = write(tmp_path, "report-is-a-file", "x")
    sim = write(tmp_path, "sim.yaml", "accounts:\n  - {upn: a@contoso.com, password: pw}\n")
    result = cli("run", str(SHIPPED), "--account", "a@contoso.com", "--simulator-accounts", str(sim),
                 "--report-dir", str(report_file / "sub"),
                 env={"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
                      "M365_TEST_KEYRING_FILE": str(tmp_path / "keyring.json")})
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "choose another --report-dir" in result.stderr
