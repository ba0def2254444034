"""`m365-replay show-report [DIR]`: a run's report.html in the browser, as `playwright show-report` does.

The report is served from 127.0.0.1 rather than opened as a file: URL, because what it links does
not load from a file: Playwright's trace viewer (bundled with Playwright, served here under
/trace-viewer/) needs a service worker, and browsers refuse those, and the trace's own fetches, on
file: pages. The server runs until Ctrl-C, so that the traces and videos keep loading.

Where no browser can be started (a headless box: no display, no $BROWSER) it says so and prints the
address, for a browser elsewhere (through `ssh -L`) or for curl.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

import click

from ..core.errors import UsageError

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

RESULTS = Path("m365-replay-results")  # where `run` puts a report without --report-dir
HTML_FILE = "report.html"
VIEWER_PREFIX = "/trace-viewer/"
DEFAULT_PORT = 9323  # Playwright's show-report port: the address people already know


def trace_viewer_dir() -> Path | None:
    """Playwright's bundled trace viewer (the static app `playwright show-trace` serves), if this
    Playwright has it."""
    import playwright

    folder = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "vite" / "traceViewer"
    return folder if (folder / "index.html").is_file() else None


def find_report(given: Path | None, base: Path = RESULTS) -> Path:
    """The folder whose report.html to show: the one given (a folder or its report.html), else the
    newest run under m365-replay-results/ (by its report's start, then by the file's time)."""
    if given is not None:
        folder = given.parent if given.is_file() else given
        if not folder.is_dir():
            raise UsageError(f"{given}: no such folder; give a run's results folder (the one with report.html).")
        if not (folder / HTML_FILE).is_file():
            hint = (f"run `m365-replay report {folder}` to write it from report.json"
                    if (folder / "report.json").is_file() else "is it a m365-replay results folder?")
            raise UsageError(f"{folder}: no {HTML_FILE} there; {hint}")
        return folder
    from ..reporters.past import head_of

    runs = [folder for folder in (base.iterdir() if base.is_dir() else []) if (folder / HTML_FILE).is_file()]
    if not runs:
        raise UsageError(f"No report under {base}/ here: give a run's results folder, "
                         "`m365-replay show-report DIR` (the run's --report-dir).")

    def started(folder: Path) -> tuple[str, float]:  # the report's own start, then the page's time
        head = head_of(folder)
        return (head.started_at if head else "", (folder / HTML_FILE).stat().st_mtime)

    return max(runs, key=started)


def serve(folder: Path, port: int) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 for the folder, and the trace viewer under VIEWER_PREFIX (nothing else,
    quietly); on any free port when `port` is taken. http.server is imported here: `--help` stays fast."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class ReportHandler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, viewer: Path | None, **kwargs: Any) -> None:
            self.viewer = viewer  # before the base class's __init__, which handles the request
            super().__init__(*args, **kwargs)

        def translate_path(self, path: str) -> str:
            route = unquote(urlsplit(path).path)
            if self.viewer is not None and route.startswith(VIEWER_PREFIX):
                inside = (self.viewer / route[len(VIEWER_PREFIX):]).resolve()
                return str(inside) if inside.is_relative_to(self.viewer.resolve()) else str(self.viewer / "-")
            return super().translate_path(path)

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")  # a report re-rendered by `report DIR` shows at once
            super().end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(ReportHandler, viewer=trace_viewer_dir(), directory=str(folder.resolve()))
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError:
        if port == 0:
            raise
        return ThreadingHTTPServer(("127.0.0.1", 0), handler)


def open_in_browser(url: str) -> bool:
    """Whether a browser was started on the address. A Linux box without a display has none, and
    the console browsers `webbrowser` would fall back to (lynx, w3m) cannot show the report; a
    $BROWSER the user set is always tried."""
    chosen = bool(os.environ.get("BROWSER"))
    headless = sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and not chosen:
        return False
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    if type(browser) is webbrowser.GenericBrowser and not chosen:  # a console browser
        return False
    try:
        return bool(browser.open(url))
    except OSError:
        return False


@click.command("show-report")
@click.argument("directory", required=False, type=click.Path(path_type=Path), metavar="[DIR]")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port on 127.0.0.1 (0: any free one; a taken port falls back to a free one).")
def show_report(directory: Path | None, port: int) -> None:
    """Open a run's report.html in the browser: the newest under m365-replay-results/, or DIR's. It is
    served from 127.0.0.1 until Ctrl-C, so that traces open in Playwright's trace viewer and videos play."""
    folder = find_report(directory)
    server = serve(folder, port)
    url = f"http://127.0.0.1:{server.server_address[1]}/{quote(HTML_FILE)}"
    if open_in_browser(url):
        click.echo(f"Opened {url} in the browser ({folder}).")
    else:
        click.echo(f"No browser could be started here (no display: a headless box?); open {url} in one that can "
                   f"reach this machine, e.g. through `ssh -L {server.server_address[1]}:127.0.0.1:"
                   f"{server.server_address[1]}` ({folder}).")
    click.echo("Serving the report until Ctrl-C.")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    server.server_close()
    click.echo("Stopped.")
