"""QA's whole loop, in real Chromium against the simulator: give a test account a new photo the
documented way (add-profile-photo), replay the fix (sync-profile-photo, reused by qa-profile-photo),
and time SharePoint following.

Three replays of two accounts each (workers=2), one per language: qa-profile-photo in English (the
"Change your photo" dialog, and My Account, the 2026 way), the shipped add-profile-photo in Turkish
(photo changes turned off by the organization, and a picture from a file), and add-profile-photo in
German with its upload step pointed at the dialog's button (the file chooser path of `upload`).
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from runner.checks.photos import THRESHOLD, distance, load_image, same_picture
from runner.core.model import AccountSpec
from runner.simulator import SimAccount
from runner.simulator.photos import encode, face, seed_of
from tests.conftest import FLOWS

pytestmark = pytest.mark.browser

QA = FLOWS / "qa-profile-photo.yaml"
ADD = FLOWS / "add-profile-photo.yaml"
DELAY = 4.0  # the simulated sync delay: SharePoint follows 4 s after the documented visit
CHECK = "Replay the documented fix › Check that SharePoint shows the Exchange photo"


def order(events: list[dict], *names: str) -> list[str]:
    """The first occurrence of each event in the log, in log order."""
    firsts = {}
    for index, event in enumerate(events):
        firsts.setdefault(event["event"], (index, event))
    return [name for name in sorted(names, key=lambda n: firsts[n][0] if n in firsts else 10**9) if name in firsts]


def test_qa_loop_new_photo_fix_and_sharepoint_following_in_time(replay, tmp_path: Path) -> None:
    dialog = SimAccount("qa.dialog@contoso.com", "Pw-dialog-123", photo_sync=f"{DELAY:.0f}s",
                        photo_before_sync="old_photo")
    myaccount = SimAccount("qa.myaccount@contoso.com", "Pw-myacct-123", photo_sync=f"{DELAY:.0f}s",
                           photo_ui="my_account", home_layout="launcher")
    out = replay([dialog, myaccount], flow=QA, workers=2, until_synced=120.0, report_dir=tmp_path / "results" / "1")

    runs = {r.account: r for r in out.report.runs}
    assert {a: (r.status, r.outcome.status) for a, r in runs.items()} == {
        dialog.upn: ("passed", "synced"), myaccount.upn: ("passed", "synced")}, out.stdout
    for acc in (dialog, myaccount):
        outcome = runs[acc.upn].outcome
        # from the documented visit to SharePoint showing the new picture: the delay, to within a re-check
        assert DELAY - 0.5 <= outcome.synced_after_s <= DELAY + 3.5, outcome
        assert outcome.last_not_yet_s is not None and outcome.last_not_yet_s <= DELAY + 0.05
        assert outcome.checks >= 2 and outcome.visited_at.endswith("Z")
        events = out.sim.events_for(acc.upn)
        # the simulator's log: upload, Exchange changed, the documented visit, SharePoint changed
        assert order(events, "photo_uploaded", "exchange_photo_changed", "onedrive_loaded",
                     "sharepoint_photo_changed") == ["photo_uploaded", "exchange_photo_changed", "onedrive_loaded",
                                                     "sharepoint_photo_changed"], events
        visit = out.sim.events_for(acc.upn, "onedrive_loaded")[0]
        changed = out.sim.events_for(acc.upn, "sharepoint_photo_changed")
        assert len(changed) == 1 and abs(changed[0]["time"] - visit["time"] - DELAY) < 0.5
        assert changed[0]["picture"] == out.sim.events_for(acc.upn, "photo_uploaded")[0]["picture"]
    assert out.sim.events_for(myaccount.upn, "my_account") and not out.sim.events_for(dialog.upn, "my_account")

    # two accounts, two generated pictures, each the reference of its own account's check only
    generated = {a: out.report_dir / r.generated_photo.file for a, r in runs.items()}
    assert generated[dialog.upn].parent.name == "qa.dialog_contoso.com" and generated[dialog.upn].is_file()
    assert generated[myaccount.upn].parent.name == "qa.myaccount_contoso.com"
    pictures = {a: path.read_bytes() for a, path in generated.items()}
    assert distance(load_image(pictures[dialog.upn]), load_image(pictures[myaccount.upn])) > THRESHOLD
    for acc, other in ((dialog, myaccount), (myaccount, dialog)):
        assert runs[acc.upn].outcome.reference.source == str(generated[acc.upn].resolve())
        exchange = out.sim.app.photos.exchange_photo(acc.upn, "HR240x240")
        assert same_picture(pictures[acc.upn], exchange)[0] and not same_picture(pictures[other.upn], exchange)[0]
        assert runs[acc.upn].inputs["photo"] == "generate"  # as asked; the file is in generated_photo

    data = json.loads((out.report_dir / "report.json").read_text())
    record = data["runs"][0]["generated_photo"]
    assert set(record) >= {"file", "seed", "hashes", "compared_with", "nearest_distance", "threshold"}
    assert sorted(r["generated_photo"]["compared_with"] for r in data["runs"]) == [0, 1]  # the second saw the first
    seconds = runs[dialog.upn].outcome.synced_after_s
    assert f"synced {seconds:.1f} s after the documented visit" in out.stdout
    assert f"{dialog.upn}: synced after {seconds:.1f} s; no earlier timed run to compare with" in out.stdout
    html = (out.report_dir / "report.html").read_text()
    assert f"synced {seconds:.1f} s after the documented visit" in html and 'id="generated-photo-0"' in html
    suite = ET.parse(out.report_dir / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props[f"synced_after_s:{dialog.upn}"] == str(seconds)
    check = next(s for s in runs[dialog.upn].steps if s.name == CHECK)
    assert check.status == "passed"


def test_add_profile_photo_in_turkish_turned_off_and_from_a_file(replay, tmp_path: Path) -> None:
    off = SimAccount("photo.off@contoso.com", "Pw-off-123", photo_changes=False)
    own = SimAccount("own.photo@contoso.com", "Pw-own-123", home_layout="tiles")
    picture = tmp_path / "bob.jpg"  # the user's own picture, as the helpdesk has it
    picture.write_bytes(encode(face(4242), 500, quality=80))
    specs = [AccountSpec(off.upn, {"photo": str(picture)}, photo=str(picture)),
             AccountSpec(own.upn, {"photo": str(picture)}, photo=str(picture))]
    out = replay([off, own], specs=specs, flow=ADD, workers=2, locale="tr-TR")

    runs = {r.account: r for r in out.report.runs}
    refused = runs[off.upn]
    assert refused.status == "failed" and refused.failure.category == "action_required", out.stdout
    assert refused.failure.message == "Photo changes are turned off for this account by the organization."
    assert refused.failure.step == "Upload a new photo" and "ask an admin" in refused.failure.action
    assert not out.sim.events_for(off.upn, "photo_uploaded")  # nothing changed
    still = out.sim.app.photos.exchange_photo(off.upn, "HR240x240")  # Exchange still has the account's own face
    assert still is not None and same_picture(encode(face(seed_of(off.upn))), still)[0]
    assert any(s.screenshot for s in refused.steps if s.name == "Upload a new photo")

    done = runs[own.upn]
    assert done.status == "passed" and done.outcome.status == "synced", out.stdout
    assert done.outcome.reference.source == str(picture) and done.generated_photo is None
    assert done.outcome.candidate.label == "Exchange's copy"
    assert same_picture(picture.read_bytes(), out.sim.app.photos.exchange_photo(own.upn, "HR240x240"))[0]
    assert not out.sim.events_for(own.upn, "onedrive_loaded")  # no visit: SharePoint has not followed
    assert not same_picture(picture.read_bytes(), out.sim.app.photos.sharepoint_photo(own.upn, "L"))[0]
    assert out.sim.events_for(own.upn, "office_home")[0]["lang"] == "tr"


def test_add_profile_photo_in_german_through_the_file_chooser(replay, tmp_path: Path) -> None:
    """The same flow with its upload step on the dialog's button: `upload` answers the file chooser
    the button opens. German names throughout (the flow's `any:` lists), both ways of changing it."""
    flow = tmp_path / "add-by-button.yaml"
    text = ADD.read_text(encoding="utf-8")
    assert text.count("css: input[type=file]") == 1
    flow.write_text(text.replace("css: input[type=file]", "any: [{role: button, name: Neues Foto hochladen}, "
                                                          "{role: button, name: Foto auswählen}]"), encoding="utf-8")
    dialog = SimAccount("de.dialog@contoso.com", "Pw-de-123")
    myaccount = SimAccount("de.myaccount@contoso.com", "Pw-de2-123", photo_ui="my_account")
    specs = [AccountSpec(a.upn, {"photo": "generate"}) for a in (dialog, myaccount)]
    out = replay([dialog, myaccount], specs=specs, flow=flow, workers=2, locale="de-DE")

    for acc in (dialog, myaccount):
        run = out.run(acc.upn)
        assert run.status == "passed" and run.outcome.status == "synced", out.stdout
        generated = (out.report_dir / run.generated_photo.file).read_bytes()
        assert same_picture(generated, out.sim.app.photos.exchange_photo(acc.upn, "HR240x240"))[0]
        assert out.sim.events_for(acc.upn, "photo_uploaded")[0]["host"] == (
            "myaccount.microsoft.com" if acc is myaccount else "m365.cloud.microsoft")
