"""Tests of runner/core: the report records, the retry policy, the table of run options."""
