"""QA's whole loop, in real Chromium against the simulator: give a test account a new photo the
documented way (add-profile-photo), replay the fix (sync-profile-photo, reused by qa-profile-photo),
and time SharePoint following; on pages that follow the public facts (docs/profile-photo.md): the
panel's picture is the link a#mectrl_currentAccount_picture, View account opens My Account in a new
tab, My Account's way ends with Save (no Done), and a restricted tenant's window offers no upload, in
wording no flow knows.

Four replays (workers=2): qa-profile-photo in English, Turkish and German, each both ways (the
"Change your photo" dialog, and My Account) plus one more account (a restricted tenant whose wording
is unknown; one whose wording is listed, on My Account; a panel whose picture lost its public id);
and add-profile-photo with its upload step on the window's buttons (the file chooser path of
`upload`), from a picture file.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from runner.checks.outcome import ROUNDING_S
from runner.checks.photos import THRESHOLD, distance, load_image, same_picture
from runner.core.model import AccountSpec
from runner.core.results import slug
from runner.simulator import SimAccount
from runner.simulator.photos import encode, face, seed_of
from tests.conftest import FLOWS

pytestmark = pytest.mark.browser

QA = FLOWS / "qa-profile-photo.yaml"
ADD = FLOWS / "add-profile-photo.yaml"
DELAY = 4.0  # the simulated sync delay: SharePoint follows 4 s after the documented visit
CHECK = "Replay the documented fix › Check that SharePoint shows the Exchange photo"
ADD_STEP = "Give the account a new photo › "
TURNED_OFF = ("Photo changes appear to be turned off for this account; an admin controls this in the Microsoft 365 "
              "admin center or Graph photoUpdateSettings.")


def order(events: list[dict], *names: str) -> list[str]:
    """The first occurrence of each event in the log, in log order."""
    firsts = {}
    for index, event in enumerate(events):
        firsts.setdefault(event["event"], (index, event))
    return [name for name in sorted(names, key=lambda n: firsts[n][0] if n in firsts else 10**9) if name in firsts]


def ways(prefix: str) -> tuple[SimAccount, SimAccount]:
    """An account of each way: the panel's picture link and its dialog, and My Account (2026)."""
    return (SimAccount(f"{prefix}.dialog@contoso.com", f"Pw-{prefix}-dialog-1", photo_sync=f"{DELAY:.0f}s",
                       photo_before_sync="old_photo"),
            SimAccount(f"{prefix}.myaccount@contoso.com", f"Pw-{prefix}-myacct-1", photo_sync=f"{DELAY:.0f}s",
                       photo_ui="my_account", home_layout="launcher"))


def step(run, name: str):  # type: ignore[no-untyped-def]
    return next(s for s in run.steps if s.name == ADD_STEP + name)


