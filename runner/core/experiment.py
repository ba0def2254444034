"""The record of a profile photo experiment: DIR/experiment.json, its one source of truth.

Why one file that only grows: the experiment lives for days on a real tenant (`experiment start`,
then a nightly `experiment observe`), in processes that may be killed at any moment. Every
observation is added to this record and the file is rewritten atomically at once (a temp file,
then a rename), so a killed process loses nothing it had seen and the next one carries on from the
file alone. The fields are a published contract (docs: "The experiment's record"): add fields,
never rename them; `version` changes only when a reader of an older one would misread the file.

Plain data and bookkeeping only: who is in which arm, when each account's new photo was uploaded,
what the observer saw and when. The statistics (runner/checks/experiment.py) and the rendering
(runner/reporters/experiment.py) read it; nothing here computes a test.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import UsageError
from .folders import prepare_report_dir
from .results import known_fields, now_iso, write_json_atomic

VERSION = 1
FILE = "experiment.json"
KIND = "m365-replay profile photo experiment"
FIX, CONTROL = "fix", "control"
ARMS = (FIX, CONTROL)
# what one observation found: the observer's copy of the account's photo in SharePoint is the new
# picture, still another one, or could not be read (the message says why)
SYNCED, NOT_YET, UNKNOWN = "synced", "not_yet", "unknown"
# the folder held by the one process that writes it (writing()), and that process's id, for the next one
LOCK, HOLDER = ".m365-replay.lock", ".m365-replay.pid"
NOT_A_FOLDER = "{folder} is a file, not a folder: give the experiment's folder."
VERDICTS = ("fix_makes_a_difference", "control_sooner", "no_difference", "inconclusive")


def parse_time(text: str) -> float:
    """An ISO time of this record as seconds since the epoch."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def iso(seconds: float) -> str:
    """Seconds since the epoch as the record writes times (UTC, milliseconds), like now_iso()."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration_text(seconds: float | None) -> str:
    """A duration as people read it: 42 s, 7.5 min, 3.2 h, 1.5 days."""
    if seconds is None:
        return "-"
    for unit, size, limit in (("s", 1, 90), ("min", 60, 90 * 60), ("h", 3600, 48 * 3600)):
        if seconds < limit:
            value = seconds / size
            return f"{value:.0f} {unit}" if unit == "s" or value >= 100 else f"{value:.1f} {unit}"
    return f"{seconds / 86400:.1f} days"


@dataclass
class Sighting:
    """Consecutive observations of one account that found the same thing, as one entry: a night
    of rounds that all say `not_yet` is one line with its count, not a thousand.

    The times are what each observation proves: `not_yet` at the moment the request was made (the
    old picture was still there then, since a sync is never undone), `synced` and `unknown` at the
    moment the answer came. So the true moment of the sync lies between the last `not_yet` and the
    first `synced`, whatever the network's delay."""

    status: str  # SYNCED | NOT_YET | UNKNOWN
    first_at: str
    last_at: str
    count: int = 1
    distance: int | None = None  # the perceptual distance of the last one (bits; None when unknown)
    message: str = ""  # the last one's: for `unknown`, why the photo could not be read


@dataclass
class StartFailure:
    """Why an account is left out of the test: its upload or its fix did not succeed."""

    category: str
    message: str
    step: str | None = None


