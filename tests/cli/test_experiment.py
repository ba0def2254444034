"""`m365-replay experiment`, end to end in real Chromium against the simulator: each verdict on six
accounts with seconds-long delays (the simulator's own worlds: SharePoint follows a visit, follows on
its own, or neither), `start`, `observe` and `report` in separate processes on one served
simulator with `observe` killed halfway and carried on with nothing lost, and bad input refused
before anything starts. What is checked is what happened, from the simulator's own log: who visited
SharePoint, when each photo was uploaded and when SharePoint's copy changed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import psutil
import pytest

from runner.checks.experiment import split
from runner.cli import main
from runner.core.experiment import CONTROL, FIX, parse_time
from runner.simulator import SimAccount, Simulator
from tests.conftest import ROOT, cli
from tests.secrets.test_secrets import encodings, search

pytestmark = pytest.mark.browser

OBSERVER = "observer@contoso.com"
SEED = 11
ACCOUNTS = [f"qa{i}@contoso.com" for i in range(1, 7)]
ARMS, _ = split(ACCOUNTS, 0.5, SEED)
FIXED = [a for a in ACCOUNTS if ARMS[a] == FIX]
CONTROLS = [a for a in ACCOUNTS if ARMS[a] == CONTROL]
# what a visit to SharePoint (or a sign-in there) leaves in the simulator's log for the account
VISITS = ("onedrive_loaded", "sharepoint_loaded")


def simulator(options: dict[str, dict[str, Any]], wrong_password: str | None = None) -> Simulator:
    """The observer and the six accounts, each with its photo options; quick pages, the classic
    home with the tiles on it (fewer steps: the verdicts are the point here, not the home pages)."""
    known = passwords()
    accounts = [SimAccount(OBSERVER, known[OBSERVER], home_layout="tiles")]
    accounts += [SimAccount(a, known[a] + ("-changed" if a == wrong_password else ""), home_layout="tiles",
                            **options.get(a, {})) for a in ACCOUNTS]
    return Simulator(accounts, render_delay_ms=100, office_redirect=False).start()


def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.yaml"
    path.write_text("users:\n" + "".join(f"  - account: {a}\n" for a in ACCOUNTS))
    return path


def passwords() -> dict[str, str]:
    """Distinctive, so that tests/test_secrets.py's search finds any trace of them."""
    return {OBSERVER: "Zq8#observer&Canary", **{a: f"Zq8#{a.split('@')[0]}&Canary" for a in ACCOUNTS}}


def run_in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def experiment_run(tmp_path: Path, capsys: pytest.CaptureFixture[str], memory_keyring: Any,
                   options: dict[str, dict[str, Any]], deadline: str) -> tuple[int, str, dict[str, Any], Simulator]:
    """`experiment run --require-effect` in this process, on a simulator whose accounts have `options`."""
    for account, password in passwords().items():
        memory_keyring.set_password("m365-replay", account, password)
    out = tmp_path / "experiment"
    sim = simulator(options)
    try:
        code, stdout, stderr = run_in_process(
            capsys, "experiment", "run", "--users", str(users_file(tmp_path)), "--observer", OBSERVER, "--seed",
            str(SEED), "--deadline", deadline, "--every", "1s", "--workers", "3", "--allow-changes", "--out", str(out),
            "--simulator-proxy", sim.proxy_server, "--trace", "off", "--require-effect")
    finally:
        sim.stop()
    assert "Traceback" not in stderr, stderr
    return code, stdout, json.loads((out / "experiment.json").read_text()), sim


def assert_times_bracket_the_sync(sim: Simulator, record: dict[str, Any]) -> None:
    """Each account's times against the simulator's own record: the upload was before `uploaded_at`,
    and SharePoint's copy changed after the last observation that still showed another picture and
    by the first that showed the new one."""
    for entry in record["accounts"]:
        if entry["failure"] is not None:
            continue
        upload = sim.events_for(entry["account"], "photo_uploaded")
        uploaded_at = parse_time(entry["uploaded_at"])
        assert upload and upload[-1]["time"] <= uploaded_at + 0.002, entry
        changed = [e["time"] for e in sim.events_for(entry["account"], "sharepoint_photo_changed")]
        if entry["synced_after_upload_s"] is None:
            assert not changed or changed[-1] > uploaded_at + (entry["last_not_yet_after_upload_s"] or 0) - 0.002
            continue
        assert len(changed) == 1, (entry["account"], changed)
        assert changed[0] <= uploaded_at + entry["synced_after_upload_s"] + 0.002, entry
        if entry["last_not_yet_after_upload_s"] is not None:
            assert changed[0] >= uploaded_at + entry["last_not_yet_after_upload_s"] - 0.002, entry


