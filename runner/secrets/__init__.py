"""Where secrets live and how a run holds them: the OS keyring and TOTP (`credentials.py`), and each
account's secrets read once per run and registered with the redactor (`account_secrets.py`). The
redactor itself is `runner.core.redact`, because every layer masks with it.

May import: `runner.core`.
"""
