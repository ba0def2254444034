"""Start-up: `m365-replay --help` and `validate` of the shipped flow, whole process, best of N
(target under 0.3 s each), and proof that neither imports Playwright (`python -X importtime`):
Playwright is imported only once a browser is needed."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, SHIPPED

TARGET_S = 0.3


def command() -> list[str]:
    script = shutil.which("m365-replay", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "runner"]


def best_of(args: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([*command(), *args], capture_output=True, cwd=ROOT, check=False)
        times.append(time.perf_counter() - started)
    return min(times)


def imports_playwright(args: list[str]) -> bool:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "runner", *args], capture_output=True,
                          text=True, cwd=ROOT)
    return any(line.rsplit("|", 1)[-1].strip().startswith("playwright") for line in done.stderr.splitlines())


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    figures = {}
    for label, cli_args in (("--help", ["--help"]), ("validate", ["validate", str(SHIPPED)])):
        seconds = best_of(cli_args, args.repeat)
        pw = imports_playwright(cli_args)
        verdict = "ok" if seconds < TARGET_S and not pw else "ABOVE TARGET"
        print(f"start-up: m365-replay {label}: {seconds:.3f} s (best of {args.repeat}; target < {TARGET_S} s), "
              f"imports playwright: {'yes' if pw else 'no'} -> {verdict}", flush=True)
        figures[label] = seconds
    return figures


if __name__ == "__main__":
    main()