def assert_new_photo_synced(out, acc: SimAccount) -> None:  # type: ignore[no-untyped-def]
    """The account passed with `synced`, the simulator's log reads upload, Exchange changed, the
    documented visit, SharePoint changed (the delay after the visit), and the way taken was its own."""
    run = out.run(acc.upn)
    assert run.status == "passed" and run.outcome.status == "synced", out.stdout
    events = out.sim.events_for(acc.upn)
    assert order(events, "photo_uploaded", "exchange_photo_changed", "onedrive_loaded", "sharepoint_photo_changed") == [
        "photo_uploaded", "exchange_photo_changed", "onedrive_loaded", "sharepoint_photo_changed"], events
    visit = out.sim.events_for(acc.upn, "onedrive_loaded")[0]
    changed = out.sim.events_for(acc.upn, "sharepoint_photo_changed")
    assert len(changed) == 1 and abs(changed[0]["time"] - visit["time"] - DELAY) < 0.01
    # synced_after_s against the simulator's own record of when SharePoint changed its copy, both from the
    # visit the check timed: the change came after the last check that found not_yet was asked and by the
    # time the answer that found synced arrived; the tolerance is the figures' stated rounding (and
    # visited_at's milliseconds), never the machine's speed
    outcome = run.outcome
    origin = datetime.fromisoformat(outcome.visited_at.replace("Z", "+00:00")).timestamp()
    sync_s = changed[0]["time"] - origin
    tolerance = ROUNDING_S / 2 + 0.001
    assert (outcome.last_not_yet_s or 0.0) - tolerance <= sync_s <= outcome.synced_after_s + tolerance, (
        sync_s, outcome)
    assert changed[0]["picture"] == out.sim.events_for(acc.upn, "photo_uploaded")[0]["picture"]
    generated = (out.report_dir / run.generated_photo.file).read_bytes()
    assert same_picture(generated, out.sim.app.photos.exchange_photo(acc.upn, "HR240x240"))[0]
    uploaded = out.sim.events_for(acc.upn, "photo_uploaded")
    if acc.photo_ui == "my_account":  # View account, in the new tab it opens; Save, and no Done
        assert uploaded[0]["host"] == "myaccount.microsoft.com" and out.sim.events_for(acc.upn, "my_account")
        assert step(run, "Open My Account when the account manager has no photo control (2026)").message == (
            "continued in the new tab it opened")
        assert step(run, "Select the camera icon next to your initials").status == "skipped"
        assert step(run, "Done").status == "skipped"
    else:  # the panel's picture link opened the dialog in the page: Apply, then Done
        assert uploaded[0]["host"] == "m365.cloud.microsoft" and not out.sim.events_for(acc.upn, "my_account")
        assert step(run, "Open My Account when the account manager has no photo control (2026)").status == "skipped"
        assert step(run, "Done").status == "passed"


def assert_refused_and_nothing_uploaded(out, acc: SimAccount, seen: str) -> None:  # type: ignore[no-untyped-def]
    run = out.run(acc.upn)
    assert run.status == "failed" and run.failure.category == "action_required", out.stdout
    assert run.failure.message == TURNED_OFF and run.failure.step == ADD_STEP + "Upload a new photo"
    assert "ask an admin" in run.failure.action and seen in run.failure.details["seen"]
    # nothing was sent, let alone taken: Exchange still has the account's own face
    assert not out.sim.events_for(acc.upn, "photo_uploaded") and not out.sim.events_for(acc.upn, "photo_upload_refused")
    still = out.sim.app.photos.exchange_photo(acc.upn, "HR240x240")
    assert still is not None and same_picture(encode(face(seed_of(acc.upn))), still)[0]
    assert step(run, "Upload a new photo").screenshot
    assert run.outcome is None  # no check ran


