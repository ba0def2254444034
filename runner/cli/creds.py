"""`m365-replay creds`: the accounts' passwords and TOTP secrets in the OS keyring.

A secret is read from a prompt that never echoes it, or from an environment variable a CI job's
secret store set (`--from-env`), and is never printed: the messages name the account and the kind
of secret only.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from ..core.errors import UsageError
from .helptext import WholeHelpGroup


@click.group(cls=WholeHelpGroup)
def creds() -> None:
    """Passwords and TOTP secrets in the OS keyring."""


@creds.command("set")
@click.argument("account")
@click.option("--totp", is_flag=True, help="Store the account's TOTP secret (base32) instead of its password.")
@click.option("--from-env", "from_env", metavar="VAR", help="Read the value from environment variable VAR instead "
              "of a prompt (a CI job's secret store at job start; the value is never printed).")
def creds_set(account: str, totp: bool, from_env: str | None = None) -> None:
    """Store ACCOUNT's password (prompted, never echoed)."""
    from ..secrets.credentials import KeyringStore
    from ..spec.users import check_email

    problem = check_email(account)
    if problem:
        raise UsageError(problem)
    store = KeyringStore()
    store.check_storable()  # before the prompt: nobody types a password that would be refused
    kind = "totp" if totp else "password"
    label = "TOTP secret (base32)" if totp else "Password"
    if from_env is not None:  # CI: the secret store hands secrets over as environment variables
        import os

        secret = os.environ.get(from_env, "")
        if not secret:
            raise UsageError(f"Nothing stored: environment variable {from_env} is not set or empty.")
    else:
        secret = getpass.getpass(f"{label} for {account}: ")
    if not secret:
        raise UsageError("Nothing stored: the value was empty.")
    if not totp and from_env is None and sys.stdin.isatty():
        again = getpass.getpass("Again, to confirm: ")
        if again != secret:
            raise UsageError("Nothing stored: the two entries differ.")
    if totp:
        from ..secrets.credentials import TOTP_HELP, normalize_totp_secret

        try:
            secret = normalize_totp_secret(secret)
        except ValueError as exc:
            raise UsageError(f"Nothing stored: that is not a TOTP secret: {exc}. {TOTP_HELP}") from None
    store.set(kind, account, secret)
    click.echo(f"Stored the {label.lower()} of {account} in {store.backend_name()}.")


@creds.command("check")
@click.argument("accounts", nargs=-1)
@click.option("--users", type=click.Path(path_type=Path), help="Check every account of a users file.")
def creds_check(accounts: tuple[str, ...], users: Path | None) -> None:
    """Which accounts have a password / TOTP secret (exit 1 if any password is missing)."""
    from ..secrets.credentials import KeyringStore
    from ..spec.users import check_email, load_users

    names = list(accounts)
    for name in names:  # bad input first: it needs no keyring to be told
        if check_email(name):
            raise UsageError(str(check_email(name)))
    if users is not None:
        names += [account for account, _, _ in load_users(users, None)]
    if not names:
        raise UsageError("Name the accounts to check: m365-replay creds check user@contoso.com ... (or --users FILE)")
    store = KeyringStore()
    store.check()
    click.echo(f"keyring backend: {store.backend_name()}")
    missing = False
    for name in names:
        has_password = bool(store.get("password", name))
        has_totp = bool(store.get("totp", name))
        missing = missing or not has_password
        click.echo(f"{name}: password {'yes' if has_password else 'MISSING'}, totp {'yes' if has_totp else 'no'}")
    sys.exit(1 if missing else 0)


@creds.command("delete")
@click.argument("account")
@click.option("--totp", is_flag=True, help="Delete the TOTP secret instead of the password.")
def creds_delete(account: str, totp: bool) -> None:
    """Remove ACCOUNT's password (or TOTP secret) from the keyring."""
    from ..secrets.credentials import KeyringStore
    from ..spec.users import check_email

    if check_email(account):
        raise UsageError(str(check_email(account)))
    store = KeyringStore()
    kind = "totp" if totp else "password"
    if store.delete(kind, account):
        click.echo(f"Deleted the {kind} of {account}.")
    else:
        click.echo(f"No {kind} was stored for {account}.")
