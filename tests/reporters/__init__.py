"""Tests of runner/reporters: the terminal, report.html, junit.xml, history, notifications."""
