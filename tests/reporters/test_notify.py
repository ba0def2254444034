"""`--notify URL`: results sent through Apprise, here to its generic JSON target (`json://`) on a
local receiver, as a Teams workflow or Slack would get them: when, what, and never a secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.core.redact import redactor
from runner.core.results import Report, write_json_atomic
from runner.reporters.notify import run_message, send
from tests.conftest import ROOT, SHIPPED, cli
from tests.support.localhttp import LocalServer, closed_port, local_server
from tests.support.sample import sample_report, write_artifacts

DATA = ROOT / "tests" / "data" / "doccheck"
ALICE, BOB = "alice@contoso.com", "bob@contoso.com"


@pytest.fixture
def receiver() -> Iterator[LocalServer]:
    with local_server() as server:
        yield server


def hook(server: LocalServer, path: str = "/hook") -> str:
    return f"json://127.0.0.1:{server.port}{path}"


def save(folder: Path, report: Report) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomic(folder / "report.json", report.to_dict())
    write_artifacts(report, folder)  # real screenshots beside it: none may travel with a message
    return folder


def test_a_failed_run_names_each_failed_account_its_category_and_next_action(tmp_path: Path,
                                                                              receiver: LocalServer) -> None:
    folder = save(tmp_path / "results" / "night", sample_report(accounts=[ALICE, BOB],
                                                                  kinds=["passed", "bad_credentials"]))
    result = cli("report", str(folder), "--notify", hook(receiver), "--report-url", "https://ci.example/night/42/")
    assert result.returncode == 0, result.stderr
    [message] = receiver.posted("/hook")
    assert message["type"] == "failure"
    assert message["title"] == "m365-replay: Sync a user's profile picture: failed (1/2 passed)"
    body = message["message"]
    assert "1 passed, 1 failed" in body
    assert f"{BOB}: failed, **bad_credentials** at step 'Sign in with the work or school account'" in body
    assert "  - next: Check the password stored with `m365-replay creds set ACCOUNT`" in body
    assert ALICE not in body, "only the accounts that did not pass are listed"
    assert "Report: https://ci.example/night/42/report.html" in body
    assert message["attachments"] == [] and ".png" not in body


def test_a_passed_run_with_nothing_changed_sends_nothing_unless_always(tmp_path: Path, receiver: LocalServer) -> None:
    folder = save(tmp_path / "results" / "night", sample_report(accounts=[ALICE], kinds=["passed"]))
    quiet = cli("report", str(folder), "--notify", hook(receiver))
    assert quiet.returncode == 0 and receiver.posted() == []
    always = cli("report", str(folder), "--notify", hook(receiver), "--notify-on", "always")
    assert always.returncode == 0
    [message] = receiver.posted()
    assert message["type"] == "success" and "passed (1/1 passed)" in message["title"]
    assert f"Report: {folder / 'report.html'}" in message["message"]


def test_an_outcome_changed_since_the_previous_run_is_sent(tmp_path: Path, receiver: LocalServer) -> None:
    results = tmp_path / "results"
    save(results / "monday", sample_report(accounts=[ALICE, BOB], kinds=["passed", "bad_credentials"],
                                           started_at="2026-11-23T02:00:00.000Z"))
    tuesday = save(results / "tuesday", sample_report(accounts=[ALICE, BOB], kinds=["passed", "passed"],
                                                      started_at="2026-11-24T02:00:00.000Z"))
    only_failures = cli("report", str(tuesday), "--notify", hook(receiver), "--notify-on", "failure")
    assert only_failures.returncode == 0 and receiver.posted() == []
    result = cli("report", str(tuesday), "--notify", hook(receiver))
    assert result.returncode == 0, result.stderr
    [message] = receiver.posted()
    assert "passed (2/2 passed)" in message["title"]
    assert "Since the previous run (monday):" in message["message"]
    assert f"- {BOB}: failed (bad_credentials) → passed" in message["message"]


def test_a_notification_that_cannot_be_sent_is_a_warning(tmp_path: Path, receiver: LocalServer) -> None:
    folder = save(tmp_path / "results" / "night", sample_report(accounts=[BOB], kinds=["bad_credentials"]))
    receiver.post_status = 500
    nowhere = f"json://127.0.0.1:{closed_port()}/hook"
    result = cli("report", str(folder), "--notify", hook(receiver, "/broken"), "--notify", nowhere, "--notify", "")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: notification to")]
    assert len(warnings) == 2, result.stderr
    assert "warning: --notify was given an empty URL (a CI secret that is not set?)" in result.stderr
    assert f"json://127.0.0.1:{receiver.port}/broken" in warnings[0] and "failed" in warnings[0]
    assert "Traceback" not in result.stderr


def test_a_secret_never_leaves_in_a_message(receiver: LocalServer, tmp_path: Path) -> None:
    """Even if one reached the report, the message passes the run's redactor on its way out."""
    report = sample_report(accounts=[BOB], kinds=["bad_credentials"])
    report.runs[0].failure.message = "The password Tr0ub4dor&3xyz was not accepted."  # type: ignore[union-attr]
    redactor.add("Tr0ub4dor&3xyz")
    try:
        warnings = send([hook(receiver)], run_message(report, tmp_path, [], None))
    finally:
        redactor.clear()
    assert warnings == []
    assert "Tr0ub4dor" not in json.dumps(receiver.posted())


