"""One place that knows the run's secrets and scrubs them from any text leaving the process.

Every message that reaches a log, the terminal, report.json, the HTML report or JUnit passes
through `redact()`. Secrets are registered the moment they are read from the keyring, in the
forms they could take on the way out (as typed, URL-encoded, HTML-escaped, base64).
"""

from __future__ import annotations

import base64
import html
import logging
import re
import threading
from urllib.parse import quote, quote_plus

MASK = "***"
CUT = "…"
# query (and fragment) parameters of the sign-in's URLs whose values are one-time tokens or session
# handles: cut from every URL that leaves the process, host and path kept ("...authorize?client_id=x&state=…")
TOKEN_PARAMS = ("state", "nonce", "code", "id_token", "access_token", "refresh_token", "token", "client-request-id",
                "sft", "flowtoken", "ctx", "session_state", "sessionid", "code_verifier", "code_challenge",
                "canary", "hpgrequestid", "sso_nonce", "wctx", "estsrequest", "wresult", "samlrequest", "samlresponse",
                "client_secret", "assertion", "passwd", "password", "otc")
_NAMES = rf"(?i:{'|'.join(re.escape(n) for n in TOKEN_PARAMS)})"
# a parameter of the URL itself (its value runs to the next & or #, encoded characters included), or of a URL
# encoded inside another one's parameter (its value runs to the next encoded & or #)
_TOKEN_RE = re.compile(rf"((?:[?&#;]){_NAMES}=)([^&#\s\"'<>\\]*)")
_NESTED_RE = re.compile(rf"((?:%3[Ff]|%26|%23){_NAMES}%3[Dd])((?:(?!%26|%23)[^&#\s\"'<>\\])*)")
# any other parameter whose value is a long opaque run of base64url or hex: a token by another name
_OPAQUE_RE = re.compile(r"((?:[?&#;]|%3[Ff]|%26)[A-Za-z0-9_.-]{1,40}(?:=|%3[Dd]))([A-Za-z0-9_-]{32,})"
                        r"(?=[&#\s\"'<>]|%26|$)")
_GUID_RE = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")  # an app's client id: kept


def cut_tokens(text: str) -> str:
    """`text` with the values of token parameters cut from every URL in it (see TOKEN_PARAMS)."""
    if "=" not in text and "%3" not in text:
        return text
    for pattern in (_TOKEN_RE, _NESTED_RE):
        text = pattern.sub(lambda m: m.group(1) + (CUT if m.group(2) else ""), text)
    return _OPAQUE_RE.sub(lambda m: m.group(0) if _GUID_RE.fullmatch(m.group(2)) else m.group(1) + CUT, text)


class Redactor:
    def __init__(self) -> None:
        self._forms: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < 3:
            return
        raw = secret.encode()
        forms = {secret, quote(secret, safe=""), quote_plus(secret), html.escape(secret),
                 base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("=")}
        if len(raw) >= 8:  # inside a longer base64 text the secret may start at any byte offset
            for offset in (1, 2):
                for encode in (base64.b64encode, base64.urlsafe_b64encode):
                    forms.add(encode(b"\0" * offset + raw + b"\0\0").decode()[4:-4])
        with self._lock:
            self._forms |= {f for f in forms if len(f) >= 3}

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        with self._lock:
            forms = sorted(self._forms, key=len, reverse=True)
        for form in forms:
            if form in text:
                text = text.replace(form, MASK)
        return cut_tokens(text)

    def clear(self) -> None:
        with self._lock:
            self._forms.clear()


redactor = Redactor()
redact = redactor


class RedactingFilter(logging.Filter):
    """Scrubs every record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info:  # format the traceback now, so that the redacted text is what gets printed
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