def assert_control_never_visited(sim: Simulator) -> None:
    """The control arm never opened OneDrive or SharePoint, nor signed in there; the fix arm did."""
    for account in CONTROLS:
        events = sim.events_for(account)
        assert not [e for e in events if e["event"] in VISITS or e["event"] == "photo_viewed"], account
        assert not [e for e in events if e["event"] in ("signed_in", "sso") and e.get("client") == "sharepoint"]
        assert [e for e in events if e["event"] == "photo_uploaded"], account
    for account in FIXED:
        assert any(e["event"] in VISITS for e in sim.events_for(account)), account
    read = {e["accountname"] for e in sim.events_for(OBSERVER, "photo_viewed") if not e["own"]}
    assert read >= {a for a in ACCOUNTS}, "the observer read every account's photo, as itself"


def test_a_fix_that_works_is_found_and_the_control_arm_never_visits(tmp_path: Path, capsys, memory_keyring) -> None:
    visit_only = {a: {"photo_sync": "1s"} for a in ACCOUNTS}  # SharePoint follows a visit, and only a visit
    # the window counts from the last upload: long enough for the last fix account's fix on a loaded machine
    code, stdout, record, sim = experiment_run(tmp_path, capsys, memory_keyring, visit_only, "45s")
    assert record["verdict"]["verdict"] == "fix_makes_a_difference", stdout
    assert code == 0, "--require-effect passes"
    assert record["arms"]["fix"]["synced"] == 3 and record["arms"]["control"]["synced"] == 0
    assert record["test"]["p_value"] < 0.05 and record["test"]["statistic"] > 0
    assert record["verdict"]["final"] and record["start_finished_at"]
    assert {e["account"]: e["arm"] for e in record["accounts"]} == ARMS
    assert_control_never_visited(sim)
    assert_times_bracket_the_sync(sim, record)
    for entry in record["accounts"]:  # every account was seen without its new photo after its upload
        assert entry["observations"][0]["status"] == "not_yet", entry
    # the terminal: per arm how many synced and the median, then the verdict in one sentence
    assert "fix arm (replayed the documented fix): 3 of 3 synced, median " in stdout
    assert "control arm (new photo only): 0 of 3 synced, median not reached" in stdout
    assert "verdict: fix_makes_a_difference: The documented fix makes a difference:" in stdout
    html = (tmp_path / "experiment" / "report.html").read_text()
    assert html.count('<path d="M ') == 2 and "fix_makes_a_difference" in html
    suite = ET.parse(tmp_path / "experiment" / "junit.xml").getroot()
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["verdict"] == "fix_makes_a_difference" and float(props["p_value"]) < 0.05
    assert not list(suite.iter("failure"))


def test_a_sharepoint_that_follows_on_its_own_shows_no_difference(tmp_path: Path, capsys, memory_keyring) -> None:
    # no visit makes a difference; each account has its own delay, the two arms' delays interleaved
    delays = {**dict(zip(FIXED, (3, 9, 15), strict=True)), **dict(zip(CONTROLS, (6, 12, 18), strict=True))}
    on_its_own = {a: {"photo_sync": "never", "photo_sync_unprompted": f"{d}s"} for a, d in delays.items()}
    code, stdout, record, sim = experiment_run(tmp_path, capsys, memory_keyring, on_its_own, "30s")
    assert record["verdict"]["verdict"] == "no_difference", stdout
    assert code == 1, "--require-effect: no effect, exit 1"
    assert record["arms"]["fix"]["synced"] == 3 and record["arms"]["control"]["synced"] == 3
    assert record["test"]["p_value"] >= 0.05 and record["verdict"]["final"], "every account synced: final"
    assert_times_bracket_the_sync(sim, record)
    assert not [e for a in ACCOUNTS for e in sim.events_for(a) if e["event"] in VISITS and ARMS[a] == CONTROL]
    suite = ET.parse(tmp_path / "experiment" / "junit.xml").getroot()
    assert [f.get("type") for f in suite.iter("failure")] == ["no_difference"]


