"""Who to run: --account, --users files and --var, checked before any browser starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.core.errors import FlowError, UsageError
from runner.spec.flow import load_flow
from runner.spec.users import build_specs
from tests.conftest import SHIPPED


@pytest.fixture(scope="module")
def flow():
    return load_flow(SHIPPED)


def test_users_file_inputs_and_precedence(tmp_path: Path, flow) -> None:
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  - account: alice@contoso.com\n  - account: bob@contoso.com\n    tile: SharePoint\n")
    specs = build_specs(flow, ["carol@contoso.com"], users, ["tile=OneDrive"])
    assert [(s.account, s.inputs["tile"]) for s in specs] == [
        ("carol@contoso.com", "OneDrive"), ("alice@contoso.com", "OneDrive"), ("bob@contoso.com", "SharePoint")]
    assert build_specs(flow, [], users, ["tile=SharePoint"])[0].inputs == {"tile": "SharePoint"}


def test_users_file_problems_have_lines(tmp_path: Path, flow) -> None:
    users = tmp_path / "users.yaml"
    users.write_text(
        "users:\n"
        "  - account: alice@contoso.com\n"
        "  - account: ALICE@contoso.com\n"
        "  - account: not-an-email\n"
        "  - account: bob@contoso.com\n"
        "    tyle: SharePoint\n"
        "  - account: carol@contoso.com\n"
        "    tile: Teams\n"
    )
    with pytest.raises(FlowError) as info:
        build_specs(flow, [], users, [])
    found = [str(p) for p in info.value.problems]
    assert f"{users}:3:14: duplicate account ALICE@contoso.com (first on line 2)" in found
    assert f"{users}:4:14: 'not-an-email' is not an account name like user@contoso.com" in found
    assert any(p.startswith(f"{users}:6:5: the flow has no input 'tyle' (did you mean 'tile'?)") for p in found)
    assert any(p.startswith(f"{users}:8:11: input 'tile' is 'Teams'; allowed: OneDrive, SharePoint") for p in found)


@pytest.mark.parametrize(("pairs", "message"), [
    (["tile"], "--var 'tile': write it as NAME=VALUE"),
    (["tiel=OneDrive"], "the flow has no input 'tiel' (did you mean 'tile'?)"),
    (["tile=Teams"], "input 'tile' is 'Teams'; allowed: OneDrive, SharePoint"),
])
def test_bad_vars(flow, pairs, message) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        build_specs(flow, ["alice@contoso.com"], None, pairs)


def test_nobody_to_run(flow) -> None:
    with pytest.raises(UsageError, match="Say who to run"):
        build_specs(flow, [], None, [])
    with pytest.raises(UsageError, match="is not an account name"):
        build_specs(flow, ["alice"], None, [])
