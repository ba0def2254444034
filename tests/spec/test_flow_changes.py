"""Flows that change an account (`changes:`, the `upload` step): said at the top, listed by `flows`,
refused by `run` without --allow-changes (before any browser or simulator starts) and by the pytest
plugin without --m365-allow-changes; `photo: generate` pictures distinct from every earlier one; the
re-check schedule that times the sync; the sync's time against earlier runs; the simulator's upload.
No browser here (the loop itself is tests/test_photo_change.py)."""

from __future__ import annotations

import itertools
import json
import textwrap
from dataclasses import asdict
from pathlib import Path

import jsonschema
import pytest
import yaml

from runner.checks import pictures
from runner.checks.outcome import Rechecks
from runner.checks.photos import THRESHOLD, backoff
from runner.core.errors import FlowError, UsageError
from runner.core.results import Outcome, Report, RunResult, Side, write_json_atomic
from runner.reporters.history import sync_times
from runner.simulator.photos import PhotoSetup, PhotoSync, encode, face
from runner.spec.catalog import describe_shipped
from runner.spec.flow import load_flow
from runner.spec.schema import flow_schema
from runner.spec.users import build_specs
from tests.conftest import FLOWS
from tests.pytest.test_plugin import pytest_run, users_file

ADD = FLOWS / "add-profile-photo.yaml"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(FlowError) as info:
        load_flow(path)
    return [str(p) for p in info.value.problems]


def test_a_flow_that_changes_an_account_says_so_at_its_top(tmp_path: Path) -> None:
    upload = write(tmp_path, "up.yaml", """
        name: up
        steps:
          - goto: https://www.office.com/
          - upload: {css: "input[type=file]", file: "${photo}"}
    """)
    assert problems(upload) == [f"{upload}:4:5: an upload changes the account: say what this flow changes at its "
                                "top, e.g. `changes: [profile photo]` (`run` then asks for --allow-changes)"]
    write(tmp_path, "lib.yaml", """
        name: lib
        changes: [profile photo]
        steps:
          - upload: {css: "input[type=file]", file: "${photo}"}
    """)
    user = write(tmp_path, "user.yaml", """
        name: user
        steps:
          - use: lib.yaml
    """)
    assert problems(user) == [f"{user}:3:5: sub-flow lib.yaml changes profile photo: declare it at this flow's top "
                              "too (`changes: [profile photo]`)"]
    empty = write(tmp_path, "empty.yaml", "name: e\nchanges: []\nsteps:\n  - goto: https://www.office.com/\n")
    assert "`changes` must be a non-empty list" in problems(empty)[0]
    refused = write(tmp_path, "refused.yaml", """
        name: r
        changes: [profile photo]
        steps:
          - upload: {css: "input[type=file]", file: x.png, refused: {text: No}}
    """)
    [missing] = problems(refused)
    assert missing.startswith(f"{refused}:4:") and missing.endswith(": missing `message`: why, in the report: what "
                                                                   "the organization turned off")
    neither = write(tmp_path, "neither.yaml", """
        name: r
        changes: [profile photo]
        steps:
          - upload: {css: "input[type=file]", file: x.png, refused: {message: Turned off}}
    """)
    assert problems(neither) == [f"{neither}:4:61: say how a refusal shows: the window that should offer the upload "
                                 "(`window:`), a text the page shows instead (a locator), or both"]
    step = write(tmp_path, "step.yaml", """
        name: s
        changes: [profile photo]
        steps:
          - click: {role: button, name: Apply}
            changes: [profile photo, display name]
    """)
    assert problems(step) == [f"{step}:4:5: the step changes display name: declare it at the flow's top too "
                              "(`changes: [profile photo, display name]`)"]
    assert [s.changes for s in load_flow(ADD).steps if s.changes] == [["profile photo"]]  # its Apply
    window = write(tmp_path, "window.yaml", """
        name: r
        changes: [profile photo]
        steps:
          - upload: {css: "input[type=file]", file: x.png, refused: {window: {role: dialog}, message: Off, settle: 2}}
    """)
    assert load_flow(window).steps[0].arg["refused"] == {"window": {"role": "dialog"}, "message": "Off", "settle": 2}
    assert load_flow(FLOWS / "qa-profile-photo.yaml").changes == ["profile photo"]
    assert load_flow(FLOWS / "sync-profile-photo.yaml").changes == []
    # `photo` may be declared (a default, allowed values); `account` stays built in
    declared = write(tmp_path, "declared.yaml", "name: d\ninputs:\n  photo: {default: generate}\n"
                     "steps:\n  - goto: https://www.office.com/\n")
    assert load_flow(declared).inputs["photo"].default == "generate"
    account = write(tmp_path, "account.yaml", "name: a\ninputs:\n  account: {}\nsteps:\n  - goto: x\n")
    assert problems(account) == [f"{account}:3:3: 'account' is built in; choose another input name"]


