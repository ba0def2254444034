"""Ctrl-C, SIGTERM and SIGKILL on a real `m365-replay run`: no new account starts, running ones
stop within seconds, and report.json always accounts for every account (or, after SIGKILL, is a
valid record of what finished)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHIPPED

pytestmark = pytest.mark.browser

NAMES = [f"user{i}@contoso.com" for i in range(5)]
# seconds any wait here may last: a hang guard, never a measure. A pytest session stopped by Ctrl-C
# spends seconds in its final garbage collections (7 to 18 s with a core kept busy; over 60 s once).
HANG = 240.0


def start(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n" + "".join(f"  - {{upn: {n}, password: pw-{i}-secret}}\n" for i, n in enumerate(NAMES)))
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(json.dumps({f"m365-replay\n{n}": f"pw-{i}-secret" for i, n in enumerate(NAMES)}))
    report = tmp_path / "report"
    args = [sys.executable, "-m", "runner", "run", str(SHIPPED), "--simulator-accounts", str(sim),
            "--report-dir", str(report), "--trace", "off"]
    for name in NAMES:
        args += ["--account", name]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
           "M365_TEST_KEYRING_FILE": str(keyring_file)}
    # output to files, not pipes: the browser inherits them and may outlive the runner by a moment,
    # which would make a pipe reader wait for the browser rather than for the runner's exit
    out = (tmp_path / "stdout.txt").open("w")
    err = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
    return proc, report / "report.json"


def output(tmp_path: Path) -> str:
    return (tmp_path / "stdout.txt").read_text() + (tmp_path / "stderr.txt").read_text()


def wait_for_runs(report: Path, count: int, proc: subprocess.Popen[str], timeout: float = HANG) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if report.exists():
            data = json.loads(report.read_text())  # always valid JSON: written by rename
            if len(data["runs"]) >= count:
                return data
        assert proc.poll() is None, f"the run ended early with {proc.returncode}"
        time.sleep(0.1)
    raise AssertionError(f"{count} account(s) did not finish in {timeout} s")


def wait_for_output(tmp_path: Path, text: str, proc: subprocess.Popen[str], timeout: float = HANG) -> None:
    """Until the run has printed `text` (a hang guard, not a measure: a busy machine only waits longer)."""
    deadline = time.time() + timeout
    while text not in output(tmp_path):
        assert proc.poll() is None and time.time() < deadline, f"no {text!r}: {output(tmp_path)}"
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_first_signal_stops_cleanly_and_accounts_for_everyone(tmp_path: Path, sig: signal.Signals) -> None:
    proc, report = start(tmp_path)
    wait_for_runs(report, 1, proc)
    time.sleep(1.0)  # the second account is now signing in
    proc.send_signal(sig)
    proc.wait(timeout=HANG)  # that the running account stopped rather than finished is below
    assert proc.returncode == 130, output(tmp_path)
    data = json.loads(report.read_text())
    assert [r["account"] for r in data["runs"]] == NAMES
    assert data["interrupted"] is True
    assert data["runs"][0]["status"] == "passed"
    stopped = data["runs"][1]
    assert stopped["status"] == "skipped" and "stopped while this account was running" in stopped["failure"]["message"]
    for run in data["runs"][2:]:
        assert run["status"] == "skipped" and run["failure"]["message"] == "Not started: the run was stopped."
    assert data["summary"] == {"total": 5, "passed": 1, "failed": 0, "skipped": 4, "outcomes": {"synced": 1}}
    assert "Stopping" in output(tmp_path)


def test_second_ctrl_c_exits_at_once_with_the_last_complete_report(tmp_path: Path) -> None:
    """The browser is frozen (SIGSTOP) once the first account has passed, so the wind-down the first
    Ctrl-C starts cannot finish on its own: the second Ctrl-C always lands during it, however fast
    or busy the machine (a quick wind-down used to win the race and write the final report first)."""
    import psutil

    proc, report = start(tmp_path)
    wait_for_runs(report, 1, proc)
    frozen = [p for p in psutil.Process(proc.pid).children(recursive=True) if "chrom" in p.name().lower()]
    assert frozen, "the run's browser is found"
    try:
        for browser_process in frozen:
            browser_process.suspend()
        proc.send_signal(signal.SIGINT)
        wait_for_output(tmp_path, "Stopping", proc)  # the first one was taken (two signals sent at once may merge)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=HANG)  # "at once" is what the report and the output say below
    finally:
        for browser_process in frozen:
            with contextlib.suppress(psutil.Error):
                browser_process.kill()
    # 130, or death by SIGINT itself when the signal lands while Python is already exiting
    # (interpreter shutdown restores the default handler): both are "interrupted" to a shell
    assert proc.returncode in (130, -signal.SIGINT), output(tmp_path)
    data = json.loads(report.read_text())
    assert data["runs"][0]["account"] == NAMES[0] and data["runs"][0]["status"] == "passed"
    # the run did not wind down: the report is the one the second signal wrote, and no summary followed
    assert data["interrupted"] is True and data["finished_at"] is None
    assert "Report:" not in output(tmp_path)


def test_sigkill_leaves_a_valid_report_of_what_finished(tmp_path: Path) -> None:
    proc, report = start(tmp_path)
    wait_for_runs(report, 2, proc)
    proc.kill()
    proc.wait(timeout=HANG)
    data = json.loads(report.read_text())
    assert 2 <= len(data["runs"]) < 5
    assert all(r["status"] == "passed" for r in data["runs"])
    assert data["summary"]["total"] == len(data["runs"])


def test_ctrl_c_stops_a_pytest_run_as_it_stops_run(tmp_path: Path) -> None:
    """Under the pytest plugin, Ctrl-C must end the session (pytest's "KeyboardInterrupt", exit 2),
    not be recorded as one account's failure while the next account starts."""
    from tests.conftest import FLOWS

    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n" + "".join(f"  - {{upn: {n}, password: pw-{i}-secret}}\n" for i, n in enumerate(NAMES)))
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(json.dumps({f"m365-replay\n{n}": f"pw-{i}-secret" for i, n in enumerate(NAMES)}))
    users = tmp_path / "users.yaml"
    users.write_text("users:\n" + "".join(f"  - account: {n}\n" for n in NAMES))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
           "M365_TEST_KEYRING_FILE": str(keyring_file)}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    out = (tmp_path / "stdout.txt").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v",
                             str(FLOWS / "sync-profile-photo.yaml"), "--m365-users", str(users),
                             "--m365-simulator-accounts", str(sim)],
                            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + HANG
        while "sync-profile-photo[user1@contoso.com]" not in (tmp_path / "stdout.txt").read_text():
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "stdout.txt").read_text()
            time.sleep(0.2)
        time.sleep(1.5)  # the second account is in the middle of its sign-in
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=HANG)
    finally:
        if proc.poll() is None:
            proc.kill()
        out.close()
    text = (tmp_path / "stdout.txt").read_text()
    assert code == 2, text  # pytest's exit code for an interrupted session
    assert "KeyboardInterrupt" in text
    assert "user3@contoso.com" not in text, "no account starts after Ctrl-C"
    assert "PASSED" in text.split("user1@contoso.com", 1)[0] or "user0@contoso.com] PASSED" in text
