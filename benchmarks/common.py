"""What the benchmarks share: simulated accounts with their passwords in a throw-away keyring,
and the process-tree memory of a running command (Python, Playwright's driver, Chromium)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "flows" / "sync-profile-photo.yaml"


@dataclass
class Workspace:
    """A temp folder holding sim.yaml, users.yaml and a JSON keyring for N accounts."""

    root: Path
    accounts: list[tuple[str, str]]

    @classmethod
    def create(cls, count: int) -> Workspace:
        root = Path(tempfile.mkdtemp(prefix="m365-bench-"))
        accounts = [(f"bench{i:03d}@contoso.com", f"Bench-pw-{i:03d}") for i in range(count)]
        # the classic home with its tiles, as benchmarks/handwritten.py (the baseline) clicks them: the
        # figures measure the runner's overhead, not the longer way through the Copilot app's Apps page
        (root / "sim.yaml").write_text("accounts:\n" + "".join(
            f"  - {{upn: {upn}, password: {pw}, home_layout: tiles}}\n" for upn, pw in accounts))
        (root / "users.yaml").write_text("users:\n" + "".join(f"  - account: {upn}\n" for upn, _ in accounts))
        (root / "keyring.json").write_text(json.dumps({f"m365-replay\n{upn}": pw for upn, pw in accounts}))
        return cls(root, accounts)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT), "M365_TEST_KEYRING_FILE": str(self.root / "keyring.json"),
                "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring"}

    def runner_command(self, workers: int, report_dir: Path, *extra: str) -> list[str]:
        return [sys.executable, "-m", "runner", "run", str(SHIPPED), "--users", str(self.root / "users.yaml"),
                "--simulator-accounts", str(self.root / "sim.yaml"), "--workers", str(workers),
                "--report-dir", str(report_dir), "-q", *extra]


def tree_memory(pid: int) -> int:
    """Bytes of the process and all its descendants: PSS where the OS has it (shared pages of
    Chromium's many processes counted once, split between them), else RSS."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        try:
            info = proc.memory_full_info()
            total += getattr(info, "pss", info.rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


@dataclass
class Measured:
    seconds: float
    returncode: int
    peak_bytes: int
    samples: list[tuple[float, int, int]]  # (elapsed s, tree bytes, accounts done)
    stdout: str


def measure(command: list[str], env: dict[str, str], report: Path | None = None,
            interval: float = 0.25) -> Measured:
    """Run a command, sampling its process tree's memory (and, given report.json, progress)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    samples: list[tuple[float, int, int]] = []
    peak = 0
    while proc.poll() is None:
        used = tree_memory(proc.pid)
        peak = max(peak, used)
        samples.append((time.perf_counter() - started, used, accounts_done(report)))
        time.sleep(interval)
    out = proc.stdout.read() if proc.stdout else ""
    return Measured(time.perf_counter() - started, proc.returncode, peak, samples, out)


def accounts_done(report: Path | None) -> int:
    if report is None:
        return 0
    try:
        return len(json.loads((report / "report.json").read_text())["runs"])
    except (OSError, ValueError, KeyError):
        return 0


def mb(value: float) -> str:
    return f"{value / 2**20:.0f} MB"
