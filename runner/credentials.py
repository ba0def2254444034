"""Passwords and TOTP secrets, from the OS keyring only.

Service `m365-replay` holds passwords and `m365-replay-totp` TOTP secrets, each under the
account as username. Nothing here logs, prints or returns a secret except to the one caller
that types it into the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .errors import UsageError

PASSWORD_SERVICE = "m365-replay"
TOTP_SERVICE = "m365-replay-totp"
SERVICES = {"password": PASSWORD_SERVICE, "totp": TOTP_SERVICE}

NO_BACKEND = (
    "No OS keyring is available on this machine: install one (Windows Credential Manager and macOS Keychain "
    "work as they are; on Linux run a Secret Service such as gnome-keyring, or `pip install keyrings.alt` "
    "and set PYTHON_KEYRING_BACKEND, see the README's 'Credentials' section)."
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

        self.check()
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


def totp_code(secret: str, clock: Callable[[], float] | None = None) -> str:
    """The current RFC 6238 code for a base32 secret."""
    import pyotp

    totp = pyotp.TOTP(secret.replace(" ", "").upper())
    return totp.at(clock()) if clock else totp.now()
