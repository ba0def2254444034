"""Throughput and memory: accounts per minute and peak memory of the whole process tree (Python,
Playwright's driver, Chromium) at --workers 1, 2 and 4 for 50 simulated accounts, and whether
memory stays flat as accounts go by (each context closed, nothing kept per account but its
result): the tree's memory once the first 10 accounts are done against at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Measured, Workspace, mb, measure

FLAT_TOLERANCE = 1.25  # late/early memory; more means something is kept per account


def settled(run: Measured, first: int, last: int) -> tuple[float, float]:
    """Median tree memory while between `first` and `last` accounts were done."""
    values = [used for _, used, done in run.samples if first <= done <= last and used]
    return (statistics.median(values) if values else 0.0), float(len(values))


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args(argv)
    workspace = Workspace.create(args.accounts)
    rows = []
    for workers in [int(w) for w in args.workers.split(",")]:
        report = workspace.root / f"w{workers}"
        run = measure(workspace.runner_command(workers, report), workspace.env, report=report)
        if run.returncode != 0:
            raise SystemExit(f"--workers {workers} failed:\n{run.stdout}")
        per_minute = args.accounts / run.seconds * 60
        early, _ = settled(run, 5, 15)
        late, _ = settled(run, args.accounts - 10, args.accounts - 1)
        growth = late / early if early else 0.0
        flat = "flat" if growth <= FLAT_TOLERANCE else "GROWING"
        print(f"throughput: --workers {workers}: {per_minute:5.1f} accounts/min ({run.seconds:.0f} s for "
              f"{args.accounts}), peak memory {mb(run.peak_bytes)}, memory at accounts 5-15 {mb(early)} "
              f"vs {args.accounts - 10}-{args.accounts - 1} {mb(late)} (x{growth:.2f}, {flat})", flush=True)
        rows.append({"workers": workers, "per_minute": per_minute, "peak_mb": run.peak_bytes / 2**20,
                     "growth": growth})
    return rows


if __name__ == "__main__":
    main()
