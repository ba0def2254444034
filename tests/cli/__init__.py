"""Tests of runner/cli: the commands as a user types them (run, doctor, report, show-report,
experiment, the CI examples)."""
