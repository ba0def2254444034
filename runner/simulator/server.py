"""Transport for the simulator: an HTTPS-intercepting proxy on 127.0.0.1.

The browser must reach the simulator under the real host names (https://www.office.com/...)
without editing the flow. Playwright's `context.route()` + `route.fulfill()` could serve the
pages (in Chromium it can even answer with a redirect; only WebKit refuses), but a proxy is kept
because what it tests is closer to the real thing:
- every request goes through Chromium's own network stack: TLS, keep-alive connections, Secure and
  SameSite cookies set by real `Set-Cookie` headers, form posts and redirects followed by the
  browser, the XHR to GetCredentialType as a real cross-origin-free request;
- faults happen at the connection level, as a dropped network does: a refused CONNECT
  (ERR_TUNNEL_CONNECTION_FAILED), a TCP reset, a server that never answers. `route.abort()` only
  imitates the error code, and skips Chromium's own behaviour, such as retrying a reset once on
  a reused connection (seen in tests/run/test_faults.py);
- it is one context option (`proxy=`), so the same simulator serves contexts the runner creates,
  contexts pytest-playwright creates, and a local `playwright run-server` browser.
Each browser context is given `proxy=` this server, which answers CONNECT for the simulated hosts
with TLS (a self-signed certificate, hence `ignore_https_errors`) and refuses every other host,
so a test can never reach the internet by accident.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from .accounts import SimAccount
from .app import SimulatorApp
from .faults import RandomFaults
from .http import Fault, Request, Response


def _ssl_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    base = resources.files(__package__)
    with resources.as_file(base.joinpath("sim-cert.pem")) as cert, resources.as_file(base.joinpath("sim-key.pem")) as key:
        ctx.load_cert_chain(str(cert), str(key))
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


class _AppHandler(BaseHTTPRequestHandler):
    """Serves simulated HTTPS requests on one decrypted CONNECT tunnel (keep-alive)."""

    protocol_version = "HTTP/1.1"
    server: _ProxyServer
    tunnel_host = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        sim = self.server.simulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = (self.headers.get("Host") or self.tunnel_host).split(":")[0]
        fault = sim.app.fault_for(host, self.path.split("?")[0])
        if fault is None and (self.headers.get("Sec-Fetch-Mode") or "").lower() == "navigate":
            fault = sim.app.random_fault_for(host, self.path.split("?")[0])  # a page load (faults.py)
        if fault is not None and not self._apply_fault(fault):
            return
        req = Request.build(self.command, host, self.path, dict(self.headers.items()), body)
        try:
            resp = sim.app.handle(req)
        except Exception as exc:  # the simulator must answer, as a real server would, with a 500
            resp = Response(status=500, body=f"simulator error: {type(exc).__name__}")
        self._send(resp)

    def _apply_fault(self, fault: Fault) -> bool:
        """Play a fault; False when the request must not be answered."""
        if fault.kind in ("reset", "down"):
            self._reset()
            return False
        if fault.kind == "hang":
            self.server.stopping.wait()
            self.close_connection = True
            return False
        if fault.kind == "slow":
            return not self.server.stopping.wait(fault.seconds)
        if fault.kind == "status":
            self._send(Response(status=fault.status, body=f"<h1>{fault.status}</h1>Service unavailable"))
            return False
        return True

    def _reset(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def _send(self, resp: Response) -> None:
        data = resp.data
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for key, value in resp.headers:
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_HEAD = do_PUT = do_OPTIONS = _serve


class _ProxyHandler(BaseHTTPRequestHandler):
    """Answers CONNECT for simulated hosts by opening a TLS tunnel to _AppHandler."""

    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_CONNECT(self) -> None:
        host = self.path.rsplit(":", 1)[0].strip("[]").lower()
        sim = self.server.simulator
        if not sim.app.knows_host(host):
            self.send_response(502, "Not simulated")
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.close_connection = True
            return
        fault = sim.app.fault_for(host, "", connect=True)
        if fault is not None and fault.kind == "down":
            self.send_response(502, "Server down")
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.close_connection = True
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.close_connection = True
        try:
            tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return
        handler_cls = type("_Tunnel", (_AppHandler,), {"tunnel_host": host})
        try:
            handler_cls(tls, self.client_address, self.server)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError):
                tls.close()

    def do_GET(self) -> None:
        """Plain-HTTP proxy requests (absolute URLs): the real sites redirect http to https."""
        self.send_response(301)
        self.send_header("Location", self.path.replace("http://", "https://", 1))
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_HEAD = do_GET


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, simulator: Simulator, port: int = 0):
        self.simulator = simulator
        self.tls = _ssl_context()
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", port), _ProxyHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser closing a tunnel mid-request is normal, not news


class Simulator:
    """Start/stop the simulated Microsoft 365 and hand out the proxy settings for a context."""

    def __init__(self, accounts: list[SimAccount], render_delay_ms: int = 300, office_redirect: bool = True,
                 push_timeout_s: float = 30.0, first_factor: str = "password", primary_button: str = "id",
                 onedrive_host: str = "classic"):
        """`first_factor`: what accounts that set none meet after the username ("password", "picker",
        "passwordless", "passkey"); `primary_button`: "name_only" renders every converged page's
        primary button with name="idSIButton9" and no id, as some 2026 pages do.

        `office_redirect` (on, as in 2026): www.office.com goes on to www.microsoft365.com and the
        Microsoft 365 Copilot app at m365.cloud.microsoft; off, the home stays on www.office.com.
        `onedrive_host`: where OneDrive lives for accounts that set none, "classic"
        (<tenant>-my.sharepoint.com) or "cloud" (onedrive.cloud.microsoft, reached by a redirect from
        the classic address, as the per-user move from 2026-07 to 2027-06 does)."""
        self.app = SimulatorApp(accounts, render_delay_ms=render_delay_ms, office_redirect=office_redirect,
                                push_timeout_s=push_timeout_s, first_factor=first_factor,
                                primary_button=primary_button, onedrive_host=onedrive_host)
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None

    def secrets(self) -> dict[tuple[str, str], str]:
        """What its accounts file says a runner may type: (kind, account) -> password or TOTP secret,
        for a runner whose keyring has none (secrets.credentials.run_store)."""
        found: dict[tuple[str, str], str] = {}
        for acc in self.app.accounts.values():
            for kind, value in (("password", acc.password), ("totp", acc.totp_secret)):
                if value:
                    found[(kind, acc.upn.lower())] = value
        return found

    def start(self, port: int = 0) -> Simulator:
        """Serve on `port` of 127.0.0.1 (0: any free one). Stopped and started again, it keeps what
        it remembers (the same accounts, sessions and photos), on a new port unless one is given."""
        self._server = _ProxyServer(self, port)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="m365-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stopping.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def proxy_server(self) -> str:
        assert self._server is not None, "simulator not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def context_options(self) -> dict[str, Any]:
        """Options for browser.new_context() that send its traffic to this simulator."""
        return proxy_options(self.proxy_server)

    @property
    def accounts(self) -> dict[str, SimAccount]:
        return self.app.accounts

    def events_for(self, upn: str, event: str | None = None) -> list[dict[str, Any]]:
        return self.app.events_for(upn, event)

    def add_fault(self, host: str, kind: str, **kw: Any) -> None:
        self.app.add_fault(Fault(host=host, kind=kind, **kw))

    def add_random_faults(self, status: float = 0.0, reset: float = 0.0, stall: float = 0.0,
                          stall_seconds: float = 3.0, seed: int | None = None, host: str | None = None,
                          status_code: int = 503) -> RandomFaults:
        """Random faults on page loads (faults.py): shares of them answered `status_code`, reset, or
        stalled `stall_seconds`, for one host or every host; the same `seed` gives each host the same
        sequence of faults. The rule is returned, its seed set (a new one when none is given)."""
        rule = RandomFaults(status=status, reset=reset, stall=stall, stall_seconds=stall_seconds, seed=seed,
                            host=host, status_code=status_code)
        self.app.add_random_faults(rule)
        return rule

    def add_faults(self, faults: list[Fault | RandomFaults]) -> Simulator:
        """Faults as an accounts file sets them (faults.load_faults)."""
        for fault in faults:
            if isinstance(fault, RandomFaults):
                self.app.add_random_faults(fault)
            else:
                self.app.add_fault(fault)
        return self

    def approve_push(self, upn: str, decision: str = "approve") -> None:
        with self.app.lock:
            self.app.approvals[upn.lower()] = decision

    def wait_for_event(self, upn: str, event: str, timeout: float = 10.0) -> dict[str, Any] | None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.events_for(upn, event)
            if found:
                return found[-1]
            time.sleep(0.05)
        return None


def proxy_options(proxy: str) -> dict[str, Any]:
    """browser.new_context() options that send every request through the simulator at `proxy`
    (its certificate is self-signed: trusted by that context only)."""
    return {"proxy": {"server": proxy, "bypass": ""}, "ignore_https_errors": True}


class RunningSimulator:
    """A simulator another process serves (`m365-replay simulator`), known by its proxy address.

    Why: the simulator remembers in memory (uploaded photos, the syncs it has scheduled, its log),
    so commands meant to run in separate processes on one simulated tenant (`experiment start`,
    `observe`, `report`) share one by its address, as they would share a real tenant. Starting or
    stopping it is its owner's business: here both do nothing."""

    def __init__(self, proxy: str):
        self.proxy = proxy

    def context_options(self) -> dict[str, Any]:
        return proxy_options(self.proxy)

    def start(self) -> RunningSimulator:
        return self

    def stop(self) -> None:
        pass
