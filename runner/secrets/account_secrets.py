"""One account's secrets for one run: read from the store once, registered with the redactor
the moment they are read, and turned into what is typed (a password, a current TOTP code).

The run checks the password before any browser work (a missing one fails that account at
once); the sign-in and `fill_secret` steps read the same object, so the keyring is asked once.
"""

from __future__ import annotations

import asyncio
import contextlib

from ..core.redact import redactor
from ..core.results import StepFailure
from .credentials import CredentialStore, normalize_totp_secret, totp_code


class Secrets:
    def __init__(self, store: CredentialStore, account: str):
        self.store = store
        self.account = account
        self._values: dict[str, str | None] = {}

    async def lookup(self, kind: str) -> str | None:
        """The stored value (None when there is none); UsageError when the keyring fails."""
        if kind not in self._values:
            value = await asyncio.to_thread(self.store.get, kind, self.account)
            redactor.add(value)
            if kind == "totp" and value:  # as typed and as used (grouped, lower case)
                with contextlib.suppress(ValueError):
                    redactor.add(normalize_totp_secret(value))
            self._values[kind] = value
        return self._values[kind]

    async def has(self, kind: str) -> bool:
        return bool(await self.lookup(kind))

    def missing(self, kind: str) -> StepFailure:
        what = "password" if kind == "password" else "TOTP secret"
        flag = "" if kind == "password" else " --totp"
        return StepFailure("missing_credential", f"No {what} is stored for {self.account}; "
                           f"run `m365-replay creds set {self.account}{flag}`.")

    async def typed(self, kind: str) -> str:
        """What to type: the password, or the TOTP code of this moment (registered as a secret)."""
        value = await self.lookup(kind)
        if not value:
            raise self.missing(kind)
        if kind != "totp":
            return value
        try:
            code = totp_code(value)
        except ValueError as exc:  # the message never quotes the secret
            raise StepFailure("missing_credential", f"The TOTP secret stored for {self.account} is unusable: "
                              f"{exc}; store it again: `m365-replay creds set {self.account} --totp`.") from None
        redactor.add(code)
        return code
