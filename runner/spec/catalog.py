"""The shipped flows: found by name from any folder, listed, copied out for editing.

A helpdesk PC gets m365-replay with `pipx install`, not a checkout, so the flows travel inside the
wheel as package data in runner/flows/ (pyproject.toml maps the top-level flows/ folder there). A
checkout (an editable install or PYTHONPATH) has them in flows/ beside the package instead.

Wherever a command takes a flow (`run`, `validate`, the pytest plugin's arguments), a path comes
first: an existing file always wins over a shipped flow of the same name, so a flow copied out with
`flows copy` and edited is never silently replaced by the original.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import FlowError, Problem, UsageError

if TYPE_CHECKING:
    from ..core.model import Input

SUFFIXES = (".yaml", ".yml")
LIBRARY_DIR = "lib"  # sub-flows (`use: lib/...`): building blocks of the flows, not procedures


@dataclass(frozen=True)
class ShippedFlow:
    name: str  # relative to the shipped folder, without suffix: "sync-profile-photo", "lib/open-app"
    path: Path

    @property
    def is_library(self) -> bool:
        return self.name.startswith(f"{LIBRARY_DIR}/")


def shipped_dir() -> Path | None:
    """runner/flows/ in an installed wheel; in a checkout, flows/ beside the package (recognised by
    the pyproject.toml next to it, so that an unrelated `flows` folder in site-packages is never taken)."""
    package = Path(__file__).resolve().parent.parent  # runner/, two levels up from runner/spec/catalog.py
    if (package / "flows").is_dir():
        return package / "flows"
    checkout = package.parent
    if (checkout / "flows").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout / "flows"
    return None


def shipped_flows() -> list[ShippedFlow]:
    """Every shipped flow file, the procedures first, then the sub-flows of lib/."""
    base = shipped_dir()
    if base is None:
        return []
    found = [ShippedFlow(p.relative_to(base).with_suffix("").as_posix(), p)
             for p in base.rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    return sorted(found, key=lambda f: (f.is_library, f.name))


def find_shipped(name: str) -> ShippedFlow | None:
    """The shipped flow called `name`, with or without its suffix, `/` or `\\` alike."""
    key = name.replace("\\", "/")
    for suffix in SUFFIXES:
        key = key.removesuffix(suffix)
    return next((f for f in shipped_flows() if f.name == key), None)


def resolve_flow(argument: str | Path) -> Path:
    """The flow file a command-line argument names: an existing path; else a shipped flow of that
    name; else the path as given, so that load_flow says precisely what is wrong with it. A bare
    name that is neither (no folder, no .yaml) gets a message that lists the shipped flows instead
    of "file not found", because the user most likely mistyped one."""
    path = Path(argument)
    if path.exists():
        return path
    shipped = find_shipped(str(argument))
    if shipped is not None:
        return shipped.path
    if path.parent == Path(".") and path.suffix not in SUFFIXES:
        from .shapes import did_you_mean

        names = [f.name for f in shipped_flows() if not f.is_library]
        raise FlowError([Problem(str(argument), 1, 1, "no flow file and no shipped flow of that name"
                                 f"{did_you_mean(str(argument), set(names))}; shipped flows: "
                                 f"{', '.join(names) or 'none in this installation'} (`m365-replay flows`)")])
    return path


def describe_shipped() -> Iterator[str]:
    """The lines of `m365-replay flows`: each flow's name, title, source, what it changes and inputs."""
    from .flow import load_flow

    flows = shipped_flows()
    base = shipped_dir()
    if not flows or base is None:
        raise UsageError("This installation has no shipped flows (runner/flows/ is missing); reinstall m365-replay.")
    yield "Shipped flows (run one by name: m365-replay run NAME --account EMAIL):"
    in_library = False
    for shipped in flows:
        if shipped.is_library and not in_library:
            in_library = True
            yield ""
            yield f"Sub-flows, used by the flows above with `use: {LIBRARY_DIR}/...`:"
        yield ""
        try:
            flow = load_flow(shipped.path)
        except FlowError as exc:  # a checkout user's edit in progress: say so, list the rest
            yield f"{shipped.name}  (does not validate: {exc.problems[0]})"
            continue
        yield f"{shipped.name}  {flow.name}"
        if flow.source:
            yield f"    source: {flow.source}"
        if flow.changes:  # what running it changes in an account (`run` needs --allow-changes)
            yield f"    changes: {', '.join(flow.changes)} (run it with --allow-changes)"
        for inp in flow.inputs.values():
            yield f"    input {_describe_input(inp)}"
    yield ""
    yield f"From {base}; to edit them: m365-replay flows copy DIR"


def _describe_input(inp: Input) -> str:
    facts = [inp.type]
    if inp.allowed:
        facts.append("one of " + "|".join(str(a) for a in inp.allowed))
    facts.append(f"default {inp.default}" if inp.default is not None else "required")
    text = f"{inp.name} ({', '.join(facts)})"
    return f"{text}: {inp.description}" if inp.description else text


def copy_shipped(target: Path, force: bool = False) -> list[str]:
    """Copy every shipped flow (lib/ included, so `use:` still resolves) into `target`. Nothing is
    copied when a file would be overwritten without `force`: a half-copied set of flows whose
    sub-flows are the user's own edits would be worse than none."""
    flows = shipped_flows()
    base = shipped_dir()
    if not flows or base is None:
        raise UsageError("This installation has no shipped flows (runner/flows/ is missing); reinstall m365-replay.")
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file; give a folder to copy the flows into.")
    destinations = [(f, target / f.path.relative_to(base)) for f in flows]
    existing = [str(dest) for _, dest in destinations if dest.exists()]
    if existing and not force:
        raise UsageError(f"{', '.join(existing)} already {'exists' if len(existing) == 1 else 'exist'}; nothing "
                         "was copied (add --force to overwrite).")
    try:
        for _, dest in destinations:
            dest.parent.mkdir(parents=True, exist_ok=True)
        for shipped, dest in destinations:
            shutil.copyfile(shipped.path, dest)
    except OSError as exc:
        raise UsageError(f"Cannot copy the flows into {target}: {exc.strerror or exc}.") from None
    # the hint names a replay of a documented procedure (steps with `doc:`) rather than a check-only
    # flow such as check-profile-photo, else the first flow
    procedures = [(f, dest) for f, dest in destinations if not f.is_library] or destinations
    first = next((dest for f, dest in procedures if _documented(f.path)), procedures[0][1])
    return [*(f"copied {dest}" for _, dest in destinations),
            f"Edit them, then run one by its path: m365-replay run {first} --account EMAIL"]


def _documented(path: Path) -> bool:
    """A replay of a documented procedure that changes nothing in the accounts (the hint never
    suggests a flow that needs --allow-changes, such as add-profile-photo)."""
    from .flow import load_flow

    try:
        flow = load_flow(path)
    except FlowError:
        return False
    return not flow.changes and any(step.doc for step in flow.steps)
