"""`m365-replay report`: re-render and merge, kept out of the CLI so it stays one plain function."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import UsageError
from ..core.results import write_json_atomic
from . import write_outputs
from .data import REPORT_FILE, load_report, report_from_dict
from .history import merge as merge_reports


def _describe(report_dir: Path, outputs_html: Path | None, summary: dict[str, int]) -> str:
    counts = f"{summary['passed']} passed, {summary['failed']} failed"
    if summary.get("skipped"):
        counts += f", {summary['skipped']} skipped"
    return f"{report_dir}: {counts}. HTML report: {outputs_html}; JUnit: {report_dir / 'junit.xml'}"


def render_command(dirs: list[Path], merge: bool = False, out: Path | None = None,
                   evidence: bool = False) -> list[str]:
    """Lines to print. Re-rendering never changes report.json; merging writes a new one in --out."""
    if merge:
        if out is None:
            raise UsageError("report --merge needs --out DIR for the merged report")
        if out.resolve() in {d.resolve() for d in dirs}:
            raise UsageError("report --merge: --out must be a new folder, not one of the merged ones")
        merged = merge_reports(dirs, out)
        write_json_atomic(out / REPORT_FILE, merged)
        report = report_from_dict(merged)
        outputs = write_outputs(report, out, evidence=evidence, compare=False)
        return [f"Merged {len(dirs)} reports ({len(report.runs)} accounts).",
                _describe(out, outputs.html, report.summary())]
    if out is not None:
        raise UsageError("--out is only for --merge; `report DIR` writes into DIR")
    lines = []
    for folder in dirs:
        report = load_report(folder)
        outputs = write_outputs(report, folder, evidence=evidence)
        lines.append(_describe(folder, outputs.html, report.summary()))
        if outputs.previous is not None:
            lines += [f"  since {outputs.previous}: {change}" for change in outputs.changes] or [
                f"  since {outputs.previous}: no account changed its outcome"]
        if outputs.evidence:
            lines.append(f"  evidence: {len(outputs.evidence)} zip(s) in {outputs.evidence[0].parent}")
    return lines
