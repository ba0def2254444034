"""A small HTTP server on 127.0.0.1 for tests that must not touch the internet: it serves the
article pages doc-check fetches (tests/checks/test_doccheck.py) and receives the JSON that Apprise posts
(tests/reporters/test_notify.py)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Page = tuple[int, str, bytes]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LocalServer:
    """`pages`: path -> (status, content type, body), or a function of the request headers giving
    one; a 3xx status redirects to the body's text. Any path not listed answers 404. Every request
    is recorded in `requests`."""

    port: int = 0
    pages: dict[str, Page | Callable[[dict[str, str]], Page]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    post_status: int = 200

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def posted(self, path: str | None = None) -> list[Any]:
        return [r.json() for r in self.requests if r.method == "POST" and (path is None or r.path == path)]


@contextmanager
def local_server() -> Iterator[LocalServer]:
    state = LocalServer()

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append(Request(self.command, self.path, dict(self.headers.items()), body))

        def do_GET(self) -> None:
            self._record()
            page = state.pages.get(self.path, (404, "text/plain", b"not found"))
            status, kind, body = page(dict(self.headers.items())) if callable(page) else page
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", body.decode())
                body = b""
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self._record()
            self.send_response(state.post_status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
