"""The perceptual comparison behind the photo check (runner/checks/photos.py), on pictures generated at test
time (runner/simulator/photos.py), and the simulator's photo sync state.

What a helpdesk would notice if this were wrong: a synced photo reported as `not_yet` because
SharePoint resized or re-encoded it (bytes never match), or two different people's photos reported
as `synced`. The threshold (runner.checks.photos.THRESHOLD, 64 of 256 bits) is documented there with the
distances measured here.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from runner.checks.photos import THRESHOLD, Fetched, backoff, decide, parse_duration, read_file, same_picture
from runner.simulator.photos import PhotoSetup, PhotoSync, encode, face, parse_delay, placeholder, shifted

SEEDS = range(12)


@pytest.fixture(scope="module")
def exchange_copy() -> dict[int, bytes]:
    """Each person's photo as Exchange serves it to Outlook on the web (240 px, JPEG)."""
    return {seed: encode(face(seed), 240, quality=90) for seed in SEEDS}


@pytest.mark.parametrize("size", [48, 96, 240, 648])
def test_the_same_picture_at_every_served_size_is_the_same(exchange_copy: dict[int, bytes], size: int) -> None:
    for seed in (0, 5, 11):
        same, dist = same_picture(exchange_copy[seed], encode(face(seed), size, quality=85))
        assert same, f"seed {seed} at {size} px: distance {dist} > {THRESHOLD}"


def test_a_jpeg_re_encoded_at_quality_60_is_the_same(exchange_copy: dict[int, bytes]) -> None:
    for seed in SEEDS:
        same, dist = same_picture(exchange_copy[seed], encode(face(seed), 300, quality=60))
        assert same, f"seed {seed}: distance {dist}"
        # and PNG against JPEG: the format does not matter either
        assert same_picture(encode(face(seed), 96, fmt="PNG"), exchange_copy[seed])[0]


@pytest.mark.parametrize(("crop", "colour"), [(0.02, 0.0), (0.03, 0.0), (0.0, 0.05), (0.0, 0.08), (0.03, 0.05)])
def test_a_slight_crop_or_colour_shift_is_still_the_same(exchange_copy: dict[int, bytes], crop: float,
                                                         colour: float) -> None:
    for seed in SEEDS:
        copy = encode(shifted(face(seed), crop=crop, colour=colour), 48, quality=60)  # the hardest: small and lossy
        same, dist = same_picture(exchange_copy[seed], copy)
        assert same, f"seed {seed}, crop {crop:.0%}, colour {colour:.0%}: distance {dist}"
        assert copy != exchange_copy[seed]  # the bytes differ, as SharePoint's copy's always do


def test_two_different_pictures_are_different(exchange_copy: dict[int, bytes]) -> None:
    closest = min(same_picture(exchange_copy[a], exchange_copy[b])[1] for a, b in itertools.combinations(SEEDS, 2))
    assert closest > THRESHOLD
    # nor is a photo the same as SharePoint's "no photo" placeholder
    assert not same_picture(exchange_copy[0], encode(placeholder(), 300))[0]


