"""`m365-replay doc-check`: the shipped flow against its article served from 127.0.0.1, as published
(English, Turkish machine translation, the docs repository's Markdown) and as Microsoft might change
it (a step reworded, removed, added). No internet: the pages are tests/data/doccheck/."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml

from runner.checks.doccheck import localized_url, normalize_locale
from runner.spec.flow import load_flow
from runner.spec.schema import flow_schema
from tests.conftest import FLOWS, ROOT, cli
from tests.support.localhttp import LocalServer, closed_port, local_server

DATA = ROOT / "tests" / "data" / "doccheck"
ARTICLE = "/office/cd7196af-3ed9-42e6-b594-f51ad265fd63"  # as the flow's source: gives it, no locale
ENGLISH = (DATA / "en-us.html").read_text(encoding="utf-8")
TURKISH = (DATA / "tr-tr.html").read_text(encoding="utf-8")
STEP_1 = "Open a web browser in an In-Private or Incognito session and go to Office.com."
STEP_2 = "Sign in with their work or school account, and click the OneDrive or SharePoint tile."
HTML = "text/html; charset=utf-8"


@pytest.fixture
def article() -> Iterator[LocalServer]:
    """support.microsoft.com in miniature: the locale-less address redirects to the locale the
    browser asks for (Accept-Language), and the English and Turkish pages sit under their locales."""

    def by_language(headers: dict[str, str]) -> tuple[int, str, bytes]:
        locale = "tr-tr" if headers.get("Accept-Language", "").lower().startswith("tr") else "en-us"
        return 302, "text/plain", f"/{locale}{ARTICLE}".encode()

    with local_server() as server:
        server.pages[ARTICLE] = by_language
        server.pages[f"/en-us{ARTICLE}"] = (200, HTML, ENGLISH.encode())
        server.pages[f"/tr-tr{ARTICLE}"] = (200, HTML, TURKISH.encode())
        yield server


def shipped_copy(tmp_path: Path, source: str) -> Path:
    """The shipped flows copied (sub-flows too) with `source:` pointed at the local server."""
    folder = tmp_path / "flows"
    shutil.copytree(FLOWS, folder)
    flow = folder / "sync-profile-photo.yaml"
    text, count = re.subn(r"(?m)^source: .*$", f"source: {source}", flow.read_text(encoding="utf-8"))
    assert count == 1
    flow.write_text(text, encoding="utf-8")
    return flow


def doc_check(tmp_path: Path, *args: str) -> tuple[int, str, dict]:
    out = tmp_path / "doc-check.json"
    result = cli("doc-check", *args, "--out", str(out))
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout + result.stderr, json.loads(out.read_text()) if out.exists() else {}


def serve_english(article: LocalServer, html: str) -> None:
    article.pages[f"/en-us{ARTICLE}"] = (200, HTML, html.encode())


def by_step(flow_report: dict) -> dict[str, dict]:
    return {name: quote for quote in flow_report["quotes"] for name in quote["steps"]}


def test_the_shipped_flow_quotes_its_article_as_published(tmp_path: Path, article: LocalServer) -> None:
    flow = shipped_copy(tmp_path, article.base + ARTICLE)
    code, output, data = doc_check(tmp_path, str(flow))
    assert code == 0, output
    assert "no drift: 4 same, 0 changed, 0 missing, 0 new" in output
    [report] = data["flows"]
    assert report["result"] == "same" and data["drift"] is False
    assert report["fetched_url"] == article.base + "/en-us" + ARTICLE  # the redirect was followed
    assert report["document_locale"] == "en-us" and report["title"] == "Sync a user's profile picture"
    assert [(q["verdict"], q["where"]) for q in report["quotes"]] == [
        ("same", "step 1"), ("same", "step 2"), ("same", "not a step")]
    # the two fragments of the article's step 2 are read as the one sentence they quote together
    [first, joined, intro] = report["quotes"]
    assert joined["steps"] == ["Sign in with the work or school account", "Click the ${tile} tile"]
    assert joined["doc"] == STEP_2 and joined["article"] == STEP_2 and joined["score"] == 100
    assert first["article"] == STEP_1
    assert intro["article"].startswith("Profile Picture Synchronization in SharePoint Online requires")
    assert report["new"] == []
    # the breadcrumb, feedback and footer lists of the page are not the procedure
    assert "Ask the community" not in json.dumps(data) and "Privacy" not in json.dumps(data)


def test_a_reworded_step_is_changed_with_the_closest_sentence_and_word_diff(tmp_path: Path,
                                                                          article: LocalServer) -> None:
    serve_english(article, ENGLISH.replace("go to Office.com</a>", "go to Microsoft365.com</a>"))
    code, output, data = doc_check(tmp_path, str(shipped_copy(tmp_path, article.base + ARTICLE)))
    assert code == 1
    quote = by_step(data["flows"][0])["Go to Office.com"]
    assert quote["verdict"] == "changed" and 60 <= quote["score"] < 95
    assert quote["article"] == STEP_1.replace("Office.com", "Microsoft365.com") and quote["where"] == "step 1"
    assert quote["diff"].endswith("go to [-Office.com.-] {+Microsoft365.com.+}")
    assert by_step(data["flows"][0])["Click the ${tile} tile"]["verdict"] == "same"
    assert data["flows"][0]["new"] == [] and data["drift"] is True
    assert "DRIFT: 3 same, 1 changed, 0 missing, 0 new" in output
    assert "diff:    Open a web browser" in output and "[-Office.com.-] {+Microsoft365.com.+}" in output


def test_a_removed_step_is_missing(tmp_path: Path, article: LocalServer) -> None:
    html, count = re.subn(r"<li>\s*<p>Open a web browser.*?</li>", "", ENGLISH, flags=re.DOTALL)
    assert count == 1
    serve_english(article, html)
    code, output, data = doc_check(tmp_path, str(shipped_copy(tmp_path, article.base + ARTICLE)))
    assert code == 1
    quotes = by_step(data["flows"][0])
    assert quotes["Go to Office.com"]["verdict"] == "missing" and quotes["Go to Office.com"]["article"] is None
    assert quotes["Sign in with the work or school account"]["verdict"] == "same"
    assert quotes["Sign in with the work or school account"]["where"] == "step 1"  # the list renumbered
    assert data["flows"][0]["counts"] == {"same": 3, "changed": 0, "missing": 1, "new": 0}
    assert re.search(r"missing\s+Go to Office.com\s+-", output)


def test_an_added_step_is_new(tmp_path: Path, article: LocalServer) -> None:
    added = "Wait until OneDrive or SharePoint has opened, then close the browser."
    serve_english(article, ENGLISH.replace("</li>\n          </ol>", f"</li>\n<li><p>{added}</p></li></ol>"))
    code, output, data = doc_check(tmp_path, str(shipped_copy(tmp_path, article.base + ARTICLE)))
    assert code == 1
    report = data["flows"][0]
    assert report["new"] == [{"where": "step 3", "text": added, "whole_step": True, "section": None}]
    assert {q["verdict"] for q in report["quotes"]} == {"same"}
    assert f"article: {added}" in output


def test_a_sentence_added_to_a_quoted_step_is_new(tmp_path: Path, article: LocalServer) -> None:
    serve_english(article, ENGLISH.replace("tile.</p>", "tile. Wait for the page to load.</p>"))
    code, _, data = doc_check(tmp_path, str(shipped_copy(tmp_path, article.base + ARTICLE)))
    assert code == 1
    assert data["flows"][0]["new"] == [{"where": "step 2", "text": "Wait for the page to load.", "whole_step": False,
                                        "section": None}]


def test_the_turkish_page_matches_the_english_quotes_by_its_originals(tmp_path: Path, article: LocalServer) -> None:
    code, output, data = doc_check(tmp_path, str(shipped_copy(tmp_path, article.base + ARTICLE)), "--locale", "tr-TR")
    assert code == 0, output
    assert article.requests[-1].path == f"/tr-tr{ARTICLE}"
    assert article.requests[-1].headers["Accept-Language"].startswith("tr-tr")
    report = data["flows"][0]
    assert report["locale"] == "tr-tr" and report["document_locale"] == "tr-tr"
    assert all(q["verdict"] == "same" and q["english_original"] for q in report["quotes"])
    assert report["title"] == "Kullanıcının profil resmi eşitleme" and report["new"] == []
    assert "step 1 (English original)" in output


def test_the_locale_goes_into_support_microsoft_com_addresses() -> None:
    source = "https://support.microsoft.com/office/cd7196af-3ed9-42e6-b594-f51ad265fd63"
    assert localized_url(source, normalize_locale("tr-TR")) == \
        "https://support.microsoft.com/tr-tr/office/cd7196af-3ed9-42e6-b594-f51ad265fd63"
    assert localized_url(source.replace("/office", "/en-us/office"), normalize_locale("de")) == \
        "https://support.microsoft.com/de-de/office/cd7196af-3ed9-42e6-b594-f51ad265fd63"
    assert normalize_locale("ja") == "ja-jp" and normalize_locale("en") == "en-us"
    assert localized_url(source, None) == source


def per_locale_flow(tmp_path: Path, source: str) -> Path:
    """A flow that quotes the article in English and in Turkish (`doc: {en: ..., tr: ...}`)."""
    (tmp_path / "lib").mkdir(exist_ok=True)
    path = tmp_path / "bilingual.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: Sync a user's profile picture (en, tr)
        source: {source}
        steps:
          - goto: https://www.office.com/
            doc:
              en: {STEP_1}
              tr: Bir özel inç veya Incognito oturumu ve Office.com'a gitmekbir web tarayıcısı açın.
          - sign_in: {{}}
            doc:
              en: Sign in with their work or school account,
              tr: İş veya Okul hesapla oturum açın
          - click: {{role: link, name: OneDrive}}
            doc:
              en: and click the OneDrive or SharePoint tile.
              tr: ve OneDrive veya SharePoint Döşe'yi tıklatın.
        """), encoding="utf-8")
    return path


