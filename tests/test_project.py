"""Claims the project makes about itself, checked: the Python it says it runs on."""

from __future__ import annotations

import ast
import asyncio
import os
import re
import shutil
import subprocess
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
    assert "runner.run.engine" in graph and "runner.signin" in graph
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


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter's verdict on the `runner` package found under `root`, with the contracts of
    root/pyproject.toml (the layers the README's Layout describes)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
               "--config", str(root / "pyproject.toml"), "--no-cache"]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_layers_contract_holds() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    """The check can fail: the same tree with one import against the layers (the flow model
    importing the engine; the reporters importing the simulator) is refused, naming the import."""
    shutil.copytree(ROOT / "runner", tmp_path / "runner", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    model = tmp_path / "runner" / "core" / "model.py"
    model.write_text(model.read_text(encoding="utf-8") + "\n\ndef _upward() -> None:\n"
                     "    from ..run.engine import Engine  # noqa: F401\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "runner.core.model -> runner.run.engine" in result.stdout, result.stdout
    model.write_text(model.read_text(encoding="utf-8").split("\n\ndef _upward")[0], encoding="utf-8")
    html = tmp_path / "runner" / "reporters" / "html.py"
    html.write_text(html.read_text(encoding="utf-8") + "\nfrom ..simulator import Simulator  # noqa: E402,F401\n",
                    encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0 and "runner.reporters.html -> runner.simulator" in result.stdout, result.stdout


def test_the_package_reads_from_the_door() -> None:
    """runner/ holds folders by job and a handful of modules; no folder holds modules whose shared
    name prefix (doccheck_, cli_, plugin_) should have been a folder of its own."""
    top = sorted(p.name for p in (ROOT / "runner").glob("*.py"))
    assert len(top) <= 6, top
    for folder in [ROOT / "runner", *(p.parent for p in (ROOT / "runner").rglob("__init__.py"))]:
        stems = [p.stem for p in folder.glob("*.py") if p.stem != "__init__"]
        prefixed: dict[str, list[str]] = {}
        for stem in stems:
            prefixed.setdefault(stem.split("_")[0], []).append(stem)
        shared = {k: v for k, v in prefixed.items() if len(v) > 1 and any("_" in s for s in v)}
        assert shared == {}, (folder, shared)
    for package in (ROOT / "runner").glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(package.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc, package


def test_no_module_over_400_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "runner").rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}


def test_every_python_package_is_in_the_wheel() -> None:
    """A package missing from pyproject's list works in a checkout and breaks every installed copy."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "runner").rglob("__init__.py")}
    assert packages - listed == set()


def test_the_readme_is_short_and_every_page_it_names_exists() -> None:
    """A helpdesk reads the README first: what it is, the quick start, the five commands, where to read
    more (about 30 KB at most); the rest lives in the docs site, whose pages it links."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode()) <= 30_000
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "./dev demo" in quick and "./dev test" in quick
    linked = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert linked and [page for page in linked if not (ROOT / page).is_file()] == []
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert [p.name for p in (ROOT / "docs").glob("*.md") if p.name not in nav] == []


def test_what_the_code_tells_a_user_to_read_is_a_docs_page_that_answers() -> None:
    """The README is short now; a message or docstring that sends a reader elsewhere names the docs
    page (`docs/credentials.md`, the site is not published) and, when it quotes a section, one the
    page has: never the README, which no longer holds the details."""
    named = []
    for path in (ROOT / "runner").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert re.findall(r"README(?!\.md)|README\.md(?<!doccheck/README\.md)", text) == [], path
        for page, section in re.findall(r"(docs/[\w-]+\.md)(?:[,:] ['\"]([^'\"]+)['\"])?", text):
            assert (ROOT / page).is_file(), (path, page)
            headings = re.findall(r"^#+ (.+)$", (ROOT / page).read_text(encoding="utf-8"), re.M)
            assert not section or any(h.startswith(section) for h in headings), (path, page, section)
            named.append(page)
    assert {"docs/credentials.md", "docs/reports.md"} <= set(named)


def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict` (also run by ./dev test): a broken link, an unknown anchor or a page
    missing from the navigation fails."""
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    if mkdocs is None:
        import pytest
        pytest.skip("the docs extra is not installed (pip install -e '.[docs]')")
    result = subprocess.run([mkdocs, "build", "--strict", "-d", str(tmp_path / "site")], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "qa" / "index.html").is_file()


def test_the_tests_mirror_the_package() -> None:
    """A module's tests are found from its folder: tests/<folder>/ for runner/<folder>/, and nothing
    but the project's own claims and support directly in tests/."""
    folders = {p.parent.name for p in (ROOT / "tests").glob("*/__init__.py")} - {"support"}
    assert folders and folders <= {p.parent.name for p in (ROOT / "runner").glob("*/__init__.py")}
    assert sorted(p.name for p in (ROOT / "tests").glob("test_*.py")) == ["test_install.py", "test_project.py"]