def test_the_new_flows_validate_against_the_json_schema_and_flows_lists_what_they_change() -> None:
    validator = jsonschema.Draft202012Validator(flow_schema())
    for name in ("add-profile-photo", "qa-profile-photo"):
        validator.validate(yaml.safe_load((FLOWS / f"{name}.yaml").read_text(encoding="utf-8")))
    lines = list(describe_shipped())
    add = lines.index("add-profile-photo  Add a user's profile photo")
    assert lines[add + 2] == "    changes: profile photo (run it with --allow-changes)"
    assert lines[add + 3].startswith("    input photo (string, required): The picture to upload")
    sync = lines.index("sync-profile-photo  Sync a user's profile picture")
    assert not any("changes:" in line for line in lines[sync:sync + 4])


def test_run_refuses_a_changing_flow_without_allow_changes_before_anything_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from runner.cli import commands
    from runner.simulator import SimAccount, Simulator

    sim = Simulator([SimAccount("alice@contoso.com", "Pw-alice-1")])
    monkeypatch.setattr(commands, "simulator_from", lambda *_: sim)

    def no_browser(*args: object, **kwargs: object) -> None:
        raise AssertionError("a browser was started")

    monkeypatch.setattr("runner.run.engine.launch", no_browser)
    report = tmp_path / "report"
    for flow in ("add-profile-photo", "qa-profile-photo"):
        with pytest.raises(SystemExit) as stop:
            commands.main(["run", flow, "--account", "alice@contoso.com", "--var", "photo=generate", "--simulator",
                           "--report-dir", str(report)])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert "changes profile photo in every account it runs for; nothing was run. Add --allow-changes" in err
    assert not report.exists() and sim.app.events == [] and sim._server is None  # no upload: nothing ran at all


def test_a_declared_photo_is_a_file_or_generate_known_before_any_browser(tmp_path: Path) -> None:
    add, qa = load_flow(FLOWS / "add-profile-photo.yaml"), load_flow(FLOWS / "qa-profile-photo.yaml")
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "bob.jpg").write_bytes(encode(face(1), 96))
    users = users_file(tmp_path, "{account: bob@contoso.com, photo: photos/bob.jpg}", "{account: qa@contoso.com}")
    specs = build_specs(add, (), users, ("photo=generate",))
    assert [(s.account, s.photo, s.inputs["photo"]) for s in specs] == [
        ("bob@contoso.com", str(tmp_path / "photos" / "bob.jpg"), str(tmp_path / "photos" / "bob.jpg")),
        ("qa@contoso.com", "generate", "generate")]  # the users file's wins over --var
    with pytest.raises(UsageError, match="input 'photo' has no default; set it with --var photo=VALUE"):
        build_specs(add, ("qa@contoso.com",), None, ())
    with pytest.raises(UsageError, match=r"photo 'nothere.jpg' is not a file; give a picture file"):
        build_specs(add, ("qa@contoso.com",), None, ("photo=nothere.jpg",))
    assert build_specs(qa, ("qa@contoso.com",), None, ())[0].photo == "generate"
    with pytest.raises(UsageError, match=r"input 'photo' is 'photos/bob\.jpg'; allowed: generate"):
        build_specs(qa, ("qa@contoso.com",), None, ("photo=photos/bob.jpg",))


