"""Claims the project makes about itself, checked: the Python it says it runs on."""

from __future__ import annotations

import asyncio
import re
import sys
import tomllib

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_python_claim_is_the_one_the_code_needs() -> None:
    """The engine's Ctrl-C clean-up calls asyncio.Task.uncancel(), new in 3.11: claiming 3.10 let
    pip install it where Ctrl-C raised AttributeError. ruff checks the same floor."""
    floor = re.fullmatch(r">=\s*3\.(\d+)", PYPROJECT["project"]["requires-python"].split("#")[0].strip())
    assert floor, PYPROJECT["project"]["requires-python"]
    minor = int(floor.group(1))
    assert minor >= 11 and hasattr(asyncio.Task, "uncancel")
    assert PYPROJECT["tool"]["ruff"]["target-version"] == f"py3{minor}"
    assert sys.version_info >= (3, minor)
