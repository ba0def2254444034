"""Did the fix work? The photo check at the end of the shipped flows, in real Chromium against the
simulator: SharePoint's copy of the photo against Exchange's (Outlook on the web's photo service,
in the same session) or against the users file's `photo:`, per account, in the report, the
terminal, report.html and junit.xml.

Three replays of several accounts each (workers=2) keep this file short: the outcomes of one run;
--until-synced and --require-synced on a later run (with the change since the first); the
check-only flow with Outlook on the web unreachable and a reference from a file.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from runner.core.model import AccountSpec
from runner.reporters.console import LinePrinter
from runner.simulator import SimAccount
from runner.simulator.photos import encode, face, seed_of, shifted
from tests.conftest import FLOWS, cli

pytestmark = pytest.mark.browser

CHECK_STEP = "Check that SharePoint shows the Exchange photo"


def test_each_account_gets_its_outcome_and_a_pending_sync_is_not_a_failed_replay(replay, tmp_path: Path) -> None:
    now = SimAccount("sync.now@contoso.com", "Pw-now-123")  # the sync comes at once (the default)
    later = SimAccount("sync.later@contoso.com", "Pw-later-123", photo_sync="never", photo_before_sync="old_photo")
    none = SimAccount("no.photo@contoso.com", "Pw-none-123", exchange_photo=False, home_layout="tiles")
    out = replay([now, later, none], workers=2, report_dir=tmp_path / "results" / "1")

    runs = {r.account: r for r in out.report.runs}
    assert {a: r.status for a, r in runs.items()} == dict.fromkeys(runs, "passed")  # the replay ran for all three
    assert {a: r.outcome.status for a, r in runs.items()} == {
        now.upn: "synced", later.upn: "not_yet", none.upn: "no_photo"}
    synced = runs[now.upn].outcome
    assert synced.distance <= synced.threshold == 64 and synced.checks == 1
    assert synced.reference.source == (
        f"https://outlook.office.com/owa/service.svc/s/GetPersonaPhoto?email={now.upn}&UA=0&size=HR240x240")
    # SharePoint's copy on the host the visit landed on (the Copilot app's OneDrive tile: OneDrive)
    assert synced.candidate.source == (
        f"https://contoso-my.sharepoint.com/_layouts/15/userphoto.aspx?size=L&accountname={now.upn}")
    assert len(synced.reference.hash) == len(synced.candidate.hash) == 64
    assert synced.checked_at.endswith("Z")
    # both pictures saved beside the screenshots: the same picture, never the same bytes
    reference, candidate = (out.report_dir / getattr(synced, side).image for side in ("reference", "candidate"))
    assert reference.parent == candidate.parent == out.report_dir / "sync.now_contoso.com"
    assert reference.read_bytes() != candidate.read_bytes()
    assert runs[later.upn].outcome.distance > 64
    assert "Exchange's copy has no image (HTTP 404" in runs[none.upn].outcome.message
    # the simulator saw the visit, then each copy fetched in the account's own session
    assert out.sim.events_for(now.upn, "exchange_photo_viewed")[0]["size"] == "HR240x240"
    assert any(e["size"] == "L" for e in out.sim.events_for(now.upn, "photo_viewed"))

    data = json.loads((out.report_dir / "report.json").read_text())
    assert data["summary"] == {"total": 3, "passed": 3, "failed": 0, "skipped": 0,
                               "outcomes": {"synced": 1, "not_yet": 1, "no_photo": 1}}
    assert set(data["runs"][0]["outcome"]) >= {"status", "reference", "candidate", "distance", "threshold",
                                               "checked_at", "checks", "attempts"}
    assert "3 passed, 0 failed; outcome: 1 synced, 1 not_yet, 1 no_photo" in out.stdout
    assert (f"outcome: not_yet: SharePoint's copy still differs from Exchange's copy (distance "
            f"{runs[later.upn].outcome.distance}, threshold 64)") in out.stdout

    html = (out.report_dir / "report.html").read_text()
    assert 'id="outcome-not_yet-count">1 not_yet</span>' in html
    section = html.split('data-outcome="synced"')[1].split("</section>")[0]
    exchange, sharepoint = section.split('<figure class="reference">')[1].split('<figure class="candidate">')
    assert f'<img src="{synced.reference.image}"' in exchange and "<b>Exchange&#x27;s copy</b>" in exchange
    assert f'<img src="{synced.candidate.image}"' in sharepoint and "<b>SharePoint&#x27;s copy</b>" in sharepoint

    suite = ET.parse(out.report_dir / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props[f"outcome:{later.upn}"] == "not_yet" and props[f"outcome:{none.upn}"] == "no_photo"
    assert suite.get("failures") == "0"


def test_until_synced_waits_for_the_sync_and_require_synced_fails_one_that_never_comes(replay,
                                                                                      tmp_path: Path) -> None:
    first = replay([SimAccount("sync.later@contoso.com", "Pw-later-123", photo_sync="never")],
                   report_dir=tmp_path / "results" / "1")
    assert first.report.runs[0].outcome.status == "not_yet"

    # the sync is due 30 minutes after the visit, and SharePoint's clock jumps an hour once the first
    # check has found not_yet: the sync comes between two checks however busy the machine is
    later = SimAccount("sync.later@contoso.com", "Pw-later-123", photo_sync="30m", photo_before_sync="old_photo")
    never = SimAccount("sync.never@contoso.com", "Pw-never-123", photo_sync="never", home_layout="launcher")
    sims: list = []
    rechecks: dict[str, list[tuple[int, int]]] = {later.upn: [], never.upn: []}  # (wait, left) as the run says

    class Terminal(LinePrinter):
        def step_started(self, account: str, step: str) -> None:
            super().step_started(account, step)
            said = re.search(r"checking again in (\d+) s \((\d+) s left of --until-synced\)", step)
            if said:
                rechecks[account].append((int(said[1]), int(said[2])))
                if account == later.upn:
                    sims[0].app.photos.clock = lambda: time.monotonic() + 3600

    out = replay([later, never], workers=2, until_synced=9.0, require_synced=True, setup=sims.append,
                 listener=Terminal(sys.stdout), report_dir=tmp_path / "results" / "2")

    runs = {r.account: r for r in out.report.runs}
    assert runs[later.upn].status == "passed"
    assert runs[later.upn].outcome.status == "synced" and runs[later.upn].outcome.checks == 2
    assert runs[never.upn].status == "failed" and runs[never.upn].failure.category == "not_synced"
    # checks 2 s apart while the time since the visit is short, the checks' own time counted: no wait
    # goes past the end of --until-synced; every check is SharePoint's copy fetched once
    outcome = runs[never.upn].outcome
    assert outcome.status == "not_yet" and outcome.checks == len(rechecks[never.upn]) + 1 >= 2
    assert rechecks[never.upn][0][0] == 2 and all(wait <= left for wait, left in rechecks[never.upn])
    fetched = [e for e in out.sim.events_for(never.upn, "photo_viewed") if e["size"] == "L"]
    assert len(fetched) == outcome.checks
    assert "--require-synced: the check found not_yet" in runs[never.upn].failure.message
    check = next(s for s in runs[never.upn].steps if s.name == CHECK_STEP)
    assert check.status == "passed" and check.duration_ms >= 9000  # the wait is the step's
    # the run diff tells the sync that came since the first run
    assert f"{later.upn}: not_yet → synced" in out.stdout
    assert "1 passed, 1 failed; outcome: 1 synced, 1 not_yet" in out.stdout


def test_the_check_only_flow_with_outlook_unreachable_and_a_reference_file(replay, tmp_path: Path) -> None:
    down = SimAccount("outlook.down@contoso.com", "Pw-down-123")
    own = SimAccount("own.file@contoso.com", "Pw-file-123")
    picture = tmp_path / "own.jpg"  # the user's photo as the helpdesk has it: same picture, other size and crop
    picture.write_bytes(encode(shifted(face(seed_of(own.upn)), crop=0.02), 400, quality=70))
    inputs = {"tile": "OneDrive"}

    def setup(sim) -> None:  # type: ignore[no-untyped-def]
        sim.add_fault("outlook.office.com", "down")
        sim.app.photos.visited(own.upn)  # the procedure ran yesterday: SharePoint has synced since

    out = replay([down, own], specs=[AccountSpec(down.upn, inputs), AccountSpec(own.upn, inputs, photo=str(picture))],
                 flow=FLOWS / "check-profile-photo.yaml", setup=setup, workers=2)

    runs = {r.account: r for r in out.report.runs}
    assert runs[down.upn].status == runs[own.upn].status == "passed"  # the replay itself passes either way
    unknown = runs[down.upn].outcome
    assert unknown.status == "unknown" and unknown.distance is None
    assert unknown.message == ("Exchange's copy could not be checked: outlook.office.com could not be reached "
                               "(net::ERR_TUNNEL_CONNECTION_FAILED) (3 tries); 2 image fetches tried again after a "
                               "network or server error")
    assert unknown.fetch_retries == 2, "a network error is tried again, at most 3 tries"
    assert unknown.candidate.image is not None  # SharePoint's copy was there all the same
    from_file = runs[own.upn].outcome
    assert from_file.status == "synced" and from_file.reference.source == str(picture)
    assert from_file.reference.label == "the photo file"  # not Exchange's copy: the file replaced it
    assert not out.sim.events_for(own.upn, "exchange_photo_viewed")  # the file replaced Exchange's copy
    assert not out.sim.events_for(own.upn, "onedrive_loaded")  # only signed in and checked
    assert from_file.candidate.source.startswith("https://contoso-my.sharepoint.com/_layouts/15/userphoto.aspx")
    assert out.sim.events_for(own.upn, "signed_in")[-1]["client"] == "sharepoint"  # SSO round trip for the photo


def test_until_synced_takes_a_duration_with_a_unit(tmp_path: Path) -> None:
    done = cli("run", "sync-profile-photo", "--account", "a@contoso.com", "--until-synced", "soon", cwd=tmp_path)
    assert done.returncode == 2
    assert "--until-synced" in done.stderr and "a duration is seconds (120)" in done.stderr
