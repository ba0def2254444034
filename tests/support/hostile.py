"""Hostile flow files: the shapes that could make the YAML reader or the validator take unbounded time
or memory. tests/spec/test_bad_input.py checks that each is refused (or read) as it should be and within
its memory; benchmarks/hostile.py times them, since how fast a machine is belongs there, not in a test."""

from __future__ import annotations

from pathlib import Path

from runner.spec.yamlpos import MAX_BYTES

GOOD_FLOW = "name: t\nsteps:\n  - goto: https://www.office.com/\n"
# just under the size limit, the worst shapes for the pure-Python YAML reader
LARGEST_KINDS = ("many-values", "one-long-line", "long-scalar", "comments")
# what opens a level of nesting, 100,000 times (a block sequence: 200 levels)
DEEP_OPENERS = ("[", "{a: ", "- ")
SUBFLOW_LEVELS, USES_PER_FILE = 10, 200


def alias_bomb() -> str:
    """A "billion laughs": nine levels of nine aliases each."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


def sparse_file(path: Path, megabytes: int) -> Path:
    """A flow followed by `megabytes` of nothing, without writing them (the test stays cheap)."""
    with path.open("wb") as fh:
        fh.write(GOOD_FLOW.encode())
        fh.truncate(megabytes * 1_000_000)
    return path


def largest(kind: str) -> str:
    """A flow file just under MAX_BYTES of one of LARGEST_KINDS."""
    budget = MAX_BYTES - 200
    if kind == "many-values":
        return "name: t\nsteps:\n" + "  - goto: https://x\n" * (budget // 20)
    if kind == "one-long-line":
        return "name: t\nsteps: [" + "a," * (budget // 2 - 20) + "]\n"
    if kind == "long-scalar":
        return "name: t\nsteps:\n  - goto: " + "x" * (budget - 30) + "\n"
    return "#" * (budget - 40) + "\n" + GOOD_FLOW


def deep(opener: str) -> str:
    """A flow whose steps are nested far deeper than MAX_DEPTH."""
    body = "\n" + "- " * 200 + "x" if opener == "- " else opener * 100_000
    return "name: t\nsteps: " + body + "\n"


def fan_out(folder: Path) -> Path:
    """SUBFLOW_LEVELS files each using the next one USES_PER_FILE times (200**9 loads without a cache);
    the first one's path."""
    for level in range(SUBFLOW_LEVELS):
        last = level == SUBFLOW_LEVELS - 1
        steps = "  - goto: x\n" if last else f"  - use: f{level + 1}.yaml\n" * USES_PER_FILE
        (folder / f"f{level}.yaml").write_text(f"name: f{level}\nsteps:\n{steps}", encoding="utf-8")
    return folder / "f0.yaml"


PROBLEMS = 5000


def many_problems() -> str:
    """A flow with PROBLEMS unknown steps: the list of problems is capped, the reading is not."""
    return "name: t\nsteps:\n" + "  - clik: x\n" * PROBLEMS
