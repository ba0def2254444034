"""The reports from the command line, end to end in real headless Chromium against the simulator:
one run with a failure, a rerun of the failed account, a merge; and an interrupted run still
leaves report.html and junit.xml. Three account runs in all."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import xmlschema

from runner.cli.runs import execute
from runner.core.model import BrowserSettings
from runner.core.results import RunResult
from runner.reporters.console import LinePrinter
from runner.run.engine import AccountSpec, RunOptions
from runner.secrets.credentials import MemoryStore
from runner.spec.flow import load_flow
from tests.conftest import SHIPPED, cli
from tests.reporters.test_report_junit import SCHEMA

pytestmark = pytest.mark.browser

KEYRING_ENV = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring"}
OK, WRONG = "ok@contoso.com", "wrong@contoso.com"
SECRETS = (b"Right-pw-1", b"Right-pw-2", b"Not-it-pw-3")


def all_bytes(path: Path) -> bytes:
    """A file's bytes, and for a zip (evidence, traces) the bytes of every member, recursively."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                inner = zf.read(name)
                data += inner
                if name.endswith(".zip"):
                    nested = path.parent / f".{path.name}-{Path(name).name}"
                    nested.write_bytes(inner)
                    data += all_bytes(nested)
                    nested.unlink()
    return data


def test_run_report_evidence_rerun_and_merge_from_the_cli(tmp_path: Path) -> None:
    env = {**KEYRING_ENV, "M365_TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}
    sim = tmp_path / "sim.yaml"
    sim.write_text(f"accounts:\n  - {{upn: {OK}, password: Right-pw-1}}\n  - {{upn: {WRONG}, password: Right-pw-2}}\n")
    assert cli("creds", "set", OK, env=env, input="Right-pw-1\n").returncode == 0
    assert cli("creds", "set", WRONG, env=env, input="Not-it-pw-3\n").returncode == 0
    results = tmp_path / "m365-replay-results"
    first = results / "20261125-020000"

    run = cli("run", str(SHIPPED), "--account", OK, "--account", WRONG, "--simulator-accounts", str(sim),
              "--report-dir", str(first), "--evidence", "--json", env=env)
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)  # --json: stdout is report.json and nothing else
    assert data == json.loads((first / "report.json").read_text())
    assert [r["status"] for r in data["runs"]] == ["passed", "failed"]
    # plain lines on stderr (not a terminal), then the summary table and the HTML report's path
    assert f"[2/2] FAIL {WRONG}" in run.stderr and f"HTML report: {first / 'report.html'}" in run.stderr
    assert "bad_credentials at 'Sign in with the work or school account'" in run.stderr

    html = (first / "report.html").read_text()
    assert "1 passed" in html and "1 failed" in html and "bad_credentials" in html and "smart lockout" in html
    assert "Error code <code>AADSTS50126</code>" in html
    junit = first / "junit.xml"
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(junit))
    junit_text = junit.read_text()
    assert f'classname="{data["flow"]}" name="{WRONG}"' in junit_text
    assert f"[[ATTACHMENT|{first}/wrong_contoso.com/" in junit_text
    with zipfile.ZipFile(first / "evidence" / "wrong_contoso.com.zip") as zf:
        names = zf.namelist()
        summary = zf.read("summary.txt").decode()
        log = zf.read("log.txt").decode()
    assert "trace.zip" in names and any(n.startswith("screenshots/") for n in names)
    assert "Category:  bad_credentials" in summary and "Action:    Check the password stored" in summary
    assert "AADSTS:    AADSTS50126" in summary  # quoted by the password page, not an error page
    assert "STEP Sign in with the work or school account" in log and "END failed (bad_credentials)" in log
    assert (first / "evidence" / "ok_contoso.com.zip").is_file()
    for path in first.rglob("*"):
        if path.is_file():
            content = all_bytes(path)
            assert not any(secret in content for secret in SECRETS), f"a secret in {path}"

    # the password is fixed; rerun only what failed, in a new folder of the same results folder
    assert cli("creds", "set", WRONG, env=env, input="Right-pw-2\n").returncode == 0
    second = results / "20261125-030000"
    rerun = cli("run", str(SHIPPED), "--rerun-failed", str(first), "--simulator-accounts", str(sim),
                "--report-dir", str(second), env=env)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert [r["account"] for r in json.loads((second / "report.json").read_text())["runs"]] == [WRONG]
    assert f"Since the previous run ({first.resolve()}): {WRONG}: failed (bad_credentials) → passed" in rerun.stdout
    assert f"{WRONG}: failed (bad_credentials) → passed" in (second / "report.html").read_text()

    nothing = cli("run", str(SHIPPED), "--rerun-failed", str(second), "--simulator-accounts", str(sim), env=env)
    assert nothing.returncode == 0 and "Nothing to rerun" in nothing.stderr

    merged = cli("report", "--merge", str(first), str(second), "--out", str(tmp_path / "merged"))
    assert merged.returncode == 0, merged.stderr
    assert json.loads((tmp_path / "merged" / "report.json").read_text())["summary"]["passed"] == 2
    assert (tmp_path / "merged" / "wrong_contoso.com").is_dir()


class StopAfterFirst(LinePrinter):
    def account_finished(self, result: RunResult) -> None:
        super().account_finished(result)
        raise KeyboardInterrupt


def test_an_interrupted_run_still_renders_what_finished(tmp_path: Path) -> None:
    """Ctrl-C after the first account: report.html and junit.xml hold it and the rest as skipped.
    The accounts have no password stored, so no page is loaded: only the browser starts."""
    flow = load_flow(SHIPPED)
    specs = [AccountSpec(a, flow.resolve_inputs({})) for a in ("one@contoso.com", "two@contoso.com")]
    out = io.StringIO()
    options = RunOptions(report_dir=tmp_path / "r", browser=BrowserSettings())
    with pytest.raises(KeyboardInterrupt):
        execute(flow, specs, options, MemoryStore({}), listener=StopAfterFirst(out=out))
    html = (tmp_path / "r" / "report.html").read_text()
    assert "one@contoso.com" in html and "missing_credential" in html
    junit = (tmp_path / "r" / "junit.xml").read_text()
    assert 'name="one@contoso.com"' in junit
    assert "Interrupted: " in out.getvalue() and "HTML report:" in out.getvalue()
