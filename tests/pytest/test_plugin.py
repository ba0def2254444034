"""The pytest plugin as a QA team meets it: `pytest flows/ --m365-users users.yaml`, in a
subprocess, on the project's own flows folder, against the simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FLOWS, ROOT

KEYRING_ENV = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring"}


def pytest_run(tmp_path: Path, *args: str, passwords: dict[str, str] | None = None,
               timeout: float = 240, totp: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(json.dumps({**{f"m365-replay\n{a}": p for a, p in (passwords or {}).items()},
                                        **{f"m365-replay-totp\n{a}": s for a, s in (totp or {}).items()}}))
    env = {**os.environ, **KEYRING_ENV, "M365_TEST_KEYRING_FILE": str(keyring_file), "PYTHONPATH": str(ROOT)}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=timeout)


def users_file(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "users.yaml"
    path.write_text("users:\n" + "".join(f"  - {entry}\n" for entry in entries))
    return path


def test_one_test_per_flow_and_account_and_sub_flows_are_not_tests(tmp_path: Path) -> None:
    users = users_file(tmp_path, "{account: alice@contoso.com}", "{account: bob@contoso.com, tile: SharePoint}")
    result = pytest_run(tmp_path, str(FLOWS), "--m365-users", str(users), "--collect-only", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    assert collected == ["flows/check-profile-photo.yaml::check-profile-photo[alice@contoso.com]",
                         "flows/check-profile-photo.yaml::check-profile-photo[bob@contoso.com]",
                         "flows/sync-profile-photo.yaml::sync-profile-photo[alice@contoso.com]",
                         "flows/sync-profile-photo.yaml::sync-profile-photo[bob@contoso.com]"]


def test_without_m365_options_yaml_is_not_collected(tmp_path: Path) -> None:
    result = pytest_run(tmp_path, str(FLOWS), "--collect-only", "-q")
    assert "sync-profile-photo[" not in result.stdout
    assert result.returncode == 5  # pytest's "no tests collected"


def test_shard_option_selects_the_same_accounts_as_run_shard(tmp_path: Path) -> None:
    from runner.run.shard import shard_of

    accounts = [f"user{i}@contoso.com" for i in range(8)]
    users = users_file(tmp_path, *(f"{{account: {a}}}" for a in accounts))
    result = pytest_run(tmp_path, str(FLOWS), "--m365-users", str(users), "--m365-shard", "2/3", "--collect-only",
                        "-q")
    got = [line.split("[", 1)[1].rstrip("]") for line in result.stdout.splitlines() if "::sync-profile-photo[" in line]
    assert got == [a for a in accounts if shard_of(a, 3) == 2]


def test_a_broken_flow_reads_file_line_col(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "bad.yaml").write_text("name: bad\nsteps:\n  - goto: https://www.office.com/\n  - sing_in: {}\n")
    result = pytest_run(tmp_path, str(flows), "--m365-account", "a@contoso.com")
    assert result.returncode != 0
    assert "bad.yaml:4:5: unknown step 'sing_in' (did you mean 'sign_in'?)" in result.stdout
    assert "Traceback" not in result.stdout


def test_a_malformed_file_is_one_usage_error_not_a_traceback(tmp_path: Path) -> None:
    """A simulator-accounts or states file with a mistake stops the session before any test, in
    pytest's own words for bad usage (exit 4), naming the file, line and column."""
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n  - {upn: alice@contoso.com, pasword: x}\n")
    users = users_file(tmp_path, "{account: alice@contoso.com}")
    result = pytest_run(tmp_path, str(FLOWS), "--m365-users", str(users), "--m365-simulator-accounts", str(sim))
    text = result.stdout + result.stderr
    assert result.returncode == 4, text
    assert f"{sim}:2:30: unknown simulated-account option 'pasword' (did you mean 'password'?)" in text
    assert "Traceback" not in text and "fixture" not in text
    states = tmp_path / "states.yaml"
    states.write_text("states:\n  - name: x\n    match: {page_id: P}\n")
    result = pytest_run(tmp_path, str(FLOWS), "--m365-users", str(users), "--m365-states", str(states))
    text = result.stdout + result.stderr
    assert result.returncode == 4 and "a row either clicks or fails" in text and "Traceback" not in text, text


