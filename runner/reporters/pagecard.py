"""A page card (page.json, written by runner/run/pagecard.py) in words: the terminal prints its first
lines under the failed account, `m365-replay explain` prints all of it, report.html shows it.

The card is read from disk as plain JSON, so a reporter needs nothing but the report folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.errors import UsageError

HEAD = 6  # lines of a card the terminal prints under the account


def load_card(report_dir: Path, relative: str | None) -> dict[str, Any] | None:
    """The card a failure points to, or None when there is none (or it is not readable)."""
    if not relative:
        return None
    try:
        card = json.loads((report_dir / relative).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return card if isinstance(card, dict) else None


def _marks(card: dict[str, Any]) -> str:
    config = card.get("config") or {}
    marks = [f"PageID {card['page_id']!r}" if card.get("page_id") else "no PageID"]
    if config.get("pgid") and config.get("pgid") != card.get("page_id"):
        marks.append(f"pgid {config['pgid']!r}")
    if config.get("hpgid"):
        marks.append(f"hpgid {config['hpgid']}")
    if config.get("sErrorCode"):
        marks.append(f"sErrorCode {config['sErrorCode']}")
    return ", ".join(marks)


def _shown(marker: str, label: str | None) -> str:
    return f"{marker} ({label!r})" if label else marker


def card_lines(card: dict[str, Any], row_apart: bool = False) -> list[str]:
    """The card, most useful first: the page, the proposed fix, then what it was compared with.
    `row_apart`: the caller shows the proposed row as a block of its own (report.html), so the lines
    leave it out rather than repeat it flattened."""
    lines = [f"page: {card.get('title')!r} at {card.get('url')} ({_marks(card)})"]
    step = card.get("step") or {}
    if card.get("proposed_edit"):
        edit = card["proposed_edit"]
        lines.append(f"step {step.get('name')!r} ({edit['at']}) looked for {card.get('locator')}; proposed flow edit:")
        lines.append(f"  {edit['new']}")
        lines.append(f"  instead of {edit['old']}")
    elif card.get("locator"):
        lines.append(f"step {step.get('name')!r} ({step.get('file')}:{step.get('line')}) looked for "
                     f"{card['locator']}: nothing on the page looks like it")
    row = card.get("proposed_row") or {}
    if row and not row_apart:
        fix = f"click {row['click']}" if row.get("click") else f"fail {row.get('fail', {}).get('category')}"
        lines.append(f"proposed row {row.get('name')!r}: {fix} on the page with "
                     + ", ".join(f"{k} {v}" for k, v in (row.get("match") or {}).items())
                     + " (the whole row below; add it to a states file: --states FILE)")
    if card.get("buttons"):
        lines.append("buttons: " + ", ".join(_shown(b["marker"], b.get("label")) for b in card["buttons"][:8]))
    for candidate in card.get("candidates") or []:
        element = candidate.get("element") or {}
        lines.append(f"candidate: {_shown(candidate.get('marker') or element.get('role') or '?', element.get('label'))}"
                     f": {', '.join(candidate.get('why') or [])}")
    for like in card.get("resembles") or []:
        lines.append(f"resembles {like['state']} ({like['where']}): shows {', '.join(like['shows'])}"
                     + (f"; lacks {', '.join(like['lacks'])}" if like.get("lacks") else ""))
    if card.get("new_markers"):
        lines.append("only this page shows: " + ", ".join(card["new_markers"]))
    if card.get("proposed_row_yaml") and not row_apart:
        lines.append("proposed row for a sign-in states file (check that it clicks the button the user would press):")
        lines += [f"  {line}" for line in card["proposed_row_yaml"].rstrip("\n").splitlines()]
    elements = card.get("elements") or []
    if elements:
        lines.append(f"{len(elements)} visible elements: " + "; ".join(
            _shown(e.get("id") or e.get("name") or e.get("tag", "?"), e.get("label")) for e in elements[:12])
            + ("; …" if len(elements) > 12 else ""))
    return lines


def explain(report_dir: Path, account: str | None = None) -> list[str]:
    """`m365-replay explain DIR [--account A]`: every page card of a finished run, in words; an
    empty list when the run had none. UsageError when DIR holds no report or not that account."""
    from .data import load_report

    report = load_report(report_dir)
    runs = report.runs
    if account is not None:
        runs = [r for r in runs if r.account.lower() == account.lower()]
        if not runs:
            known = ", ".join(r.account for r in report.runs) or "none"
            raise UsageError(f"{report_dir}: no account {account} in this report (accounts: {known})")
    out: list[str] = []
    for run in runs:
        card = load_card(report_dir, run.failure.page_card if run.failure else None)
        if card is None:
            continue
        assert run.failure is not None
        out += [f"{run.account}: {run.failure.category} at step {run.failure.step!r}",
                f"  card: {report_dir / str(run.failure.page_card)}"]
        out += [f"  {line}" for line in card_lines(card)]
    return out