def test_a_notification_url_apprise_cannot_use_stops_the_run_before_it_starts(tmp_path: Path) -> None:
    result = cli("run", str(SHIPPED), "--account", ALICE, "--report-dir", str(tmp_path / "r"),
                 "--notify", "teams-webhook-I-forgot-the-scheme")
    assert result.returncode == 2
    assert result.stderr.startswith("error: --notify (no scheme)://…: not a notification URL Apprise understands")
    assert not (tmp_path / "r").exists()


def test_doc_check_sends_drift_and_then_its_resolution(tmp_path: Path, receiver: LocalServer) -> None:
    reworded = tmp_path / "article.html"
    english = (DATA / "en-us.html").read_text(encoding="utf-8")
    reworded.write_text(english.replace("go to Office.com</a>", "go to Microsoft365.com</a>"), encoding="utf-8")
    out = tmp_path / "doc-check.json"
    drift = cli("doc-check", "sync-profile-photo", "--offline", str(reworded), "--out", str(out),
                "--notify", hook(receiver), "--report-url", "https://ci.example/night/42")
    assert drift.returncode == 1
    [message] = receiver.posted()
    assert message["title"] == "m365-replay doc-check: drift (0/1 flows match their article)"
    assert "**Sync a user's profile picture**: DRIFT (3 same, 1 changed, 0 missing, 0 new)" in message["message"]
    assert "Microsoft365.com" in message["message"]
    assert "Details: https://ci.example/night/42/doc-check.json" in message["message"]
    fixed = tmp_path / "fixed.html"
    fixed.write_text(english, encoding="utf-8")
    again = cli("doc-check", "sync-profile-photo", "--offline", str(fixed), "--out", str(out),
                "--notify", hook(receiver), "--notify-on", "change")
    assert again.returncode == 0
    resolved = receiver.posted()[-1]
    assert "no drift (1/1 flows match their article)" in resolved["title"]
    assert "- Sync a user's profile picture: drift → same" in resolved["message"]


@pytest.mark.browser
def test_run_notifies_after_the_accounts_and_a_broken_target_changes_no_exit_code(
        tmp_path: Path, receiver: LocalServer) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
           "M365_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
           "OK_PW": "right-pw-1-secret", "WRONG_PW": "typo-pw-2-secret"}
    for account, var in (("ok@contoso.com", "OK_PW"), ("wrong@contoso.com", "WRONG_PW")):
        assert cli("creds", "set", account, "--from-env", var, env=env).returncode == 0
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n  - {upn: ok@contoso.com, password: right-pw-1-secret}\n"
                   "  - {upn: wrong@contoso.com, password: right-pw-2-secret}\n", encoding="utf-8")
    with local_server() as broken:
        broken.post_status = 503
        result = cli("run", str(SHIPPED), "--account", "ok@contoso.com", "--account", "wrong@contoso.com",
                     "--simulator-accounts", str(sim), "--report-dir", str(tmp_path / "r"),
                     "--notify", hook(receiver), "--notify", hook(broken), env=env)
    assert result.returncode == 1, result.stdout + result.stderr  # the accounts' answer, not the notifications'
    assert f"warning: notification to json://127.0.0.1:{broken.port}/hook" in result.stderr
    [message] = receiver.posted()
    assert "1 passed, 1 failed" in message["message"]
    assert "wrong@contoso.com: failed, **bad_credentials**" in message["message"]
    assert "ok@contoso.com" not in message["message"]
    assert f"Report: {tmp_path / 'r' / 'report.html'}" in message["message"]
    payloads = json.dumps(receiver.posted() + broken.posted())
    assert "secret" not in payloads and message["attachments"] == []
