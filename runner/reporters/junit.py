"""junit.xml: one testcase per account × flow, the shape Jenkins and GitLab read.

classname is the flow, name the account, so a CI's test history tracks each account over nights.
Screenshots are listed as `[[ATTACHMENT|path]]` lines in system-out (Jenkins' JUnit Attachments
plugin and GitLab read those); the paths are the report folder as it was given plus the file, i.e.
relative to where m365-replay ran, which is the workspace or project folder in CI.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from xml.etree import ElementTree as ET

from ..core.redact import redact
from ..core.results import Report, RunResult
from .history import changed_text, sync_time_text
from .html import aadsts_code, parse_time, run_duration_ms

JUNIT_FILE = "junit.xml"
# XML 1.0 forbids most control characters; a page title or message may hold one
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str | None) -> str:
    return _INVALID_XML.sub("?", redact(text) or "")


def _seconds(ms: int | float | None) -> str:
    return f"{(ms or 0) / 1000:.3f}"


def system_out(run: RunResult, base: str) -> str:
    """The step list a CI shows under the test, then one attachment line per screenshot;
    `base` is the report folder with a trailing separator."""
    lines = [f"account: {run.account}", f"status: {run.status}"]
    if run.started_at:
        lines.append(f"started: {run.started_at}")
    if run.final_url:
        lines.append(f"final URL: {run.final_url}")
    lines.append("steps:")
    for n, step in enumerate(run.steps, 1):
        lines.append(f"  {n}. [{step.status}] {step.name} ({step.duration_ms / 1000:.1f}s)")
        if step.doc:
            lines.append(f"     doc: {step.doc}")
        if step.message:
            lines.append(f"     {step.message}")
    lines += outcome_lines(run, base)
    lines += [f"try {t.number}: {t.status}" + (f" ({t.category} at {t.step!r})" if t.category else "")
              for t in run.tries]
    for warning in run.warnings:
        lines.append(f"warning: {warning}")
    if run.trace:
        lines.append(f"trace: playwright show-trace {base}{run.trace}")
    for step in run.steps:
        if step.screenshot:
            lines.append(f"[[ATTACHMENT|{base}{step.screenshot}]]")
    if run.trace:
        lines.append(f"[[ATTACHMENT|{base}{run.trace}]]")
    lines += [f"[[ATTACHMENT|{base}{image}]]" for image in (run.outcome.images if run.outcome else [])]
    return clean("\n".join(lines))


def outcome_lines(run: RunResult, base: str) -> list[str]:
    """A check's answer under the steps: outcome, sentence, distance, and each side's hash."""
    outcome = run.outcome
    if outcome is None:
        return []
    lines = [f"outcome: {outcome.status}"]
    if outcome.message:
        lines.append(f"  {outcome.message}")
    for key, side in (("reference", outcome.reference), ("candidate", outcome.candidate)):
        what = f"pHash {side.hash}" if side.hash else side.error or ""
        lines.append(f"  {side.label or key}: {side.source} {what}".rstrip())
    if sync_time_text(outcome):  # qa-profile-photo --until-synced
        lines.append(f"  synced_after_s: {outcome.synced_after_s} ({sync_time_text(outcome)})")
    if run.generated_photo is not None:
        lines.append(f"generated photo: {base}{run.generated_photo.file} (seed {run.generated_photo.seed})")
    return lines


def failure_text(run: RunResult) -> str:
    failure = run.failure
    if failure is None:
        return ""
    lines = [f"{failure.category}: {failure.message}"]
    if failure.step:
        lines.append(f"step: {failure.step}")
    if changed_text(run):
        lines.append(f"changed: {changed_text(run)}")
    if failure.action:
        lines.append(f"next: {failure.action}")
    if aadsts_code(failure):
        lines.append(f"aadsts: {aadsts_code(failure)}")
    for key in ("correlation_id", "timestamp", "url"):
        if failure.details.get(key):
            lines.append(f"{key}: {failure.details[key]}")
    return clean("\n".join(lines))


def add_tries(case: ET.Element, run: RunResult, base: str) -> None:
    """The earlier tries of an account run more than once (--retries), as Maven Surefire writes the
    reruns of a test: `<flakyFailure>` each when the account passed in the end (flaky), `<rerunFailure>`
    each when it did not; each with the try's category and message, its text in `<stackTrace>` and its
    evidence as attachment lines in its `<system-out>`. (Only transient faults are retried, so an
    earlier try is always a failure, never an error.)"""
    if len(run.tries) < 2:
        return
    kind = "flakyFailure" if run.status == "passed" else "rerunFailure"
    for earlier in run.tries[:-1]:
        category = earlier.category or "failed"
        message = f"{category}: {earlier.message or ''}".rstrip(": ")
        element = ET.SubElement(case, kind, {"type": category, "message": clean(message)})
        lines = [f"try {earlier.number}: {message}"]
        if earlier.step:
            lines.append(f"step: {earlier.step}")
        if earlier.final_url:
            lines.append(f"url: {earlier.final_url}")
        ET.SubElement(element, "stackTrace").text = clean("\n".join(lines))
        files = [*earlier.screenshots, earlier.trace, earlier.video]
        ET.SubElement(element, "system-out").text = clean("\n".join(f"[[ATTACHMENT|{base}{f}]]" for f in files if f))


def build(report: Report, report_dir: Path) -> ET.Element:
    summary = report.summary()
    errors = sum(r.status == "error" for r in report.runs)
    failures = summary["failed"] - errors
    duration = run_duration_ms(report)
    total_ms = duration if duration is not None else sum(r.duration_ms for r in report.runs)
    counts = {"tests": str(summary["total"]), "failures": str(failures), "errors": str(errors),
              "skipped": str(summary["skipped"]), "time": _seconds(total_ms)}
    root = ET.Element("testsuites", {"name": "m365-replay", **{k: v for k, v in counts.items() if k != "skipped"}})
    started = parse_time(report.started_at)
    suite = ET.SubElement(root, "testsuite", {
        "name": clean(report.flow), **counts,
        "timestamp": started.strftime("%Y-%m-%dT%H:%M:%S") if started else "",
        "hostname": socket.gethostname() or "localhost",
    })
    properties = [(name, value) for name, value in (
        ("source", report.source), ("flow_file", report.flow_file), ("started_at", report.started_at),
        ("finished_at", report.finished_at)) if value]
    # each account's check outcome (synced, not_yet...): the suite's properties, since the junit-4 format
    # Jenkins reads has none on a testcase; the sentence, distance and images are in its system-out
    properties += [(f"outcome:{run.account}", run.outcome.status) for run in report.runs if run.outcome]
    # and how long SharePoint took (qa-profile-photo --until-synced): a number a CI can plot
    properties += [(f"synced_after_s:{run.account}", str(run.outcome.synced_after_s)) for run in report.runs
                   if run.outcome and sync_time_text(run.outcome)]
    if properties:  # the schema wants at least one property inside <properties>
        props = ET.SubElement(suite, "properties")
        for name, value in properties:
            ET.SubElement(props, "property", {"name": name, "value": clean(value)})
    classname = clean(report.flow)
    base = os.path.join(str(report_dir), "")
    for run in report.runs:
        case = ET.SubElement(suite, "testcase", {"classname": classname, "name": clean(run.account),
                                                 "time": _seconds(run.duration_ms)})
        failure = run.failure
        if run.status == "skipped":
            ET.SubElement(case, "skipped").text = clean(failure.message) if failure else "skipped"
        elif run.status != "passed":
            kind = "error" if run.status == "error" else "failure"
            category = failure.category if failure else run.status
            message = f"{category}: {failure.message}" if failure else run.status
            element = ET.SubElement(case, kind, {"type": category, "message": clean(message)})
            element.text = failure_text(run)
        add_tries(case, run, base)
        ET.SubElement(case, "system-out").text = system_out(run, base)
    return root


def render_junit(report: Report, report_dir: Path) -> bytes:
    root = build(report, report_dir)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_junit(report: Report, report_dir: Path) -> Path:
    target = report_dir / JUNIT_FILE
    tmp = target.with_name(f".{JUNIT_FILE}.tmp")
    tmp.write_bytes(render_junit(report, report_dir))
    os.replace(tmp, target)
    return target
