"""report.html: what a person sees, checked in the page source and in real headless Chromium."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from runner.core.redact import redactor
from runner.core.results import Report, StepResult
from runner.reporters import write_outputs
from runner.reporters.data import report_from_dict
from runner.reporters.html import render_html, write_html
from runner.run.browser import system_chromium
from tests.conftest import ROOT
from tests.support.doccheck import reworded_summary
from tests.support.sample import sample_report, sample_run, write_artifacts


def test_header_rows_and_failure_details_are_in_the_page(tmp_path: Path) -> None:
    report = sample_report(8)
    html = render_html(report, tmp_path)
    assert '<h1 id="flow">Sync a user&#x27;s profile picture</h1>' in html
    assert report.source and f'href="{report.source}"' in html
    assert "4 passed" in html and "3 failed" in html and "1 skipped" in html  # an error counts as failed
    assert "took 1 min 9 s" in html
    for category in ("bad_credentials", "page_changed", "error", "interrupted"):
        assert f'<td class="category">{category}</td><td>1</td>' in html
    assert "Error code <code>AADSTS50126</code>" in html
    assert "Correlation ID <code>6f1c2b7e-0000-4000-8000-000000000002</code>" in html
    assert "Documented step: " in html  # the doc wording is labelled as such (CSS) ...
    assert "Open a web browser in an In-Private or Incognito session and go to Office.com." in html
    assert f"playwright show-trace {tmp_path.resolve()}/user00002_contoso.com/trace.zip" in html
    assert "https://login.microsoftonline.com/<wbr>common/<wbr>login" in html  # may wrap at its separators
    assert html.count('<details class="account') == 8


def test_the_failed_count_is_red_only_when_something_failed(tmp_path: Path) -> None:
    """"0 failed" in red reads as an alarm on a night when nothing failed."""
    passed = sample_report(3, kinds=["passed", "passed", "passed"])
    assert '<span class="count none" id="failed-count">0 failed</span>' in render_html(passed, tmp_path)
    failed = sample_report(3, kinds=["passed", "bad_credentials", "passed"])
    assert '<span class="count failed" id="failed-count">1 failed</span>' in render_html(failed, tmp_path)


def test_text_is_escaped_and_secrets_are_masked(tmp_path: Path) -> None:
    run = sample_run(0, "evil@contoso.com", "page_changed")
    run.failure.message = 'Title was <script>alert("x")</script> after typing Hunter2-secret'  # type: ignore[union-attr]
    report = sample_report(0)
    report.runs = [run]
    redactor.add("Hunter2-secret")
    try:
        html = render_html(report, tmp_path)
    finally:
        redactor.clear()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "Hunter2-secret" not in html and "after typing ***" in html


def test_an_unfinished_or_stopped_run_says_so(tmp_path: Path) -> None:
    report = sample_report(2)
    report.finished_at = None
    assert "did not finish" in render_html(report, tmp_path)
    assert "stopped early" not in render_html(report, tmp_path)
    if hasattr(report, "interrupted"):
        report.interrupted = True
        assert "stopped early (Ctrl-C or SIGTERM)" in render_html(report, tmp_path)


def test_changes_since_the_previous_run_are_shown(tmp_path: Path) -> None:
    html = render_html(sample_report(1), tmp_path, ["alice@contoso.com: passed → failed (page_changed)"],
                       tmp_path.parent / "earlier")
    assert "Since the previous run" in html and "alice@contoso.com: passed → failed (page_changed)" in html


def test_the_doc_check_answer_is_shown_per_quote_with_the_article_and_the_diff(tmp_path: Path) -> None:
    report = sample_report(2)
    assert 'id="doc-check"' not in render_html(report, tmp_path), "no section without a check"
    report.doc_check = reworded_summary(tmp_path)
    # as `report DIR` and `report --merge` see it: from report.json
    html = render_html(report_from_dict(json.loads(json.dumps(report.to_dict()))), tmp_path)
    assert '<section class="doc-check" id="doc-check" data-result="drift">' in html
    assert '<span class="dc-verdict drift">DRIFT</span>' in html
    assert "3 same, 1 changed, 0 missing, 0 new" in html and "Sync a user&#x27;s profile picture</a>" in html
    changed = html.split('<tr class="quote changed">')[1].split("</tr>")[0]
    assert "Go to Office.com" in changed and "<td>step 1</td>" in changed
    assert ('<div class="article">Open a web browser in an In-Private or Incognito session and go to '
            'Microsoft365.com.</div>') in changed
    assert "go to <del>Office.com.</del> <ins>Microsoft365.com.</ins>" in changed
    same = html.split('<tr class="quote same">')[1].split("</tr>")[0]
    assert "Sign in with the work or school account + Click the ${tile} tile" in same and "<td>step 2</td>" in same
    # a report.json written before the quotes were recorded still shows what drifted
    report.doc_check = {key: value for key, value in report.doc_check.items() if key not in ("quotes", "new")}
    older = render_html(report, tmp_path)
    assert '<table class="doc-quotes">' not in older and "changed: &#x27;Go to Office.com&#x27;" in older


async def _look_at(page_url: str, shot: Path) -> dict[str, object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=system_chromium(), headless=True)
        # offline: a report must not need the network for anything
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
        page = await context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        await page.goto(page_url)
        seen: dict[str, object] = {
            "title": await page.title(),
            "passed": await page.locator("#passed-count").inner_text(),
            "failed": await page.locator("#failed-count").inner_text(),
            "categories": await page.locator("#categories").inner_text(),
        }
        seen["doc_check"] = await page.locator("#doc-check").inner_text()
        seen["del_line"] = await page.locator("#doc-check del").evaluate("e => getComputedStyle(e).textDecorationLine")
        failed = page.locator("details.account", has_text="bob@contoso.com")
        seen["row"] = await failed.locator("summary").inner_text()
        seen["thumb_visible_before"] = await failed.locator("a.thumb img").first.is_visible()
        await failed.locator("summary").click()  # expand the row
        seen["timeline"] = await failed.locator("ol.timeline").inner_text()
        seen["trace"] = await failed.locator(".trace").inner_text()
        thumb = failed.locator("a.thumb img").last
        await thumb.wait_for(state="visible")
        await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await thumb.element_handle())
        seen["thumb_width"] = (await thumb.bounding_box() or {}).get("width")
        await page.screenshot(path=str(shot.with_name(shot.stem + "-expanded.png")), full_page=True)
        await thumb.click()  # enlarge
        big = page.locator("dialog#lightbox img")
        await big.wait_for(state="visible")
        await page.wait_for_function("() => document.querySelector('dialog#lightbox img').complete")
        seen["big_width"] = (await big.bounding_box() or {}).get("width")
        seen["caption"] = await page.locator("dialog#lightbox .caption").inner_text()
        await page.screenshot(path=str(shot))
        await page.locator("dialog#lightbox").click()
        seen["closed"] = not await page.locator("dialog#lightbox").is_visible()
        seen["requests"] = [u for u in requests if not u.startswith("file://")]
        await page.locator("#only-failed").check()
        seen["shown_when_filtered"] = await page.locator("details.account:visible").count()
        await browser.close()
    return seen


@pytest.mark.browser
def test_the_page_in_a_real_browser(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    """Open report.html offline in headless Chromium; screenshots of the page are kept in the
    session's artifact folder (pytest-playwright's --output, test-results/ by default)."""
    if system_chromium() is None:
        pytest.skip("no Chromium on this machine")
    report = sample_report(5, accounts=["alice@contoso.com", "bob@contoso.com", "carol@contoso.com",
                                        "dave@contoso.com", "erin@contoso.com"],
                           kinds=["passed", "bad_credentials", "passed", "page_changed", "passed"])
    write_artifacts(report, tmp_path)
    report.doc_check = reworded_summary(tmp_path)
    page = write_html(report, tmp_path)
    artifacts = Path(pytestconfig.getoption("--output"))
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "report-html.png"
    seen = asyncio.run(_look_at(page.as_uri(), shot))
    assert seen["title"] == "Sync a user's profile picture: 3 passed, 2 failed"
    assert seen["passed"] == "3 passed" and seen["failed"] == "2 failed"
    assert "bad_credentials" in str(seen["categories"]) and "page_changed" in str(seen["categories"])
    row = str(seen["row"])
    assert "FAIL" in row and "bad_credentials" in row and "smart lockout" in row
    assert "AADSTS50126" in row and "Correlation ID" in row
    assert seen["thumb_visible_before"] is False, "the timeline opens only when the row is expanded"
    timeline = str(seen["timeline"])
    assert "Sign in with their work or school account," in timeline and "The password was not accepted" in timeline
    assert "playwright show-trace" in str(seen["trace"])
    assert seen["thumb_width"] == 200
    assert float(seen["big_width"]) > 2 * 200, "clicking a thumbnail enlarges it"  # type: ignore[arg-type]
    assert seen["caption"] == "bob@contoso.com: Sign in with the work or school account"
    assert seen["closed"]
    assert seen["requests"] == [], "the page loaded something from the network"
    assert seen["shown_when_filtered"] == 2, "'only accounts that did not pass' hides the passed ones"
    assert shot.stat().st_size > 10_000
    doc_check = str(seen["doc_check"])
    assert "Documented procedure, checked" in doc_check and "DRIFT" in doc_check
    assert "go to Office.com. Microsoft365.com." in doc_check and seen["del_line"] == "line-through"


def test_write_outputs_writes_both_files_next_to_report_json(tmp_path: Path) -> None:
    outputs = write_outputs(sample_report(3), tmp_path)
    assert outputs.html == tmp_path / "report.html" and outputs.html.is_file()
    assert outputs.junit == tmp_path / "junit.xml" and outputs.junit.is_file()
    assert outputs.previous is None and outputs.evidence == []


def glance_report(folder: Path) -> Report:
    """What a helpdesk reads at a glance: nobody passed, a wrong password whose advice quotes a command
    in backticks, a step skipped by its `unless`, a long final address, and a doc-check that could
    not check (a saved file that is no article)."""
    from runner.checks.doccheck import check_flow
    from runner.checks.doccheck.report import run_summary
    from runner.spec.flow import load_flow

    report = sample_report(2, accounts=["alice@contoso.com", "bob@contoso.com"],
                           kinds=["bad_credentials", "page_changed"])
    report.runs[1].steps.insert(2, StepResult("Open the app launcher when the home page has no OneDrive tile", None,
                                              "skipped", 0, None, "`unless` locator visible"))
    report.runs[1].final_url = ("https://contoso-my.sharepoint.com/personal/bob_contoso_com/_layouts/15/"
                                "onedrive.aspx?id=%2Fpersonal%2Fbob_contoso_com%2FDocuments&view=0")
    note = folder / "hello.txt"
    note.write_text("hello\n")
    report.doc_check = run_summary(check_flow(load_flow(ROOT / "flows" / "sync-profile-photo.yaml"), None, note))
    write_artifacts(report, folder)
    return report


def test_at_a_glance_in_the_page_source(tmp_path: Path) -> None:
    html = render_html(glance_report(tmp_path), tmp_path)
    assert '<span class="count none" id="passed-count">0 passed</span>' in html  # not green
    # a closed row names the failing step and its message, not only the category
    row = html.split('data-account="alice@contoso.com">')[1].split("</summary>")[0]
    assert ('<span class="failure">at step “Sign in with the work or school account”: The password was not '
            'accepted (AADSTS50126).</span>') in row
    # advice quoting a command shows it as code, never as backticks
    assert "with <code>m365-replay creds set ACCOUNT</code>;" in html and "`" not in html.split("<script>")[0]
    assert '<div class="msg"><code>unless</code> locator visible</div>' in html
    # the final address may wrap at its separators
    assert ("https://contoso-my.sharepoint.com/<wbr>personal/<wbr>bob_contoso_com/<wbr>_layouts/<wbr>15/<wbr>"
            "onedrive.aspx?<wbr>id=<wbr>%2Fpersonal<wbr>%2Fbob_contoso_com<wbr>%2FDocuments&amp;<wbr>view=<wbr>0"
            ) in html
    # a doc-check that could not check says so once, with the reason and without counts
    section = html.split('id="doc-check"')[1].split("</section>")[0]
    assert section.lower().count("could not check") == 1 and "0 same" not in section
    assert "not an article: no headings or numbered steps found in" in section


@pytest.mark.browser
def test_at_a_glance_in_a_real_browser(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    """The same page in headless Chromium, as a person sees it (a screenshot is kept in --output)."""
    if system_chromium() is None:
        pytest.skip("no Chromium on this machine")
    page = write_html(glance_report(tmp_path), tmp_path)
    artifacts = Path(pytestconfig.getoption("--output"))
    artifacts.mkdir(parents=True, exist_ok=True)
    seen = asyncio.run(_glance(page.as_uri(), artifacts / "report-html-glance.png"))
    green = "rgb(16, 124, 16)"
    assert seen["passed_background"] != green, "0 passed in green"
    assert seen["skipped_colour"] != "rgb(197, 15, 31)", "a step skipped by its `unless` in red"
    assert "`" not in str(seen["text"])
    assert "at step “Sign in with the work or school account”: The password was not accepted" in str(seen["row"])
    # every line of the wrapped address ends at a separator, never inside a word
    ends = seen["url_line_ends"]
    assert isinstance(ends, list) and len(ends) >= 2 and all(end in "/?&=#" or end == "%" for end in ends), ends


async def _glance(page_url: str, shot: Path) -> dict[str, object]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=system_chromium(), headless=True)
        page = await browser.new_page(viewport={"width": 1100, "height": 900})
        await page.goto(page_url)
        bob = page.locator("details.account", has_text="bob@contoso.com")
        seen: dict[str, object] = {
            "passed_background": await page.locator("#passed-count").evaluate(
                "e => getComputedStyle(e).backgroundColor"),
            "row": await page.locator("details.account", has_text="alice@contoso.com").locator("summary").inner_text(),
            # the last character of each line the address is laid out in (all but the last line)
            "url_line_ends": await bob.locator(".url").evaluate("""el => {
                const chars = [];
                const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    for (let i = 0; i < node.data.length; i++) {
                        const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
                        chars.push([node.data[i], range.getBoundingClientRect().top]);
                    }
                }
                const ends = [];
                for (let i = 0; i + 1 < chars.length; i++) {
                    if (chars[i + 1][1] > chars[i][1] + 2) ends.push(chars[i + 1][0] === "%" ? "%" : chars[i][0]);
                }
                return ends;
            }"""),
        }
        await bob.locator("summary").click()
        skipped = bob.locator("li.step.skipped .msg")
        seen["skipped_colour"] = await skipped.evaluate("e => getComputedStyle(e).color")
        seen["text"] = await page.locator("body").inner_text()
        await page.screenshot(path=str(shot), full_page=True)
        await browser.close()
    return seen
