"""`run --connect WS_ENDPOINT`: the browser runs in a `playwright run-server` (as on a grid), not
in the CLI's process tree."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.core.model import BrowserSettings
from runner.run.browser import remote_launch_headers, system_chromium
from tests.cli.test_cli import file_keyring, sim_accounts  # noqa: F401  (fixture)
from tests.conftest import SHIPPED, cli


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def run_server() -> Iterator[str]:
    """A local `playwright run-server` on a free port; --unsafe because, where Playwright's own
    Chromium cannot be downloaded, the client names the system Chromium by executablePath."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "playwright", "run-server", "--port", str(port),
                               "--host", "127.0.0.1", "--unsafe"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)  # its own process group: the node server is a child
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"run-server exited: {server.stdout.read() if server.stdout else ''}")
                time.sleep(0.1)
        else:
            pytest.fail("run-server did not listen within 30 s")
        yield f"ws://127.0.0.1:{port}/"
    finally:
        stop_process_group(server)


def stop_process_group(process: subprocess.Popen[str]) -> None:
    """End the Python wrapper AND the node server (and any browser) it started: terminating the
    wrapper alone left `node ... run-server` running after the suite."""

    group = os.getpgid(process.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _group_alive(group):
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def _group_alive(group: int) -> bool:

    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_stopping_the_run_server_ends_its_node_process_too() -> None:
    """Terminating only the Python wrapper of `playwright run-server` left its node server running."""
    import psutil

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "playwright", "run-server", "--port", str(port),
                               "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.monotonic() + 30
    children: list[psutil.Process] = []
    while time.monotonic() < deadline and not children:
        children = psutil.Process(server.pid).children(recursive=True)
        time.sleep(0.1)
    assert children, "run-server starts a node process"
    stop_process_group(server)
    _gone, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, [p.cmdline() for p in alive]


def test_launch_options_travel_in_playwrights_header() -> None:
    headers = remote_launch_headers(BrowserSettings(connect="ws://grid:3000/", executable_path="/usr/bin/chromium"))
    assert json.loads(headers["x-playwright-launch-options"]) == {"headless": True,
                                                                   "executablePath": "/usr/bin/chromium"}
    headed = remote_launch_headers(BrowserSettings(connect="ws://grid:3000/", headed=True, browser_channel="msedge"))
    assert json.loads(headed["x-playwright-launch-options"]) == {"headless": False, "channel": "msedge"}


def test_unreachable_server_is_a_usage_error(tmp_path: Path, file_keyring) -> None:  # noqa: F811
    result = cli("run", str(SHIPPED), "--account", "a@contoso.com", "--connect", f"ws://127.0.0.1:{free_port()}/",
                 "--report-dir", str(tmp_path / "r"), env=file_keyring)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Cannot connect to the browser server at ws://127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.browser
def test_run_on_a_remote_playwright_server(tmp_path: Path, file_keyring, run_server: str) -> None:  # noqa: F811
    sim = sim_accounts(tmp_path, "{upn: remote@contoso.com, password: remote-pw-1}")
    cli("creds", "set", "remote@contoso.com", env=file_keyring, input="remote-pw-1\n")
    args = ["run", str(SHIPPED), "--account", "remote@contoso.com", "--simulator-accounts", str(sim),
            "--connect", run_server, "--report-dir", str(tmp_path / "r")]
    chromium = system_chromium()
    if chromium:  # the server's machine is this one: name its Chromium, as for a grid's own path
        args += ["--executable-path", chromium]
    result = cli(*args, env=file_keyring)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"browser: remote {run_server}" in result.stdout
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["runs"][0]["status"] == "passed"