@pytest.mark.browser
def test_flows_run_under_pytest_playwright_and_xdist(tmp_path: Path) -> None:
    """One run covers the issue's list: generated tests with pytest-playwright's fixtures, a
    failure in the CLI's words, -n 2 without clashing folders, one junit testcase per flow x
    account, and --output/--tracing/--screenshot applied as pytest-playwright applies them."""
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n  - {upn: alice@contoso.com, password: alice-pw-1}\n"
                   "  - {upn: bob@contoso.com, password: bob-pw-1}\n")
    users = users_file(tmp_path, "{account: alice@contoso.com}", "{account: bob@contoso.com, tile: SharePoint}")
    out, junit = tmp_path / "out", tmp_path / "junit.xml"
    result = pytest_run(tmp_path, str(FLOWS / "sync-profile-photo.yaml"), "--m365-users", str(users),
                        "--m365-simulator-accounts", str(sim), "-n", "2", "--junitxml", str(junit),
                        "--output", str(out), "--tracing", "retain-on-failure", "--screenshot", "only-on-failure",
                        passwords={"alice@contoso.com": "alice-pw-1", "bob@contoso.com": "not-bobs-pw"})
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    assert "1 failed, 1 passed" in text
    failure = text.split("sync-profile-photo[bob@contoso.com] _", 1)[1]
    assert "FAIL bob@contoso.com" in failure
    assert "bad_credentials at step 'Sign in with the work or school account': The password was not accepted" in failure
    assert "    doc: Sign in with their work or school account," in failure
    assert "    next: Check the password stored with `m365-replay creds set ACCOUNT`" in failure
    assert "Traceback" not in text and "playwright/_impl" not in text and "not-bobs-pw" not in text

    cases = ET.parse(junit).getroot().findall(".//testcase")
    assert sorted(c.get("name") for c in cases) == ["sync-profile-photo[alice@contoso.com]",
                                                  "sync-profile-photo[bob@contoso.com]"]
    bob_case = next(c for c in cases if c.get("name") == "sync-profile-photo[bob@contoso.com]")
    assert "bad_credentials" in (bob_case.find("failure").get("message") or "")

    # pytest-playwright's layout: one folder per failed test, nothing for the passed one
    folders = sorted(p.name for p in out.iterdir())
    assert folders == ["flows-sync-profile-photo-yaml-sync-profile-photo-bob-contoso-com"], folders
    bob = out / folders[0]
    assert (bob / "test-failed-1.png").is_file()
    assert (bob / "steps" / "02-Sign_in_with_the_work_or_school_account.png").is_file()
    with zipfile.ZipFile(bob / "trace.zip") as trace:
        names = trace.namelist()
        assert sum(n.endswith(".trace") for n in names) >= 2, "the chunk before the password was merged back"
        assert not any(b"not-bobs-pw" in trace.read(n) for n in names), "the password reached the trace"