def test_the_pytest_plugin_leaves_changing_flows_out_unless_allowed(tmp_path: Path) -> None:
    users = users_file(tmp_path, "{account: alice@contoso.com}")
    refused = pytest_run(tmp_path, str(FLOWS), "--m365-users", str(users), "--collect-only", "-q")
    assert refused.returncode == 0, refused.stdout + refused.stderr
    collected = [line for line in refused.stdout.splitlines() if "::" in line]
    assert [line.split("::")[0] for line in collected] == ["flows/check-profile-photo.yaml",
                                                          "flows/sync-profile-photo.yaml"]
    for flow in ("add-profile-photo", "qa-profile-photo"):
        assert (f"m365-replay: {flow}.yaml: not run, it changes profile photo in the accounts; add "
                "--m365-allow-changes to run it") in refused.stdout
    users = users_file(tmp_path, "{account: alice@contoso.com, photo: generate}")
    allowed = pytest_run(tmp_path, str(FLOWS), "--m365-users", str(users), "--m365-allow-changes", "--collect-only",
                         "-q")
    assert "flows/qa-profile-photo.yaml::qa-profile-photo[alice@contoso.com]" in allowed.stdout
    assert "flows/add-profile-photo.yaml::add-profile-photo[alice@contoso.com]" in allowed.stdout


def test_generated_pictures_are_distinct_from_every_earlier_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    earlier_run, this_run = tmp_path / "results" / "1", tmp_path / "results" / "2"
    (earlier_run / "a").mkdir(parents=True)
    old = pictures.PictureMaker(earlier_run).make(earlier_run / "a")
    write_json_atomic(earlier_run / "report.json", {"flow": "f", "started_at": "2026-01-01T00:00:00Z", "runs": [
        {"account": "a@contoso.com", "status": "passed", "generated_photo": asdict(old)}]})
    # the generator draws the earlier run's seed first, then this run's first seed again: both refused
    seeds = iter([old.seed, 11, 11, 12])
    monkeypatch.setattr(pictures.secrets, "randbits", lambda _bits: next(seeds))
    maker = pictures.PictureMaker(this_run)
    for account in ("a", "b"):
        (this_run / account).mkdir(parents=True)
    first, second = maker.make(this_run / "a"), maker.make(this_run / "b")
    assert (first.seed, second.seed) == (11, 12)
    assert first.compared_with == 1 and second.compared_with == 2
    assert first.nearest_distance > THRESHOLD and second.nearest_distance > THRESHOLD  # type: ignore[operator]
    assert first.file == "a/photo-generated.png" and (this_run / first.file).is_file()
    with pytest.raises(RuntimeError, match="no generated picture was more than 64 bits"):
        monkeypatch.setattr(pictures.secrets, "randbits", lambda _bits: 12)
        maker.make(this_run / "b")


