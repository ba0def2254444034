"""Passwords and TOTP secrets, from the OS keyring only.

Service `m365-replay` holds passwords and `m365-replay-totp` TOTP secrets, each under the
account as username. Nothing here logs, prints or returns a secret except to the one caller
that types it into the browser.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from ..core.errors import UsageError

PASSWORD_SERVICE = "m365-replay"
TOTP_SERVICE = "m365-replay-totp"
SERVICES = {"password": PASSWORD_SERVICE, "totp": TOTP_SERVICE}

NO_BACKEND = (
    "No OS keyring is available on this machine: install one (Windows Credential Manager and macOS Keychain "
    "work as they are; on Linux run a Secret Service such as gnome-keyring or KeePassXC's, or `pip install "
    "keyrings.cryptfile` and set PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring with its "
    "passphrase in KEYRING_CRYPTFILE_PASSWORD; see docs/credentials.md, 'Passwords and TOTP secrets in the keyring')."
)


# Storing into a backend that keeps secrets unencrypted is refused unless this is "1" (a throw-away CI runner)
ALLOW_INSECURE_ENV = "M365_REPLAY_ALLOW_INSECURE_KEYRING"
WAYS_OUT = (
    "use a desktop keyring (Windows Credential Manager, macOS Keychain, GNOME Keyring or KWallet), KeePassXC's "
    "Secret Service, or keyrings.cryptfile with its passphrase (`pip install keyrings.cryptfile`, "
    "PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring and the passphrase in "
    "KEYRING_CRYPTFILE_PASSWORD), or on a throw-away machine set M365_REPLAY_ALLOW_INSECURE_KEYRING=1"
)


class CredentialStore(Protocol):
    """Where the engine gets secrets; the keyring in real runs, a dict in the demo."""

    def get(self, kind: str, account: str) -> str | None: ...


class KeyringStore:
    """The OS keyring through the `keyring` library."""

    def __init__(self) -> None:
        self._checked = False

    def backend_name(self) -> str:
        import keyring

        kr = keyring.get_keyring()
        return f"{type(kr).__module__}.{type(kr).__qualname__}"

    def check(self) -> None:
        """Raise UsageError with one clear sentence when no usable backend exists."""
        if self._checked:
            return
        import keyring
        from keyring.backends import fail

        try:
            kr = keyring.get_keyring()
        except Exception as exc:  # a PYTHON_KEYRING_BACKEND that cannot be imported
            raise UsageError(f"The keyring backend could not be loaded ({type(exc).__name__}); {NO_BACKEND}") from None
        if isinstance(kr, fail.Keyring) or _is_empty_chainer(kr):
            raise UsageError(NO_BACKEND)
        self._checked = True

    def unencrypted(self) -> str | None:
        """Why the backend that would store a secret keeps it unencrypted (None when it does not).

        A deny-list, decided in issue 27: keyrings.alt's PlaintextKeyring, the null and fail backends,
        and any backend whose `priority` keyring itself calls not recommended (below 1: keyrings.alt's
        EncryptedKeyring too, whose key is a password typed at a prompt that CI has not got). A chainer
        stores into its first backend, so that one is judged.
        """
        import keyring
        from keyring.backends import chainer, fail, null
        from keyring.core import recommended

        kr = keyring.get_keyring()
        if isinstance(kr, chainer.ChainerBackend) and kr.backends:
            kr = kr.backends[0]
        name = f"{type(kr).__module__}.{type(kr).__qualname__}"
        if name == "keyrings.alt.file.PlaintextKeyring":
            return f"{name} keeps secrets in a plain-text file that anyone who can read your home folder can read"
        if isinstance(kr, null.Keyring | fail.Keyring):
            return f"{name} keeps nothing (it is keyring's stand-in for no backend)"
        try:
            if not recommended(kr):
                return f"{name} is one that keyring itself marks as not recommended (priority {kr.priority:g})"
        except Exception:  # a priority that raises: the backend cannot tell, so it is not trusted either
            return f"{name} cannot say whether it is recommended"
        return None

    def check_storable(self) -> None:
        """Refuse, in one sentence with the ways out, to store a secret unencrypted unless allowed.

        Reading is never refused: a user who set a backend gets back what is in it.
        """
        self.check()
        reason = self.unencrypted()
        if reason and os.environ.get(ALLOW_INSECURE_ENV) != "1":
            raise UsageError(f"Nothing stored: the keyring backend {reason}; {WAYS_OUT}.")

    def get(self, kind: str, account: str) -> str | None:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError

        self.check()
        try:
            return keyring.get_password(SERVICES[kind], account)
        except NoKeyringError:
            raise UsageError(NO_BACKEND) from None
        except KeyringError as exc:
            raise UsageError(f"The keyring refused to read the {kind} of {account}: {type(exc).__name__}.") from None

    def set(self, kind: str, account: str, secret: str) -> None:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError

        self.check_storable()
        try:
            keyring.set_password(SERVICES[kind], account, secret)
        except NoKeyringError:
            raise UsageError(NO_BACKEND) from None
        except KeyringError as exc:
            raise UsageError(f"The keyring refused to store the {kind} of {account}: {type(exc).__name__}.") from None

    def delete(self, kind: str, account: str) -> bool:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError

        self.check()
        try:
            keyring.delete_password(SERVICES[kind], account)
        except PasswordDeleteError:
            return False
        except KeyringError as exc:
            raise UsageError(f"The keyring refused to delete the {kind} of {account}: {type(exc).__name__}.") from None
        return True


def _is_empty_chainer(kr: object) -> bool:
    from keyring.backends import chainer

    return isinstance(kr, chainer.ChainerBackend) and not kr.backends


class MemoryStore:
    """Secrets held in memory for one process: the demo's made-up passwords."""

    def __init__(self, secrets: dict[tuple[str, str], str] | None = None):
        self._secrets = dict(secrets or {})

    def get(self, kind: str, account: str) -> str | None:
        return self._secrets.get((kind, account.lower()))

    def set(self, kind: str, account: str, secret: str) -> None:
        self._secrets[(kind, account.lower())] = secret


