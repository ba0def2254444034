"""`python -m benchmarks [startup|overhead|throughput|report|photo|observer|hostile|cpu|soak ...]`: run the
benchmarks (all but `soak`, a night of 200 accounts, by default), each printing its figures, then the
machine they came from. Not tests: a shared CI box's timings say little, so nothing here fails a build."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NAMES = ("startup", "overhead", "throughput", "report", "photo", "observer", "hostile", "cpu", "soak")
DEFAULT = NAMES[:-1]  # `soak` takes 10 minutes and more: only when named


def machine() -> str:
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    chromium = ""
    from runner.run.browser import system_chromium

    found = system_chromium()
    if found:
        done = subprocess.run([found, "--version"], capture_output=True, text=True)
        chromium = f", {done.stdout.strip()}"
    return (f"{os.cpu_count()} CPU ({cpu}), {psutil.virtual_memory().total / 2**30:.1f} GB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}{chromium}")


def main() -> None:
    chosen = [a for a in sys.argv[1:] if a in NAMES] or list(DEFAULT)
    rest = [a for a in sys.argv[1:] if a not in NAMES]  # options of a single benchmark (soak's --accounts...)
    for name in chosen:
        print(f"== {name}", flush=True)
        if name == "startup":
            from benchmarks import startup

            startup.main([])
        elif name == "overhead":
            from benchmarks import overhead

            overhead.main([])
        elif name == "throughput":
            from benchmarks import throughput

            throughput.main([])
        elif name == "soak":
            from benchmarks import soak

            soak.main(rest)
        elif name == "photo":
            from benchmarks import photo

            photo.main([])
        elif name == "observer":  # one observer round of `experiment` over 200 accounts
            from benchmarks import observer

            observer.main(rest)
        elif name == "cpu":  # CPU per account with each headless browser found
            from benchmarks import cpu

            cpu.main(rest)
        elif name == "hostile":
            from benchmarks import hostile

            hostile.main([])
        elif name == "report":  # the reports' own benchmark (benchmarks/report_bench.py)
            subprocess.run([sys.executable, str(Path(__file__).with_name("report_bench.py")), "--repeat", "3"],
                           check=False)
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