def test_a_control_arm_that_syncs_first_is_said_so(tmp_path: Path, capsys, memory_keyring) -> None:
    options = {a: {"photo_sync": "never"} for a in FIXED}  # the fix arm's SharePoint never follows
    options.update({a: {"photo_sync": "never", "photo_sync_unprompted": f"{d}s"}
                    for a, d in zip(CONTROLS, (2, 3, 4), strict=True)})
    code, stdout, record, sim = experiment_run(tmp_path, capsys, memory_keyring, options, "12s")
    assert record["verdict"]["verdict"] == "control_sooner", stdout
    assert code == 1 and record["test"]["statistic"] < 0 and record["test"]["p_value"] < 0.05
    assert "did not replay the documented fix synced sooner" in stdout
    assert_times_bracket_the_sync(sim, record)


def observations(record: dict[str, Any]) -> dict[str, list[tuple[str, str, int]]]:
    return {e["account"]: [(o["status"], o["first_at"], o["count"]) for o in e["observations"]]
            for e in record["accounts"]}


def test_start_observe_report_in_separate_processes_with_observe_killed_and_carried_on(tmp_path: Path) -> None:
    """One simulated tenant for three processes: `m365-replay simulator` would serve it; here the test
    serves it, to read its log. One fix account's password has changed: it is left out, listed, and
    the fix arm has too few accounts left: inconclusive, said why."""
    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
           "M365_TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}
    (tmp_path / "keyring.json").write_text(json.dumps({f"m365-replay\n{a}": p for a, p in passwords().items()}))
    broken = FIXED[0]
    sim = simulator({a: {"photo_sync": "2s"} for a in ACCOUNTS}, wrong_password=broken)
    out = tmp_path / "experiment"
    common = ("--simulator-proxy", sim.proxy_server)
    try:
        started = cli("experiment", "start", "--users", str(users_file(tmp_path)), "--observer", OBSERVER, "--seed",
                      str(SEED), "--every", "1s", "--workers", "3", "--allow-changes", "--out", str(out), *common,
                      env=env)  # traces kept for the account that fails: searched for secrets below
        assert started.returncode == 0, started.stdout + started.stderr  # one account failed: listed, left out
        assert f"left out: {broken} (fix): bad_credentials" in started.stdout
        record = json.loads((out / "experiment.json").read_text())
        assert record["start_finished_at"] and record["deadline_s"] is None
        uploads = [e for a in ACCOUNTS for e in sim.events_for(a, "photo_uploaded")]
        resumed = cli("experiment", "start", "--users", str(users_file(tmp_path)), "--observer", OBSERVER, "--seed",
                      str(SEED), "--every", "1s", "--allow-changes", "--out", str(out), *common, env=env)
        assert resumed.returncode == 0 and "Every account was replayed already" in resumed.stdout, resumed.stderr
        assert [e for a in ACCOUNTS for e in sim.events_for(a, "photo_uploaded")] == uploads, "the same command resumes"
        rounds_after_start = len(record["rounds"])

        observe = subprocess.Popen(
            [sys.executable, "-m", "runner", "experiment", "observe", str(out), "--until", "600s", "--every", "1s",
             *common], env={**os.environ, "PYTHONPATH": str(ROOT), **env}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while len(json.loads((out / "experiment.json").read_text())["rounds"]) < rounds_after_start + 3:
            assert observe.poll() is None and time.monotonic() < deadline, "observe went on observing"
            time.sleep(0.05)
        # a second observer of the same folder (cron while the first still runs) is refused at once
        second = cli("experiment", "observe", str(out), "--every", "1s", *common, env=env)
        assert second.returncode == 2, second.stdout + second.stderr
        assert f"{out} is in use by another m365-replay process (pid {observe.pid})" in second.stderr, second.stderr
        children = psutil.Process(observe.pid).children(recursive=True)
        observe.send_signal(signal.SIGKILL)  # no clean-up at all: what is on disk is all there is
        observe.wait(30)
        _, alive = psutil.wait_procs(children, timeout=20)
        for proc in alive:
            proc.kill()
        assert not alive, "the killed process's browser went with it"
        before = json.loads((out / "experiment.json").read_text())  # whole: written atomically
        assert before["deadline_s"] == 600

        # one round, from the file alone: the killed observer's hold on the folder went with it
        again = cli("experiment", "observe", str(out), *common, env=env)
        assert again.returncode == 0, again.stdout + again.stderr
        report = cli("experiment", "report", str(out), "--require-effect", env=env)
    finally:
        sim.stop()
    after = json.loads((out / "experiment.json").read_text())
    assert len(after["rounds"]) == len(before["rounds"]) + 1 and after["rounds"][:-1] == before["rounds"]
    for account, seen in observations(before).items():
        now = observations(after)[account]
        if not seen:
            continue
        assert now[:len(seen) - 1] == seen[:-1] and now[len(seen) - 1][:2] == seen[-1][:2], account
        assert sum(c for *_, c in now) >= sum(c for *_, c in seen), "nothing observed before the kill was lost"
    assert sum(c for seen in observations(after).values() for *_, c in seen) > sum(
        c for seen in observations(before).values() for *_, c in seen), "the next observe carried on"

    assert report.returncode == 1, report.stdout + report.stderr  # --require-effect: inconclusive is not an effect
    assert after["verdict"]["verdict"] == "inconclusive"
    assert after["verdict"]["reason"].startswith("too few accounts to tell: 2 in the fix arm and 3 in the control")
    left = next(e for e in after["accounts"] if e["account"] == broken)
    assert left["failure"]["category"] == "bad_credentials" and left["uploaded_at"] is None
    assert f"left out: {broken} (fix): bad_credentials" in report.stdout
    assert "verdict: inconclusive: Inconclusive: too few accounts to tell" in report.stdout
    assert after["arms"]["fix"] == {**after["arms"]["fix"], "accounts": 3, "in_test": 2, "left_out": 1}
    assert_control_never_visited_but(sim, broken)
    assert_times_bracket_the_sync(sim, after)

    # the experiment's artifacts (record, reports, the observer's folder, the replays' with the failed
    # account's trace) and every process's output hold no password, in any form
    needles = {form: f"the password of {a}" for a, pw in passwords().items() for form in encodings(pw)}
    searched, leaks = search(out, needles, {"start": started.stdout + started.stderr,
                                            "observe": again.stdout + again.stderr,
                                            "report": report.stdout + report.stderr})
    assert leaks == [] and searched > 20, leaks
    assert any(out.glob("start/*/trace.zip")), "the failed account's trace was searched too"


def assert_control_never_visited_but(sim: Simulator, broken: str) -> None:
    for account in CONTROLS:
        assert not [e for e in sim.events_for(account) if e["event"] in VISITS or e["event"] == "photo_viewed"]
    assert not sim.events_for(broken, "photo_uploaded"), "its sign-in failed before any change"


def test_an_observer_that_cannot_sign_in_stops_the_experiment_before_any_change(tmp_path: Path, capsys,
                                                                                 memory_keyring) -> None:
    for account, password in passwords().items():
        memory_keyring.set_password("m365-replay", account, password)
    memory_keyring.set_password("m365-replay", OBSERVER, "Zq8#not-the-observer's&Canary")
    out = tmp_path / "experiment"
    sim = simulator({})
    try:
        code, stdout, stderr = run_in_process(
            capsys, "experiment", "start", "--users", str(users_file(tmp_path)), "--observer", OBSERVER,
            "--allow-changes", "--out", str(out), "--simulator-proxy", sim.proxy_server, "--trace", "off")
    finally:
        sim.stop()
    assert code == 1, stdout + stderr
    assert f"error: The observer {OBSERVER} could not sign in: bad_credentials" in stderr
    assert not [e for a in ACCOUNTS for e in sim.events_for(a) if e["event"] in ("photo_uploaded", "signed_in")]
    record = json.loads((out / "experiment.json").read_text())
    assert record["observer_failure"].startswith(f"The observer {OBSERVER} could not sign in")
    assert all(e["uploaded_at"] is None and e["failure"] is None for e in record["accounts"]), "nothing changed"
    assert "verdict: inconclusive" in stdout and (out / "report.html").is_file()



def test_a_second_writer_of_an_experiment_folder_is_refused_at_once_and_writes_nothing(tmp_path: Path) -> None:
    """Two observers of one folder would save over each other's rounds: while a process holds the
    folder (here this test, as `observe` holds it), `observe` exits 2 at once naming the folder and
    the holder, and leaves the folder as it was; once the holder is done, the folder is free."""
    from runner.core.experiment import writing

    out = tmp_path / "experiment"
    out.mkdir()
    (out / "experiment.json").write_text('{"kind": "m365-replay profile photo experiment"}\n')
    with writing(out):
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        refused = cli("experiment", "observe", str(out), timeout=60)
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "nothing written"
    assert refused.returncode == 2, refused.stdout + refused.stderr
    said = refused.stderr.strip().splitlines()
    assert said == [f"error: {out} is in use by another m365-replay process (pid {os.getpid()}) "
                    "running this experiment: wait for it to end, or stop it, then run this again."], said
    assert "Traceback" not in refused.stderr
    with writing(out):  # released: the next one takes it
        pass
