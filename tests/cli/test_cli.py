"""The command line as a user meets it: exit codes, messages, and the console script."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest

from tests.conftest import ROOT, SHIPPED, cli

KEYRING_ENV = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring"}


@pytest.fixture
def file_keyring(tmp_path: Path) -> dict[str, str]:
    return {**KEYRING_ENV, "M365_TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}


def sim_accounts(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "sim.yaml"
    path.write_text("accounts:\n" + "".join(f"  - {line}\n" for line in lines))
    return path


def test_help_is_the_same_from_module_and_console_script() -> None:
    module = cli("--help")
    assert module.returncode == 0 and "validate" in module.stdout
    script = shutil.which("m365-replay")
    if script:
        import subprocess

        console = subprocess.run([script, "--help"], capture_output=True, text=True)
        assert console.stdout == module.stdout


def test_no_keyring_backend_is_one_sentence(tmp_path: Path) -> None:
    result = cli("run", str(SHIPPED), "--account", "alice@contoso.com",
                 env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: No OS keyring is available on this machine: install one")
    assert len(result.stderr.strip().splitlines()) == 1
    check = cli("creds", "check", "alice@contoso.com", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert check.returncode == 2 and "No OS keyring" in check.stderr and "Traceback" not in check.stderr


def test_bad_flow_exits_2_before_anything_runs(tmp_path: Path, file_keyring) -> None:
    flow = tmp_path / "bad.yaml"
    flow.write_text("name: x\nsteps:\n  - goto: https://www.office.com/\n  - sing_in: {}\n")
    report = tmp_path / "out"
    result = cli("run", str(flow), "--account", "alice@contoso.com", "--report-dir", str(report), env=file_keyring)
    assert result.returncode == 2
    assert f"{flow}:4:5: unknown step 'sing_in' (did you mean 'sign_in'?)" in result.stderr
    assert not report.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--var", "tile"], "write it as NAME=VALUE"),
    (["--workers", "0"], "Invalid value for '--workers'"),
    (["--users", "missing.yaml"], "users file not found"),
])
def test_usage_errors_exit_2(args, message, file_keyring) -> None:
    result = cli("run", str(SHIPPED), "--account", "alice@contoso.com", *args, env=file_keyring)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.browser
def test_run_exit_codes_on_the_simulator(tmp_path: Path, file_keyring) -> None:
    sim = sim_accounts(tmp_path, "{upn: ok@contoso.com, password: right-pw-1}",
                       "{upn: wrong@contoso.com, password: right-pw-2}")
    store = cli("creds", "set", "ok@contoso.com", env=file_keyring, input="right-pw-1\n")
    assert store.returncode == 0, store.stderr
    assert "right-pw-1" not in store.stdout + store.stderr
    cli("creds", "set", "wrong@contoso.com", env=file_keyring, input="not-it\n")
    check = cli("creds", "check", "ok@contoso.com", "nobody@contoso.com", env=file_keyring)
    assert "ok@contoso.com: password yes" in check.stdout and "nobody@contoso.com: password MISSING" in check.stdout
    assert check.returncode == 1

    passed = cli("run", str(SHIPPED), "--account", "ok@contoso.com", "--simulator-accounts", str(sim),
                 "--report-dir", str(tmp_path / "r1"), env=file_keyring)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "1 passed, 0 failed" in passed.stdout

    failed = cli("run", str(SHIPPED), "--account", "ok@contoso.com", "--account", "wrong@contoso.com",
                 "--simulator-accounts", str(sim), "--report-dir", str(tmp_path / "r2"), "--json", env=file_keyring)
    assert failed.returncode == 1
    report = json.loads(failed.stdout)
    assert report["summary"] == {"total": 2, "passed": 1, "failed": 1, "skipped": 0, "outcomes": {"synced": 1}}
    assert report["runs"][1]["failure"]["category"] == "bad_credentials"
    assert json.loads((tmp_path / "r2" / "report.json").read_text())["summary"] == report["summary"]


@pytest.mark.browser
def test_demo_passes_both_tiles(tmp_path: Path) -> None:
    """The README's first quick-start command runs this (after ./dev's set-up)."""
    result = cli("demo", "--report-dir", str(tmp_path / "demo"), env={"PYTHON_KEYRING_BACKEND":
                                                                       "keyring.backends.fail.Keyring"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 0 failed" in result.stdout
    # Adele meets 2026's Microsoft 365 (the Copilot app's Apps page, OneDrive on cloud.microsoft),
    # Megan the classic home
    assert ("OneDrive loaded as adele.vance@contoso.com, own photo requested (tile clicked on the Microsoft 365 "
            "Copilot app's Apps page; OneDrive at onedrive.cloud.microsoft)") in result.stdout
    assert ("SharePoint loaded as megan.bowen@contoso.com, own photo requested (tile clicked on the classic home; "
            "SharePoint at contoso.sharepoint.com)") in result.stdout
    report = json.loads((tmp_path / "demo" / "report.json").read_text())
    assert [r["inputs"]["tile"] for r in report["runs"]] == ["OneDrive", "SharePoint"]


def test_readme_quick_start_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "./dev demo" in quick and "./dev test" in quick
    assert "exec ./dev test" in (ROOT / ".ci" / "run").read_text()


# ------------------------------------------------------------------------------ shipped flows by name


def test_a_shipped_flow_by_name_from_any_folder_and_a_path_wins(tmp_path: Path) -> None:
    by_name = cli("validate", "sync-profile-photo", cwd=tmp_path)
    assert by_name.returncode == 0, by_name.stderr
    assert by_name.stdout.startswith("sync-profile-photo: ok (\"Sync a user's profile picture\"")
    # a file of that name in the current folder (say, an edited copy) is what the user means
    (tmp_path / "sync-profile-photo.yaml").write_text("name: My edited copy\nsteps:\n  - goto: https://www.office.com/\n")
    by_path = cli("validate", "sync-profile-photo.yaml", cwd=tmp_path)
    assert by_path.returncode == 0 and "'My edited copy'" in by_path.stdout
    typo = cli("run", "sync-profile-foto", "--account", "a@contoso.com", cwd=tmp_path)
    assert typo.returncode == 2 and "Traceback" not in typo.stderr
    assert ("sync-profile-foto:1:1: no flow file and no shipped flow of that name (did you mean 'sync-profile-photo'?)"
            in typo.stderr)


def test_flows_copy_copies_them_out_for_editing_and_never_overwrites_silently(tmp_path: Path) -> None:
    copied = cli("flows", "copy", "mine", cwd=tmp_path)
    assert copied.returncode == 0, copied.stderr
    assert (tmp_path / "mine" / "sync-profile-photo.yaml").read_text() == SHIPPED.read_text()
    assert (tmp_path / "mine" / "lib" / "open-app.yaml").is_file()
    assert "m365-replay run mine/sync-profile-photo.yaml --account EMAIL" in copied.stdout
    edited = tmp_path / "mine" / "sync-profile-photo.yaml"
    edited.write_text(edited.read_text().replace("Sync a user's profile picture", "Our version"))
    again = cli("flows", "copy", "mine", cwd=tmp_path)
    assert again.returncode == 2 and "already exist; nothing was copied (add --force to overwrite)" in again.stderr
    assert "Our version" in edited.read_text()
    assert cli("flows", "copy", "mine", "--force", cwd=tmp_path).returncode == 0
    assert edited.read_text() == SHIPPED.read_text()


@pytest.mark.browser
def test_run_a_shipped_flow_by_name_from_an_empty_folder(tmp_path: Path, file_keyring) -> None:
    sim = sim_accounts(tmp_path, "{upn: ok@contoso.com, password: right-pw-1}")
    cli("creds", "set", "ok@contoso.com", env=file_keyring, input="right-pw-1\n")
    work = tmp_path / "empty"
    work.mkdir()
    result = cli("run", "sync-profile-photo", "--account", "ok@contoso.com", "--var", "tile=SharePoint",
                 "--simulator-accounts", str(sim), env=file_keyring, cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 0 failed" in result.stdout
    report = json.loads(next((work / "m365-replay-results").glob("*/report.json")).read_text())
    assert report["runs"][0]["inputs"] == {"tile": "SharePoint"}


def test_the_pytest_plugin_takes_a_shipped_flows_name(tmp_path: Path) -> None:
    from tests.pytest.test_plugin import pytest_run

    result = pytest_run(tmp_path, "sync-profile-photo", "--m365-account", "alice@contoso.com", "--collect-only", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [row for row in result.stdout.splitlines() if "::" in row] == [
        "sync-profile-photo.yaml::sync-profile-photo[alice@contoso.com]"]


# ------------------------------------------------------------------------------ options defined once


def _options(command: click.Command, names: set[str]) -> dict[str, dict]:
    """The named options of a command as click describes them (flags, type and choices, default, help)."""
    return {param.name: param.to_info_dict() for param in command.params if param.name in names}


def _every_command(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        found[prefix + name] = command
        if isinstance(command, click.Group):
            found.update(_every_command(command, f"{prefix}{name} "))
    return found


def test_every_command_that_starts_a_browser_takes_the_same_browser_options() -> None:
    """`run` and `demo` once listed their own --browser-channel and drifted (five channels in one,
    two in the other): a command that takes any browser option takes them all, defined alike."""
    from runner.cli.commands import cli as group

    browser = {"headed", "browser_channel", "executable_path", "connect"}
    commands = _every_command(group)
    expected = _options(commands["run"], browser)
    assert set(expected) == browser
    assert list(expected["browser_channel"]["type"]["choices"]) == ["chrome", "msedge", "chrome-beta", "msedge-beta",
                                                              "chromium"]
    takers = {name for name, command in commands.items() if _options(command, browser)}
    assert {"run", "demo", "doctor"} <= takers
    for name in takers:
        assert _options(commands[name], browser) == expected, name
    # the page settings of every account's context: the same in the two commands that run a flow
    page = {"locale", "timeout", "report_dir", "verbose"}
    assert _options(commands["demo"], page) == _options(commands["run"], page)
    assert set(_options(commands["demo"], page)) == page


def test_demo_and_doctor_accept_the_browser_options_run_accepts(tmp_path: Path) -> None:
    """Parsed by click as a user types them: a channel `run` takes is one `demo` and `doctor` take."""
    from runner.cli.commands import cli as group

    args = ["--browser-channel", "msedge-beta", "--headed", "--executable-path", "/x/chrome", "--connect",
            "ws://grid:3000/"]
    for name in ("run", "demo", "doctor"):
        extra = ["flow.yaml"] if name == "run" else []
        context = group.commands[name].make_context(name, [*extra, *args])
        assert context.params["browser_channel"] == "msedge-beta" and context.params["connect"] == "ws://grid:3000/"
    bad = cli("demo", "--browser-channel", "firefox")
    assert bad.returncode == 2 and "'firefox' is not one of 'chrome', 'msedge', 'chrome-beta'" in bad.stderr


def readme_examples(key: str) -> list[object]:
    """The documentation's YAML examples (README and docs/) whose top level has `key`: what a reader copies."""
    import re

    import yaml

    text = "".join(page.read_text() for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    blocks = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    found = [block for block in blocks if isinstance(block, dict) and key in block]
    assert found, f"no documentation example with `{key}:`"
    return found


@pytest.mark.parametrize(("option", "key", "misspelt"), [
    ("--users", "users", [{"user": [{"account": "a@contoso.com"}]}, {"users": [{"acount": "a@contoso.com"}]}]),
    ("--config", "allowed_domains", [{"allowed_domain": ["contoso.com"]}]),
    ("--simulator-accounts", "accounts", [{"acounts": [{"upn": "a@contoso.com", "password": "x"}]},
                                          {"accounts": [{"upn": "a@contoso.com", "password": "x", "kmsii": False}]}]),
    ("--states", "states", [{"states": [{"name": "x", "mtch": {"page_id": "P"}, "click": "a"}]},
                            {"states": [{"name": "Two Words", "match": {"page_id": "P"}, "click": "a"}]},
                            {"states": [{"name": "x", "match": {"page_id": "P"}, "click": "not a marker"}]}]),
])
def test_schema_of_the_other_yaml_files(tmp_path: Path, option: str, key: str, misspelt: list[object]) -> None:
    """`schema --users` (and --config, --simulator-accounts) is a JSON Schema an editor can use: it
    accepts the README's examples, as the loader does, and refuses a misspelt key."""
    import jsonschema
    import yaml

    from runner.simulator import load_accounts
    from runner.spec.config import load_config
    from runner.spec.states import load_states
    from runner.spec.users import load_users

    result = cli("schema", option)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    load = {"--users": lambda p: load_users(p, None), "--config": load_config, "--simulator-accounts": load_accounts,
            "--states": load_states}
    for example in readme_examples(key):
        validator.validate(example)
        copy = tmp_path / "example.yaml"
        copy.write_text(yaml.safe_dump(example))
        load[option](copy)
    for wrong in misspelt:
        assert list(validator.iter_errors(wrong)), f"the schema must refuse {wrong}"
    assert json.loads(cli("schema").stdout)["title"] == "m365-replay flow", "`schema` alone stays the flow schema"
