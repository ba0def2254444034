"""Tests of runner/pytest: the pytest plugin."""
