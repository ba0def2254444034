"""A real password never reaches a keyring backend that keeps it unencrypted unless the user asked for
it (issue 27): keyrings.alt's PlaintextKeyring, the null and fail backends and whatever keyring itself
marks as not recommended are refused for storing, in one sentence that names the ways out; reading
is never refused; `doctor` calls such a backend a problem (exit 1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyrings.alt.file import PlaintextKeyring

from runner.cli import commands as cli_module
from runner.cli import doctor
from runner.core.errors import UsageError
from runner.secrets.credentials import ALLOW_INSECURE_ENV, NO_BACKEND, WAYS_OUT, KeyringStore
from tests.conftest import cli
from tests.support.keyrings import MemoryKeyring

PASSWORD = "Real-Password-4-Plain?"
PLAIN = {"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}
WAYS = ("a desktop keyring", "KeePassXC's Secret Service", "keyrings.cryptfile with its passphrase",
        "M365_REPLAY_ALLOW_INSECURE_KEYRING=1")


class NotRecommended(MemoryKeyring):
    """A backend that keyring's own rule (`keyring.core.recommended`: priority >= 1) does not recommend."""

    priority = 0.5  # type: ignore[assignment]


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """A home of its own, where keyrings.alt would write its file; the override not set."""
    return {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), ALLOW_INSECURE_ENV: ""}


@pytest.fixture
def use() -> Iterator:
    previous = keyring.get_keyring()

    def set_backend(backend: KeyringBackend) -> None:
        keyring.set_keyring(backend)

    yield set_backend
    keyring.set_keyring(previous)


def test_a_password_is_not_stored_in_a_plain_text_file_unasked(tmp_path: Path, home: dict[str, str]) -> None:
    env = {**PLAIN, **home, "M365_PW": PASSWORD}
    typed = cli("creds", "set", "alice@contoso.com", env=env, input=f"{PASSWORD}\n{PASSWORD}\n")
    from_env = cli("creds", "set", "alice@contoso.com", "--from-env", "M365_PW", env=env)
    for result in (typed, from_env):
        assert result.returncode == 2
        message = result.stderr.strip()
        assert len(message.splitlines()) == 1 and "Traceback" not in result.stderr  # one sentence
        assert message.startswith("error: Nothing stored: the keyring backend keyrings.alt.file.PlaintextKeyring keeps "
                                  "secrets in a plain-text file"), message
        assert all(way in message for way in WAYS), message
        assert PASSWORD not in result.stdout + result.stderr
        assert "Password for" not in result.stdout + result.stderr  # refused before anyone types it
    assert not [path for path in tmp_path.rglob("*") if path.is_file()], "something was written"


def test_allowed_on_a_throw_away_machine_and_read_back_without_the_override(tmp_path: Path,
                                                                            home: dict[str, str]) -> None:
    allowed = {**PLAIN, **home, ALLOW_INSECURE_ENV: "1"}
    stored = cli("creds", "set", "alice@contoso.com", env=allowed, input=f"{PASSWORD}\n")
    assert stored.returncode == 0, stored.stderr
    assert "Stored the password of alice@contoso.com in keyrings.alt.file.PlaintextKeyring." in stored.stdout
    check = cli("creds", "check", "alice@contoso.com", env={**PLAIN, **home})  # reading is never refused
    assert check.returncode == 0, check.stderr
    assert "alice@contoso.com: password yes, totp no" in check.stdout


@pytest.mark.parametrize(("backend", "reason"), [
    (PlaintextKeyring(), "keyrings.alt.file.PlaintextKeyring keeps secrets in a plain-text file"),
    (null.Keyring(), "keyring.backends.null.Keyring keeps nothing"),
    (NotRecommended(), "test_keyring_safety.NotRecommended is one that keyring itself marks as not recommended "
                       "(priority 0.5)"),
])
def test_the_deny_list(use, monkeypatch: pytest.MonkeyPatch, backend: KeyringBackend, reason: str) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV, raising=False)
    use(backend)
    store = KeyringStore()
    with pytest.raises(UsageError) as refused:
        store.set("password", "alice@contoso.com", PASSWORD)
    assert reason in str(refused.value) and str(refused.value).endswith(f"{WAYS_OUT}.")
    assert store.get("password", "alice@contoso.com") is None  # nothing reached it, and reading works


def test_fail_says_there_is_no_keyring_and_a_recommended_backend_stores(use, monkeypatch) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV, raising=False)
    use(fail.Keyring())
    with pytest.raises(UsageError, match="No OS keyring is available"):
        KeyringStore().set("password", "alice@contoso.com", PASSWORD)
    memory = MemoryKeyring()
    use(memory)
    KeyringStore().set("password", "alice@contoso.com", PASSWORD)
    assert memory.store == {("m365-replay", "alice@contoso.com"): PASSWORD}


def test_a_chainer_is_judged_by_the_backend_it_stores_into(use, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV, raising=False)
    safe, plain = MemoryKeyring(), PlaintextKeyring()
    use(chainer.ChainerBackend())
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [safe, plain])
    assert KeyringStore().unencrypted() is None
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plain, safe])
    assert "PlaintextKeyring keeps secrets in a plain-text file" in (KeyringStore().unencrypted() or "")


def test_doctor_calls_an_unencrypted_backend_a_problem(use, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV, raising=False)
    use(PlaintextKeyring())
    check = doctor.check_keyring()
    assert check.status == doctor.FAIL and not check.blocks
    assert check.found.endswith("plain-text file that anyone who can read your home folder can read: "
                                "`creds set` refuses to store there")
    assert check.fix == WAYS_OUT
    monkeypatch.setenv(ALLOW_INSECURE_ENV, "1")
    allowed = doctor.check_keyring()
    assert allowed.status == doctor.WARN and allowed.found.endswith(f"(allowed by {ALLOW_INSECURE_ENV}=1)")
    use(fail.Keyring())
    assert (doctor.check_keyring().status, doctor.check_keyring().fix) in (
        (doctor.FAIL, NO_BACKEND), (doctor.FAIL, doctor.HEADLESS_KEYRING_FIX))


@pytest.mark.browser
def test_doctor_exits_1_on_an_unencrypted_backend(use, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(doctor, "check_dns", lambda *args: doctor.Check("dns", doctor.OK, "not asked"))
    use(PlaintextKeyring())
    with pytest.raises(SystemExit) as info:
        cli_module.main(["doctor"])
    out = capsys.readouterr().out
    assert info.value.code == 1, out
    assert [row.split()[:2] for row in out.splitlines() if row.startswith("FAIL")] == [["FAIL", "keyring"]]
    assert out.rstrip().endswith("A run can start here, but fix the FAIL lines above.")
    assert out.isascii()  # any Windows console shows it
