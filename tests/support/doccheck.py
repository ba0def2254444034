"""A real doc-check answer for the report tests: what `run --doc-check` records in report.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runner.checks.doccheck import check_flow
from runner.checks.doccheck.report import run_summary
from runner.spec.flow import load_flow

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "tests" / "data" / "doccheck" / "en-us.html"


def reworded_summary(folder: Path) -> dict[str, Any]:
    """The shipped flow checked against its support.microsoft.com article with step 1 reworded
    ("go to Office.com" became "go to Microsoft365.com"): drift, one quote `changed` with its diff."""
    page = folder / "reworded-article.html"
    page.write_text(ARTICLE.read_text(encoding="utf-8").replace("go to Office.com</a>", "go to Microsoft365.com</a>"),
                    encoding="utf-8")
    return run_summary(check_flow(load_flow(ROOT / "flows" / "sync-profile-photo.yaml"), None, page))
