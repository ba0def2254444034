"""The pytest plugin and `--help` as someone who lives in pytest's and Playwright's tools meets them:
no deprecation warning about pytest-playwright's `base_url` on every run, the CLI's did-you-mean for a
misspelt flow name, a short summary line that keeps the category and step, and whole command
descriptions in `m365-replay --help`."""

from __future__ import annotations

import re
import sys

import click
import pytest

from runner.cli.commands import cli as cli_group
from tests.conftest import cli
from tests.pytest.test_plugin import pytest_run


@pytest.mark.browser
def test_base_url_without_a_deprecation_warning_on_every_run(tmp_path) -> None:
    """pytest-playwright 0.10 defines its fallback `base_url` as a method of a plugin object, which
    pytest 9.2 warns about in every session that opens a page; the plugin's own keeps the value."""
    (tmp_path / "test_site.py").write_text(
        "def test_page_and_base_url(page, base_url):\n"
        "    assert base_url == 'http://example.invalid/app'\n"
        "    page.set_content('<p>hello</p>')\n"
        "    assert page.text_content('p') == 'hello'\n")
    result = pytest_run(tmp_path, "test_site.py", "--base-url", "http://example.invalid/app",
                        "-W", "error::pytest.PytestRemovedIn10Warning")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout and "PytestRemovedIn10Warning" not in result.stdout + result.stderr
    assert "warning" not in result.stdout.splitlines()[-1]


def test_a_misspelt_flow_name_gets_the_did_you_mean(tmp_path) -> None:
    result = pytest_run(tmp_path, "sync-profle-photo", "--m365-account", "alice@contoso.com")
    text = result.stdout + result.stderr
    assert result.returncode == 4, text  # pytest's usage error
    assert ("sync-profle-photo: no flow file and no shipped flow of that name (did you mean "
            "'sync-profile-photo'?); shipped flows: add-profile-photo, check-profile-photo") in text
    assert "file or directory not found" not in text and "Traceback" not in text
    # a path that does not exist, or a Python test file, stays pytest's business
    other = pytest_run(tmp_path, "test_nothing_here.py", "--m365-account", "alice@contoso.com")
    assert "file or directory not found: test_nothing_here.py" in other.stdout + other.stderr


@pytest.mark.browser
def test_the_short_summary_line_keeps_the_category_and_step(tmp_path, monkeypatch) -> None:
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n  - {upn: bob@contoso.com, password: bob-pw-1}\n")
    monkeypatch.setenv("COLUMNS", "140")  # a wide terminal: the line is cut to its width
    result = pytest_run(tmp_path, "sync-profile-photo", "--m365-account", "bob@contoso.com",
                        "--m365-simulator-accounts", str(sim), passwords={"bob@contoso.com": "not-bobs-pw"})
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    summary = [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    assert summary == ["FAILED sync-profile-photo.yaml::sync-profile-photo[bob@contoso.com] - bad_credentials at "
                       "'Sign in with the work or school account'"], summary
    assert "not-bobs-pw" not in text


def test_help_shows_whole_command_descriptions() -> None:
    result = cli("--help", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    commands = result.stdout.split("Commands:\n", 1)[1]
    assert "..." not in commands
    flat = re.sub(r"\s+", " ", commands)
    for name, command in cli_group.commands.items():
        first = command.get_short_help_str(limit=sys.maxsize)
        assert first.endswith((".", ")")) and f"{name} {first}" in flat, (name, first)
    creds = cli("creds", "--help", env={"COLUMNS": "80"})
    assert "..." not in creds.stdout.split("Commands:", 1)[1]
    assert isinstance(cli_group.commands["flows"], click.Group) and type(cli_group.commands["flows"]) is type(cli_group)
