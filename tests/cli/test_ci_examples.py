"""examples/ci/: the pipelines people copy. Each must be valid YAML for its CI, hold what a nightly QA
run needs (a schedule, a shard matrix, JUnit publishing, the report folder as an artifact, the
credentials from the CI's secret store), and call only commands and options the CLI has, checked by
click's own parser, so that a renamed option fails here and not in someone's pipeline at 02:30."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from runner.cli.commands import cli
from tests.conftest import ROOT
from tests.conftest import cli as run_cli

CI = ROOT / "examples" / "ci"
FILES = {"github": CI / "github-actions.yml", "azure": CI / "azure-pipelines.yml", "gitlab": CI / "gitlab-ci.yml"}
SCRIPT_KEYS = {"run", "script", "before_script", "after_script", "bash", "pwsh", "powershell"}


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load(FILES[name].read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def scripts(node: Any) -> Iterator[str]:
    """Every shell script of a pipeline, wherever the CI puts it (`run:`, `script:`, ...)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SCRIPT_KEYS and isinstance(value, str):
                yield value
            elif key in SCRIPT_KEYS and isinstance(value, list):
                yield from (item for item in value if isinstance(item, str))
            else:
                yield from scripts(value)
    elif isinstance(node, list):
        for item in node:
            yield from scripts(item)


def commands(text: str) -> list[list[str]]:
    """The m365-replay command lines of a script, as argv lists. A CI expression such as
    `${{ matrix.shard }}` stands for one word."""
    found = []
    for line in text.replace("\\\n", " ").splitlines():
        line = re.sub(r"\$\{\{[^}]*\}\}", "1", line)
        words = shlex.split(line, comments=True)
        if words and words[0] == "m365-replay":
            found.append(words[1:])
    return found


def check_with_click(args: list[str]) -> str:
    """Parse argv exactly as the CLI would (unknown command or option, missing or bad value fail);
    the command's path, e.g. "creds set"."""
    command: click.Command = cli
    path = []
    while isinstance(command, click.Group) and not (command.invoke_without_command and not args):
        assert args and args[0] in command.commands, f"no command {args[:1]} in `m365-replay {' '.join(path)}`"
        path.append(args[0])
        command, args = command.commands[args[0]], args[1:]
    command.make_context(" ".join(path), list(args))  # raises click's UsageError on anything unknown
    return " ".join(path)


def all_commands(name: str) -> list[tuple[str, list[str]]]:
    return [(check_with_click(args), args) for script in scripts(load(name)) for args in commands(script)]


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_command_in_the_pipeline_exists_in_the_cli(name: str) -> None:
    used = all_commands(name)
    names = {path for path, _ in used}
    assert {"doc-check", "run", "report", "creds set"} <= names, names
    [run] = [args for path, args in used if path == "run"]
    assert "--shard" in run and "--doc-check" in run and "--report-dir" in run and "--users" in run
    [doc_check] = [args for path, args in used if path == "doc-check"]
    assert "--notify" in doc_check
    assert any(path == "report" and "--merge" in args and "--notify" in args for path, args in used)


