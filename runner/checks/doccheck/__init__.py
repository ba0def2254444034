"""`m365-replay doc-check`: does each flow still quote the article it replays?

A flow passes as long as Microsoft's pages behave; it cannot notice that Microsoft rewrote the
procedure. doc-check fetches a flow's `source:` article, extracts its numbered steps, and matches
every step's `doc:` quote against them, so that the nightly check fails on the article changing too.

One module per job, in the order a check runs: fetch.py (the localized address, the
download), read.py (HTML or Markdown into procedures and steps: how a document is read, with
docfx.py for Microsoft's Markdown extensions, sections.py for sections, pointers and notes, text.py
for a block's text), match.py (the verdicts: how quotes are matched), report.py (doc-check.json, the
summary in report.json, the terminal's table); this one ties them together for the `doc-check`
command and `run --doc-check`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...core.errors import UsageError
from .fetch import DocCheckError, fetch, localized_url, normalize_locale
from .match import THRESHOLD, FlowCheck, compare, documented_steps
from .read import not_an_article, read_document
from .report import check_to_dict, doc_check_message, run_summary, table

if TYPE_CHECKING:
    from ...core.model import Flow

# what other modules and the tests use of doc-check, whichever of its modules defines it
__all__ = ["DocCheckError", "FlowCheck", "check_flow", "command", "compare", "for_run", "localized_url",
           "normalize_locale", "read_document", "run_line"]


def check_flow(flow: Flow, locale: str | None = None, offline: Path | None = None,
               threshold: float = THRESHOLD) -> FlowCheck:
    """Fetch (or read `offline`) the flow's article and compare; a document that cannot be read is
    `error`, never a verdict."""
    from ...core.results import now_iso

    url = str(offline) if offline is not None else localized_url(flow.source or "", locale)
    check = FlowCheck(flow, url, locale, threshold, checked_at=now_iso())
    try:
        if offline is not None:
            try:
                body: bytes = offline.read_bytes()
            except OSError as exc:
                raise DocCheckError(f"cannot read {offline}: {exc.strerror or exc}") from None
            doc = read_document(body, str(offline), "")
        else:
            if not flow.source:
                raise DocCheckError("the flow has no `source:` (the article's URL) to check against")
            final, content_type, body = fetch(url, locale)
            doc = read_document(body, final, content_type)
        problem = not_an_article(doc)
        if problem:  # every quote would be "missing": drift, on a page that is no article at all
            raise DocCheckError(problem if offline is not None else f"{problem} (a sign-in or consent page?)")
    except DocCheckError as exc:
        check.error = str(exc)
        return check
    done = compare(flow, doc, threshold, locale)
    done.url, done.checked_at = url, check.checked_at
    return done


def previous_results(out: Path) -> dict[str, str]:
    """flow file -> result of the doc-check.json about to be replaced (the previous check)."""
    import json

    try:
        data = json.loads(out.read_text(encoding="utf-8"))
        return {str(f["flow_file"]): str(f["result"]) for f in data.get("flows", []) if isinstance(f, dict)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def command(files: tuple[str, ...], locale: str | None, offline: Path | None, threshold: float, out: Path,
            notify: tuple[str, ...] = (), notify_on: str = "failure-or-change",
            report_url: str | None = None, all_steps: bool = False) -> int:
    """`m365-replay doc-check`: 0 no drift, 1 drift, 2 bad input or an article that could not be read."""
    import click

    from ...core.results import now_iso, write_json_atomic
    from ...reporters.notify import check_urls, send, should_send
    from ...spec.catalog import resolve_flow
    from ...spec.flow import load_flow

    flows = [load_flow(resolve_flow(file)) for file in files]
    check_urls(notify)
    wanted = normalize_locale(locale) if locale else None
    checks = [check_flow(flow, wanted, offline, threshold) for flow in flows]
    for check in checks:
        for line in table(check, all_steps):
            click.echo(line)
    before = previous_results(out)
    changes = [f"{c.flow.name}: {before[str(c.flow.path)]} → {c.result}" for c in checks
               if str(c.flow.path) in before and before[str(c.flow.path)] != c.result]
    data = {"checked_at": now_iso(), "locale": wanted, "threshold": threshold,
            "drift": any(c.result == "drift" for c in checks), "flows": [check_to_dict(c, all_steps) for c in checks]}
    try:
        write_json_atomic(out, data)
        click.echo(f"Written: {out}")
    except OSError as exc:
        raise UsageError(f"Cannot write {out} ({exc.strerror or exc}); choose another --out") from None
    if notify:
        message = doc_check_message(checks, changes, out, report_url)
        if should_send(notify_on, message.failed, message.changed):
            for warning in send(notify, message):
                click.echo(f"warning: {warning}", err=True)
    if any(c.result == "drift" for c in checks):
        return 1
    return 2 if any(c.result == "error" for c in checks) else 0


def for_run(flow: Flow, locale: str | None, offline: Path | None = None) -> dict[str, Any]:
    """`run --doc-check`: the check's summary for report.json. The article is read in the run's
    --locale only when the flow quotes it in that language (`doc: {tr: ...}`); otherwise as its
    `source:` gives it, the language its single-string quotes are in."""
    wanted = normalize_locale(locale) if locale else None
    if wanted is not None:
        language = wanted.split("-")[0]
        quoted = {key.lower().split("-")[0] for step in documented_steps(flow) for key in (step.docs or {})}
        if language not in quoted:
            wanted = None
    return run_summary(check_flow(flow, wanted, offline))


def run_line(summary: dict[str, Any]) -> str:
    """The one line `run --doc-check` prints before the accounts start."""
    if summary["error"]:
        return f"Doc check: could not check ({summary['error']}); the run goes on."
    counts = ", ".join(f"{n} {k}" for k, n in summary["counts"].items() if n)
    verdict = "no drift" if summary["result"] == "same" else "DRIFT (run `m365-replay doc-check` for the details)"
    return f"Doc check of {summary['url']}: {verdict}; {counts}."