@dataclass
class Subject:
    """One account of the experiment. It is in the test once its new photo was uploaded (and, in
    the fix arm, the fix replayed) without a failure."""

    account: str
    arm: str  # FIX | CONTROL
    uploaded_at: str | None = None  # when add-profile-photo's upload steps had finished
    picture: str | None = None  # the generated picture that was uploaded, relative to the experiment's folder
    # its perceptual hashes as the comparison uses them (checks/pictures.py crop_hashes, hex): each
    # observation compares with these, never decoding the picture again
    picture_hashes: list[str] | None = None
    synced_after_upload_s: float | None = None  # to the first observation showing the new picture
    last_not_yet_after_upload_s: float | None = None  # to the last one still showing another
    observations: list[Sighting] = field(default_factory=list)
    failure: StartFailure | None = None
    start_report: str | None = None  # the folder (under the experiment's) with the replay's report
    replayed_at: str | None = None  # when its replay ended well: the upload and, in the fix arm, the fix

    @property
    def observable(self) -> bool:
        """Uploaded without a failure so far: the observer reads it (its replay may still be running)."""
        return self.uploaded_at is not None and self.failure is None

    @property
    def in_test(self) -> bool:
        """In the comparison: its whole replay ended well (an account whose run was cut off is not)."""
        return self.observable and self.replayed_at is not None

    @property
    def synced(self) -> bool:
        return self.synced_after_upload_s is not None

    def observe(self, status: str, asked: float, answered: float, distance: int | None = None,
                message: str = "") -> None:
        """Add one observation (times in seconds since the epoch; see Sighting for which counts)."""
        at = iso(asked if status == NOT_YET else answered)
        last = self.observations[-1] if self.observations else None
        if last is not None and last.status == status:
            last.last_at, last.count, last.distance, last.message = at, last.count + 1, distance, message
        else:
            self.observations.append(Sighting(status, at, at, 1, distance, message))
        self.refresh()

    def refresh(self) -> None:
        """The two times, in seconds after the upload, from the observations."""
        if self.uploaded_at is None:
            return
        upload = parse_time(self.uploaded_at)
        synced = [s for s in self.observations if s.status == SYNCED]
        first = min((parse_time(s.first_at) for s in synced), default=None)
        not_yet = [parse_time(s.last_at) for s in self.observations if s.status == NOT_YET]
        if first is not None:
            not_yet = [t for t in not_yet if t <= first]
        self.synced_after_upload_s = round(first - upload, 3) if first is not None else None
        self.last_not_yet_after_upload_s = round(max(not_yet) - upload, 3) if not_yet else None

    def restart(self, uploaded_at: str, picture: str | None) -> None:
        """A new upload (the start run again for this account): what was seen of the old one no
        longer says anything about the new picture."""
        self.uploaded_at, self.picture, self.failure, self.picture_hashes = uploaded_at, picture, None, None
        self.replayed_at = None
        self.observations = []
        self.synced_after_upload_s = self.last_not_yet_after_upload_s = None


@dataclass
class Round:
    """One observation round: when, how many accounts were read and what was found."""

    at: str
    accounts: int = 0
    synced: int = 0
    not_yet: int = 0
    unknown: int = 0
    finished_at: str | None = None  # None: the round was stopped before its end


@dataclass
class Curve:
    """An arm's Kaplan-Meier estimate of the share of accounts showing the new photo, against the
    seconds since the upload (a step function: `share[i]` from `times[i]` on), and the times at
    which accounts were censored (still not synced at their last observation)."""

    times: list[float] = field(default_factory=list)
    share: list[float] = field(default_factory=list)
    censored: list[float] = field(default_factory=list)


@dataclass
class ArmSummary:
    accounts: int = 0  # assigned to the arm
    in_test: int = 0  # uploaded (and fixed) without a failure
    synced: int = 0  # seen showing the new picture
    median_s: float | None = None  # Kaplan-Meier median time to sync; None: not reached (fewer than half synced)
    left_out: int = 0
    curve: Curve = field(default_factory=Curve)


@dataclass
class TestResult:
    name: str  # "log-rank (two-sided)"
    statistic: float  # signed z: positive when the fix arm synced sooner than expected under no difference
    p_value: float
    library: str = ""  # which implementation computed it, with its version


@dataclass
class Verdict:
    verdict: str  # one of VERDICTS
    sentence: str  # what a QA lead pastes into a ticket
    reason: str | None = None  # why inconclusive
    final: bool = False  # it will not change: the window has ended, or every account in the test synced


@dataclass
class Experiment:
    observer: str
    seed: int
    control_share: float
    alpha: float
    every_s: float
    accounts: list[Subject]
    version: int = VERSION
    kind: str = KIND
    deadline_s: float | None = None  # observation window after the last upload; None: until someone stops
    sharepoint_host: str | None = None  # where the observer reads the photos (userphoto.aspx)
    tile: str = "OneDrive"  # the tile the fix clicks
    created_at: str = field(default_factory=now_iso)
    start_finished_at: str | None = None  # every account has been replayed
    observer_failure: str | None = None  # why the observer could not read the photos, when it could not
    rounds: list[Round] = field(default_factory=list)
    arms: dict[str, ArmSummary] = field(default_factory=dict)
    test: TestResult | None = None
    verdict: Verdict | None = None

    def subject(self, account: str) -> Subject:
        return next(s for s in self.accounts if s.account.lower() == account.lower())

    @property
    def last_upload(self) -> float | None:
        uploads = [parse_time(s.uploaded_at) for s in self.accounts if s.uploaded_at and s.failure is None]
        return max(uploads, default=None)

    @property
    def ends_at(self) -> float | None:
        """When observation ends: the window after the last upload (while replays run, the last upload
        is not known yet: the caller waits for them)."""
        last = self.last_upload
        if self.deadline_s is None or last is None:
            return None
        return last + self.deadline_s

    @property
    def observed_until(self) -> str | None:
        done = [r.at for r in self.rounds if r.finished_at]
        return done[-1] if done else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        order = ["kind", "version", "observer", "seed", "control_share", "alpha", "every_s", "deadline_s"]
        return {**{k: data.pop(k) for k in order}, **data}

    def save(self, folder: Path, durable: bool = True) -> None:
        """The whole record, atomically. After each observation not `durable` (no fsync: a killed
        process loses nothing, and a round over 200 accounts stays fast); at each round's end durable."""
        write_json_atomic(folder / FILE, self.to_dict(), durable)


