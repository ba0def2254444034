"""doc-check, reporting: one flow's check as doc-check.json's entry, as the summary `run
--doc-check` records in report.json, as the terminal's table, and as the message `--notify` sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...reporters.notify import MAX_LISTED, Message, report_link
from .match import FlowCheck, NewText


def quote_dicts(check: FlowCheck) -> list[dict[str, Any]]:
    """Each quote's verdict, as doc-check.json and report.json's `doc_check` hold it."""
    return [{
        "verdict": v.verdict,
        "score": v.score,
        "doc": v.text,
        "steps": [q.step.name for q in v.quotes],
        "at": [q.where for q in v.quotes],
        "doc_locale": v.quotes[0].locale,
        "article": v.match.text if v.match and v.verdict != "missing" else None,
        "where": v.match.where if v.match and v.verdict != "missing" else None,
        "section": v.match.section if v.match and v.verdict != "missing" else None,
        "english_original": bool(v.match and v.match.original and v.verdict != "missing"),
        "diff": v.diff() if v.verdict == "changed" else None,
    } for v in check.verdicts]


def new_dicts(items: list[NewText]) -> list[dict[str, Any]]:
    return [{"where": n.where, "text": n.text, "whole_step": n.whole_step, "section": n.section} for n in items]


def other_procedures(check: FlowCheck) -> list[str]:
    """The names of the article's procedures the flow does not replay, in the article's order."""
    doc = check.document
    if doc is None:
        return []
    return list(dict.fromkeys(doc.procedures[n.procedure] for n in check.others if n.procedure is not None))


def check_to_dict(check: FlowCheck, all_steps: bool = False) -> dict[str, Any]:
    """One flow's entry of doc-check.json (and, shortened, of report.json's `doc_check`)."""
    doc = check.document
    data = {
        "flow": check.flow.name,
        "flow_file": str(check.flow.path),
        "source": check.flow.source,
        "url": check.url,
        "fetched_url": doc.url if doc else None,
        "locale": check.locale,
        "document_locale": doc.locale if doc else None,
        "title": doc.title if doc else None,
        "checked_at": check.checked_at,
        "threshold": check.threshold,
        "result": check.result,
        "error": check.error,
        "counts": check.counts,
        "article_date": doc.date if doc else None,
        "quotes": quote_dicts(check),
        "new": new_dicts(check.new),
        # the article's procedures this flow does not replay: not its drift
        "other_procedures": other_procedures(check),
    }
    if all_steps:
        data["other_steps"] = new_dicts(check.others)
    return data


def run_summary(check: FlowCheck) -> dict[str, Any]:
    """What `run --doc-check` records in report.json: when the wording was checked, and the answer."""
    doc = check.document
    return {"checked_at": check.checked_at, "url": check.url, "locale": check.locale, "result": check.result,
            "counts": check.counts, "threshold": check.threshold, "error": check.error,
            "drift": check.drift_lines()[:20],
            # for report.html: the article, each quote's verdict with the article's sentence and the diff
            "title": doc.title if doc else None, "fetched_url": doc.url if doc else None,
            "article_date": doc.date if doc else None,
            "quotes": quote_dicts(check), "new": new_dicts(check.new)}


def table(check: FlowCheck, all_steps: bool = False) -> list[str]:
    """The terminal's view: one row per quote and per new text, diffs under the changed ones; the
    other procedures' steps as context rows with `all_steps`, else one line naming them."""
    doc = check.document
    lines = [f"{check.flow.name} ({check.flow.path})",
             f"  article: {doc.url if doc else check.url}"
             + (f" [{doc.locale}]" if doc and doc.locale else "") + (f" \"{doc.title}\"" if doc and doc.title else "")]
    if check.locale and doc and doc.locale and doc.locale.split("-")[0] != check.locale.split("-")[0]:
        lines.append(f"  note: asked for {check.locale}, the site answered in {doc.locale}")
    if check.error:
        lines.append(f"  ERROR {check.error}")
        return lines
    rows = []
    for v in check.verdicts:
        step = " + ".join(q.step.name for q in v.quotes)
        where = (v.match.where + (" (English original)" if v.match.original else "")) \
            if v.match and v.verdict != "missing" else "-"
        rows.append((v.verdict, step, where, f"{v.score:.0f}", v))
    rows += [("new", "-", n.where, "", n) for n in check.new]
    if all_steps:
        rows += [("other", "-", n.where, "", n) for n in check.others]
    if not rows:
        lines.append("  (no `doc:` quotes and no numbered steps)")
        return lines
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for verdict, step, where, score, item in rows:
        lines.append(f"  {verdict:<{widths[0]}}  {step:<{widths[1]}}  {where:<{widths[2]}}  {score:>{widths[3]}}"
                     .rstrip())
        if isinstance(item, NewText):
            lines.append(f"      article: {item.text}")
        elif item.verdict == "changed":
            lines.append(f"      flow:    {item.text}  ({', '.join(q.where for q in item.quotes)})")
            lines.append(f"      article: {item.match.text if item.match else ''}")
            lines.append(f"      diff:    {item.diff()}")
        elif item.verdict == "missing":
            lines.append(f"      flow:    {item.text}  ({', '.join(q.where for q in item.quotes)})")
    others = other_procedures(check)
    if others and not all_steps:
        lines.append(f"  not this flow's: {len(check.others)} steps of {len(others)} other procedures "
                     f"({'; '.join(others)}); --all-steps lists them")
    counts = check.counts
    lines.append(f"  {'no drift' if check.result == 'same' else 'DRIFT'}: {counts['same']} same, "
                 f"{counts['changed']} changed, {counts['missing']} missing, {counts['new']} new")
    return lines


def doc_check_message(checks: list[FlowCheck], changes: list[str], out: Path,
                      report_url: str | None = None) -> Message:
    """The message about a doc-check: which flows drifted and how, and where doc-check.json is."""
    drifted = [c for c in checks if c.result != "same"]
    state = "drift" if any(c.result == "drift" for c in checks) else "error" if drifted else "no drift"
    title = f"m365-replay doc-check: {state} ({len(checks) - len(drifted)}/{len(checks)} flows match their article)"
    lines: list[str] = []
    for check in checks:
        counts = check.counts
        if check.error:  # no counts: nothing was compared
            lines.append(f"**{check.flow.name}**: could not check: {check.error}")
        else:
            lines.append(f"**{check.flow.name}**: {'no drift' if check.result == 'same' else check.result.upper()} "
                         f"({counts['same']} same, {counts['changed']} changed, {counts['missing']} missing, "
                         f"{counts['new']} new)")
        if check.url:
            lines.append(f"Article: {check.url}")
        findings = check.drift_lines() if not check.error else []
        lines += [f"- {line}" for line in findings[:MAX_LISTED]]
        if len(findings) > MAX_LISTED:
            lines.append(f"- … and {len(findings) - MAX_LISTED} more")
    if changes:
        lines += ["", "Since the previous check:"] + [f"- {change}" for change in changes[:MAX_LISTED]]
    links = [f"Details: {report_link(out, report_url)}"]
    return Message(title, lines, failed=bool(drifted), changed=bool(changes), links=links)
