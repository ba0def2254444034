"""Trying a flow on the simulator, as someone new does it: `run FLOW --simulator` with no keyring at all
runs the demo's accounts; `--simulator-accounts FILE` runs one's own, each password coming from the
file when the keyring has none (a wrong one in the keyring still wins, a file without one is still a
missing password), and nothing is ever written into the keyring. The pytest plugin alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.secrets.credentials import FallbackStore, MemoryStore, run_store
from runner.simulator import SimAccount, Simulator
from tests.conftest import SHIPPED, cli
from tests.pytest.test_plugin import pytest_run
from tests.support.keyrings import MemoryKeyring

NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def test_the_keyring_first_then_the_simulator_file(memory_keyring: MemoryKeyring) -> None:
    sim = Simulator([SimAccount("ok@contoso.com", "file-pw-1", totp_secret="JBSWY3DPEHPK3PXP"),
                     SimAccount("wrong@contoso.com", "file-pw-2"), SimAccount("nopw@contoso.com")])
    memory_keyring.set_password("m365-replay", "wrong@contoso.com", "keyring-wrong-pw")
    store = run_store(sim.secrets())
    assert store.get("password", "ok@contoso.com") == "file-pw-1"
    assert store.get("totp", "ok@contoso.com") == "JBSWY3DPEHPK3PXP"
    assert store.get("password", "wrong@contoso.com") == "keyring-wrong-pw"  # how a wrong password is tried
    assert store.get("password", "nopw@contoso.com") is None  # how a missing one is tried
    assert memory_keyring.store == {("m365-replay", "wrong@contoso.com"): "keyring-wrong-pw"}  # nothing written
    assert isinstance(store, FallbackStore) and isinstance(store.then, MemoryStore)


@pytest.mark.browser
def test_run_simulator_alone_runs_the_demo_accounts_without_a_keyring(tmp_path: Path) -> None:
    report = tmp_path / "r"
    result = cli("run", "sync-profile-photo", "--simulator", "--workers", "2", "--report-dir", str(report),
                 env=NO_KEYRING, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = json.loads((report / "report.json").read_text())["runs"]
    assert {(r["account"], r["status"]) for r in runs} == {("adele.vance@contoso.com", "passed"),
                                                           ("megan.bowen@contoso.com", "passed")}


@pytest.mark.browser
def test_your_own_accounts_file_gives_the_passwords_the_keyring_lacks(tmp_path: Path) -> None:
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n"
                   "  - {upn: ok@contoso.com, password: file-Pw-1}\n"
                   "  - {upn: wrong@contoso.com, password: file-Pw-2}\n"
                   "  - {upn: nopw@contoso.com}\n", encoding="utf-8")
    keyring = tmp_path / "keyring.json"
    keyring.write_text(json.dumps({"m365-replay\nwrong@contoso.com": "not-the-password"}))
    before = keyring.read_text()
    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring", "M365_TEST_KEYRING_FILE": str(keyring)}
    report = tmp_path / "r"
    result = cli("run", str(SHIPPED), "--simulator-accounts", str(sim), "--workers", "2", "--report-dir", str(report),
                 env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    runs = {r["account"]: r for r in json.loads((report / "report.json").read_text())["runs"]}
    assert runs["ok@contoso.com"]["status"] == "passed"
    assert runs["wrong@contoso.com"]["failure"]["category"] == "bad_credentials"
    assert runs["nopw@contoso.com"]["failure"]["category"] == "missing_credential"
    assert keyring.read_text() == before, "a simulated account's password was written into the keyring"
    assert "file-Pw-1" not in result.stdout + result.stderr


@pytest.mark.browser
def test_the_pytest_plugin_runs_the_demo_accounts_with_m365_simulator(tmp_path: Path) -> None:
    result = pytest_run(tmp_path, "sync-profile-photo", "--m365-simulator")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    collected = pytest_run(tmp_path, "sync-profile-photo", "--m365-simulator", "--collect-only", "-q")
    assert [line for line in collected.stdout.splitlines() if "::" in line] == [
        "sync-profile-photo.yaml::sync-profile-photo[adele.vance@contoso.com]",
        "sync-profile-photo.yaml::sync-profile-photo[megan.bowen@contoso.com]"]