def test_the_outcomes(exchange_copy: dict[int, bytes], tmp_path: Path) -> None:
    exchange = Fetched("https://outlook.office.com/photo", data=exchange_copy[1], content_type="image/jpeg", status=200)
    synced = Fetched("https://contoso.sharepoint.com/photo", data=encode(shifted(face(1), 0.02, 0.03), 300, quality=75),
                     content_type="image/jpeg", status=200)
    old = Fetched("https://contoso.sharepoint.com/photo", data=encode(placeholder(), 300), content_type="image/jpeg",
                  status=200)

    outcome = decide(exchange, synced, labels=("Exchange's copy", "SharePoint's copy"))
    assert outcome.status == "synced"
    assert outcome.distance is not None and outcome.distance <= outcome.threshold == THRESHOLD
    assert outcome.reference.hash and outcome.candidate.hash and len(outcome.reference.hash) == 64  # 256 bits, hex
    assert "SharePoint's copy shows the same picture as Exchange's copy" in outcome.message

    outcome = decide(exchange, old, labels=("Exchange's copy", "SharePoint's copy"))
    assert (outcome.status, outcome.distance is not None and outcome.distance > THRESHOLD) == ("not_yet", True)

    no_photo = Fetched("https://outlook.office.com/photo", status=404, missing=True)
    assert decide(no_photo, old).status == "no_photo"

    down = Fetched("https://outlook.office.com/photo", error="outlook.office.com could not be reached (net::ERR_X)")
    outcome = decide(down, synced, labels=("Exchange's copy", "SharePoint's copy"))
    assert outcome.status == "unknown" and outcome.distance is None
    assert outcome.message == ("Exchange's copy could not be checked: "
                               "outlook.office.com could not be reached (net::ERR_X)")
    assert outcome.reference.error and outcome.candidate.error is None

    garbage = Fetched("https://contoso.sharepoint.com/photo", data=b"<html>", content_type="image/jpeg", status=200)
    outcome = decide(exchange, garbage)
    assert outcome.status == "unknown" and "the candidate is not a picture" in (outcome.candidate.error or "")

    # a reference from a file (the users file's `photo:`)
    (tmp_path / "adele.jpg").write_bytes(encode(face(1), 648))
    assert decide(read_file(tmp_path / "adele.jpg"), synced).status == "synced"
    missing = decide(read_file(tmp_path / "nobody.jpg"), synced)
    assert missing.status == "unknown" and "nobody.jpg could not be read" in missing.message


def test_until_synced_durations_and_backoff() -> None:
    assert [parse_duration(v) for v in ("120", "90s", "5m", "1h", 2)] == [120, 90, 300, 3600, 2]
    for bad in ("soon", "0", "-5", "5d"):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)
    assert backoff(30) == [2, 4, 8, 16]
    assert backoff(20) == [2, 4, 8, 6]  # the last check when the duration ends
    assert max(backoff(600)) == 60 and sum(backoff(600)) == 600


def test_the_simulated_sync_follows_the_first_visit() -> None:
    now = [100.0]
    sync = PhotoSync({"a@contoso.com": PhotoSetup(exchange_seed=7, delay=30),
                      "b@contoso.com": PhotoSetup(exchange_seed=8, delay=None),
                      "c@contoso.com": PhotoSetup(exchange_seed=None),
                      "d@contoso.com": PhotoSetup(exchange_seed=9, delay=0)},
                     clock=lambda: now[0])
    exchange = sync.exchange_photo("a@contoso.com", "HR240x240")
    assert exchange is not None
    assert not same_picture(exchange, sync.sharepoint_photo("a@contoso.com", "L"))[0]  # before any visit
    sync.visited("a@contoso.com")
    now[0] += 29
    assert not sync.synced("a@contoso.com")
    sync.visited("a@contoso.com")  # a second visit does not restart the delay
    now[0] += 1
    assert sync.synced("a@contoso.com")
    sharepoint = sync.sharepoint_photo("a@contoso.com", "L")
    assert sharepoint != exchange and same_picture(exchange, sharepoint)[0]

    sync.visited("b@contoso.com")
    now[0] += 10**6
    assert not sync.synced("b@contoso.com")  # never
    assert sync.exchange_photo("c@contoso.com") is None  # no photo in Exchange
    sync.visited("d@contoso.com")
    assert sync.synced("d@contoso.com")  # at once
    small = sync.exchange_photo("d@contoso.com", "HR48x48")
    assert small is not None and same_picture(small, sync.sharepoint_photo("d@contoso.com"))[0]


def test_simulated_sync_delays_read_like_the_cli() -> None:
    assert [parse_delay(v) for v in (0, "0", "2.5", "90s", "5m", "never", None)] == [0, 0, 2.5, 90, 300, None, None]
    with pytest.raises(ValueError, match="photo sync delay"):
        parse_delay("later")
