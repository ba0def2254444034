"""Hostile flow files: how long `load_flow` takes to refuse (or read) each shape of
tests/support/hostile.py, the figures tests/spec/test_bad_input.py and tests/spec/test_fuzz_flow.py no longer
assert (a busy machine made them fail). Target: under 2 s each, the bound those tests used to hold.
Run: `.venv/bin/python -m benchmarks hostile` or `.venv/bin/python benchmarks/hostile.py`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.core.errors import FlowError
from runner.spec.flow import load_flow
from tests.support import hostile

TARGET_S = 2.0


def cases(folder: Path) -> dict[str, Path]:
    """Every hostile shape as a file in `folder`, by name."""
    def write(name: str, text: str) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    found = {"alias bomb": write("bomb.yaml", hostile.alias_bomb()),
             "200 MB file": hostile.sparse_file(folder / "big.yaml", 200),
             f"{hostile.PROBLEMS} problems": write("problems.yaml", hostile.many_problems())}
    for kind in hostile.LARGEST_KINDS:
        found[f"largest: {kind}"] = write(f"largest-{kind}.yaml", hostile.largest(kind))
    for i, opener in enumerate(hostile.DEEP_OPENERS):
        found[f"deep: {opener.strip()!r}"] = write(f"deep-{i}.yaml", hostile.deep(opener))
    fan = folder / "fan"
    fan.mkdir()
    found[f"sub-flows: {hostile.SUBFLOW_LEVELS} files x {hostile.USES_PER_FILE} uses"] = hostile.fan_out(fan)
    return found


def best_of(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions (the best one is the figure)")
    args = parser.parse_args(argv)

    def load(path: Path) -> str:
        try:
            load_flow(path)
        except FlowError:
            return "refused"
        return "read"

    slow = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in cases(Path(tmp)).items():
            answer = load(path)
            took = best_of(lambda path=path: load(path), args.repeat)
            slow += took >= TARGET_S
            print(f"  {name:<42} {answer:<8} {took:6.2f} s{'  TOO SLOW' if took >= TARGET_S else ''}")
    print(f"hostile flow files: best of {args.repeat}, target < {TARGET_S:.0f} s each: "
          f"{'OK' if not slow else f'{slow} TOO SLOW'}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
