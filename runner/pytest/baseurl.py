"""pytest-playwright's `base_url` without pytest's deprecation warning on every run.

Without pytest-base-url, pytest-playwright (0.10) provides `base_url` from a plugin *object*, as a
session fixture bound to that object, which pytest 9.2 warns about in every session that opens a
page (PytestRemovedIn10Warning: "Session-scoped fixtures defined as instance methods are
deprecated"). runner.pytest.plugin registers this module in its place, after pytest-playwright, so
this plain function is the `base_url` fixture: the same value (--base-url, else the `base_url` ini
value, else none), no warning. With pytest-base-url installed it is not registered: that plugin's
fixture stays.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str | None:
    return pytestconfig.getoption("--base-url", None) or pytestconfig.getini("base_url") or None
