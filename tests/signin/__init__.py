"""Tests of runner/signin: the Microsoft sign-in's page states, rows, proposals, the passkey campaign, unknown pages."""
