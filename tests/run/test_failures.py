"""What a step's error means for the helpdesk (runner/run/failures.py): a locator that matched more
than one element is the page having changed, said in the flow's own words, never `error`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.simulator import SimAccount

ACC = SimAccount("twice@contoso.com", "pw-twice-123")


@pytest.mark.browser
def test_a_locator_that_matches_two_elements_is_a_changed_page_with_a_card(replay, tmp_path: Path) -> None:
    """The landing page has two links where the flow's click expects one (a second element of the
    same role appeared): page_changed, naming the step and the locator, with a page card."""
    flow = tmp_path / "click.yaml"
    flow.write_text("name: Click the link\nsteps:\n  - goto: https://www.office.com/\n"
                    "  - name: Open the link\n    click: {role: link}\n")
    out = replay([ACC], flow=flow, trace="off")
    run = out.run(ACC.upn)
    failure = run.failure
    assert (run.status, failure.category, failure.step) == ("failed", "page_changed", "Open the link"), failure
    assert failure.message.startswith("Step 'Open the link' looked for link on https://www.microsoft365.com/ and "
                                      "found 2 elements where the flow expects one: the page has changed"), failure
    assert failure.details["matched"] == 2 and failure.details["locator"] == "link"
    assert failure.page_card
    assert failure.message.endswith(f" The page card {failure.page_card} shows what the page had.")
    card = json.loads((out.report_dir / failure.page_card).read_text())
    assert card["locator"] == "link"
    assert [e.get("id") for e in card["elements"] if e.get("tag") == "a"] == [
        "hero-banner-sign-in-microsoft-365-link", "hero-banner-get-microsoft-365"]
    saved = json.loads((out.report_dir / "report.json").read_text())["runs"][0]["failure"]
    assert (saved["category"], saved["page_card"]) == ("page_changed", failure.page_card)
    assert "strict mode violation" not in out.stdout
