"""TOTP secrets as Microsoft issues them: 16 base32 characters (80 bits), lower case, in groups of
four. pyotp >= 2.12 refuses them by default; m365-replay must store them and type the right codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.secrets.credentials import normalize_totp_secret, totp_code, totp_verify
from runner.simulator.accounts import microsoft_totp_secret
from tests.conftest import cli

# RFC 6238 appendix B: the ASCII key "12345678901234567890" at T = 59 s gives 94287082 (8 digits)
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def test_rfc_6238_vector() -> None:
    assert totp_code(RFC_SECRET, clock=lambda: 59) == "287082"
    assert totp_code(RFC_SECRET, clock=lambda: 1111111109) == "081804"


@pytest.mark.parametrize("shown", [
    "abcd efgh ijkl mnop",  # Microsoft's set-up page
    "ABCD EFGH IJKL MNOP",
    "abcdefghijklmnop",
    "abcd-efgh-ijkl-mnop",
    "  abcd efgh ijkl mnop\n",
    "otpauth://totp/Contoso:alice%40contoso.com?secret=ABCDEFGHIJKLMNOP&issuer=Microsoft",
])
def test_the_sixteen_character_secret_in_every_form_a_person_pastes(shown: str) -> None:
    assert normalize_totp_secret(shown) == "ABCDEFGHIJKLMNOP"
    assert totp_code(shown, clock=lambda: 1_800_000_000) == totp_code("ABCDEFGHIJKLMNOP", clock=lambda: 1_800_000_000)


def test_thirty_two_character_secrets_still_work_and_codes_verify() -> None:
    secret = microsoft_totp_secret()
    assert len(secret.replace(" ", "")) == 16 and secret == secret.lower()
    code = totp_code(secret)
    assert len(code) == 6 and code.isdigit()
    assert totp_verify(secret, code)
    assert not totp_verify(secret, "000000" if code != "000000" else "111111")
    assert normalize_totp_secret(RFC_SECRET.lower()) == RFC_SECRET


@pytest.mark.parametrize(("bad", "reason"), [
    ("not base32!", "not base32"),
    ("abcd 1890 ijkl mnop", "not base32"),
    ("ABCDEFGH", r"too short \(8 characters"),
    ("", "empty"),
])
def test_what_is_not_a_microsoft_secret_is_refused_without_quoting_it(bad: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as info:
        normalize_totp_secret(bad)
    assert not bad.strip() or bad.strip() not in str(info.value)


def test_creds_set_stores_the_secret_as_microsoft_shows_it(tmp_path: Path) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
           "M365_TEST_KEYRING_FILE": str(tmp_path / "k.json")}
    shown = "wxyz 2345 abcd efgh"
    stored = cli("creds", "set", "alice@contoso.com", "--totp", env=env, input=f"{shown}\n")
    assert stored.returncode == 0, stored.stderr
    assert "Stored the totp secret (base32) of alice@contoso.com" in stored.stdout
    assert shown not in stored.stdout + stored.stderr
    assert "WXYZ2345ABCDEFGH" in (tmp_path / "k.json").read_text()  # kept in the canonical form
    refused = cli("creds", "set", "alice@contoso.com", "--totp", env=env, input="short\n")
    assert refused.returncode == 2
    assert "Nothing stored: that is not a TOTP secret: it is too short" in refused.stderr
    assert "16 or 32 letters" in refused.stderr and "Traceback" not in refused.stderr