def test_doc_per_locale_is_matched_in_that_locale(tmp_path: Path, article: LocalServer) -> None:
    flow_file = per_locale_flow(tmp_path, article.base + ARTICLE)
    flow = load_flow(flow_file)
    assert flow.steps[0].doc == STEP_1, "reports show the English wording"
    assert flow.steps[1].docs == {"en": "Sign in with their work or school account,",
                                  "tr": "İş veya Okul hesapla oturum açın"}
    code, output, data = doc_check(tmp_path, str(flow_file), "--locale", "tr")
    assert code == 0, output
    report = data["flows"][0]
    assert [(q["verdict"], q["doc_locale"], q["english_original"]) for q in report["quotes"]] == [
        ("same", "tr", False), ("same", "tr", False)]
    assert report["quotes"][1]["article"] == ("İş veya Okul hesapla oturum açın ve OneDrive veya SharePoint "
                                              "Döşe'yi tıklatın.")
    english_code, output, english = doc_check(tmp_path, str(flow_file))
    assert english_code == 0, output
    assert [q["doc_locale"] for q in english["flows"][0]["quotes"]] == ["en", "en"]


def test_the_markdown_source_of_the_translation_is_read_offline(tmp_path: Path) -> None:
    code, output, data = doc_check(tmp_path, "sync-profile-photo", "--offline", str(DATA / "tr-tr.source.md"))
    assert code == 0, output
    report = data["flows"][0]
    assert report["document_locale"] == "tr-tr"
    assert report["counts"] == {"same": 4, "changed": 0, "missing": 0, "new": 0}
    assert [q["where"] for q in report["quotes"]] == ["step 1", "step 2", "not a step"]


