"""Tests of runner/checks: the photo check and its comparison, the photo change, doc-check,
the experiment's statistics."""