def subject_from_dict(data: dict[str, Any]) -> Subject:
    raw = known_fields(Subject, data)
    raw["observations"] = [Sighting(**known_fields(Sighting, s)) for s in raw.get("observations") or []]
    raw["failure"] = StartFailure(**known_fields(StartFailure, raw["failure"])) if raw.get("failure") else None
    return Subject(**raw)


def from_dict(data: dict[str, Any]) -> Experiment:
    raw = known_fields(Experiment, data)
    raw["accounts"] = [subject_from_dict(s) for s in raw.get("accounts") or []]
    raw["rounds"] = [Round(**known_fields(Round, r)) for r in raw.get("rounds") or []]
    arms = {}
    for name, arm in (raw.get("arms") or {}).items():
        arm = known_fields(ArmSummary, arm)
        arms[name] = ArmSummary(**{**arm, "curve": Curve(**known_fields(Curve, arm.get("curve") or {}))})
    raw["arms"] = arms
    raw["test"] = TestResult(**known_fields(TestResult, raw["test"])) if raw.get("test") else None
    raw["verdict"] = Verdict(**known_fields(Verdict, raw["verdict"])) if raw.get("verdict") else None
    return Experiment(**raw)


def load(folder: Path) -> Experiment | None:
    """The experiment recorded in `folder`, None when there is none; UsageError for a file that is
    not one (a broken or foreign experiment.json, a newer version), naming it and what to do."""
    path = folder / FILE
    if not path.exists():
        if folder.exists() and not folder.is_dir():
            raise UsageError(NOT_A_FOLDER.format(folder=folder))
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable experiment record ({exc}); move it away or use another "
                         "folder.") from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise UsageError(f"{path}: not a m365-replay experiment record; use another folder.")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise UsageError(f"{path}: version {data.get('version')!r} of the record; this m365-replay reads up to "
                         f"version {VERSION}: upgrade m365-replay.")
    try:
        return from_dict(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise UsageError(f"{path}: a damaged experiment record ({type(exc).__name__}: {exc}).") from None


@contextmanager
def writing(folder: Path) -> Iterator[None]:
    """The experiment's folder, held by this process while it writes there (`experiment run`, `start`,
    `observe`): a second observer would read the record, observe, and save it over the first one's
    rounds. A second process is refused at once (UsageError, exit 2) rather than made to wait, since
    an observer started by cron while another still runs has nothing to add. The lock is the
    operating system's (filelock: flock, or msvcrt on Windows), so it goes with its process: a killed
    observer (SIGKILL, a closed laptop lid) never blocks the next one. `report` only reads: no lock."""
    from filelock import FileLock, Timeout

    if folder.is_file():
        raise UsageError(NOT_A_FOLDER.format(folder=folder))
    prepare_report_dir(folder, "--out")  # one sentence, exit 2, for a folder that cannot be written
    lock = FileLock(str(folder / LOCK), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        pid = _holder(folder)
        raise UsageError(f"{folder} is in use by another m365-replay process{f' (pid {pid})' if pid else ''} "
                         "running this experiment: wait for it to end, or stop it, then run this again.") from None
    except OSError as exc:  # a file system without locks, say
        raise UsageError(f"Cannot hold the experiment's folder {folder} ({exc.strerror or exc}): "
                         "choose another --out.") from None
    try:
        with suppress(OSError):  # only for the message above, in the next process
            (folder / HOLDER).write_text(str(os.getpid()), encoding="utf-8")
        yield
    finally:
        lock.release()


def _holder(folder: Path) -> int | None:
    """The id of the process that holds the folder, as it wrote it; None when not (yet) known."""
    try:
        return int((folder / HOLDER).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