def test_an_article_that_cannot_be_read_is_an_error_not_a_verdict(tmp_path: Path, article: LocalServer) -> None:
    code, output, data = doc_check(tmp_path, str(shipped_copy(tmp_path, f"http://127.0.0.1:{closed_port()}/x")))
    assert code == 2
    assert data["flows"][0]["result"] == "error" and "could not fetch" in data["flows"][0]["error"]
    assert "ERROR could not fetch http://127.0.0.1:" in output
    gone_dir = tmp_path / "gone"
    gone_dir.mkdir()
    code, output, data = doc_check(gone_dir, str(shipped_copy(gone_dir, article.base + "/en-us/office/nothing")))
    assert code == 2 and "the article is gone: HTTP 404" in output


@pytest.mark.parametrize(("args", "message"), [
    (["--locale", "Turkish please"], "--locale 'Turkish please': write a locale such as en-US"),
    (["--threshold", "101"], "Invalid value for '--threshold'"),
    (["--offline", "no-such-file.html"], "Invalid value for '--offline'"),
    (["--notify", "nonsense"], "--notify (no scheme)://…: not a notification URL"),
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    code, output, _ = doc_check(tmp_path, "sync-profile-photo", *args)
    assert code == 2 and message in output


def test_bad_per_locale_doc_is_reported_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("name: t\nsteps:\n  - goto: https://www.office.com/\n    doc: {english: Go., tr: ''}\n"
                    "  - goto: https://www.office.com/\n    doc: [a, b]\n", encoding="utf-8")
    result = cli("validate", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert f"{path}:4:11: 'english' is not a locale; write a language such as en or tr, or a locale such as " \
           "tr-TR" in lines
    assert f"{path}:4:29: expected text, got nothing" in lines
    assert any(line.startswith(f"{path}:6:10: expected text, or a mapping of locale to text") for line in lines)


def test_the_json_schema_describes_doc_per_locale(tmp_path: Path) -> None:
    schema = flow_schema()
    flow = yaml.safe_load(per_locale_flow(tmp_path, "https://example.invalid/").read_text(encoding="utf-8"))
    jsonschema.validate(flow, schema)
    flow["steps"][0]["doc"] = {"english": "x"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(flow, schema)
    flow["steps"][0]["doc"] = "a single string still works"
    jsonschema.validate(flow, schema)


@pytest.mark.browser
def test_run_records_when_the_wording_was_checked_and_the_answer(tmp_path: Path, article: LocalServer) -> None:
    """`run --doc-check`: the check comes first, its answer is in report.json, and drift alone does not
    fail the accounts (that is `doc-check`'s exit code, for a pipeline step of its own)."""
    serve_english(article, ENGLISH.replace("go to Office.com</a>", "go to Microsoft365.com</a>"))
    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
           "M365_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"), "M365_PW": "right-pw-1"}
    stored = cli("creds", "set", "ok@contoso.com", "--from-env", "M365_PW", env=env)
    assert stored.returncode == 0 and "right-pw-1" not in stored.stdout + stored.stderr
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n  - {upn: ok@contoso.com, password: right-pw-1}\n", encoding="utf-8")
    result = cli("run", str(shipped_copy(tmp_path, article.base + ARTICLE)), "--account", "ok@contoso.com",
                 "--simulator-accounts", str(sim), "--report-dir", str(tmp_path / "r"), "--doc-check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Doc check of {article.base}{ARTICLE}: DRIFT" in result.stdout
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    check = report["doc_check"]
    assert check["result"] == "drift" and check["checked_at"] <= report["started_at"]
    assert check["counts"] == {"same": 3, "changed": 1, "missing": 0, "new": 0}
    assert any("Microsoft365.com" in line for line in check["drift"])
    assert report["summary"]["passed"] == 1
    # per quote, for report.html: the verdict, the article's sentence, its place and the diff
    changed = [q for q in check["quotes"] if q["verdict"] == "changed"]
    assert [(q["steps"], q["where"], q["section"]) for q in changed] == [(["Go to Office.com"], "step 1", None)]
    assert changed[0]["diff"].endswith("go to [-Office.com.-] {+Microsoft365.com.+}") and check["new"] == []
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert 'id="doc-check" data-result="drift"' in html
    assert "<del>Office.com.</del> <ins>Microsoft365.com.</ins>" in html


def not_articles(tmp_path: Path) -> dict[str, Path]:
    """What people hand doc-check by mistake: a note, a page of tables, a JSON file, a run's report.html."""
    from runner.reporters.html import render_html
    from tests.support.sample import sample_report

    files = {"hello.txt": "hello\n",
             "tables.html": "<html><body><table><tr><th>Account</th><th>Result</th></tr>"
                            "<tr><td>alice@contoso.com</td><td>passed</td></tr></table></body></html>",
             "doc-check.json": json.dumps({"flows": [{"result": "same"}]}),
             "report.html": render_html(sample_report(3), tmp_path)}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return {name: tmp_path / name for name in files}


def test_what_is_no_article_is_refused_with_exit_2(tmp_path: Path) -> None:
    """Every quote would be `missing` (DRIFT, exit 1) against a page that is no article at all: bad input."""
    for name, path in not_articles(tmp_path).items():
        code, output, data = doc_check(tmp_path, "sync-profile-photo", "--offline", str(path))
        assert code == 2, (name, output)
        if name == "report.html":
            assert f"ERROR not an article: {path} is a report written by m365-replay" in output
        else:
            assert f"ERROR not an article: no headings or numbered steps found in {path}" in output, output
        assert "DRIFT" not in output and "0 same" not in output
        assert data["flows"][0]["result"] == "error" and data["drift"] is False


def test_run_doc_check_reads_a_saved_copy_and_refuses_one_that_is_no_article(tmp_path: Path) -> None:
    """`run --doc-check --offline FILE`, as `doc-check --offline FILE`; a file that is no article is bad
    input: nothing runs and no report is written (exit 2)."""
    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
           "M365_TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}
    report = tmp_path / "r"
    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n  - {upn: ok@contoso.com}\n", encoding="utf-8")  # no password anywhere
    hello = not_articles(tmp_path)["hello.txt"]
    for extra, message in ((["--doc-check", "--offline", str(hello)],
                            f"error: --offline: not an article: no headings or numbered steps found in {hello}"),
                           (["--offline", str(DATA / "en-us.html")], "--offline FILE is the saved article for "
                            "--doc-check: add --doc-check")):
        result = cli("run", "sync-profile-photo", "--account", "ok@contoso.com", "--simulator-accounts", str(sim),
                     "--report-dir", str(report), *extra, env=env)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and not report.exists()
    # a saved copy that is an article: checked, said, and in report.json (the account has no password,
    # neither in the keyring nor in the simulator's file, so it fails at once, without a browser)
    saved = tmp_path / "article.html"
    saved.write_text(ENGLISH.replace("go to Office.com</a>", "go to Microsoft365.com</a>"), encoding="utf-8")
    result = cli("run", "sync-profile-photo", "--account", "ok@contoso.com", "--simulator-accounts", str(sim),
                 "--report-dir", str(report), "--doc-check", "--offline", str(saved), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"Doc check of {saved}: DRIFT" in result.stdout
    check = json.loads((report / "report.json").read_text())["doc_check"]
    assert (check["url"], check["result"]) == (str(saved), "drift")
    assert check["counts"] == {"same": 3, "changed": 1, "missing": 0, "new": 0}
    assert 'id="doc-check" data-result="drift"' in (report / "report.html").read_text(encoding="utf-8")