class FallbackStore:
    """A store read first (the keyring, or None where there is none), then another: a simulated
    account's password comes from the simulator's file when the keyring has none. Read only: nothing
    from the second is ever written into the first, and a wrong password in the keyring still wins
    (that is how a test tries one)."""

    def __init__(self, first: CredentialStore | None, then: CredentialStore):
        self.first = first
        self.then = then

    def get(self, kind: str, account: str) -> str | None:
        value = self.first.get(kind, account) if self.first is not None else None
        return value if value else self.then.get(kind, account)


def run_store(simulated: dict[tuple[str, str], str] | None = None) -> CredentialStore:
    """Where a run gets secrets: the keyring (UsageError, one sentence, when there is none). On the
    simulator (`simulated`: its accounts file's (kind, account) -> secret), the keyring when it has the
    secret, else the file: trying a flow on the simulator needs no keyring, and a wrong password stored
    in the keyring is still the one typed."""
    keyring = KeyringStore()
    if simulated is None:
        keyring.check()
        return keyring
    try:
        keyring.check()
    except UsageError:  # no keyring on this box: the simulator's file alone
        return FallbackStore(None, MemoryStore(simulated))
    return FallbackStore(keyring, MemoryStore(simulated))


# Entra's "Set up a different authenticator app" page shows a 16-character base32 secret (80
# bits), in groups of four and often in lower case. pyotp >= 2.12 enforces NIST's 112-bit minimum
# by default and refuses it, so a real MFA account could not sign in: the minimum here is what
# Microsoft issues, and anything shorter is refused as not a Microsoft secret.
MIN_TOTP_BITS = 80
TOTP_HELP = ("Paste the secret key shown by Microsoft's 'Set up a different authenticator app' page "
             "(16 or 32 letters A-Z and digits 2-7; spaces and lower case are fine), or the otpauth:// link.")


def normalize_totp_secret(secret: str) -> str:
    """The canonical base32 form of a secret as a person pastes it; ValueError says why not.

    The error never quotes the value: it is a secret.
    """
    text = secret.strip()
    if text.lower().startswith("otpauth://"):
        text = (parse_qs(urlsplit(text).query).get("secret") or [""])[0]
    cleaned = re.sub(r"[\s-]+", "", text).upper().rstrip("=")
    if not cleaned:
        raise ValueError("the secret is empty")
    if not re.fullmatch(r"[A-Z2-7]+", cleaned):
        raise ValueError("it is not base32 (only letters A-Z and digits 2-7)")
    try:
        decoded = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise ValueError(f"it is not valid base32 ({len(cleaned)} characters)") from None
    if len(decoded) * 8 < MIN_TOTP_BITS:
        raise ValueError(f"it is too short ({len(cleaned)} characters; Microsoft's secrets have 16 or 32)")
    return cleaned


def _totp(secret: str) -> object:
    import pyotp

    class MicrosoftTOTP(pyotp.TOTP):
        min_secret_length_bits = MIN_TOTP_BITS  # class attribute read by pyotp >= 2.12

    return MicrosoftTOTP(normalize_totp_secret(secret))


def totp_code(secret: str, clock: Callable[[], float] | None = None) -> str:
    """The current RFC 6238 code for a base32 secret as Microsoft issues it."""
    totp = _totp(secret)
    return totp.at(clock()) if clock else totp.now()  # type: ignore[attr-defined]


def totp_verify(secret: str, code: str, valid_window: int = 1) -> bool:
    """Whether `code` is current for `secret` (the simulator's side of the check)."""
    try:
        return bool(_totp(secret).verify(code, valid_window=valid_window))  # type: ignore[attr-defined]
    except ValueError:
        return False