@pytest.mark.parametrize("name", sorted(FILES))
def test_credentials_come_from_the_secret_store_and_are_never_echoed(name: str) -> None:
    creds = [args for path, args in all_commands(name) if path == "creds set"]
    assert creds and all(args[args.index("--from-env") + 1].isidentifier() for args in creds)
    for script in scripts(load(name)):
        assert "set -x" not in script and not re.search(r"\becho\b", script)
        assert "secrets." not in script and "M365_PW" not in script.replace("--from-env M365_PW", "")
        assert not re.search(r"\$\(?M365_(PW|TOTP)", script), "a secret's value on a command line"
    # the plain file on a runner that ends with the job, allowed explicitly (refused otherwise: issue 27)
    variables = load(name).get("env") or load(name).get("variables")
    assert variables["PYTHON_KEYRING_BACKEND"] == "keyrings.alt.file.PlaintextKeyring"
    assert variables["M365_REPLAY_ALLOW_INSECURE_KEYRING"] == "1"


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_pipeline_stores_its_credentials_with_its_own_variables(name: str, tmp_path: Path) -> None:
    """Each `creds set` line as the pipeline runs it, with the pipeline's variables: stored (a pipeline
    without the override would stop here, at exit 2)."""
    variables = {key: str(value) for key, value in (load(name).get("env") or load(name).get("variables")).items()}
    secrets = {"M365_PW_ALICE": "alice-Pw-1", "M365_PW_BOB": "bob-Pw-2", "M365_TOTP_BOB": "JBSWY3DPEHPK3PXP"}
    env = {**variables, **secrets, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    for path, args in all_commands(name):
        if path == "creds set":
            result = run_cli(*args, env=env)
            assert result.returncode == 0, result.stderr
    check = run_cli("creds", "check", "qa-alice@contoso.com", "qa-bob@contoso.com", env=env)
    assert "qa-bob@contoso.com: password yes, totp yes" in check.stdout and check.returncode == 0


def test_github_actions_runs_nightly_over_a_shard_matrix_and_publishes_junit_and_the_report() -> None:
    data = load("github")
    on = data.get("on", data.get(True))  # YAML 1.1 reads the key `on` as true
    assert on["schedule"][0]["cron"]
    jobs = data["jobs"]
    assert jobs["replay"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    steps = [step for job in jobs.values() for step in job["steps"]]
    uses = {step.get("uses", "").split("@")[0]: step for step in steps}
    assert uses["mikepenz/action-junit-report"]["with"]["report_paths"] == "results/all/junit.xml"
    uploads = [step["with"]["path"] for step in steps if step.get("uses", "").startswith("actions/upload-artifact")]
    assert "results/" in uploads and "results/all/" in uploads
    assert jobs["report"]["needs"] == "replay" and jobs["report"]["if"] == "always()"


def test_azure_pipelines_runs_nightly_over_a_shard_matrix_and_publishes_junit_and_the_report() -> None:
    data = load("azure")
    assert data["schedules"][0]["cron"] and data["schedules"][0]["always"] is True
    jobs = {job["job"]: job for job in data["jobs"]}
    assert [v["SHARD"] for v in jobs["replay"]["strategy"]["matrix"].values()] == [1, 2, 3, 4]
    tasks = {step["task"]: step for step in jobs["replay"]["steps"] if "task" in step}
    junit = tasks["PublishTestResults@2"]
    assert junit["inputs"]["testResultsFormat"] == "JUnit" and junit["condition"] == "always()"
    assert junit["inputs"]["testResultsFiles"].endswith("junit.xml")
    assert tasks["PublishPipelineArtifact@1"]["inputs"]["targetPath"] == "results/shard-$(SHARD)"
    secrets = next(step for step in jobs["replay"]["steps"] if "creds set" in step.get("script", ""))
    assert secrets["env"] == {"M365_PW_ALICE": "$(M365_PW_ALICE)", "M365_PW_BOB": "$(M365_PW_BOB)",
                              "M365_TOTP_BOB": "$(M365_TOTP_BOB)"}


def test_gitlab_ci_runs_on_a_schedule_in_parallel_and_publishes_junit_and_the_report() -> None:
    data = load("gitlab")
    assert any("schedule" in rule["if"] for rule in data[".m365-replay"]["rules"])
    replay = data["replay"]
    assert replay["parallel"] == 4
    assert replay["artifacts"]["reports"]["junit"] == "results/shard-*/junit.xml"
    assert replay["artifacts"]["when"] == "always" and replay["artifacts"]["paths"] == ["results/"]
    assert data["report"]["artifacts"]["paths"] == ["results/all/"]


def test_the_nightly_qa_commands_of_the_docs_exist_in_the_cli() -> None:
    page = (ROOT / "docs" / "qa.md").read_text(encoding="utf-8")
    section = page.split("\n## Nightly QA", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    used = [check_with_click(args) for args in commands(block)]
    assert {"doc-check", "run", "report"} <= set(used), used


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_nightly_replay_retries_transient_faults(name: str) -> None:
    """A night of many accounts meets a dropped connection or a 503 now and then: each pipeline's
    replay tries such an account again (--retries 2, docs/qa.md: Nightly QA), and nothing else."""
    runs = [argv for script in scripts(load(name)) for argv in commands(script) if argv[:1] == ["run"]]
    assert runs, name
    for argv in runs:
        assert "--retries" in argv and argv[argv.index("--retries") + 1] == "2", argv


def documented_commands() -> list[tuple[str, list[str]]]:
    """Every m365-replay command line the README and the docs site show: each line of a ```sh block,
    and each `$ m365-replay …` prompt line of an output block (a page, argv)."""
    found = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for lang, block in re.findall(r"```(\w*)\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            lines = [line for line in block.replace("\\\n", " ").splitlines()
                     if lang == "sh" or line.startswith("$ m365-replay ")]
            found += [(page.name, argv) for argv in commands("\n".join(line.removeprefix("$ ") for line in lines))]
    return found


def test_every_command_the_docs_show_exists_in_the_cli() -> None:
    """A reader copies the documentation's commands as they stand: each must parse as the CLI parses
    it (an unknown command or option, a missing value, a bad choice fails), so no page can rot."""
    shown = documented_commands()
    assert len(shown) > 20
    for page, argv in shown:
        try:
            check_with_click(argv)
        except (AssertionError, click.ClickException) as problem:
            raise AssertionError(f"{page}: m365-replay {shlex.join(argv)}: {problem}") from None
    assert {"run", "creds set", "doctor", "show-report", "explain", "doc-check", "report", "flows copy"} <= {
        check_with_click(argv) for _, argv in shown}
