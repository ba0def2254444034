"""`m365-replay doctor` as the helpdesk meets it when something is off: one line per need, the fix
beside what is missing, exit 1 only when a run cannot start."""

from __future__ import annotations

import socket
import sys
import threading
from importlib.metadata import version
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from runner.cli import commands as cli_module
from runner.cli import doctor
from runner.run import browser
from runner.secrets.credentials import NO_BACKEND
from tests.conftest import cli


def line(output: str, name: str) -> str:
    """The line of one check, e.g. `ok    browser     /usr/bin/chromium (chromium 150.0...)`."""
    return next(row for row in output.splitlines() if row.split()[1:2] == [name])


def fix_after(output: str, name: str) -> str | None:
    rows = output.splitlines()
    index = rows.index(line(output, name))
    following = rows[index + 1].strip() if index + 1 < len(rows) else ""
    return following.removeprefix("fix: ") if following.startswith("fix: ") else None


def run_doctor(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        cli_module.main(["doctor", *args])
    return int(info.value.code or 0), capsys.readouterr().out


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No config file from this machine's user, and the current folder empty."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.delenv("M365_REPLAY_CONFIG", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.mark.browser
def test_a_ready_machine_says_what_a_run_would_use(tmp_path: Path) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
           "M365_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"), "XDG_CONFIG_HOME": str(tmp_path / "none")}
    result = cli("doctor", env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert line(out, "playwright").split() == ["ok", "playwright", version("playwright")]
    used = line(out, "browser")
    assert used.startswith("ok") and "chromium" in used  # the one a run would launch, started for real
    found = browser.system_chromium(headless=True)  # a run is headless: the shell when installed
    if found:
        assert found in used or "Playwright's Chromium" in used
    if found and found != browser.system_chromium() and "Playwright's Chromium" not in used:
        assert used.endswith(f"; headless runs use this shell, --headed and --teach use {browser.system_chromium()}")
    assert line(out, "keyring").split() == ["ok", "keyring", "tests.support.keyrings.JsonFileKeyring"]
    assert "none (optional; looked for ./m365-replay.yaml and" in line(out, "config")
    assert line(out, "ffmpeg").split()[0] in ("ok", "warn") and "--video" in line(out, "ffmpeg")
    assert "login.microsoftonline.com" in line(out, "dns")
    assert out.rstrip().endswith("A run can start here.")
    assert out.isascii()  # any Windows console can show it


@pytest.mark.browser
def test_no_keyring_fails_with_the_fix_and_a_missing_ffmpeg_only_warns(capsys, isolated: Path, monkeypatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")  # a desktop session
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # what keyring picks on a headless Linux box
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(isolated / "no-browsers-here"))
    try:
        code, out = run_doctor(capsys)
    finally:
        keyring.set_keyring(previous)
    assert code == 1
    assert line(out, "keyring").split()[:2] == ["FAIL", "keyring"]
    assert fix_after(out, "keyring") == NO_BACKEND
    assert line(out, "ffmpeg").startswith("warn") and "only --video needs it" in line(out, "ffmpeg")
    assert fix_after(out, "ffmpeg") == browser.ffmpeg_fix(browser.playwright_ffmpeg_path() or "")
    assert f"run `{sys.executable} -m playwright install ffmpeg`" in out  # the Playwright of this installation
    assert [row.split()[0] for row in out.splitlines() if row.startswith("FAIL")] == ["FAIL"]
    assert out.rstrip().endswith("A run cannot start here: fix the FAIL lines above.")


@pytest.mark.browser
def test_no_browser_fails_with_the_one_line_fix(capsys, isolated: Path, monkeypatch, memory_keyring) -> None:
    monkeypatch.setattr(browser, "system_chromium", lambda headless=False: None)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(isolated / "no-browsers-here"))
    code, out = run_doctor(capsys)
    assert code == 1
    assert line(out, "browser").split() == ["FAIL", "browser", "none", "found"]
    # after `pipx install` there is no `playwright` on the PATH: the fix names this installation's
    assert fix_after(out, "browser") == (f"run `{sys.executable} -m playwright install --with-deps chromium` (as "
                                         "root), or `apt-get install chromium`, or pass --executable-path PATH to a "
                                         "Chromium-based browser")
    assert line(out, "keyring").startswith("ok")


def test_a_remote_browser_server_that_does_not_answer_fails_with_its_address(capsys, isolated: Path,
                                                                              memory_keyring) -> None:
    """`doctor` takes `run`'s browser options: with --connect it checks the server a run would use."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        address = f"ws://127.0.0.1:{probe.getsockname()[1]}/"
    code, out = run_doctor(capsys, "--connect", address)
    assert code == 1
    assert line(out, "browser").split()[:2] == ["FAIL", "browser"]
    assert f"Cannot connect to the browser server at {address}" in line(out, "browser")
    assert "start `playwright run-server`" in (fix_after(out, "browser") or "")


def test_on_a_headless_linux_box_the_keyring_fix_says_what_works_there(monkeypatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        check = doctor.check_keyring()
    finally:
        keyring.set_keyring(previous)
    assert (check.status, check.found) == ("FAIL", "no usable backend (no D-Bus session: a headless box)")
    assert check.fix is not None
    assert "pipx inject m365-replay keyrings.cryptfile" in check.fix  # encrypted: `creds set` stores there
    assert "PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring" in check.fix


@pytest.mark.browser
def test_a_config_file_that_does_not_load_fails(capsys, isolated: Path, memory_keyring) -> None:
    (isolated / "m365-replay.yaml").write_text("allowed_domains: [contoso.com]\nallowed_domain: [x.com]\n")
    code, out = run_doctor(capsys)
    assert code == 1
    assert "FAIL" in line(out, "config") and "m365-replay.yaml:2:1: unknown key 'allowed_domain'" in line(out, "config")
    assert fix_after(out, "config") == "fix or remove m365-replay.yaml"
    (isolated / "m365-replay.yaml").write_text("allowed_domains: [contoso.com]\n")
    code, out = run_doctor(capsys)
    assert code == 0, out
    assert line(out, "config").split() == ["ok", "config", "m365-replay.yaml", "(allowed", "domains:", "contoso.com)"]


def test_the_sign_in_host_resolving_or_not(monkeypatch) -> None:
    """No DNS answer warns (runs against Microsoft would end `unreachable`) but a run can still start:
    the demo and the simulator need no network."""

    def resolves(host: str, port: int, **_: object) -> list[tuple]:
        assert host == "login.microsoftonline.com"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("20.190.151.68", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolves)
    ok = doctor.check_dns()
    assert (ok.status, ok.found, ok.fix) == ("ok", "login.microsoftonline.com resolves (20.190.151.68)", None)

    def unknown(host: str, port: int, **_: object) -> list[tuple]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    missing = doctor.check_dns()
    assert missing.status == "warn"
    assert missing.found == "login.microsoftonline.com does not resolve (Name or service not known)"
    assert missing.fix is not None and "unreachable" in missing.fix and "m365-replay demo" in missing.fix

    # a resolver that never answers does not hang the doctor: the check returns while it still waits
    release, answered = threading.Event(), threading.Event()

    def silent_resolver(host: str, port: int, **_: object) -> list[tuple]:
        release.wait(60)
        answered.set()
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", silent_resolver)
    silent = doctor.check_dns(timeout=0.3)
    still_waiting = not answered.is_set()
    release.set()
    assert still_waiting and silent.status == "warn" and "no answer from the resolver within 0.3 s" in silent.found
