"""Report benchmark: render report.html and junit.xml for 10,000 account runs.

Target: under 2 s on the development machine (2 cores). Prints the figures; not a timed test,
because a shared CI box's timing says little. Run: `.venv/bin/python benchmarks/report_bench.py`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.reporters.html import write_html
from runner.reporters.junit import write_junit
from tests.support.sample import sample_report

TARGET_S = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="account runs in the report")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions (the best one is the figure)")
    args = parser.parse_args()
    report = sample_report(args.runs)
    steps = sum(len(r.steps) for r in report.runs)
    totals, htmls, junits = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        write_html(sample_report(10), out)  # template compiled once, as in any run
        for _ in range(args.repeat):
            start = time.perf_counter()
            html = write_html(report, out)
            middle = time.perf_counter()
            junit = write_junit(report, out)
            end = time.perf_counter()
            htmls.append(middle - start)
            junits.append(end - middle)
            totals.append(end - start)
        size_html, size_junit = html.stat().st_size, junit.stat().st_size
    best = min(totals)
    print(f"report rendering: {args.runs} account runs, {steps} steps")
    print(f"  report.html {min(htmls):.2f} s ({size_html / 1e6:.1f} MB), junit.xml {min(junits):.2f} s "
          f"({size_junit / 1e6:.1f} MB)")
    print(f"  total: best {best:.2f} s, median {statistics.median(totals):.2f} s of {args.repeat} "
          f"(target < {TARGET_S:.0f} s): {'OK' if best < TARGET_S else 'TOO SLOW'}")
    return 0 if best < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
