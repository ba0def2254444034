"""Shared fixtures: an in-memory keyring, the simulator, and a helper that runs a flow in-process
against the simulator in real headless Chromium."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import pytest

from runner.cli.runs import execute
from runner.core.model import BrowserSettings
from runner.core.results import Report
from runner.run.engine import AccountSpec, RunOptions
from runner.secrets.credentials import KeyringStore
from runner.simulator import SimAccount, Simulator
from runner.spec.flow import load_flow
from tests.support.keyrings import MemoryKeyring

# keyrings.alt (a test extra) would otherwise become the default backend, which `creds set` refuses:
# every test names the backend it uses (an in-memory one: the memory_keyring fixture; across processes
# tests.support.keyrings.JsonFileKeyring), and this process's default is changed, not the developer's
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
SHIPPED = FLOWS / "sync-profile-photo.yaml"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@dataclass
class Outcome:
    report: Report
    sim: Simulator
    report_dir: Path
    stdout: str

    def run(self, account: str) -> Any:
        return next(r for r in self.report.runs if r.account == account)


@pytest.fixture
def replay(memory_keyring: MemoryKeyring, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """replay(accounts, **options) -> Outcome: the shipped flow (or `flow=`) against a simulator
    holding `accounts`; each account's password is put in the keyring unless `store=False`."""

    def run(accounts: list[SimAccount], specs: list[AccountSpec] | None = None, flow: Path = SHIPPED,
            passwords: dict[str, str | None] | None = None, sim_options: dict[str, Any] | None = None,
            setup=None, listener: Any = None, **options: Any) -> Outcome:
        for acc in accounts:
            secret = (passwords or {}).get(acc.upn, acc.password)
            if secret is not None:
                memory_keyring.set_password("m365-replay", acc.upn, secret)
            if acc.totp_secret:
                memory_keyring.set_password("m365-replay-totp", acc.upn, acc.totp_secret)
        sim = Simulator(accounts, **(sim_options or {}))
        if setup is not None:
            setup(sim)
        loaded = load_flow(flow)
        if specs is None:
            specs = [AccountSpec(a.upn, loaded.resolve_inputs({})) for a in accounts]
        report_dir = options.pop("report_dir", tmp_path / "report")
        opts = RunOptions(report_dir=report_dir, simulator=sim, browser=BrowserSettings(**options.pop("browser", {})),
                          **{"timeout": 10.0, "unrecognized_after": 8.0, **options})
        report = execute(loaded, specs, opts, KeyringStore(), listener=listener)
        return Outcome(report, sim, report_dir, capsys.readouterr().out)

    return run


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 180,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m runner ...` in a subprocess with the test file keyring."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "runner", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd or ROOT, timeout=timeout, input=input)


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """The suite leaves no browser, run-server or runner process behind: checked once every other
    session fixture (pytest-playwright's browser included) has been torn down."""
    import psutil

    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    left = [p for p in me.children(recursive=True) if p.pid not in before]
    _, alive = psutil.wait_procs(left, timeout=10)
    for proc in alive:  # end them so that one leak does not hang CI, then say so
        with contextlib.suppress(psutil.Error):
            proc.kill()
    names = []
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            names.append(" ".join(proc.cmdline())[:120])
    assert not alive, f"processes left behind by the test suite: {names}"
