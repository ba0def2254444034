"""One observer round of `m365-replay experiment` over 200 accounts (target: well under a minute).

The round as `experiment observe` makes it (runner/run/observer.py): the observer signs in once (timed
apart), then reads SharePoint's copy of every account's photo, `PARALLEL` fetches at a time in its one
context, compares each with that account's uploaded picture, and saves the record after every
observation. Half the accounts' SharePoint has the new picture already, half not, so both answers
are compared. On the built-in simulator, in process.

`python benchmarks/observer.py [--accounts 200] [--parallel 8] [--rounds 2]`
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_S = 60.0


def prepare(folder: Path, count: int):  # type: ignore[no-untyped-def]
    """The simulator, the keyring and a record of `count` accounts whose new pictures were uploaded
    (every other one already copied by SharePoint)."""
    import keyring

    from runner.checks.pictures import composition, crop_hashes
    from runner.core.experiment import CONTROL, FIX, Experiment, Subject
    from runner.core.results import now_iso
    from runner.simulator import SimAccount, Simulator
    from tests.support.keyrings import MemoryKeyring

    accounts = [f"user{i:03d}@contoso.com" for i in range(count)]
    observer = "observer@contoso.com"
    sim = Simulator([SimAccount(observer, "Observer-pw-1")] + [SimAccount(a, "pw") for a in accounts])
    store = MemoryKeyring()
    store.set_password("m365-replay", observer, "Observer-pw-1")
    keyring.set_keyring(store)
    subjects = []
    (folder / "pictures").mkdir(parents=True)
    for i, account in enumerate(accounts):
        picture = f"pictures/{i:03d}.png"
        buffer = io.BytesIO()
        image = composition(1000 + i)
        image.save(buffer, "PNG")
        (folder / picture).write_bytes(buffer.getvalue())
        sim.app.photos.upload(account, buffer.getvalue())
        if i % 2:
            sim.app.photos.visited(account)  # delay 0: SharePoint has it at once
        # the record after `experiment start` holds each picture's hashes (the replay's generated_photo)
        subjects.append(Subject(account, FIX if i % 2 else CONTROL, uploaded_at=now_iso(), replayed_at=now_iso(),
                                picture=picture,
                                picture_hashes=[str(h) for h in crop_hashes(image)]))
    exp = Experiment(observer, 1, 0.5, 0.05, 60.0, subjects, start_finished_at=now_iso())
    return sim, exp


async def measure(folder: Path, count: int, parallel: int, rounds: int) -> list[str]:
    from runner.core.model import RunOptions
    from runner.run.arms import arm_flows
    from runner.run.observer import Observer
    from runner.secrets.credentials import KeyringStore

    sim, exp = prepare(folder, count)
    sim.start()
    try:
        options = RunOptions(report_dir=folder, simulator=sim)
        began = time.perf_counter()
        async with Observer(exp, arm_flows(), options, KeyringStore(), folder, parallel=parallel) as observer:
            signed_in = time.perf_counter() - began
            times = []
            for _ in range(rounds):
                for subject in exp.accounts:
                    subject.observations = []
                    subject.refresh()
                began = time.perf_counter()
                current = await observer.round(list(exp.accounts), lambda _: exp.save(folder))
                times.append(time.perf_counter() - began)
    finally:
        sim.stop()
    best = min(times)
    verdict = "ok" if best < TARGET_S else "OVER TARGET"
    return [f"observer sign-in (Office.com, sign-in, Apps page): {signed_in:.1f} s",
            f"one round over {count} accounts, {parallel} fetches at a time, the record saved after each: "
            f"best {best:.1f} s, median {statistics.median(times):.1f} s of {rounds} "
            f"({best / count * 1000:.0f} ms per account); last round: {current.synced} synced, "
            f"{current.not_yet} not yet, {current.unknown} unreadable (target < {TARGET_S:.0f} s: {verdict})"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="m365-bench-observer-") as folder:
        for line in asyncio.run(measure(Path(folder), args.accounts, args.parallel, args.rounds)):
            print(line, flush=True)


if __name__ == "__main__":
    main()