def test_rechecks_come_finer_when_there_is_a_visit_to_time_from(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("runner.checks.outcome.time.time", lambda: now[0])
    monkeypatch.setattr("runner.checks.outcome.time.monotonic", lambda: now[0])

    def plan(total: float, visit: float | None) -> list[float]:
        rechecks, waits = Rechecks(total, visit), []
        while (wait := rechecks.next_wait()) is not None:
            waits.append(wait)
            now[0] += wait + 0.5  # the check itself takes a moment
        return waits

    # no visit (the check-only flow): the backoff, its last wait cut so that the checks' own time counts
    assert plan(30, None) == [*backoff(30)[:3], 14.5]
    assert plan(5, now[0] - 2) == [2, 2.5]  # the end is never a shorter wait than the first
    now[0] = 1000.0
    waits = plan(600, now[0] - 1.5)
    assert waits[:3] == [2, 2, 2] and max(waits) <= 60
    assert sum(waits) + 0.5 * (len(waits) - 1) == pytest.approx(600), "the last check is at the end, not after it"
    assert all(b >= a for a, b in itertools.pairwise(waits[:-1]))  # growing with the time since the visit
    assert 15 < len(waits) < 60  # a tenth of the time since the visit: finer than the backoff, far fewer than 2 s each
    now[0] = 1000.0
    assert max(plan(3600, now[0] - 1.5)) == 60
    assert plan(0, now[0]) == [] and Rechecks(None, None).next_wait() is None


def report_with(folder: Path, started: str, seconds: float | None, flow: str = "QA") -> Report:
    outcome = Outcome("synced", Side("e"), Side("s"), synced_after_s=seconds) if seconds is not None else None
    report = Report(flow=flow, source=None, flow_file="qa.yaml", started_at=started,
                    runs=[RunResult("qa@contoso.com", "passed", 1000, None, None, outcome=outcome)])
    write_json_atomic(folder / "report.json", report.to_dict())
    return report


def test_the_sync_time_against_earlier_runs_says_when_it_gets_slower(tmp_path: Path) -> None:
    base = tmp_path / "results"
    for n, seconds in enumerate((300.0, 310.0, 290.0, None), 1):
        report_with(base / f"{n}", f"2026-11-0{n}T02:00:00Z", seconds)
    report_with(base / "other", "2026-11-05T02:00:00Z", 5.0, flow="another flow")  # not the same flow
    slower = report_with(base / "6", "2026-11-06T02:00:00Z", 420.0)
    assert sync_times(base / "6", slower) == ["qa@contoso.com: synced after 420.0 s, slower (earlier runs, newest "
                                              "first: 290.0, 310.0, 300.0 s; median 300.0 s)"]
    same = report_with(base / "7", "2026-11-07T02:00:00Z", 330.0)
    assert ", about the same (" in sync_times(base / "7", same)[0]
    assert sync_times(base / "8", report_with(base / "8", "2026-11-08T02:00:00Z", None)) == []
    first = report_with(tmp_path / "alone" / "1", "2026-11-01T02:00:00Z", 12.5)
    assert sync_times(tmp_path / "alone" / "1", first) == [
        "qa@contoso.com: synced after 12.5 s; no earlier timed run to compare with"]
    assert json.loads((base / "6" / "report.json").read_text())["runs"][0]["outcome"]["synced_after_s"] == 420.0


def test_the_simulated_upload_waits_for_the_next_visit() -> None:
    now = [0.0]
    sync = PhotoSync({"a@contoso.com": PhotoSetup(exchange_seed=7, delay=10)}, clock=lambda: now[0])
    sync.visited("a@contoso.com")  # a visit before the change: it syncs the old picture only
    now[0] += 10
    assert sync.synced("a@contoso.com") and [c.picture for c in sync.changes()] == [7]
    new = encode(face(99), 400)
    key = sync.upload("a@contoso.com", new)
    exchange = sync.exchange_photo("a@contoso.com", "HR240x240")
    assert exchange is not None and same(new, exchange)  # Exchange at once
    now[0] += 100
    assert not sync.synced("a@contoso.com") and not same(new, sync.sharepoint_photo("a@contoso.com", "L"))
    sync.visited("a@contoso.com")
    now[0] += 9.9
    assert not sync.synced("a@contoso.com")
    now[0] += 0.1
    assert sync.synced("a@contoso.com") and same(new, sync.sharepoint_photo("a@contoso.com", "L"))
    assert [c.picture for c in sync.changes()] == [key]
    with pytest.raises(ValueError, match="not a picture"):
        sync.upload("a@contoso.com", b"GIF89a but not really")
    with pytest.raises(ValueError, match="under 4 MB"):
        sync.upload("a@contoso.com", b"\0" * (4 * 1024 * 1024 + 1))


def same(a: bytes, b: bytes) -> bool:
    from runner.checks.photos import same_picture

    return same_picture(a, b)[0]
