"""An experiment's reports, from its record alone (runner/core/experiment.py): the terminal's lines,
report.html with the two arms' curves drawn beside the table, and junit.xml carrying the verdict.

Why the curves as plain SVG written here: a step function per arm and a few ticks are all they
are, the numbers come from SciPy's Kaplan-Meier estimate in the record, and the page stays one
offline file without a plotting library. The statistics are never computed here: everything shown
is read from the record, so `report DIR` shows what the record says, nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from ..core.experiment import (
    ARMS,
    CONTROL,
    FIX,
    Curve,
    Experiment,
    Round,
    Subject,
    duration_text,
    iso,
    parse_time,
)
from ..core.redact import redact
from .html import environment
from .junit import JUNIT_FILE, clean

HTML_FILE = "report.html"
EFFECT = "fix_makes_a_difference"
ARM_LABELS = {FIX: "fix arm (replayed the documented fix)", CONTROL: "control arm (new photo only)"}
COLOURS = {FIX: "#0f6cbd", CONTROL: "#c25400"}
DASHES = {FIX: "", CONTROL: "6 4"}  # told apart in black and white too
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 300, 56, 16, 16, 42


def exit_code(exp: Experiment, require_effect: bool) -> int:
    """--require-effect: 1 unless the verdict is that the fix makes a difference; otherwise 0."""
    verdict = exp.verdict.verdict if exp.verdict else "inconclusive"
    return 1 if require_effect and verdict != EFFECT else 0


def arm_line(exp: Experiment, arm: str) -> str:
    summary = exp.arms[arm]
    median = f"{duration_text(summary.median_s)} after the upload" if summary.median_s is not None else "not reached"
    left = f"; {summary.left_out} left out" if summary.left_out else ""
    return f"{ARM_LABELS[arm]}: {summary.synced} of {summary.in_test} synced, median {median}{left}"


def round_line(exp: Experiment, current: Round) -> str:
    """One line per observation round while it goes."""
    last = exp.last_upload
    after = parse_time(current.at) - last if last else -1.0
    since = f" ({duration_text(after)} after the last upload)" if after >= 0 and exp.start_finished_at else ""
    arms = ", ".join(f"{arm} {exp.arms[arm].synced} of {exp.arms[arm].in_test}" for arm in ARMS if arm in exp.arms)
    return (f"observed {current.accounts} account(s) at {current.at}{since}: {current.synced} synced, "
            f"{current.not_yet} not yet, {current.unknown} unreadable; synced so far: {arms}")


def closing_lines(exp: Experiment, written: list[Path]) -> list[str]:
    """Per arm how many synced and the median, the accounts left out, then the verdict in one sentence."""
    lines = [arm_line(exp, arm) for arm in ARMS]
    lines += [f"  left out: {s.account} ({s.arm}): {s.failure.category}: {s.failure.message}"
              for s in exp.accounts if s.failure is not None]
    if exp.verdict is not None:
        lines.append(f"verdict: {exp.verdict.verdict}: {exp.verdict.sentence}")
        if not exp.verdict.final:
            ends = exp.ends_at
            lines.append("  (not final: observation goes on until "
                         f"{iso(ends)})" if ends else "  (not final: no end of observation is set; `experiment "
                         "observe DIR` adds to it)")
    if exp.observer_failure:
        lines.append(f"observer: {exp.observer_failure}")
    lines += [f"written: {path}" for path in written]
    return [redact(line) or "" for line in lines]


# ---------------------------------------------------------------------------------------------- curves
@dataclass
class Drawn:
    arm: str
    label: str
    colour: str
    dash: str
    path: str
    ticks: list[tuple[float, float]]


def _scale(exp: Experiment) -> float:
    ends = [t for arm in exp.arms.values() for t in arm.curve.times + arm.curve.censored]
    return max([*ends, exp.deadline_s or 0.0, 1.0]) * 1.04


def _x(t: float, span: float) -> float:
    return round(LEFT + (WIDTH - LEFT - RIGHT) * t / span, 1)


def _y(share: float) -> float:
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - share), 1)


def _share_at(curve: Curve, t: float) -> float:
    return next((s for time, s in reversed(list(zip(curve.times, curve.share, strict=True))) if time <= t), 0.0)


def drawn_curves(exp: Experiment) -> tuple[list[Drawn], list[tuple[float, str]], float]:
    """Each arm's step function as an SVG path, its censoring ticks, and the x axis' ticks."""
    span = _scale(exp)
    out = []
    for arm in ARMS:
        curve = exp.arms[arm].curve if arm in exp.arms else Curve()
        parts = [f"M {_x(0, span)} {_y(0)}"]
        for t, share in zip(curve.times, curve.share, strict=True):
            parts.append(f"H {_x(t, span)} V {_y(share)}")
        parts.append(f"H {_x(max([*curve.times, *curve.censored, 0.0]), span)}")
        ticks = [(_x(t, span), _y(_share_at(curve, t))) for t in curve.censored]
        out.append(Drawn(arm, ARM_LABELS[arm], COLOURS[arm], DASHES[arm], " ".join(parts), ticks))
    step = _nice_step(span / 5)
    xticks = [(_x(i * step, span), duration_text(i * step)) for i in range(int(span / step) + 1)]
    return out, xticks, span


def _nice_step(raw: float) -> float:
    for unit in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400):
        if unit >= raw:
            return float(unit)
    return 86400.0 * (int(raw / 86400) + 1)


# ---------------------------------------------------------------------------------------------- files
def observation_text(subject: Subject) -> str:
    return ", ".join(f"{o.status} ×{o.count}" if o.count > 1 else o.status for o in subject.observations) or "-"


def render_html(exp: Experiment) -> str:
    curves, xticks, _ = drawn_curves(exp)
    yticks = [(_y(share), f"{share:.0%}") for share in (0, 0.25, 0.5, 0.75, 1)]
    return environment().get_template("experiment.html.j2").render(
        exp=exp, arms=[(arm, ARM_LABELS[arm], exp.arms.get(arm)) for arm in ARMS], curves=curves, xticks=xticks,
        yticks=yticks, size=(WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM), duration=duration_text,
        observations=observation_text, redact=redact)


def write_junit(exp: Experiment, folder: Path, require_effect: bool) -> Path:
    """One testcase for the verdict (failed under --require-effect unless the fix makes a
    difference; skipped while inconclusive), the figures as suite properties, and one testcase per
    account with its times (skipped when left out)."""
    verdict = exp.verdict
    suite = ET.Element("testsuite", name="m365-replay experiment", tests=str(1 + len(exp.accounts)))
    props = ET.SubElement(suite, "properties")
    figures = {"verdict": verdict.verdict if verdict else "inconclusive", "final": str(bool(verdict and verdict.final)),
               "observer": exp.observer, "seed": exp.seed, "alpha": exp.alpha}
    if exp.test is not None:
        figures.update({"test": exp.test.name, "statistic": exp.test.statistic, "p_value": exp.test.p_value})
    for arm, summary in exp.arms.items():
        figures.update({f"{arm}_synced": summary.synced, f"{arm}_in_test": summary.in_test,
                        f"{arm}_median_s": "" if summary.median_s is None else summary.median_s})
    for name, value in figures.items():
        ET.SubElement(props, "property", name=name, value=clean(str(value)))
    case = ET.SubElement(suite, "testcase", classname="experiment", name="the documented fix makes a difference")
    if verdict is not None and verdict.verdict != EFFECT:
        if require_effect:
            ET.SubElement(case, "failure", message=clean(verdict.sentence), type=verdict.verdict)
        elif verdict.verdict == "inconclusive":
            ET.SubElement(case, "skipped", message=clean(verdict.sentence))
    ET.SubElement(case, "system-out").text = clean("\n".join(closing_lines(exp, [])))
    for s in exp.accounts:
        account = ET.SubElement(suite, "testcase", classname=f"experiment.{s.arm}", name=s.account)
        if s.failure is not None:
            ET.SubElement(account, "skipped", message=clean(f"left out: {s.failure.category}: {s.failure.message}"))
        ET.SubElement(account, "system-out").text = clean(
            f"uploaded_at: {s.uploaded_at}\nsynced_after_upload_s: {s.synced_after_upload_s}\n"
            f"last_not_yet_after_upload_s: {s.last_not_yet_after_upload_s}\nobservations: {observation_text(s)}")
    ET.indent(suite)
    return _write(folder / JUNIT_FILE, ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n")


def _write(target: Path, text: str) -> Path:
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target


def write_reports(exp: Experiment, folder: Path, require_effect: bool) -> list[Path]:
    """report.html and junit.xml beside experiment.json."""
    return [_write(folder / HTML_FILE, render_html(exp)), write_junit(exp, folder, require_effect)]
