"""Claims the project makes about itself, checked: the Python it says it runs on."""

from __future__ import annotations

import asyncio
import re
import sys
import tomllib
from pathlib import Path

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


def runner_imports() -> dict[str, set[str]]:
    """Every module of runner/ -> the runner modules it imports, TYPE_CHECKING and function-local
    imports included (a reader follows those too), relative and absolute."""
    import ast

    base = ROOT / "runner"
    modules: dict[str, Path] = {}
    for path in base.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join([*anchor, *([node.module] if node.module else [])])
                else:
                    target = node.module or ""
                candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            found |= {c for c in candidates if c in modules and c != name}
        graph[name] = found
    return graph


def test_runner_has_no_import_cycle() -> None:
    graph = runner_imports()
    assert "runner.engine" in graph and "runner.signin" in graph
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt):], nxt] if nxt in path else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_stages_import_only_downstream() -> None:
    """Data flows one way: the model, the console and the users file know no engine; a step
    handler and the sign-in see only the StepContext protocol."""
    graph = runner_imports()
    for module in ("runner.model", "runner.users", "runner.console", "runner.steps", "runner.results",
                   "runner.reporters", "runner.reporters.history", "runner.reporters.evidence"):
        assert not {"runner.engine", "runner.account"} & graph[module], (module, graph[module])
    signin = [m for m in graph if m.startswith("runner.signin")]
    assert signin and not any({"runner.engine", "runner.account"} & graph[m] for m in signin)


def test_no_module_over_400_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "runner").rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}


def test_every_python_package_is_in_the_wheel() -> None:
    """A package missing from pyproject's list works in a checkout and breaks every installed copy."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "runner").rglob("__init__.py")}
    assert packages - listed == set()
