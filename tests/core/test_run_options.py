"""The one table of run options (runner/core/options.py) makes both `run`'s click options and the pytest
plugin's --m365-* options: the same names, defaults (RunOptions'), ranges and words. No browser."""

from __future__ import annotations

import argparse

import click
import pytest

from runner.cli.commands import run
from runner.core.model import RunOptions, option_default
from runner.core.options import PLUGIN_OPTIONS, ROWS, RUN_OPTIONS
from runner.core.retry import MAX_RETRIES, account_policy
from runner.pytest.plugin import addoption_kwargs, pytest_addoption


def click_params() -> dict[str, click.Option]:
    return {opt: param for param in run.params if isinstance(param, click.Option) for opt in param.opts}


def plugin_parser() -> argparse.ArgumentParser:
    """The plugin's options as pytest hands them to argparse."""
    parser = argparse.ArgumentParser(exit_on_error=False)
    for row in PLUGIN_OPTIONS:
        parser.add_argument(row.pytest, **addoption_kwargs(row))
    return parser


def test_every_row_is_an_option_of_run_with_runoptions_default() -> None:
    params = click_params()
    for row in ROWS:
        param = params[row.cli]
        assert param.name == row.param, row.name
        if row.field is not None:
            assert param.default == getattr(RunOptions(report_dir=None), row.field) == row.default, row.name  # type: ignore[arg-type]
        assert param.help == row.help
    assert params["--timeout"].default == option_default("timeout") == 30.0


def test_the_plugin_takes_the_same_options_read_and_checked_alike() -> None:
    parser = plugin_parser()
    defaults = vars(parser.parse_args([]))
    for row in PLUGIN_OPTIONS:
        assert defaults[row.pytest[2:].replace("-", "_")] == (
            [] if row.kind == "many" else row.default), row.name
    given = vars(parser.parse_args(["--m365-retries", "2", "--m365-until-synced", "5m", "--m365-timeout", "12",
                                    "--m365-account", "a@contoso.com", "--m365-account", "b@contoso.com",
                                    "--m365-require-synced"]))
    assert (given["m365_retries"], given["m365_until_synced"], given["m365_timeout"]) == (2, 300.0, 12.0)
    assert given["m365_account"] == ["a@contoso.com", "b@contoso.com"] and given["m365_require_synced"] is True
    # what `run` refuses, the plugin refuses, in the same words
    for bad, said in ((["--m365-retries", str(MAX_RETRIES + 1)], f"--retries takes 0 to {MAX_RETRIES}, not 4"),
                      (["--m365-timeout", "0.1"], "--timeout takes at least 0.5, not 0.1"),
                      (["--m365-until-synced", "soon"], "a duration is seconds (120)")):
        with pytest.raises(argparse.ArgumentError, match=said.replace("(", r"\(").replace(")", r"\)")):
            parser.parse_args(bad)
    assert not any(row.pytest in ("--m365-workers", "--m365-trace", "--m365-video") for row in PLUGIN_OPTIONS)


def test_the_plugin_registers_every_plugin_row_with_its_help() -> None:
    registered: dict[str, dict[str, object]] = {}

    class Group:
        def addoption(self, name: str, **kw: object) -> None:
            registered[name] = kw

    class Parser:
        def getgroup(self, *args: object) -> Group:
            return Group()

    pytest_addoption(Parser())  # type: ignore[arg-type]
    assert list(registered) == [row.pytest for row in PLUGIN_OPTIONS]
    assert registered["--m365-locale"]["help"] == "Browser UI language, e.g. tr-TR or de-DE (as `run --locale`)."
    assert str(registered["--m365-timeout"]["help"]).endswith("Default: 30.")


def test_the_retries_waits_are_said_from_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    said = account_policy().schedule(", then ")
    assert said == "5 s, then 15 s, then 45 s"
    assert f"after {said} " in RUN_OPTIONS["retries"].help and f"after {said} " in RUN_OPTIONS["retries"].pytest_text()
    assert "reported FLAKY" in RUN_OPTIONS["retries"].pytest_text() and "new_context" in RUN_OPTIONS[
        "retries"].pytest_text()
