"""Secrets never leak: a run with distinctive password and TOTP values, tracing and video on and the
most verbose logging, then every artifact (zips unpacked), stdout and stderr are searched for them
in every form they could take."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import shutil
import time
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from runner.core.redact import Redactor
from runner.secrets.credentials import normalize_totp_secret, totp_code
from runner.simulator.accounts import microsoft_totp_secret
from tests.conftest import SHIPPED, cli

PASSWORD = "Zq8#Leak&Canary+Pw/7=x"
# as Entra's "Set up a different authenticator app" page shows it: 16 characters, lower case, in fours
TOTP_SECRET = microsoft_totp_secret()


def encodings(secret: str) -> set[bytes]:
    """The secret as typed, URL-encoded, HTML-escaped, JSON-escaped, and base64 at every alignment."""
    raw = secret.encode()
    forms = {raw, quote(secret, safe="").encode(), quote_plus(secret).encode(), html.escape(secret).encode(),
             json.dumps(secret)[1:-1].encode()}
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * offset + raw + b"\0\0").decode()
            # drop the characters that depend on the bytes around the secret
            forms.add(text[4 if offset else 0:-4].rstrip("=").encode())
    return {f for f in forms if len(f) >= 6}


def blobs(folder: Path):
    """(name, bytes) of every file under folder, zip archives unpacked recursively."""

    def expand(name: str, data: bytes):
        yield name, data
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for entry in archive.namelist():
                    yield from expand(f"{name}!{entry}", archive.read(entry))

    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield from expand(str(path.relative_to(folder)), path.read_bytes())


def needles_between(started: float, finished: float) -> dict[bytes, str]:
    """Every form of every secret of the run: the password, the TOTP secret as shown, canonical and
    without spaces, and the codes of every 30 s window the run could have typed in (with the clock
    skew a verifier allows)."""
    codes = {totp_code(TOTP_SECRET, clock=lambda t=t: t) for t in range(int(started) - 30, int(finished) + 31, 15)}
    needles: dict[bytes, str] = {}
    secrets = [("password", PASSWORD), ("TOTP secret", TOTP_SECRET),
               ("TOTP secret", normalize_totp_secret(TOTP_SECRET)), ("TOTP secret", TOTP_SECRET.replace(" ", ""))]
    for label, secret in secrets + [("TOTP code", c) for c in codes]:
        for form in encodings(secret) if len(secret) > 6 else {secret.encode()}:
            needles[form] = label
    return needles


def found(needle: bytes, data: bytes) -> bool:
    if needle.isdigit():
        # a six-digit code leaks as a token ("otc=123456", "AdditionalAuthData":"123456"); inside a
        # longer number (timestamps fill traces) the same digits are chance, not a leak
        return re.search(rb"(?<![0-9])" + needle + rb"(?![0-9])", data) is not None
    return needle in data


def search(report: Path, needles: dict[bytes, str], streams: dict[str, str]) -> tuple[int, list[str]]:
    """(files searched, leaks found) over every artifact, unpacked, and the output streams."""
    searched = 0
    leaks = []
    for name, data_bytes in blobs(report):
        searched += 1
        for needle, label in needles.items():
            if needle.isdigit() and name.endswith((".png", ".webm", ".jpeg", ".jpg")):
                continue  # six digits occur by chance in compressed image data; a code is never drawn there
            if found(needle, data_bytes):
                leaks.append(f"{label} in {name}")
    for stream, text in streams.items():
        leaks += [f"{label} in {stream}" for needle, label in needles.items() if found(needle, text.encode())]
    return searched, leaks


@pytest.mark.browser
def test_no_secret_in_any_artifact_or_output(tmp_path: Path) -> None:
    sim = tmp_path / "sim.yaml"
    sim.write_text(
        "accounts:\n"
        # the passkey registration campaign after the code: its snooze is recorded and warned, and searched
        f"  - {{upn: mfa@contoso.com, password: '{PASSWORD}', mfa: totp, totp_secret: {TOTP_SECRET}, "
        "passkey_campaign: snoozable}\n"
        f"  - {{upn: pushy@contoso.com, password: '{PASSWORD}', mfa: push, totp_secret: {TOTP_SECRET}}}\n"
        f"  - {{upn: fed@fabrikam.com, password: '{PASSWORD}', federated: true}}\n"
        "  - {upn: badpw@contoso.com, password: another-password}\n"
        # a page the runner does not know after the password and the code: its page card is searched too
        f"  - {{upn: nudge@contoso.com, password: '{PASSWORD}', mfa: totp, totp_secret: {TOTP_SECRET}, "
        "new_interrupt: true}\n"
        # one OneDrive page load answers 503: that account's first try is set aside (attempt-1/) and searched too
        "faults:\n  - {host: contoso-my.sharepoint.com, kind: status, status: 503, times: 1}\n"
    )
    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
           "M365_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"), "DEBUG": "pw:api,pw:protocol"}
    for account in ("mfa@contoso.com", "pushy@contoso.com", "fed@fabrikam.com", "badpw@contoso.com",
                    "nudge@contoso.com"):
        assert cli("creds", "set", account, env=env, input=f"{PASSWORD}\n").returncode == 0
    for account in ("mfa@contoso.com", "pushy@contoso.com", "nudge@contoso.com"):
        assert cli("creds", "set", account, "--totp", env=env, input=f"{TOTP_SECRET}\n").returncode == 0

    # the shipped flow, waiting 6 s rather than 20 on the page nobody knows (its card is the point)
    flows = tmp_path / "flows"
    shutil.copytree(SHIPPED.parent, flows)
    flow = flows / SHIPPED.name
    flow.write_text(flow.read_text().replace("    sign_in: {}\n", "    sign_in: {unrecognized_after: 6}\n"))
    started = time.time()
    report = tmp_path / "report"
    result = cli("run", str(flow), "--account", "mfa@contoso.com", "--account", "pushy@contoso.com",
                 "--account", "fed@fabrikam.com", "--account", "badpw@contoso.com", "--account", "nudge@contoso.com",
                 "--simulator-accounts", str(sim),
                 "--report-dir", str(report), "--trace", "on", "--video", "on", "-vv", "--workers", "2",
                 "--evidence", "--retries", "1", env=env)
    finished = time.time()
    data = json.loads((report / "report.json").read_text())
    outcome = {r["account"]: r["status"] for r in data["runs"]}
    assert outcome == {"mfa@contoso.com": "passed", "pushy@contoso.com": "passed", "fed@fabrikam.com": "passed",
                       "badpw@contoso.com": "failed", "nudge@contoso.com": "failed"}, result.stdout + result.stderr
    assert result.returncode == 1

    needles = needles_between(started, finished)
    assert len(needles) > 12
    searched, leaks = search(report, needles, {"stdout": result.stdout, "stderr": result.stderr})
    assert leaks == [], "\n".join(leaks)

    # the search had something to search: traces and videos were really written and really unpacked
    for account in ("mfa_contoso.com", "badpw_contoso.com"):
        with zipfile.ZipFile(report / account / "trace.zip") as trace:
            names = trace.namelist()
        assert sum(n.endswith(".trace") for n in names) >= 2, "tracing resumed after the secret was typed"
        assert list((report / account / "video").glob("*.webm"))
    assert searched > 50
    retried = [r for r in data["runs"] if r["tries"]]
    assert len(retried) == 1 and retried[0]["flaky"], "one account met the fault and passed on its second try"
    folder = report / retried[0]["tries"][0]["screenshot"].split("/")[0] / "attempt-1"
    assert (folder / "trace.zip").is_file() and list((folder / "video").glob("*.webm")), "its first try was searched"
    assert len(list((report / "evidence").glob("*.zip"))) == 5, "the evidence zips were searched too"
    card = json.loads((report / "nudge_contoso.com" / "page.json").read_text())
    assert card["page_id"] == "ConvergedTermsOfUse", "the page card was written, and searched"
    mfa = next(r for r in data["runs"] if r["account"] == "mfa@contoso.com")
    # once per try: the account the fault met signed in (and snoozed) twice, and both are kept
    assert [i["action"] for i in mfa["interrupts"]] == ["snoozed"] * max(1, len(mfa["tries"])), \
        "the campaign's snooze was recorded, and searched"
    with zipfile.ZipFile(report / "evidence" / "nudge_contoso.com.zip") as evidence:
        assert "page.json" in evidence.namelist()
    assert (report / "report.html").exists() and (report / "junit.xml").exists()
    assert b"onedrive.aspx" in (report / "mfa_contoso.com" / "trace.zip").read_bytes() or any(
        b"onedrive.aspx" in blob for name, blob in blobs(report / "mfa_contoso.com") if ".trace" in name)
    assert "Playwright's debug logs would record passwords" in result.stderr


@pytest.mark.browser
def test_no_secret_in_a_pytest_sessions_report_junit_or_output(tmp_path: Path) -> None:
    """The pytest plugin writes the session's report folder (report.json, report.html, junit.xml, the
    runs' evidence) and pytest's junit.xml (the check's figures): every file of both, pytest-playwright's
    --output and the terminal, searched for the password and the TOTP values, a wrong password too."""
    from tests.pytest.test_plugin import pytest_run, users_file

    sim = tmp_path / "sim.yaml"
    sim.write_text("accounts:\n"
                   f"  - {{upn: mfa@contoso.com, password: '{PASSWORD}', mfa: totp, totp_secret: {TOTP_SECRET}}}\n"
                   "  - {upn: badpw@contoso.com, password: another-password}\n")
    users = users_file(tmp_path, "{account: mfa@contoso.com}", "{account: badpw@contoso.com}")
    report, out = tmp_path / "session", tmp_path / "out"
    started = time.time()
    result = pytest_run(tmp_path, "sync-profile-photo", "--m365-users", str(users), "--m365-simulator-accounts",
                        str(sim), "--m365-report-dir", str(report), "--junitxml", str(tmp_path / "junit.xml"),
                        "--output", str(out), "--screenshot", "on", "-n", "2",
                        passwords={"mfa@contoso.com": PASSWORD, "badpw@contoso.com": PASSWORD},
                        totp={"mfa@contoso.com": TOTP_SECRET})
    finished = time.time()
    data = json.loads((report / "report.json").read_text())
    assert {r["account"]: r["status"] for r in data["runs"]} == {"mfa@contoso.com": "passed",
                                                                 "badpw@contoso.com": "failed"}, result.stdout
    assert (report / "report.html").is_file() and (report / "junit.xml").is_file() and list(out.rglob("*.png"))
    needles = needles_between(started, finished)
    searched, leaks = search(report, needles, {"stdout": result.stdout, "stderr": result.stderr})
    more, more_leaks = search(out, needles, {"junit.xml": (tmp_path / "junit.xml").read_text()})
    assert leaks + more_leaks == [], "\n".join(leaks + more_leaks)
    assert searched > 10 and more > 2


def test_redactor_masks_every_form_and_log_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from runner.core.redact import RedactingFilter

    redactor = Redactor()
    redactor.add(PASSWORD)
    for form in (PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD), html.escape(PASSWORD),
                 base64.b64encode(PASSWORD.encode()).decode()):
        assert redactor(f"before {form} after") == "before *** after"
    from runner.core.redact import redactor as shared

    shared.add(PASSWORD)
    logger = logging.getLogger("m365replay.test")
    logger.addFilter(RedactingFilter())
    try:
        raise ValueError(f"typed {PASSWORD} here")
    except ValueError:
        with caplog.at_level(logging.DEBUG, logger="m365replay.test"):
            logger.exception("failed with %s", PASSWORD)
    assert PASSWORD not in caplog.text
    assert "typed *** here" in caplog.text


def test_creds_end_to_end_with_a_documented_backend(tmp_path: Path) -> None:
    """README and examples/ci: PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring on a throw-away CI
    runner, allowed there explicitly (tests/test_keyring_safety.py: refused without it)."""
    env = {"PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring", "XDG_DATA_HOME": str(tmp_path),
           "HOME": str(tmp_path), "M365_REPLAY_ALLOW_INSECURE_KEYRING": "1"}
    stored = cli("creds", "set", "alice@contoso.com", env=env, input=f"{PASSWORD}\n")
    assert stored.returncode == 0, stored.stderr
    assert "PlaintextKeyring" in stored.stdout and PASSWORD not in stored.stdout + stored.stderr
    assert cli("creds", "set", "alice@contoso.com", "--totp", env=env, input="not base32!\n").returncode == 2
    assert cli("creds", "set", "alice@contoso.com", "--totp", env=env, input=f"{TOTP_SECRET}\n").returncode == 0
    check = cli("creds", "check", "alice@contoso.com", "bob@contoso.com", env=env)
    assert "keyring backend: keyrings.alt.file.PlaintextKeyring" in check.stdout
    assert "alice@contoso.com: password yes, totp yes" in check.stdout
    assert "bob@contoso.com: password MISSING, totp no" in check.stdout
    assert check.returncode == 1
    assert cli("creds", "delete", "alice@contoso.com", env=env).returncode == 0
    after = cli("creds", "check", "alice@contoso.com", env=env)
    assert "alice@contoso.com: password MISSING, totp yes" in after.stdout


def test_accounts_outside_the_allow_list_are_refused_before_anything_runs(tmp_path: Path) -> None:
    config = tmp_path / "m365-replay.yaml"
    config.write_text("allowed_domains: [contoso.com]\n")
    report = tmp_path / "report"
    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.JsonFileKeyring",
           "M365_TEST_KEYRING_FILE": str(tmp_path / "k.json")}
    result = cli("run", str(SHIPPED), "--account", "alice@contoso.com", "--account", "ceo@realcompany.com",
                 "--config", str(config), "--report-dir", str(report), env=env)
    assert result.returncode == 2
    assert "ceo@realcompany.com is outside the allowed tenant domains (contoso.com)" in result.stderr
    assert not report.exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("allowed_domain: [contoso.com]\n")
    wrong = cli("run", str(SHIPPED), "--account", "alice@contoso.com", "--config", str(bad), env=env)
    assert wrong.returncode == 2 and f"{bad}:1:1: unknown key 'allowed_domain'" in wrong.stderr
