"""CPU per account: `m365-replay run` of the shipped flow for 10 simulated accounts, with each
headless browser this machine has (the system Chromium's full headless mode, and its headless shell
when installed), one process per run, alternating, each into a report folder of its own. The
figure is CPU seconds of the whole process tree (Python, Playwright's driver, every Chromium process)
per account, read from the kernel's accounting of the finished children, so a busy machine changes
it little. It is why a headless run prefers the shell (runner/run/browser.py).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Workspace


def browsers() -> dict[str, str]:
    """Each headless browser to compare, by name."""
    from runner.run.browser import system_chromium

    found: dict[str, str] = {}
    full, shell = system_chromium(headless=False), system_chromium(headless=True)
    if full:
        found["system Chromium, full headless"] = full
    if shell and shell != full:
        found["system Chromium, headless shell"] = shell
    return found


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(workspace: Workspace, executable: str, index: int, accounts: int) -> float:
    command = workspace.runner_command(1, workspace.root / f"report-{index}", "--executable-path", executable,
                                       "--trace", "retain-on-failure")
    before = children_cpu()
    done = subprocess.run(command, env=workspace.env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"run with {executable} failed:\n{done.stdout}\n{done.stderr}")
    return (children_cpu() - before) / accounts


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    found = browsers()
    if not found:
        raise SystemExit("no system Chromium: nothing to compare (apt-get install chromium chromium-headless-shell)")
    workspace = Workspace.create(args.accounts)
    per_account: dict[str, list[float]] = {name: [] for name in found}
    runs = 0
    for index in range(args.rounds):
        order = list(found.items()) if index % 2 == 0 else list(reversed(found.items()))
        for name, executable in order:
            runs += 1  # a report folder per run: none reads another's as its history
            per_account[name].append(run_once(workspace, executable, runs, args.accounts))
            print(f"  round {index + 1}: {name:<34} {per_account[name][-1]:5.2f} CPU-s per account", flush=True)
    medians = {name: statistics.median(values) for name, values in per_account.items()}
    for name, value in medians.items():
        print(f"cpu: {name} ({found[name]}): {value:.2f} CPU-s per account (median of {args.rounds})")
    from runner.run.browser import system_chromium

    print(f"     a headless run with no browser named uses {system_chromium(headless=True)} "
          "(after Playwright's own Chromium, when downloaded)")
    return medians


if __name__ == "__main__":
    main(sys.argv[1:])
