"""Results of a run: the report contract other tools read, and the failure categories.

Each category carries the helpdesk's next action, so a failed account is a to-do item rather
than a puzzle. The JSON shape here is a published contract (docs/reports.md, "report.json"): fields
are added, and a name that had to change (schema_version 2: a word meaning three things) is still
written under its old name for one release beside the new one; reading accepts every version.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# category -> one-line next action for the helpdesk
CATEGORIES: dict[str, str] = {
    "bad_credentials": "Check the password stored with `m365-replay creds set ACCOUNT`; "
    "do not retry until it is right (smart lockout counts every wrong try).",
    "unknown_account": "Check the account name for typos, or that the account exists in Entra ID.",
    "personal_account": "The address signs in as a personal Microsoft account (login.live.com); the procedure "
    "needs the user's work or school account: run it with that address.",
    "locked": "Wait for the lockout to expire or unlock the account in the admin center.",
    "mfa_required": "Store a TOTP secret with `m365-replay creds set ACCOUNT --totp`, "
    "or run --headed and approve the sign-in on the phone.",
    "action_required": "Sign in once by hand and complete the security info registration.",
    "password_expired": "Reset the password in the admin center, then update it with `m365-replay creds set`.",
    "blocked": "A Conditional Access policy or tenant setting blocked the sign-in; "
    "look up the Correlation ID in the Entra ID sign-in logs.",
    "missing_credential": "Store the password with `m365-replay creds set ACCOUNT`.",
    "page_changed": "A page did not look as expected; open the screenshot and trace, and update the flow "
    "or the sign-in state table if Microsoft changed the page.",
    "timeout": "The page did not finish in time; retry, or raise --timeout/--account-timeout.",
    "unreachable": "The site could not be reached; check the network, proxy and DNS, then retry.",
    "browser_error": "The browser failed; retry, and check the browser installation.",
    "interrupted": "The run was stopped before this account finished; rerun it.",
    "not_synced": "The steps were replayed, but the check (`outcome`) did not find the result yet: re-check later "
    "(the check-only flow, or --until-synced); with `no_photo`, add a photo in Exchange first.",
    "error": "An unexpected error in m365-replay; report it with the log.",
}


# what a check can find (runner/checks/photos.py decides): the same picture, not yet, nothing to compare
# with, or no answer (a copy could not be fetched)
OUTCOMES = ("synced", "not_yet", "no_photo", "unknown")

# report.json's shape: 1 (no `schema_version` field) until `attempts` was split into `tries` (a run's),
# `checks` (an outcome's) and `navigation_tries` (a failure's details); 2 writes both names
SCHEMA_VERSION = 2


def action_for(category: str | None) -> str | None:
    return CATEGORIES.get(category) if category else None


class StepFailure(Exception):
    """A step ended an account with a known category (never a raw Playwright error)."""

    def __init__(self, category: str, message: str, **details: Any):
        assert category in CATEGORIES, category
        super().__init__(message)
        self.category = category
        self.message = message
        self.details = details
        self.page_card: str | None = None  # page.json, when one was written (runner/run/pageread.py)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class StepResult:
    name: str
    doc: str | None
    status: str  # passed | failed | skipped
    duration_ms: int
    screenshot: str | None = None
    message: str | None = None


@dataclass
class Failure:
    category: str
    message: str
    step: str | None
    action: str | None = None
    # what the category leaves to say: the URL, AADSTS code, Correlation ID...; a page load given up
    # after its network retries says how many loads it tried under `navigation_tries`
    details: dict[str, Any] = field(default_factory=dict)
    # the page card's reference: page.json in the account's folder (relative to the report folder), what
    # the page the runner did not understand looked like and the proposed fix (runner/run/pageread.py);
    # on page_changed, on a sign-in timeout and at the tenant confirmation
    page_card: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        raw = known_fields(cls, data)
        details = dict(raw.get("details") or {})
        if "attempts" in details:  # schema 1's name (and 2's deprecated alias) for the page loads tried
            details.setdefault("navigation_tries", details.pop("attempts"))
        return cls(**{"category": "error", "message": "", "step": None, **raw, "details": details})

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if "navigation_tries" in self.details:  # deprecated alias (schema 1), written for one more release
            out["details"]["attempts"] = self.details["navigation_tries"]
        return out


@dataclass
class Try:
    """One try of an account that ran more than once (--retries, runner/run/retry.py): its answer and
    its evidence, set aside under `<account>/attempt-N/` when a later try followed. report.json lists
    them under `tries` (schema 1: `attempts`, each numbered `attempt`)."""

    number: int
    status: str
    category: str | None = None
    message: str | None = None
    step: str | None = None
    started_at: str | None = None
    duration_ms: int = 0
    final_url: str | None = None
    screenshot: str | None = None  # the failed step's, the one to open first
    screenshots: list[str] = field(default_factory=list)
    trace: str | None = None
    video: str | None = None
    page_card: str | None = None  # a sign-in that timed out leaves one
    changed: list[str] = field(default_factory=list)  # what this try changed in the account (RunResult.changed)

    @classmethod
    def of(cls, result: RunResult, number: int) -> Try:
        failure = result.failure
        return cls(number, result.status, failure.category if failure else None, failure.message if failure else None,
                   failure.step if failure else None, result.started_at, result.duration_ms, result.final_url,
                   result.failure_screenshot(), [s.screenshot for s in result.steps if s.screenshot], result.trace,
                   result.video, failure.page_card if failure else None, list(result.changed))

    @property
    def evidence(self) -> list[str]:
        """The files this try left (relative to the report folder)."""
        return [f for f in (*self.screenshots, self.trace, self.video, self.page_card) if f]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Try:
        raw = known_fields(cls, data)
        raw.setdefault("number", data.get("attempt") or 0)  # schema 1 numbered a try `attempt`
        raw["screenshots"] = [str(s) for s in raw.get("screenshots") or []]
        return cls(**{"status": "failed", **raw})

    def v1_dict(self) -> dict[str, Any]:
        """The try as schema 1 wrote it (`attempts[]`), the deprecated alias."""
        out = asdict(self)
        return {"attempt": out.pop("number"), **out}


@dataclass
class Side:
    """One image of a check, as the report records it: the source, the hash, the saved image, or the error."""

    source: str
    hash: str | None = None
    image: str | None = None  # the saved picture, relative to the report folder (beside the screenshots)
    error: str | None = None
    label: str | None = None  # what the image is, from the flow (e.g. Exchange's copy)


@dataclass
class Outcome:
    """What a flow's check (compare_images, runner/checks/) found: the run's `outcome` in report.json."""

    status: str  # one of OUTCOMES
    reference: Side
    candidate: Side
    distance: int | None = None
    threshold: int | None = None
    checked_at: str = field(default_factory=now_iso)
    checks: int = 1  # how many times the candidate was checked (--until-synced re-checks); schema 1: `attempts`
    message: str = ""
    # the sync's timing (checks/outcome.py), when the check stands on the page of the documented visit: when
    # that page loaded, and with --until-synced, how many seconds after it SharePoint's copy was first
    # found synced (and last found not_yet: the sync came in between)
    visited_at: str | None = None
    synced_after_s: float | None = None
    last_not_yet_s: float | None = None
    # image fetches tried again after a network error or a 5xx (each counted once per retry)
    fetch_retries: int = 0

    def __post_init__(self) -> None:
        assert self.status in OUTCOMES, self.status

    @property
    def images(self) -> list[str]:
        """The two pictures the check saved (relative to the report folder)."""
        return [side.image for side in (self.reference, self.candidate) if side.image]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome | None:
        if data.get("status") not in OUTCOMES:
            return None
        raw = known_fields(cls, data)
        raw.setdefault("checks", data.get("attempts") or 1)  # schema 1's name
        for key in ("reference", "candidate"):
            side = data.get(key) if isinstance(data.get(key), dict) else {}
            raw[key] = Side(**{"source": "", **known_fields(Side, side)})
        return cls(**raw)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "attempts": self.checks}  # `attempts`: deprecated alias (schema 1)


@dataclass
class GeneratedPhoto:
    """`photo: generate`: the picture made for an account (runner/checks/pictures.py) and how far it is
    from the earlier generated ones, which the check must never mistake it for."""

    file: str  # relative to the report folder
    seed: int
    hashes: list[str]  # the pHashes of the picture and its small crops
    compared_with: int = 0  # earlier generated pictures it was measured against
    nearest_distance: int | None = None
    threshold: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GeneratedPhoto | None:
        if not data.get("file"):
            return None
        raw = known_fields(cls, data)
        raw["hashes"] = [str(h) for h in raw.get("hashes") or []]
        return cls(**{"seed": 0, **raw})


@dataclass
class Interrupt:
    """A page Microsoft put into the sign-in (runner/signin/interrupts.py), what the run did there
    (snoozed, action_required, row), when, what was pressed, and in which try when the account ran more
    than once (--retries: every try's are kept, each really happened): later runs count the snoozes."""

    kind: str
    action: str
    at: str
    detail: str | None = None
    try_number: int | None = None


@dataclass
class RunResult:
    account: str
    status: str  # passed | failed | error | skipped
    duration_ms: int
    final_url: str | None
    failure: Failure | None
    steps: list[StepResult] = field(default_factory=list)
    started_at: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    trace: str | None = None
    video: str | None = None
    # what a flow's check found (a compare_images step); None when the flow has no check
    outcome: Outcome | None = None
    # `photo: generate`: the picture made for this account
    generated_photo: GeneratedPhoto | None = None
    # --retries: every try of an account that ran more than once, in order, the last being this run's own
    # answer; empty when the first try was the answer. `flaky`: passed after a failed try.
    tries: list[Try] = field(default_factory=list)
    flaky: bool = False
    # what this run changed in the account: the `changes:` of every step that passed (e.g. ["profile
    # photo"]), any try's; a failure after such a step is told beside it, never as a plain failure
    changed: list[str] = field(default_factory=list)
    interrupts: list[Interrupt] = field(default_factory=list)  # what the sign-in met, in order (Interrupt)

    def failure_screenshot(self) -> str | None:
        """The screenshot of the step that failed (the last failed step that has one)."""
        return next((s.screenshot for s in reversed(self.steps) if s.status == "failed" and s.screenshot), None)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """A run of report.json, schema 1 or 2 (or a newer one: unknown fields are ignored)."""
        raw = known_fields(cls, data)
        failure, outcome, photo = raw.get("failure"), raw.get("outcome"), raw.get("generated_photo")
        raw["failure"] = Failure.from_dict(failure) if isinstance(failure, dict) else None
        raw["outcome"] = Outcome.from_dict(outcome) if isinstance(outcome, dict) else None
        raw["generated_photo"] = GeneratedPhoto.from_dict(photo) if isinstance(photo, dict) else None
        step_default = {"doc": None, "status": "passed", "duration_ms": 0}
        raw["steps"] = [StepResult(**{**step_default, **known_fields(StepResult, s)}) for s in raw.get("steps") or []
                        if isinstance(s, dict) and s.get("name") is not None]
        tries = data.get("tries") if "tries" in data else data.get("attempts")  # schema 1: `attempts`
        raw["tries"] = [Try.from_dict(t) for t in tries or [] if isinstance(t, dict)]
        raw["interrupts"] = [Interrupt(**known_fields(Interrupt, i)) for i in raw.get("interrupts") or []
                             if isinstance(i, dict) and {"kind", "action", "at"} <= i.keys()]
        return cls(**{"status": "error", "duration_ms": 0, "final_url": None, **raw})

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(failure=self.failure.to_dict() if self.failure else None, steps=[asdict(s) for s in self.steps],
                   outcome=self.outcome.to_dict() if self.outcome else None,
                   generated_photo=asdict(self.generated_photo) if self.generated_photo else None,
                   tries=[asdict(t) for t in self.tries], interrupts=[asdict(i) for i in self.interrupts])
        out["attempts"] = [t.v1_dict() for t in self.tries]  # deprecated alias (schema 1), for one more release
        return out


@dataclass
class Report:
    flow: str
    source: str | None
    flow_file: str
    started_at: str
    finished_at: str | None = None
    runs: list[RunResult] = field(default_factory=list)
    interrupted: bool = False
    # `run --doc-check`: when the flow's `doc:` wording was checked against its article, and the
    # answer (runner/checks/doccheck/ run_summary); None when not checked
    doc_check: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        """The counts; with `outcomes` (how many accounts' check found each outcome) when a run has one."""
        passed = sum(r.status == "passed" for r in self.runs)
        skipped = sum(r.status == "skipped" for r in self.runs)
        counts: dict[str, Any] = {"total": len(self.runs), "passed": passed,
                                  "failed": len(self.runs) - passed - skipped, "skipped": skipped}
        flaky = sum(r.flaky and r.status == "passed" for r in self.runs)
        if flaky:  # passed after a failed try (--retries); counted in `passed` too
            counts["flaky"] = flaky
        checked = [r.outcome.status for r in self.runs if r.outcome is not None]
        if checked:
            counts["outcomes"] = {status: checked.count(status) for status in OUTCOMES if status in checked}
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "flow": self.flow,
            "source": self.source,
            "flow_file": self.flow_file,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "summary": self.summary(),
            "interrupted": self.interrupted,
            "runs": [r.to_dict() for r in self.runs],
            "doc_check": self.doc_check,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """report.json back into a Report: any schema version (1 has none), unknown fields ignored."""
        runs = [RunResult.from_dict(r) for r in data.get("runs") or [] if isinstance(r, dict)]
        extra = {k: v for k, v in known_fields(cls, data).items()
                 if k not in ("flow", "source", "flow_file", "started_at", "finished_at", "runs")}
        return cls(flow=str(data.get("flow") or "?"), source=data.get("source"),
                   flow_file=str(data.get("flow_file") or ""), started_at=str(data.get("started_at") or ""),
                   finished_at=data.get("finished_at"), runs=runs, **extra)


def known_fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of `data` that `cls` has: report.json only gains fields, and an older version reads it."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def write_json_atomic(path: Path, data: Any, durable: bool = True) -> None:
    """Write JSON via a temp file and rename, so a reader (or a crash) never sees half a file.
    `durable`: on disk before the rename (fsync), so that a power cut cannot lose it either; without
    it a killed process still loses nothing (the system writes it out), at a fraction of the cost."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def slug(text: str) -> str:
    """An account's folder name in the report (and a screenshot's file name)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80] or "x"


def default_report_dir(base: Path = Path("m365-replay-results")) -> Path:
    """A new timestamped folder under m365-replay-results/ (never an earlier run's)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = base / stamp
    n = 1
    while path.exists():
        n += 1
        path = base / f"{stamp}-{n}"
    return path
