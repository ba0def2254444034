"""A page card (page.json, written by runner/run/pageread.py) in words: the terminal prints its first
lines under the failed account, `m365-replay explain` prints all of it, report.html shows it.

The card is read from disk into its record (runner/core/pagecard.py), so a reporter needs nothing
but the report folder.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import UsageError
from ..core.pagecard import FlowProposal, PageCard, SignInProposal, read_card
from ..core.pagemarks import page_marks

HEAD = 6  # lines of a card the terminal prints under the account


def load_card(report_dir: Path, relative: str | None) -> PageCard | None:
    """The card a failure points to, or None when there is none (or it is not readable)."""
    return read_card(report_dir / relative) if relative else None


def _marks(card: PageCard) -> str:
    config = card.config
    return page_marks(card.page_id, config.error_code, config.pgid, config.hpgid)


def _shown(marker: str, label: str | None) -> str:
    return f"{marker} ({label!r})" if label else marker


def _flow_lines(card: PageCard, flow: FlowProposal) -> list[str]:
    """What the step looked for, the proposed flow edit (for a shipped flow, in a copy: `flows copy`,
    never in the package), then the elements it was compared with."""
    step, edit = card.step, flow.proposed_edit
    if edit is not None:
        if edit.copy:
            head = (f"step {step.name!r} ({edit.shipped}, a shipped flow) looked for {flow.locator}; "
                    f"copy the flows first ({edit.copy}), then edit {edit.at}:")
        else:
            head = f"step {step.name!r} ({edit.at}) looked for {flow.locator}; proposed flow edit:"
        lines = [head, f"  {edit.new}", f"  instead of {edit.old}"] + (
            [f"  and run the copy: {edit.run}"] if edit.run else [])
    elif flow.locator:
        lines = [f"step {step.name!r} ({step.file}:{step.line}) looked for {flow.locator}: nothing on the page "
                 "looks like it"]
    else:
        lines = []
    for candidate in flow.candidates:
        element = candidate.element
        lines.append(f"candidate: {_shown(candidate.marker or element.get('role') or '?', element.get('label'))}"
                     f": {', '.join(candidate.why)}")
    return lines


def _sign_in_lines(sign_in: SignInProposal, row_apart: bool) -> list[str]:
    """The proposed row and the rule that chose its click, the buttons, then the states the page was
    compared with. The row is a states-file row in that file's vocabulary (a mapping, as it pastes)."""
    lines = []
    row = sign_in.proposed_row or {}
    if row and not row_apart:
        fix = f"click {row['click']}" if row.get("click") else f"fail {row.get('fail', {}).get('category')}"
        lines.append(f"proposed row {row.get('name')!r}: {fix} on the page with "
                     + ", ".join(f"{k} {v}" for k, v in (row.get("match") or {}).items())
                     + " (the whole row below; add it to a states file: --states FILE)")
    if row and sign_in.proposal_rule:
        lines.append(f"{'  ' * (not row_apart)}{'the row was ' * row_apart}chosen by the rule: {sign_in.proposal_rule}")
    if sign_in.buttons:
        lines.append("buttons: " + ", ".join(_shown(b.marker, b.label) for b in sign_in.buttons[:8]))
    for like in sign_in.resembles:
        lines.append(f"resembles {like.state} ({like.where}): shows {', '.join(like.shows)}"
                     + (f"; lacks {', '.join(like.lacks)}" if like.lacks else ""))
    if sign_in.new_markers:
        lines.append("only this page shows: " + ", ".join(sign_in.new_markers))
    if sign_in.proposed_row_yaml and not row_apart:
        lines.append("proposed row for a sign-in states file (check that it clicks the button the user would press):")
        lines += [f"  {line}" for line in sign_in.proposed_row_yaml.rstrip("\n").splitlines()]
    return lines


def card_lines(card: PageCard, row_apart: bool = False) -> list[str]:
    """The card, most useful first: the page, the proposed fix, then what it was compared with.
    `row_apart`: the caller shows the proposed row as a block of its own (report.html), so the lines
    leave it out rather than repeat it flattened."""
    lines = [f"page: {card.title!r} at {card.url} ({_marks(card)})"]
    lines += _flow_lines(card, card.flow) if card.flow is not None else []
    lines += _sign_in_lines(card.sign_in, row_apart) if card.sign_in is not None else []
    if card.elements:
        lines.append(f"{len(card.elements)} visible elements: " + "; ".join(
            _shown(e.get("id") or e.get("name") or e.get("tag", "?"), e.get("label")) for e in card.elements[:12])
            + ("; …" if len(card.elements) > 12 else ""))
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
