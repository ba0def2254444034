"""report.json back into objects, so every renderer works the same on a live run, a re-render
(`m365-replay report DIR`) and a merge of shards or reruns.

Unknown fields are ignored rather than rejected: report.json only ever gains fields, and an
older m365-replay must still be able to render a newer report.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..core.errors import UsageError
from ..core.results import Failure, Interrupt, Report, RunResult, StepResult

REPORT_FILE = "report.json"


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def run_from_dict(data: dict[str, Any]) -> RunResult:
    raw = _known(RunResult, data)
    failure = raw.get("failure")
    raw["failure"] = Failure(**_known(Failure, failure)) if isinstance(failure, dict) else None
    raw["steps"] = [StepResult(**_known(StepResult, s)) for s in raw.get("steps") or [] if isinstance(s, dict)]
    raw["interrupts"] = [Interrupt(**_known(Interrupt, i)) for i in raw.get("interrupts") or []
                         if isinstance(i, dict) and {"kind", "action", "at"} <= i.keys()]
    raw.setdefault("duration_ms", 0)
    raw.setdefault("final_url", None)
    return RunResult(**raw)


def report_from_dict(data: dict[str, Any]) -> Report:
    runs = [run_from_dict(r) for r in data.get("runs") or [] if isinstance(r, dict)]
    extra = {k: v for k, v in _known(Report, data).items()
             if k not in ("flow", "source", "flow_file", "started_at", "finished_at", "runs")}
    return Report(flow=str(data.get("flow") or "?"), source=data.get("source"),
                  flow_file=str(data.get("flow_file") or ""), started_at=str(data.get("started_at") or ""),
                  finished_at=data.get("finished_at"), runs=runs, **extra)


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
