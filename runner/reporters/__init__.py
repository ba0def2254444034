"""Reports a person reads, built from the same Report that becomes report.json: report.html
(html.py), junit.xml (junit.py), per-account evidence zips (evidence.py), page cards in words
(pagecard.py), and the relation to other runs (history.py, the scan of earlier runs in past.py). One
module per format; report.json stays the source of truth (data.py reads it back). Also what a person
hears while it runs and after: the terminal (console.py) and notifications (notify.py); the
`report`/`explain` commands' work (commands.py); a made-up report for tests and benchmarks
(sample.py). An experiment's reports come from its own record (experiment.py).

May import: `runner.core` only. The checks and the ways in call the reporters; a reporter reads a
Report (or report.json), never the engine, a flow file or a secret store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..core.results import Report

log = logging.getLogger("m365replay")


@dataclass
class Outputs:
    """What was written after a run, for the terminal to point at."""

    report_dir: Path
    html: Path | None = None
    junit: Path | None = None
    evidence: list[Path] = field(default_factory=list)
    previous: Path | None = None
    changes: list[str] = field(default_factory=list)
    sync_times: list[str] = field(default_factory=list)  # history.sync_times: the sync's time against earlier runs


def write_outputs(report: Report, report_dir: Path, evidence: bool = False, compare: bool = True) -> Outputs:
    """report.html and junit.xml (and evidence zips) for a finished or interrupted run.

    Each is written on its own: a failure in one (a full disk, a bad file) is logged and the
    others are still written, since report.json already holds the run either way.
    """
    from .evidence import write_evidence
    from .history import diff_with_previous, sync_times
    from .html import write_html
    from .junit import write_junit

    outputs = Outputs(report_dir)
    if compare:
        try:
            outputs.previous, outputs.changes = diff_with_previous(report_dir, report)
        except Exception as exc:
            log.warning("Could not compare with the previous run: %s", exc)
        try:
            outputs.sync_times = sync_times(report_dir, report)
        except Exception as exc:
            log.warning("Could not compare the sync's time with earlier runs: %s", exc)
    try:
        outputs.html = write_html(report, report_dir, outputs.changes, outputs.previous, sync_times=outputs.sync_times)
    except Exception as exc:
        log.warning("Could not write report.html: %s", exc)
    try:
        outputs.junit = write_junit(report, report_dir)
    except Exception as exc:
        log.warning("Could not write junit.xml: %s", exc)
    if evidence:
        try:
            outputs.evidence = write_evidence(report, report_dir)
        except Exception as exc:
            log.warning("Could not write the evidence zips: %s", exc)
    return outputs