@pytest.mark.parametrize("args", [["--help"], ["validate", str(FLOWS / "sync-profile-photo.yaml")]])
def test_start_up_imports_no_playwright(args: list[str]) -> None:
    """The start-up benchmark's target (< 0.3 s) holds only while `--help` and `validate` leave
    Playwright unimported (it costs more than the rest together); checked here without timing,
    as the plugin module and the CLI share that rule (Playwright only once a browser is needed)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "runner", *args], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line]
    assert "runner.cli.commands" in imported
    assert not [name for name in imported if name.startswith(("playwright", "greenlet"))]


def test_the_plugin_module_imports_no_playwright() -> None:
    code = ("import sys, runner.pytest.plugin, runner.pytest.defaults; "
            "print(any(m.startswith('playwright') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "False", done.stderr


LAUNCH_ARGS_TEST = '''
import json

def test_print(browser_type_launch_args, browser_type):
    own = __import__("os").path.exists(browser_type.executable_path)
    print("LAUNCH=" + json.dumps({"args": browser_type_launch_args, "own": own}))
'''


@pytest.mark.parametrize(("options", "conftest", "expected"), [
    ([], None, "system"),
    (["--headed"], None, "system"),
    (["--browser-channel", "msedge"], None, {"channel": "msedge"}),
    ([], "import pytest\n\n@pytest.fixture(scope='session')\ndef browser_type_launch_args():\n"
         "    return {'executable_path': '/opt/mine/chrome'}\n", {"executable_path": "/opt/mine/chrome"}),
])
def test_launch_args_default_to_the_system_chromium_and_stay_overridable(
        tmp_path: Path, options: list[str], conftest: str | None, expected: object) -> None:
    """Where Playwright's own Chromium cannot be downloaded, pytest-playwright's `browser` would
    fail; the plugin's default names the system Chromium, unless a channel or a conftest says
    otherwise (no browser is launched here)."""
    from runner.run.browser import system_chromium

    (tmp_path / "test_args.py").write_text(LAUNCH_ARGS_TEST)
    if conftest:
        (tmp_path / "conftest.py").write_text(conftest)
    result = pytest_run(tmp_path, "test_args.py", "-s", "-q", *options)
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(result.stdout.split("LAUNCH=", 1)[1].splitlines()[0])
    if expected == "system":  # headless (no --headed): the system Chromium's headless shell when installed
        if seen["own"] or not system_chromium():
            assert "executable_path" not in seen["args"]
        else:
            headless = "--headed" not in options
            assert seen["args"]["executable_path"] == system_chromium(headless=headless)
    else:
        assert seen["args"] == expected


def test_the_pytest_path_makes_contexts_and_refuses_accounts_as_run_does(tmp_path: Path) -> None:
    """One function builds the context options and one checks the allow-list for `run` and for
    pytest: a flow under pytest gets the same viewport, --m365-locale and plain-Chrome user agent,
    and an account outside allowed_domains is refused before anything runs. The sign-in states of
    --m365-states are used as `run --states` uses them (alice meets a page only a row knows)."""
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n  - {upn: alice@contoso.com, password: alice-pw-1, new_interrupt: true}\n")
    states = tmp_path / "states.yaml"
    states.write_text("states:\n  - name: terms_of_use\n    match: {page_id: ConvergedTermsOfUse}\n"
                      "    click: idSIButton9\n")
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "sign-in.yaml").write_text("name: Sign in\nsteps:\n  - goto: https://www.office.com/\n  - sign_in: {}\n")
    (flows / "conftest.py").write_text(
        "import json\nimport pytest\n\n\n@pytest.fixture(autouse=True)\ndef seen(page, request):\n    yield\n"
        "    info = page.evaluate('({ua: navigator.userAgent, lang: navigator.language, "
        "width: innerWidth, height: innerHeight})')\n"
        "    (request.config.rootpath / 'seen.json').write_text(json.dumps(info))\n")
    users = users_file(tmp_path, "{account: alice@contoso.com}")
    result = pytest_run(tmp_path, str(flows), "--m365-users", str(users), "--m365-simulator-accounts", str(sim),
                        "--m365-locale", "tr-TR", "--m365-states", str(states),
                        passwords={"alice@contoso.com": "alice-pw-1"})
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen["lang"] == "tr-TR" and (seen["width"], seen["height"]) == (1280, 800)
    assert "Chrome/" in seen["ua"] and "HeadlessChrome" not in seen["ua"]

    (tmp_path / "m365-replay.yaml").write_text("allowed_domains: [contoso.com]\n")
    users = users_file(tmp_path, "{account: alice@contoso.com}", "{account: ceo@realcompany.com}")
    refused = pytest_run(tmp_path, str(flows), "--m365-users", str(users), "--m365-simulator-accounts", str(sim),
                         passwords={"alice@contoso.com": "alice-pw-1"})
    text = refused.stdout + refused.stderr
    assert refused.returncode not in (0, 1), text
    assert "ceo@realcompany.com is outside the allowed tenant domains (contoso.com)" in text
    assert " passed" not in text and "Traceback" not in text


def sign_in_with_faults(tmp_path: Path, fault: str, extra: str = "") -> tuple[Path, Path]:
    """A simulator accounts file (alice, and `extra` accounts) with one fixed fault, and a flows folder
    whose one flow opens Office.com and signs in."""
    sim = tmp_path / "sim.yaml"
    sim.write_text(f"accounts:\n  - {{upn: alice@contoso.com, password: alice-pw-1}}\n{extra}faults:\n  - {fault}\n")
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "sign-in.yaml").write_text("name: Sign in\nsteps:\n  - goto: https://www.office.com/\n  - sign_in: {}\n")
    return sim, flows


@pytest.mark.browser
def test_m365_retries_tries_a_transient_fault_again_in_a_new_context_and_reports_it_flaky(tmp_path: Path) -> None:
    """--m365-retries: the first page load of Office.com answers 503 (a fixed fault of the simulator
    accounts file), so alice's first try is `unreachable`, her second, in a context from pytest-playwright's
    new_context, passes: FLAKY, still a pass; bob's wrong password is never tried again."""
    sim, flows = sign_in_with_faults(tmp_path, "{host: www.office.com, kind: status, status: 503, times: 1}",
                                     extra="  - {upn: bob@contoso.com, password: bob-pw-1}\n")
    users = users_file(tmp_path, "{account: alice@contoso.com}", "{account: bob@contoso.com}")
    junit = tmp_path / "junit.xml"
    result = pytest_run(tmp_path, str(flows), "--m365-users", str(users), "--m365-simulator-accounts", str(sim),
                        "--m365-retries", "2", "-v", "--junitxml", str(junit), "-p", "no:xdist",
                        passwords={"alice@contoso.com": "alice-pw-1", "bob@contoso.com": "not-bobs-pw"})
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    summary = text.strip().splitlines()[-1]
    assert "sign-in[alice@contoso.com] FLAKY" in text and "1 failed" in summary and "1 flaky" in summary, text
    # the retry is announced as `run` announces it, between the test lines
    assert ("m365-replay: alice@contoso.com: try 1 of 3 ended unreachable at step 'goto https://www.office.com/'; "
            "trying again from the start in a new context in 5 s") in text, text
    failure = text.split("sign-in[bob@contoso.com] _", 1)[1]
    assert "bad_credentials" in failure and "try 1:" not in failure, "a wrong password is not tried again"
    # junit.xml in pytest's default family (xunit2), which has no properties on a testcase: the flaky
    # marker is the testsuite's, named for the account, as the check's figures are
    root = ET.parse(junit).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert [c.get("name") for c in cases.values() if c.find("properties") is not None] == []
    suite = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert "try 1: unreachable at step 'goto https://www.office.com/'" in suite["m365_flaky:alice@contoso.com"], suite
    assert "m365_flaky:bob@contoso.com" not in suite and "PytestWarning" not in text
    assert cases["sign-in[alice@contoso.com]"].find("failure") is None


