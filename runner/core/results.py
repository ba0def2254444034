"""Results of a run: the report contract other tools read, and the failure categories.

Each category carries the helpdesk's next action, so a failed account is a to-do item rather
than a puzzle. The JSON shape here is a published contract (README, "Report"): add fields,
never rename them.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
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
        self.page_card: str | None = None  # page.json, when one was written (runner/run/pagecard.py)


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
    details: dict[str, Any] = field(default_factory=dict)
    # page.json in the account's folder (relative to the report folder): what the page the runner did
    # not understand looked like, and the proposed fix (runner/run/pagecard.py); on page_changed, and
    # on a sign-in timeout
    page_card: str | None = None


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
    # what a flow's check found (a compare_images step, runner/checks/photos.py): status (OUTCOMES),
    # reference, candidate, distance, threshold, checked_at, attempts; None when the flow has no check
    outcome: dict[str, Any] | None = None
    # `photo: generate`: the picture made for this account (runner/checks/pictures.py): file (relative to
    # the report folder), seed, hashes, compared_with (earlier pictures), nearest_distance, threshold
    generated_photo: dict[str, Any] | None = None
    # --retries: every try of an account that ran more than once, in order (runner/run/retry.py: attempt,
    # status, category, message, step, started_at, duration_ms, screenshots, trace, video), the last being
    # this run's own answer; empty when the first try was the answer. `flaky`: passed after a failed try.
    attempts: list[dict[str, Any]] = field(default_factory=list)
    flaky: bool = False


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
        counts: dict[str, Any] = {
            "total": len(self.runs),
            "passed": passed,
            "failed": len(self.runs) - passed - skipped,
            "skipped": skipped,
        }
        flaky = sum(r.flaky and r.status == "passed" for r in self.runs)
        if flaky:  # passed after a failed try (--retries); counted in `passed` too
            counts["flaky"] = flaky
        checked = [r.outcome["status"] for r in self.runs if isinstance(r.outcome, dict) and r.outcome.get("status")]
        if checked:
            counts["outcomes"] = {status: checked.count(status) for status in OUTCOMES if status in checked}
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "source": self.source,
            "flow_file": self.flow_file,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "summary": self.summary(),
            "interrupted": self.interrupted,
            "runs": [asdict(r) for r in self.runs],
            "doc_check": self.doc_check,
        }


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
