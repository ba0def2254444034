"""doc-check on real Microsoft articles: a flow that replays one procedure of a multi-procedure
article ("Profile picture not showing in SharePoint Online": four procedures in collapsible sections)
against the article as each site publishes it (MicrosoftDocs Markdown, the Learn page,
support.microsoft.com), as it was (2022-03-31: no drift) and after Microsoft removed or reworded
those steps (2024-07-17 and a reworded copy: drift). The pages and where each came from are in
tests/data/doccheck/README.md; no internet."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.checks.doccheck.fetch import download_url
from runner.checks.doccheck.read import Document, read_document
from tests.conftest import ROOT, cli
from tests.support.localhttp import LocalServer, local_server

DATA = ROOT / "tests" / "data" / "doccheck"
FLOW = DATA / "flows" / "add-profile-photo.yaml"
EXCHANGE = "If you have an Exchange Online mailbox"
NO_EXCHANGE = "If you don't have an Exchange Online mailbox"
ADMINS = "Steps for SharePoint Administrators"
AS_IT_WAS = {"markdown": "profile-picture-not-showing.2022-03-31.md",
             "learn": "learn-profile-picture-not-showing.2022-03-31.html",
             "support": "support-profile-picture-not-showing.html"}
WITHOUT_USER_STEPS = {"markdown": "profile-picture-not-showing.2024-07-17.md",
                      "learn": "learn-profile-picture-not-showing.2024-07-17.html"}
SAVED = sorted(p for p in DATA.iterdir() if p.suffix in (".md", ".html") and p.name != "README.md")
MARKUP = re.compile(r":::|\[!(NOTE|TIP|IMPORTANT|CAUTION|WARNING|div|INCLUDE|VIDEO)", re.IGNORECASE)


def doc_check(tmp_path: Path, *args: str) -> tuple[int, str, dict]:
    out = tmp_path / "doc-check.json"
    result = cli("doc-check", *args, "--out", str(out))
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout + result.stderr, json.loads(out.read_text()) if out.exists() else {}


def read(name: str) -> Document:
    path = DATA / name
    return read_document(path.read_bytes(), str(path))


def every_text(doc: Document) -> list[str]:
    return [doc.title or ""] + [s.text for step in doc.steps for s in step.segments] \
        + [s.text for s in doc.outside] + doc.procedures


@pytest.mark.parametrize("kind", sorted(AS_IT_WAS))
def test_a_flow_quoting_one_procedure_passes_on_the_article_as_it_was(tmp_path: Path, kind: str) -> None:
    code, output, data = doc_check(tmp_path, str(FLOW), "--offline", str(DATA / AS_IT_WAS[kind]))
    assert code == 0, output
    [report] = data["flows"]
    assert report["counts"] == {"same": 5, "changed": 0, "missing": 0, "new": 0}
    # where each quote was found: the collapsible section and the step, in the table and the JSON
    assert [(q["section"], q["where"]) for q in report["quotes"]] == [
        (EXCHANGE, f'"{EXCHANGE}", step {n}') for n in range(1, 6)]
    assert f'same  Select the camera icon                      "{EXCHANGE}", step 4  100' in output
    # the other three procedures are not this flow's: named, never drift, their steps only with --all-steps
    assert report["new"] == [] and "other_steps" not in report
    assert report["other_procedures"] == [f'"{EXCHANGE}", list 2', f'"{NO_EXCHANGE}"', f'"{ADMINS}"']
    assert "not this flow's: 14 steps of 3 other procedures" in output
    # step 6 only points to another article: not a step of the procedure
    assert "For more information" not in json.dumps(report["new"]) and "step 6" not in output


@pytest.mark.parametrize("kind", sorted(WITHOUT_USER_STEPS))
def test_the_version_that_removed_the_user_steps_is_drift(tmp_path: Path, kind: str) -> None:
    code, output, data = doc_check(tmp_path, str(FLOW), "--offline", str(DATA / WITHOUT_USER_STEPS[kind]))
    assert code == 1, output
    [report] = data["flows"]
    assert report["result"] == "drift" and report["article_date"] == "2024-07-17"
    assert [q["verdict"] for q in report["quotes"]] == ["missing"] * 5
    assert report["counts"] == {"same": 0, "changed": 0, "missing": 5, "new": 0}
    assert "DRIFT: 0 same, 0 changed, 5 missing, 0 new" in output


def test_the_support_page_reworded_is_changed_and_without_its_sections_missing(tmp_path: Path) -> None:
    page = (DATA / AS_IT_WAS["support"]).read_text(encoding="utf-8")
    reworded = tmp_path / "reworded.html"
    reworded.write_text(page.replace("In the <strong>My accounts</strong> pane, select the camera icon",
                                     "In the <strong>My Microsoft account</strong> pane, select the pencil icon")
                        .replace("Select <strong>Upload a new photo</strong> and upload the picture.",
                                 "Select <strong>Change photo</strong>, and then upload the picture."),
                        encoding="utf-8")
    code, output, data = doc_check(tmp_path, str(FLOW), "--offline", str(reworded))
    assert code == 1, output
    quotes = {q["steps"][0]: q for q in data["flows"][0]["quotes"]}
    camera, upload = quotes["Select the camera icon"], quotes["Upload a new photo"]
    assert camera["verdict"] == "changed" and camera["where"] == f'"{EXCHANGE}", step 4'
    assert camera["diff"].startswith("In the My [-accounts-] {+Microsoft account+} pane, select the [-camera-] "
                                     "{+pencil+} icon")
    assert upload["verdict"] == "changed" and upload["article"] == "Select Change photo, and then upload the picture."
    # the first three steps are word for word in both mailbox procedures: they stay with the one the flow replays
    assert [quotes[name]["where"] for name in ("Wait for the page with the photo to upload", "Go to office.com",
                                               "Open the account manager")] == [
        f'"{EXCHANGE}", step {n}' for n in (1, 2, 3)]
    assert data["flows"][0]["new"] == []
    removed = tmp_path / "removed.html"
    removed.write_text(re.sub(r'<section class="ocpSection">\s*<div class="ocpExpandoHead".*?</section>', "", page,
                              flags=re.DOTALL), encoding="utf-8")
    code, output, data = doc_check(tmp_path, str(FLOW), "--offline", str(removed))
    assert code == 1, output
    assert {q["verdict"] for q in data["flows"][0]["quotes"]} == {"missing"}


def test_all_steps_lists_the_other_procedures_as_context_not_drift(tmp_path: Path) -> None:
    code, output, data = doc_check(tmp_path, str(FLOW), "--offline", str(DATA / AS_IT_WAS["markdown"]), "--all-steps")
    assert code == 0, output
    report = data["flows"][0]
    others = report["other_steps"]
    assert len(others) == 14 and report["counts"]["new"] == 0
    assert others[0] == {"where": f'"{EXCHANGE}", list 2, step 1', "section": EXCHANGE, "whole_step": True,
                         "text": others[0]["text"]}
    assert others[0]["text"].startswith("Add the users who are missing a photo in SharePoint Online")
    assert [o["where"] for o in others if o["section"] == ADMINS] == [f'"{ADMINS}", step {n}' for n in range(1, 5)]
    assert re.search(rf'other  -\s+"{NO_EXCHANGE}", step 4\n\s+article: Select My Office profile.', output)
    assert "not this flow's" not in output


@pytest.mark.parametrize("name", [p.name for p in SAVED])
def test_no_docfx_markup_or_page_chrome_reaches_the_article_text(name: str) -> None:
    doc = read(name)
    texts = every_text(doc)
    leaked = [t for t in texts if MARKUP.search(t)]
    assert leaked == []
    joined = "\n".join(texts)
    assert "Screenshot shows the Picture dialog" not in joined, "an image's alt-text is not article text"
    for chrome in ("Was this page helpful", "In this article", "Focus mode", "Table of contents", "Share via",
                   "Previous Versions", "Skip to main content", "Ask the community", "Feedback", "Privacy"):
        assert chrome not in joined, chrome
    if "2022-03-31" in name or name.startswith("support-"):
        assert len(doc.procedures) == 4 and len(doc.steps) == 19
        # a note is not a step: the sync-delay note of the admin steps is text outside them
        assert any(s.text.startswith("For Exchange Online users, it will still take 24 hours") for s in doc.outside)
        assert not any("24 hours" in step.text for step in doc.steps)


def test_docfx_markup_in_markdown_is_understood(tmp_path: Path) -> None:
    """The extensions a step can carry: a screenshot right under its text (its stale alt-text names the
    old setting), a note inside the item, a moniker, an include, a no-loc term."""
    article = tmp_path / "article.md"
    article.write_text(textwrap.dedent("""\
        ---
        title: Turn off external sharing
        ms.date: 01/02/2024
        ---
        # Turn off external sharing

        [!INCLUDE [Applies to](../includes/appliesto-spo.md)]

        :::moniker range="sharepoint-online"

        1. Go to **Policies** > **Sharing** in the :::no-loc text="SharePoint"::: admin center.
           :::image type="content" source="media/sharing.png" alt-text="The SharingCapability setting.":::
        1. Under **External sharing**, select **Only people in your organization**.

           > [!IMPORTANT]
           > Existing guests lose access.

        1. Select **Save**.

        :::moniker-end:::

        :::image type="complex" source="media/flow.png" alt-text="Diagram of sharing.":::
           A long description of the diagram.
        :::image-end:::
        """), encoding="utf-8")
    flow = tmp_path / "sharing.yaml"
    flow.write_text(textwrap.dedent(f"""\
        name: Turn off external sharing
        source: {article}
        steps:
          - goto: https://contoso-admin.sharepoint.com/_layouts/15/online/AdminHome.aspx#/sharing
            doc: Go to Policies > Sharing in the SharePoint admin center.
          - click: {{role: radio, name: Only people in your organization}}
            doc: Under External sharing, select Only people in your organization.
          - click: {{role: button, name: Save}}
            doc: Select Save.
        """), encoding="utf-8")
    code, output, data = doc_check(tmp_path, str(flow), "--offline", str(article))
    assert code == 0, output
    report = data["flows"][0]
    assert [(q["verdict"], q["score"], q["where"]) for q in report["quotes"]] == [
        ("same", 100, "step 1"), ("same", 100, "step 2"), ("same", 100, "step 3")]
    assert report["new"] == [] and report["article_date"] == "2024-01-02"
    doc = read_document(article.read_bytes(), str(article))
    assert any(s.text == "Existing guests lose access." for s in doc.outside)
    assert not MARKUP.search(json.dumps(data)) and not MARKUP.search(output)
    for leaked in ("SharingCapability", "Diagram of sharing", "long description", "Applies to", "no-loc"):
        assert leaked not in json.dumps(data) and leaked not in output


def test_a_pointer_is_decided_by_structure_in_any_language() -> None:
    html = """<html lang="ja-jp"><body><main>
      <h2>手順</h2>
      <ol>
        <li><a href="https://admin.microsoft.com/">Microsoft 365 管理センター</a>に移動します。</li>
        <li>詳細については、「<a href="https://support.microsoft.com/ja-jp/topic/2eaf93fd"
            >Microsoft 365 にプロフィール写真を追加する</a>」を参照してください。</li>
        <li>Weitere Informationen finden Sie unter <a href="../add-photo"
            >Hinzufügen Ihres Profilfotos zu Microsoft 365</a>.</li>
        <li>Add the users to a People web part using <a href="https://support.microsoft.com/office/7e52c5f6"
            >Show people profiles</a>.</li>
        <li>See <a href="#other-section">the section above</a>.</li>
      </ol></main></body></html>"""
    doc = read_document(html.encode(), "https://learn.microsoft.com/ja-jp/x")
    assert [s.label for s in doc.steps] == ['"手順", step 1', '"手順", step 4', '"手順", step 5']
    outside = [s.text for s in doc.outside]
    assert any(t.startswith("詳細については") for t in outside)
    assert any(t.startswith("Weitere Informationen") for t in outside)


def test_learn_notes_of_both_generations_and_tabs() -> None:
    html = """<html lang="en-us"><body><main id="main">
      <div class="content"><h1>Title</h1></div>
      <div class="content">
        <div class="alert is-info">
          <p class="alert-title"><span class="docon"></span> Note</p><p>Old-style note.</p></div>
        <div class="tabGroup" id="tabgroup_1">
          <ul role="tablist">
          <li role="presentation"><a href="#tabpanel_1_web" role="tab" aria-controls="tabpanel_1_web" data-tab="web"
             tabindex="0" aria-selected="true" data-linktype="self-bookmark">Web</a></li>
          <li role="presentation"><a href="#tabpanel_1_app" role="tab" aria-controls="tabpanel_1_app" data-tab="app"
             tabindex="-1" data-linktype="self-bookmark">Desktop app</a></li></ul>
          <section id="tabpanel_1_web" role="tabpanel" data-tab="web"><ol><li>Open the web page.</li></ol></section>
          <section id="tabpanel_1_app" role="tabpanel" data-tab="app" aria-hidden="true" hidden="hidden">
            <ol><li>Open the app.</li></ol></section>
        </div>
      </div></main></body></html>"""
    doc = read_document(html.encode(), "https://learn.microsoft.com/en-us/x")
    assert [s.text for s in doc.outside if "note" in s.text.lower()] == ["Old-style note."]
    # every tab is read (the page hides all but the first until chosen), each named by its tab
    assert [(s.label, s.text) for s in doc.steps] == [('"Web", step 1', "Open the web page."),
                                                       ('"Desktop app", step 1', "Open the app.")]


@pytest.fixture
def site() -> Iterator[LocalServer]:
    with local_server() as server:
        yield server


def test_learn_page_and_raw_markdown_are_fetched(tmp_path: Path, site: LocalServer) -> None:
    learn = "/en-us/troubleshoot/sharepoint/administration/profile-picture-not-showing"
    raw = "/MicrosoftDocs/SupportArticles-docs/main/SharePoint/profile-picture-not-showing.md"
    site.pages[learn] = (200, "text/html; charset=utf-8", (DATA / AS_IT_WAS["learn"]).read_bytes())
    site.pages[raw] = (200, "text/plain; charset=utf-8", (DATA / WITHOUT_USER_STEPS["markdown"]).read_bytes())
    for path, expected in ((learn, 0), (raw, 1)):
        flow = tmp_path / f"flow-{expected}.yaml"
        flow.write_text(re.sub(r"(?m)^source: .*$", f"source: {site.base}{path}", FLOW.read_text(encoding="utf-8")),
                        encoding="utf-8")
        code, output, data = doc_check(tmp_path, str(flow))
        assert code == expected, output
        assert data["flows"][0]["fetched_url"] == site.base + path
    assert download_url("https://github.com/MicrosoftDocs/SupportArticles-docs/blob/main/support/a/b.md#top") == \
        "https://raw.githubusercontent.com/MicrosoftDocs/SupportArticles-docs/main/support/a/b.md"
    assert download_url("https://learn.microsoft.com/en-us/troubleshoot/x") == "https://learn.microsoft.com/en-us/troubleshoot/x"


def test_the_shipped_add_profile_photo_flow_quotes_the_article_it_replays(tmp_path: Path) -> None:
    """add-profile-photo quotes "If you have an Exchange Online mailbox" word for word: no drift on
    the article as it was, and the 2024 removal of those steps is reported as it is."""
    code, output, data = doc_check(tmp_path, "add-profile-photo", "--offline", str(DATA / AS_IT_WAS["learn"]))
    assert code == 0, output
    assert data["flows"][0]["counts"] == {"same": 5, "changed": 0, "missing": 0, "new": 0}
    code, output, data = doc_check(tmp_path, "add-profile-photo", "--offline",
                                   str(DATA / WITHOUT_USER_STEPS["markdown"]))
    assert code == 1 and data["flows"][0]["counts"]["missing"] == 5, output