def test_qa_loop_in_english_both_ways_and_a_tenant_that_turned_photo_changes_off(replay, tmp_path: Path) -> None:
    dialog, myaccount = ways("en")
    off = SimAccount("photo.off@contoso.com", "Pw-off-123", photo_changes=False)  # wording no flow lists
    out = replay([dialog, myaccount, off], flow=QA, workers=2, until_synced=120.0,
                 report_dir=tmp_path / "results" / "1")

    for acc in (dialog, myaccount):
        assert_new_photo_synced(out, acc)
    assert_refused_and_nothing_uploaded(out, off, "offered no upload control")
    assert "only your administrator" not in out.run(off.upn).failure.details["seen"].lower()  # decided by what it lacks
    runs = {r.account: r for r in out.report.runs}

    # two accounts, two generated pictures, each the reference of its own account's check only
    generated = {a.upn: out.report_dir / runs[a.upn].generated_photo.file for a in (dialog, myaccount)}
    assert generated[dialog.upn].parent.name == "en.dialog_contoso.com" and generated[dialog.upn].is_file()
    pictures = {a: path.read_bytes() for a, path in generated.items()}
    assert distance(load_image(pictures[dialog.upn]), load_image(pictures[myaccount.upn])) > THRESHOLD
    for acc, other in ((dialog, myaccount), (myaccount, dialog)):
        assert runs[acc.upn].outcome.reference.source == str(generated[acc.upn].resolve())
        exchange = out.sim.app.photos.exchange_photo(acc.upn, "HR240x240")
        assert not same_picture(pictures[other.upn], exchange)[0]
        assert runs[acc.upn].inputs["photo"] == "generate"  # as asked; the file is in generated_photo

    # the check's reference is the generated picture add-profile-photo uploaded, and is called so
    check = runs[dialog.upn].outcome
    assert check.reference.label == "the uploaded picture" and check.candidate.label == "SharePoint's copy"
    assert check.message.startswith("SharePoint's copy shows the same picture as the uploaded picture")
    assert f"outcome: synced: {check.message}" in out.stdout and "Exchange's copy" not in out.stdout

    data = json.loads((out.report_dir / "report.json").read_text())
    assert data["runs"][0]["outcome"]["reference"]["label"] == "the uploaded picture"
    record = data["runs"][0]["generated_photo"]
    assert set(record) >= {"file", "seed", "hashes", "compared_with", "nearest_distance", "threshold"}
    seconds = runs[dialog.upn].outcome.synced_after_s
    assert f"synced {seconds:.1f} s after the documented visit" in out.stdout
    assert f"{dialog.upn}: synced after {seconds:.1f} s; no earlier timed run to compare with" in out.stdout
    html = (out.report_dir / "report.html").read_text()
    assert f"synced {seconds:.1f} s after the documented visit" in html and 'id="generated-photo-0"' in html
    assert "<b>the uploaded picture</b>" in html and "Exchange&#x27;s copy" not in html
    suite = ET.parse(out.report_dir / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props[f"synced_after_s:{dialog.upn}"] == str(seconds)
    assert next(s for s in runs[dialog.upn].steps if s.name == CHECK).status == "passed"


@pytest.mark.parametrize("locale", ["tr-TR", "de-DE"])
def test_qa_loop_in_turkish_and_german_both_ways(replay, tmp_path: Path, locale: str) -> None:
    """Turkish: a restricted tenant on My Account whose window says so in the wording the flow lists.
    German: a panel whose picture lost its public id: the ordered fallback goes on to its name."""
    lang = locale[:2]
    dialog, myaccount = ways(lang)
    if lang == "tr":
        third = SimAccount("tr.off@contoso.com", "Pw-tr-off-1", photo_changes=False, photo_refusal="listed",
                           photo_ui="my_account")
    else:
        third = SimAccount("de.renamed@contoso.com", "Pw-de-renamed-1", photo_sync=f"{DELAY:.0f}s",
                           rename_ids={"mectrl_currentAccount_picture": "mectrl_currentAccount_photo"})
    out = replay([dialog, myaccount, third], flow=QA, workers=2, until_synced=120.0, locale=locale)

    for acc in (dialog, myaccount):
        assert_new_photo_synced(out, acc)
        assert out.sim.events_for(acc.upn, "office_home")[0]["lang"] == lang
    if lang == "tr":
        assert_refused_and_nothing_uploaded(out, third, "the page says so")
        assert out.sim.events_for(third.upn, "my_account")  # the window was My Account's, in its new tab
    else:
        assert_new_photo_synced(out, third)
        assert step(out.run(third.upn), "Select the camera icon next to your initials").message == (
            "found by link 'Bild hinzufügen oder ändern' (alternative 4 of 7); #mectrl_currentAccount_picture "
            "was not on the page")


DONE_GUARD = """    when:
      any:
        - {role: button, name: Done, exact: true}
        - {role: button, name: Bitti, exact: true}
        - {role: button, name: Fertig, exact: true}
"""


def test_add_profile_photo_from_a_file_through_the_file_chooser_and_a_change_then_a_failure(
        replay, tmp_path: Path) -> None:
    """The flow with its upload step on the window's buttons only: `upload` answers the file chooser
    the button opens ("Upload a new photo", My Account's "Select a photo"); a picture from a file. And
    "Done" required everywhere, as the flow once had it: on My Account, which has none, the account
    fails after its photo was changed, and says so, with a failed wait that names its step, what it
    waited for and the page."""
    flow = tmp_path / "add-by-button.yaml"
    text = ADD.read_text(encoding="utf-8")
    assert text.count('        - {css: "input[type=file]"}\n') == 1 and text.count(DONE_GUARD) == 1
    flow.write_text(text.replace('        - {css: "input[type=file]"}\n', "").replace(DONE_GUARD, ""), encoding="utf-8")
    own = SimAccount("own.photo@contoso.com", "Pw-own-123", home_layout="tiles")
    myaccount = SimAccount("own.myaccount@contoso.com", "Pw-own2-123", photo_ui="my_account")
    picture = tmp_path / "bob.jpg"  # the user's own picture, as the helpdesk has it
    picture.write_bytes(encode(face(4242), 500, quality=80))
    specs = [AccountSpec(a.upn, {"photo": str(picture)}, photo=str(picture)) for a in (own, myaccount)]
    out = replay([own, myaccount], specs=specs, flow=flow, workers=2, timeout=5.0)

    done = out.run(own.upn)
    assert done.status == "passed" and done.outcome.status == "synced", out.stdout
    assert done.outcome.reference.source == str(picture) and done.generated_photo is None
    assert done.outcome.candidate.label == "Exchange's copy" and done.changed == ["profile photo"]
    assert done.outcome.reference.label == "the uploaded picture"
    assert done.outcome.message.startswith("Exchange's copy shows the same picture as the uploaded picture")
    for acc in (own, myaccount):  # the photo changed either way: Exchange has it, SharePoint not yet (no visit)
        assert same_picture(picture.read_bytes(), out.sim.app.photos.exchange_photo(acc.upn, "HR240x240"))[0]
        assert not out.sim.events_for(acc.upn, "onedrive_loaded")
        assert not same_picture(picture.read_bytes(), out.sim.app.photos.sharepoint_photo(acc.upn, "L"))[0]
    assert out.sim.events_for(myaccount.upn, "photo_uploaded")[0]["host"] == "myaccount.microsoft.com"
    uploads = {acc.upn: next(s for s in out.run(acc.upn).steps if s.name == "Upload a new photo")
               for acc in (own, myaccount)}
    assert uploads[own.upn].message is None  # the first alternative
    assert uploads[myaccount.upn].message == ("found by button 'Select a photo' (alternative 4 of 6); button "
                                             "'Upload a new photo' was not on the page")

    changed = out.run(myaccount.upn)  # a changed account is never a plain failure
    assert changed.status == "failed" and changed.failure.category == "page_changed" and changed.failure.step == "Done"
    assert changed.changed == ["profile photo"]
    # the failed wait names its step, what it waited for in the flow's words, the page, and the page card
    card = f"{slug(myaccount.upn)}/page.json"
    assert changed.failure.message == (
        "Step 'Done' waited 5 s for button 'Done' / 'Bitti' / 'Fertig' on https://myaccount.microsoft.com/?ref="
        f"MeControl&login_hint=own.myaccount%40contoso.com. The page card {card} shows what the page had instead.")
    assert changed.failure.page_card == card and (out.report_dir / card).is_file()
    assert changed.failure.details["waited_for"] == "button 'Done' / 'Bitti' / 'Fertig'"
    assert "Timeout" not in out.stdout and f"page_changed at step 'Done': {changed.failure.message}" in out.stdout
    said = ("profile photo: a step that changes it passed before the failure; step 'Done' after it could not be "
            "completed")
    assert f"    changed: {said}\n    page_changed at step 'Done'" in out.stdout
    record = next(r for r in json.loads((out.report_dir / "report.json").read_text())["runs"]
                  if r["account"] == myaccount.upn)
    assert record["changed"] == ["profile photo"] and record["status"] == "failed"
    html = (out.report_dir / "report.html").read_text().replace("&#x27;", "'")
    assert '<b class="changed">changed: profile photo</b>' in html and f"Changed in the account: {said}" in html
    case = next(c for c in ET.parse(out.report_dir / "junit.xml").getroot().iter("testcase")
                if c.get("name") == myaccount.upn)
    assert f"changed: {said}" in case.find("failure").text  # type: ignore[union-attr]
