"""report.json back into objects, so every renderer works the same on a live run, a re-render
(`m365-replay report DIR`) and a merge of shards or reruns.

Unknown fields are ignored rather than rejected: report.json only ever gains fields, and an
older m365-replay must still be able to render a newer report. Every schema version is read (the
records themselves know their older names: runner/core/results.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from ..core.results import Report, RunResult

REPORT_FILE = "report.json"


def run_from_dict(data: dict[str, Any]) -> RunResult:
    return RunResult.from_dict(data)


def report_from_dict(data: dict[str, Any]) -> Report:
    return Report.from_dict(data)


def read_report_dict(folder: Path) -> dict[str, Any]:
    """The raw report.json of a results folder; a clear UsageError for anything else."""
    path = folder / REPORT_FILE if folder.is_dir() or not folder.suffix else folder
    if not path.is_file():
        raise UsageError(f"{folder}: no {REPORT_FILE} there (is it a m365-replay results folder?)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable report ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise UsageError(f"{path}: not a m365-replay report (no `runs` list)")
    return data


def load_report(folder: Path) -> Report:
    return report_from_dict(read_report_dict(folder))
