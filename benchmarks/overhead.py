"""Overhead: `m365-replay run` against the same steps written by hand in Playwright
(benchmarks/handwritten.py), 20 simulated accounts, one after another, same simulator and
browser; each run in its own process, runner and hand-written alternately so that a busy
machine slows both alike. Prints the ratio of the medians (target <= 1.10).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Workspace

TARGET = 1.10


def run_once(workspace: Workspace, kind: str, index: int, extra: tuple[str, ...]) -> float:
    if kind == "handwritten":
        command = [sys.executable, str(Path(__file__).with_name("handwritten.py")), str(workspace.root)]
    else:
        command = workspace.runner_command(1, workspace.root / f"report-{index}", *extra)
    started = time.perf_counter()
    done = subprocess.run(command, env=workspace.env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if kind == "handwritten":
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        ok = figures["passed"] == figures["total"]
    else:
        ok = done.returncode == 0
    if not ok:
        raise SystemExit(f"{kind} run failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2, help="runner/hand-written pairs (alternating)")
    parser.add_argument("--runner-args", default="", help="extra `run` options, e.g. '--trace off'")
    args = parser.parse_args(argv)
    workspace = Workspace.create(args.accounts)
    extra = tuple(args.runner_args.split())
    times: dict[str, list[float]] = {"runner": [], "handwritten": []}
    for index in range(args.rounds):
        order = ("runner", "handwritten") if index % 2 == 0 else ("handwritten", "runner")
        for kind in order:
            times[kind].append(run_once(workspace, kind, index, extra))
            print(f"  round {index + 1}: {kind:<11} {times[kind][-1]:6.1f} s", flush=True)
    runner, hand = statistics.median(times["runner"]), statistics.median(times["handwritten"])
    ratio = runner / hand
    verdict = "ok" if ratio <= TARGET else "ABOVE TARGET"
    print(f"overhead: runner {runner:.1f} s vs hand-written {hand:.1f} s for {args.accounts} accounts "
          f"-> ratio {ratio:.2f} (target <= {TARGET:.2f}: {verdict})")
    return {"runner_s": runner, "handwritten_s": hand, "ratio": ratio}


if __name__ == "__main__":
    main()
