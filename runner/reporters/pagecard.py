"""A page card (page.json, written by runner/run/pageread.py) in words: the terminal prints its first
lines under the failed account, `m365-replay explain` prints all of it, report.html shows it.

The card is read from disk as plain JSON, so a reporter needs nothing but the report folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from ..core.pagemarks import page_marks

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
    return page_marks(card.get("page_id"), config.get("sErrorCode"), config.get("pgid"), config.get("hpgid"))


def _shown(marker: str, label: str | None) -> str:
    return f"{marker} ({label!r})" if label else marker


def _edit_lines(card: dict[str, Any], step: dict[str, Any]) -> list[str]:
    """The proposed flow edit; for a shipped flow, in a copy (`flows copy`), never in the package."""
    edit = card["proposed_edit"]
    if edit.get("copy"):
        head = (f"step {step.get('name')!r} ({edit.get('shipped')}, a shipped flow) looked for {card.get('locator')}; "
                f"copy the flows first ({edit['copy']}), then edit {edit['at']}:")
    else:
        head = f"step {step.get('name')!r} ({edit['at']}) looked for {card.get('locator')}; proposed flow edit:"
    lines = [head, f"  {edit['new']}", f"  instead of {edit['old']}"]
    return lines + ([f"  and run the copy: {edit['run']}"] if edit.get("run") else [])


def card_lines(card: dict[str, Any], row_apart: bool = False) -> list[str]:
    """The card, most useful first: the page, the proposed fix, then what it was compared with.
    `row_apart`: the caller shows the proposed row as a block of its own (report.html), so the lines
    leave it out rather than repeat it flattened."""
    lines = [f"page: {card.get('title')!r} at {card.get('url')} ({_marks(card)})"]
    step = card.get("step") or {}
    if card.get("proposed_edit"):
        lines += _edit_lines(card, step)
    elif card.get("locator"):
        lines.append(f"step {step.get('name')!r} ({step.get('file')}:{step.get('line')}) looked for "
                     f"{card['locator']}: nothing on the page looks like it")
    row = card.get("proposed_row") or {}
    if row and not row_apart:
        fix = f"click {row['click']}" if row.get("click") else f"fail {row.get('fail', {}).get('category')}"
        lines.append(f"proposed row {row.get('name')!r}: {fix} on the page with "
                     + ", ".join(f"{k} {v}" for k, v in (row.get("match") or {}).items())
                     + " (the whole row below; add it to a states file: --states FILE)")
    if row and card.get("proposal_rule"):
        lines.append(f"{'  ' * (not row_apart)}{'the row was ' * row_apart}chosen by the rule: {card['proposal_rule']}")
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
