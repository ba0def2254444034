"""The simulator's request and response: plain values, so every host module is a function
request -> response that a test can call without a socket (server.py does the transport)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .i18n import pick_language


@dataclass
class Request:
    method: str
    host: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    @classmethod
    def build(cls, method: str, host: str, target: str, headers: dict[str, str], body: bytes = b"") -> Request:
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        return cls(method.upper(), host.lower(), parts.path or "/", query,
                   {k.lower(): v for k, v in headers.items()}, body)

    @property
    def path_and_query(self) -> str:
        """Where on this host the request was for (what a sign-in round trip comes back to)."""
        q = urlencode(self.query)
        return self.path + (f"?{q}" if q else "")

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.path_and_query}"

    @property
    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except Exception:
            return {}
        return {k: m.value for k, m in jar.items()}

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    @property
    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def lang(self) -> str:
        return pick_language(self.headers.get("accept-language"))


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def cookie(self, name: str, value: str, persistent: bool = False) -> Response:
        extra = "; Max-Age=7776000" if persistent else ""
        self.headers.append(("Set-Cookie", f"{name}={value}; Path=/; Secure; HttpOnly; SameSite=None{extra}"))
        return self

    @property
    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


def redirect(location: str, status: int = 302) -> Response:
    return Response(status=status, headers=[("Location", location)], body=b"")


def json_response(data: Any) -> Response:
    return Response(body=json.dumps(data), content_type="application/json; charset=utf-8")


def not_found() -> Response:
    return Response(status=404, body="not found")


@dataclass
class Fault:
    """A fault injected for requests to a host (and path prefix): see Simulator.add_fault. Played by
    the transport (server.py), since a reset or a hang is a connection's, not a response's."""

    host: str
    kind: str  # down | reset | status | hang | slow
    path: str = ""
    status: int = 503
    seconds: float = 0.0
    times: int | None = None  # None: every time


LOGIN_AUTHORIZE = "https://login.microsoftonline.com/common/oauth2"


def to_sign_in(client_id: str, redirect_uri: str, state: str, v2: bool = False, **extra: str) -> Response:
    """An application sending a visitor without a session to login.microsoftonline.com's /authorize,
    to come back with a code posted (form_post) to `redirect_uri`; `state` is where to go then."""
    params = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code id_token",
              "response_mode": "form_post", "scope": "openid", "nonce": secrets.token_urlsafe(12),
              "state": state, **extra}
    return redirect(f"{LOGIN_AUTHORIZE}{'/v2.0' if v2 else ''}/authorize?" + urlencode(params))


def path_on_this_host(back: str | None, default: str) -> str:
    """The `state` an application comes back to after the sign-in, as a path on its own host: an
    absolute or scheme-relative address (//host, /\\host) would send the visitor elsewhere."""
    if not back or not back.startswith("/") or back[1:2] in ("/", "\\"):
        return default
    return back
