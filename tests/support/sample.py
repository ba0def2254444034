"""Synthetic reports with every kind of outcome, for the report benchmark and the report tests:
rendering must be checked on thousands of accounts and on every failure shape without paying
for a browser run each time."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from runner.core.results import CATEGORIES, Failure, Report, RunResult, StepResult, Try, slug

DOCS = [
    ("Go to Office.com", "Open a web browser in an In-Private or Incognito session and go to Office.com."),
    ("Sign in with the work or school account", "Sign in with their work or school account,"),
    ("Click the OneDrive tile", "and click the OneDrive or SharePoint tile."),
    ("Wait for OneDrive to load", None),
]
SOURCE = "https://support.microsoft.com/office/cd7196af-3ed9-42e6-b594-f51ad265fd63"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, so tests have real pictures without a browser."""
    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def sample_run(i: int, account: str | None = None, kind: str | None = None) -> RunResult:
    """Account i of a synthetic run; `kind` is passed, bad_credentials, page_changed, error or skipped."""
    kinds = ["passed", "passed", "bad_credentials", "passed", "page_changed", "passed", "error", "skipped"]
    kind = kind or kinds[i % len(kinds)]
    account = account or f"user{i:05d}@contoso.com"
    folder = slug(account)
    steps = []
    fail_at = {"bad_credentials": 1, "page_changed": 2, "error": 0}.get(kind)
    for n, (name, doc) in enumerate(DOCS):
        if kind == "skipped" or (fail_at is not None and n > fail_at):
            break
        status = "failed" if n == fail_at else "passed"
        shot = f"{folder}/{n + 1:02d}-{slug(name)}.png" if doc or status == "failed" else None
        message = None
        if status == "failed":
            message = {"bad_credentials": "The password was not accepted (AADSTS50126).",
                       "page_changed": "Expected the OneDrive tile to be visible, it was not.",
                       "error": "RuntimeError: something unexpected"}[kind]
        steps.append(StepResult(name, doc, status, 150 + 37 * n + i % 100, shot, message))
    failure = None
    status = "passed"
    if kind != "passed":
        category = {"skipped": "interrupted"}.get(kind, kind)
        status = {"skipped": "skipped", "error": "error"}.get(kind, "failed")
        details = {}
        if kind == "bad_credentials":
            details = {"aadsts": "AADSTS50126", "correlation_id": f"6f1c2b7e-0000-4000-8000-{i:012d}",
                       "timestamp": "2026-11-25T10:15:03Z", "url": "https://login.microsoftonline.com/common/login"}
        message = steps[-1].message if steps and steps[-1].message else "Not started: the run was stopped."
        failure = Failure(category, message, steps[-1].name if steps else None, CATEGORIES[category], details)
    final = {"passed": "https://contoso-my.sharepoint.com/personal/x/_layouts/15/onedrive.aspx",
             "bad_credentials": "https://login.microsoftonline.com/common/login",
             "page_changed": "https://www.microsoft365.com/?auth=2"}.get(kind)
    trace = f"{folder}/trace.zip" if status in ("failed", "error") else None
    return RunResult(account=account, status=status, duration_ms=sum(s.duration_ms for s in steps), final_url=final,
                     failure=failure, steps=steps, started_at=f"2026-11-25T10:15:{i % 60:02d}.000Z",
                     inputs={"tile": "OneDrive"}, trace=trace)


def sample_report(count: int = 8, accounts: list[str] | None = None, kinds: list[str] | None = None,
                  started_at: str = "2026-11-25T10:15:00.000Z") -> Report:
    names = accounts or [None] * count  # type: ignore[list-item]
    runs = [sample_run(i, name, kinds[i] if kinds else None) for i, name in enumerate(names)]
    return Report(flow="Sync a user's profile picture", source=SOURCE, flow_file="flows/sync-profile-photo.yaml",
                  started_at=started_at, finished_at="2026-11-25T10:16:09.120Z", runs=runs)


def write_artifacts(report: Report, report_dir: Path) -> None:
    """Real PNG screenshots (and a stand-in trace) where the report says they are."""
    colours = [(0, 120, 212), (16, 124, 16), (197, 15, 31), (255, 185, 0)]
    for run in report.runs:
        for n, step in enumerate(run.steps):
            if step.screenshot:
                path = report_dir / step.screenshot
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(png(640, 400, colours[n % len(colours)]))
        if run.trace:
            (report_dir / run.trace).parent.mkdir(parents=True, exist_ok=True)
            (report_dir / run.trace).write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip


def sample_retried(run: RunResult, failed_tries: int = 1, category: str = "unreachable") -> RunResult:
    """`run` as the last of several tries (--retries): its earlier tries ended `category` at the first
    step, their screenshots set aside under <account>/attempt-N/; a passed run becomes flaky."""
    folder = slug(run.account)
    earlier = []
    for n in range(1, failed_tries + 1):
        shot = f"{folder}/attempt-{n}/01-failure.png"
        earlier.append(Try(n, "failed", category, "https://www.office.com/ answered HTTP 503.", DOCS[0][0],
                           run.started_at, 900 + n, "https://www.office.com/", shot, [shot],
                           f"{folder}/attempt-{n}/trace.zip"))
    run.tries = [*earlier, Try.of(run, failed_tries + 1)]
    run.flaky = run.status == "passed"
    return run
