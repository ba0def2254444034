"""report.html: the one file a person opens to read a run — offline, in any browser.

Screenshots stay beside it in the report folder (relative links), so the page is small even for
thousands of accounts, and opens from a zip, a file share or a CI artifact without a network.
Everything shown passes through the redactor and Jinja's autoescaping.
"""

from __future__ import annotations

import html
import os
import re
import shlex
from collections import Counter
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
from markupsafe import Markup

from ..core.redact import redact
from ..core.results import CATEGORIES, Failure, Outcome, Report, RunResult, Side
from .history import changed_text, sync_time_text
from .pagecard import card_lines, load_card

HTML_FILE = "report.html"
BADGES = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP"}


@lru_cache(maxsize=65536)
def _escape_text(text: str) -> str:
    return html.escape(text, quote=True)


def escape_output(value: object) -> str:
    """Every `{{ … }}` of the template goes through here (Jinja's `finalize`), so all output is
    escaped as autoescaping would, but memoized: step names, docs and categories repeat across
    thousands of accounts, and Markup-based autoescaping was most of the render time."""
    if value is None:
        return ""
    if isinstance(value, Markup):  # built by a filter below from escaped text
        return str(value)
    return _escape_text(value if isinstance(value, str) else str(value))


TICKS_RE = re.compile(r"`([^`\n]+)`")
# where a long address may wrap: after / ? & = # (not in or after the scheme's "//"), before an encoded slash
URL_BREAK_RE = re.compile(r"(?<=[/?&=#])(?<!//)(?!/)|(?=%2[Ff])")


def code_spans(value: object) -> Markup:
    """Messages and advice quote commands in Markdown's backticks (`m365-replay creds set ACCOUNT`):
    shown as code, not as backticks. The text is escaped first; a backtick is never escaped."""
    return Markup(TICKS_RE.sub(r"<code>\1</code>", escape_output(value)))


def wrap_url(value: object) -> Markup:
    """An address that may wrap at its separators (<wbr>) rather than in the middle of a word."""
    if value is None:
        return Markup("")
    return Markup("<wbr>".join(escape_output(part) for part in URL_BREAK_RE.split(str(value))))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("runner.reporters", "templates"),
                             autoescape=False, finalize=escape_output, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(code=code_spans, url=wrap_url)
    return env


def seconds(ms: int | float | None) -> str:
    if ms is None:
        return ""
    s = ms / 1000
    if s < 60:
        return f"{s:.1f} s"
    return f"{int(s // 60)} min {int(s % 60)} s"


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def when(text: str | None) -> str:
    moment = parse_time(text)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else (text or "")


def run_duration_ms(report: Report) -> int | None:
    start, end = parse_time(report.started_at), parse_time(report.finished_at)
    if start and end:
        return int((end - start).total_seconds() * 1000)
    return None


def trace_command(base: str, trace: str | None) -> str | None:
    """The exact command to paste, with an absolute path (`base`, the resolved report folder):
    the page may be opened from anywhere."""
    if not trace:
        return None
    return f"playwright show-trace {shlex.quote(os.path.join(base, trace))}"


AADSTS_RE = re.compile(r"\bAADSTS\d{4,}\b")


def aadsts_code(failure: Failure | None) -> str | None:
    """The AADSTS code the sign-in gave: recorded in the details from an error page, else quoted in
    the message (the password page reports a wrong password inline)."""
    if failure is None:
        return None
    if failure.details.get("aadsts"):
        return str(failure.details["aadsts"])
    found = AADSTS_RE.search(failure.message or "")
    return found.group(0) if found else None


def card_view(report_dir: Path, run: RunResult, index: int) -> SimpleNamespace | None:
    """The failure's page card (page.json), for the account's panel: the proposed fix in a block to
    copy, then the card's other lines."""
    failure = run.failure
    card = load_card(report_dir, failure.page_card) if failure is not None else None
    if card is None or failure is None:
        return None
    row = card.sign_in.proposed_row_yaml if card.sign_in is not None else None
    lines = card_lines(card, row_apart=bool(row))
    return SimpleNamespace(path=failure.page_card, page=lines[0], lines=[redact(line) for line in lines[1:]],
                           row=redact(row), edit=card.flow.proposed_edit if card.flow is not None else None,
                           explain=f"m365-replay explain {shlex.quote(str(report_dir))} --account {run.account}")


def run_view(run: RunResult, base: str, index: int, report_dir: Path | None = None) -> SimpleNamespace:
    """What the template shows for one account. Attribute objects rather than dicts: Jinja
    tries attribute access first, and 10,000 accounts make the difference measurable."""
    failure = run.failure
    details = failure.details if failure else {}
    return SimpleNamespace(**{
        "index": index,
        "account": run.account,
        "status": run.status,
        "badge": "FLAKY" if run.flaky and run.status == "passed" else BADGES.get(run.status, run.status.upper()),
        "flaky": run.flaky and run.status == "passed",
        "tries": tries_view(run),
        "duration": seconds(run.duration_ms),
        "category": failure.category if failure else None,
        "action": (failure.action or CATEGORIES.get(failure.category)) if failure else None,
        "message": redact(failure.message) if failure else None,
        "failed_step": failure.step if failure else None,
        "changed": ", ".join(run.changed) if changed_text(run) else None,
        "changed_text": changed_text(run),
        "aadsts": aadsts_code(failure),
        "correlation_id": details.get("correlation_id"),
        "error_time": details.get("timestamp"),
        "final_url": redact(run.final_url),
        "started_at": when(run.started_at),
        "inputs": run.inputs,
        "warnings": [redact(w) for w in run.warnings],
        "trace": run.trace,
        "trace_command": trace_command(base, run.trace),
        "video": run.video,
        "outcome": outcome_view(run.outcome),
        "card": card_view(report_dir, run, index) if report_dir is not None else None,
        "sync_time": sync_time_text(run.outcome),
        "generated_photo": run.generated_photo,
        "steps": [SimpleNamespace(name=s.name, doc=s.doc, status=s.status, duration=seconds(s.duration_ms),
                                  screenshot=s.screenshot, message=redact(s.message)) for s in run.steps],
    })


