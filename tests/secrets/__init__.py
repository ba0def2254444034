"""Tests of runner/secrets: the keyring, TOTP, and that no secret reaches any artifact."""
