"""`m365-replay experiment` refuses bad input before anything changes: one clear sentence, exit 2,
no browser started, no record written (runner/run/arms.py, runner/cli/experiment.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from runner.core.experiment import FILE, Experiment, Subject

OBSERVER = "observer@contoso.com"


@pytest.fixture
def setup(tmp_path: Path, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Six accounts and the observer with passwords; any browser start fails the test."""

    def no_browser(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a browser was started")

    monkeypatch.setattr("runner.run.observer.launch", no_browser)
    monkeypatch.setattr("runner.run.engine.launch", no_browser)
    accounts = [f"qa{i}@contoso.com" for i in range(1, 7)]
    for account in [OBSERVER, *accounts]:
        memory_keyring.set_password("m365-replay", account, "pw-" + account)
    users = tmp_path / "users.yaml"
    users.write_text("users:\n" + "".join(f"  - account: {a}\n" for a in accounts))
    return tmp_path, users, accounts, memory_keyring


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        main(["experiment", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def start(tmp_path: Path, users: Path, *extra: str, command: str = "run") -> list[str]:
    base = [command, "--users", str(users), "--observer", OBSERVER, "--out", str(tmp_path / "exp"), "--every", "2s",
            "--simulator-proxy", "http://127.0.0.1:9"]
    return base + (["--deadline", "10s"] if command == "run" else []) + list(extra)


@pytest.mark.parametrize(("change", "message"), [
    ({"allow": False}, "The experiment changes the photo of every account in --users"),
    ({"users": ["observer@contoso.com"]}, "--observer observer@contoso.com is also in"),
    ({"drop": 1}, "5 accounts make 3 in the fix arm and 2 in the control arm (--control 0.5); each arm needs at "
                  "least 3"),
    ({"args": ["--control", "1.5"]}, "--control 1.5: the control arm's share is between 0 and 1"),
    ({"args": ["--control", "0"]}, "--control 0: the control arm's share is between 0 and 1"),
    ({"args": ["--deadline", "1s"]}, "--deadline 1 s is shorter than one observation round (--every 2 s)"),
    ({"forget": OBSERVER}, "No password is stored for observer@contoso.com; nothing was changed."),
    ({"args": ["--simulator-accounts", "sim.yaml"], "command": "start"}, "--simulator-accounts lasts one process"),
    ({"args": ["--var", "tile=Teams"]}, "'tile' is 'Teams'; allowed: OneDrive, SharePoint"),
])
def test_bad_input_is_told_before_anything_changes(setup, capsys, change: dict[str, Any], message: str) -> None:
    tmp_path, users, accounts, keyring = setup
    listed = accounts[: len(accounts) - change.get("drop", 0)] + change.get("users", [])
    users.write_text("users:\n" + "".join(f"  - account: {a}\n" for a in listed))
    if "forget" in change:
        keyring.delete_password("m365-replay", change["forget"])
    args = start(tmp_path, users, *change.get("args", []), command=change.get("command", "run"))
    if change.get("allow", True):
        args.append("--allow-changes")
    code, err = run(capsys, *args)
    assert code == 2 and message in err, err
    assert "Traceback" not in err and not (tmp_path / "exp" / FILE).exists()


def test_a_folder_with_another_experiment_is_refused_and_the_same_one_carries_on(setup, capsys) -> None:
    tmp_path, users, accounts, _ = setup
    folder = tmp_path / "exp"
    other = Experiment(OBSERVER, 5, 0.5, 0.05, 2.0, [Subject(a, "fix") for a in [*accounts[:5], "x@contoso.com"]])
    other.save(folder)
    before = (folder / FILE).read_text()
    code, err = run(capsys, *start(tmp_path, users, "--allow-changes"))
    assert code == 2 and f"{folder} holds another experiment: its accounts (6) are not those of {users} (6)" in err
    same = Experiment(OBSERVER, 5, 0.5, 0.05, 2.0, [Subject(a, "fix") for a in accounts])
    same.save(folder)
    code, err = run(capsys, *start(tmp_path, users, "--allow-changes", "--seed", "6"))
    assert code == 2 and "its seed is 5, not 6" in err
    keyring = setup[3]
    keyring.set_password("m365-replay", "watcher@contoso.com", "pw")
    args = start(tmp_path, users, "--allow-changes", "--seed", "5")
    args[args.index(OBSERVER)] = "watcher@contoso.com"
    code, err = run(capsys, *args)
    assert code == 2 and "its observer is observer@contoso.com, not watcher@contoso.com" in err
    assert json.loads((folder / FILE).read_text()) == same.to_dict() and before != (folder / FILE).read_text()


@pytest.mark.parametrize("command", ["observe", "report"])
def test_observe_and_report_need_an_experiment(setup, capsys, command: str) -> None:
    tmp_path, *_ = setup
    code, err = run(capsys, command, str(tmp_path / "nothing"))
    assert code == 2 and f"{tmp_path / 'nothing'}: no {FILE} there" in err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / FILE).write_text("{")
    code, err = run(capsys, command, str(tmp_path / "broken"))
    assert code == 2 and "not a readable experiment record" in err


def test_observe_until_shorter_than_a_round_is_refused(setup, capsys) -> None:
    tmp_path, _, accounts, _ = setup
    Experiment(OBSERVER, 5, 0.5, 0.05, 2.0, [Subject(a, "fix") for a in accounts]).save(tmp_path / "exp")
    code, err = run(capsys, "observe", str(tmp_path / "exp"), "--until", "1s", "--every", "2s")
    assert code == 2 and "--until 1 s is shorter than one observation round (--every 2 s)" in err


def test_report_of_an_experiment_with_nothing_observed_is_inconclusive(setup, capsys) -> None:
    tmp_path, _, accounts, _ = setup
    arms = ["fix", "control"] * 3
    Experiment(OBSERVER, 5, 0.5, 0.05, 2.0, [Subject(a, arm) for a, arm in zip(accounts, arms, strict=True)]).save(
        tmp_path / "exp")
    try:
        main(["experiment", "report", str(tmp_path / "exp"), "--require-effect"])
    except SystemExit as exc:
        assert exc.code == 1
    out = capsys.readouterr().out
    assert "verdict: inconclusive: Inconclusive: too few accounts to tell: 0 in the fix arm and 0" in out
    assert (tmp_path / "exp" / "report.html").is_file() and (tmp_path / "exp" / "junit.xml").is_file()


def test_an_out_folder_that_is_a_file_is_refused(setup, capsys) -> None:
    tmp_path, users, *_ = setup
    (tmp_path / "exp").write_text("not a folder")
    code, err = run(capsys, *start(tmp_path, users, "--allow-changes"))
    assert code == 2 and f"{tmp_path / 'exp'} is a file, not a folder" in err


@pytest.mark.parametrize("command", ["run", "start"])
def test_an_out_folder_that_cannot_be_written_is_one_sentence(setup, capsys, monkeypatch, command: str) -> None:
    """Root writes anywhere, so a read-only file system is played by mkdir itself."""
    import errno

    tmp_path, users, *_ = setup
    real_mkdir = Path.mkdir

    def read_only(self: Path, *args: Any, **kwargs: Any) -> None:
        if self == tmp_path / "exp":
            raise OSError(errno.EROFS, "Read-only file system")
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    code, err = run(capsys, *start(tmp_path, users, "--allow-changes", command=command))
    assert code == 2 and f"Cannot write the report folder {tmp_path / 'exp'} (read-only file system); choose " \
        "another --out" in err, err
    assert "Traceback" not in err and not (tmp_path / "exp" / FILE).exists()


def test_the_simulator_served_on_its_own_answers_at_the_address_it_prints(tmp_path: Path) -> None:
    """`m365-replay simulator`: what separate processes share as one simulated tenant (--simulator-proxy)."""
    import os
    import subprocess
    import sys

    import requests
    import urllib3

    from tests.conftest import ROOT

    accounts = tmp_path / "sim.yaml"
    accounts.write_text("accounts:\n  - {upn: a@contoso.com, password: x, photo_sync_unprompted: 5s}\n")
    served = subprocess.Popen([sys.executable, "-m", "runner", "simulator", "--simulator-accounts", str(accounts)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert served.stdout is not None
        proxy = served.stdout.readline().strip()
        assert proxy.startswith("http://127.0.0.1:"), proxy
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        page = requests.get("https://www.office.com/", proxies={"https": proxy}, verify=False, timeout=30)
        assert page.status_code == 200 and "<title>Microsoft 365</title>" in page.text
    finally:
        served.terminate()
        served.wait(10)
    accounts.write_text("accounts:\n  - {upn: a@contoso.com, password: x, photo_sync_unprompted: soon}\n")
    bad = subprocess.run([sys.executable, "-m", "runner", "simulator", "--simulator-accounts", str(accounts)],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                         timeout=60)
    assert bad.returncode == 2 and "photo_sync_unprompted" in bad.stderr, bad.stderr


def test_observe_without_the_observers_password_is_refused_before_a_browser(setup, capsys) -> None:
    tmp_path, _, accounts, keyring = setup
    Experiment(OBSERVER, 5, 0.5, 0.05, 2.0, [Subject(a, "fix", uploaded_at="2026-12-06T10:00:00.000Z")
                                             for a in accounts]).save(tmp_path / "exp")
    keyring.delete_password("m365-replay", OBSERVER)
    code, err = run(capsys, "observe", str(tmp_path / "exp"), "--simulator-proxy", "http://127.0.0.1:9")
    assert code == 2 and f"No password is stored for {OBSERVER}" in err