def tries_view(run: RunResult) -> list[SimpleNamespace]:
    """The earlier tries of an account run more than once (--retries): what each ended with, and its
    evidence (set aside under <account>/attempt-N/)."""
    return [SimpleNamespace(attempt=t.number, category=t.category, step=t.step, message=redact(t.message),
                            duration=seconds(t.duration_ms), started_at=when(t.started_at), screenshot=t.screenshot,
                            trace=t.trace, video=t.video)
            for t in run.tries[:-1]]


def outcome_view(outcome: Outcome | None) -> SimpleNamespace | None:
    """A check's answer for the template: the status, its sentence, and the two images side by side."""
    if outcome is None:
        return None

    def side(key: str, data: Side) -> SimpleNamespace:
        return SimpleNamespace(source=redact(data.source), hash=data.hash, image=data.image,
                               error=redact(data.error), key=key, label=data.label or key)

    return SimpleNamespace(status=outcome.status, message=redact(outcome.message), distance=outcome.distance,
                           threshold=outcome.threshold, checks=outcome.checks, checked_at=when(outcome.checked_at),
                           sides=[side("reference", outcome.reference), side("candidate", outcome.candidate)])


DIFF_RE = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}")
DOC_CHECK_LABELS = {"same": "no drift", "drift": "DRIFT", "error": "could not check"}


def diff_parts(diff: str | None) -> list[tuple[str, str]]:
    """doc-check's word diff (`go to [-Office.com.-] {+Microsoft365.com.+}`) as (kind, text) parts:
    equal, del (the flow's words) and ins (the article's)."""
    parts: list[tuple[str, str]] = []
    position = 0
    for found in DIFF_RE.finditer(diff or ""):
        if found.start() > position and (text := diff[position:found.start()].strip()):  # type: ignore[index]
            parts.append(("equal", text))
        parts.append(("del", found.group(1)) if found.group(1) is not None else ("ins", found.group(2)))
        position = found.end()
    if diff and (rest := diff[position:].strip()):
        parts.append(("equal", rest))
    return parts


def doc_check_view(check: dict[str, Any] | None) -> SimpleNamespace | None:
    """`run --doc-check`'s answer in report.json (a plain dict: reporters do not import the check) for
    the template: the verdict, the article, and per quote the article's sentence and the diff. A
    report from before the quotes were recorded shows its drift lines."""
    if not isinstance(check, dict) or not check.get("result"):
        return None
    counts = check.get("counts") if isinstance(check.get("counts"), dict) else {}
    quotes = [SimpleNamespace(
        verdict=str(q.get("verdict")), score=q.get("score"), steps=" + ".join(map(str, q.get("steps") or [])),
        doc=redact(q.get("doc")), where=redact(q.get("where")), article=redact(q.get("article")),
        diff=diff_parts(redact(q.get("diff")))) for q in check.get("quotes") or [] if isinstance(q, dict)]
    new = [SimpleNamespace(where=redact(n.get("where")), text=redact(n.get("text")))
           for n in check.get("new") or [] if isinstance(n, dict)]
    return SimpleNamespace(
        result=str(check["result"]), label=DOC_CHECK_LABELS.get(str(check["result"]), str(check["result"])),
        checked_at=when(check.get("checked_at")), url=redact(check.get("fetched_url") or check.get("url")),
        title=redact(check.get("title")), article_date=check.get("article_date"), error=redact(check.get("error")),
        # a check that could not be made has no counts: it says so once, with the reason
        counts=", ".join(f"{counts.get(k, 0)} {k}" for k in ("same", "changed", "missing", "new"))
        if counts and check["result"] != "error" else "",
        quotes=quotes, new=new,
        drift=[redact(line) for line in check.get("drift") or []] if not quotes and check["result"] != "error" else [])


def render_html(report: Report, report_dir: Path, changes: list[str] | None = None,
                previous: Path | None = None, sync_times: list[str] | None = None) -> str:
    summary = report.summary()
    categories = Counter(r.failure.category for r in report.runs if r.failure and r.status != "passed")
    duration = run_duration_ms(report)
    base = str(report_dir.resolve())
    page = environment().get_template("report.html.j2")
    return page.render(
        report=report, summary=summary,
        categories=[(c, n, CATEGORIES.get(c, "")) for c, n in categories.most_common()],
        started=when(report.started_at), finished=when(report.finished_at) if report.finished_at else None,
        duration=seconds(duration) if duration is not None else None,
        runs=[run_view(run, base, i, report_dir) for i, run in enumerate(report.runs)],
        changes=changes or [], previous=str(previous) if previous else None,
        doc_check=doc_check_view(report.doc_check),
        sync_times=sync_times or [],
    )


def write_html(report: Report, report_dir: Path, changes: list[str] | None = None,
               previous: Path | None = None, sync_times: list[str] | None = None) -> Path:
    target = report_dir / HTML_FILE
    text = render_html(report, report_dir, changes, previous, sync_times)
    tmp = target.with_name(f".{HTML_FILE}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target
