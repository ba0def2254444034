"""Tests of runner/run: the engine under faults, retries, interrupts, shards, remote browsers, the shipped flow."""