@pytest.mark.browser
def test_ctrl_c_while_a_retry_waits_ends_the_session_with_the_last_try(tmp_path: Path) -> None:
    """--m365-retries: Ctrl-C during the wait for the next try ends the session (pytest's
    KeyboardInterrupt, exit 2), as it stops `run`: the announced try never starts."""
    import signal
    import time

    sim, flows = sign_in_with_faults(tmp_path, "{host: www.office.com, kind: status, status: 503}")
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(json.dumps({"m365-replay\nalice@contoso.com": "alice-pw-1"}))
    env = {**os.environ, **KEYRING_ENV, "M365_TEST_KEYRING_FILE": str(keyring_file), "PYTHONPATH": str(ROOT)}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    log = tmp_path / "stdout.txt"
    with log.open("w") as out:
        args = ["-p", "no:cacheprovider", "-p", "no:xdist", "-v", str(flows), "--m365-account", "alice@contoso.com",
                "--m365-simulator-accounts", str(sim), "--m365-retries", "2"]
        proc = subprocess.Popen([sys.executable, "-m", "pytest", *args],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and "try 1 of 3 ended unreachable" not in log.read_text():
                time.sleep(0.2)
            proc.send_signal(signal.SIGINT)  # within the 5 s the retry waits
            code = proc.wait(timeout=240)  # a hang guard: a stopped session's exit took over 60 s on a busy machine
        finally:
            if proc.poll() is None:
                proc.kill()
    text = log.read_text()
    assert "m365-replay: alice@contoso.com: try 1 of 3 ended unreachable" in text, text
    assert code == 2 and "KeyboardInterrupt" in text, text
    assert "try 2 of 3" not in text, "the next try never started"
