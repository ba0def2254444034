"""Playwright tracing of one account, with no secret in it.

Trace snapshots record input values and the network log records form posts, so tracing is
stopped (a chunk saved) before a secret is typed and started again only once no page of the
context still holds one. The chunks are merged into one trace.zip that the viewer opens as one
timeline, every text entry scrubbed by the redactor as a second layer (the network log writes a
request when its response completes, which can be after tracing resumed).
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.redact import redact

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext

SECRET_MARK = "__m365replaySecretTyped"
BLANK_SECRETS_JS = ("() => document.querySelectorAll('[data-m365-secret], input[type=password]')"
                    ".forEach((e) => { e.value = ''; })")


class AccountTrace:
    """Tracing of one account's context: started by us (owned) or by the context's owner (the
    pytest plugin hands us pytest-playwright's context), paused and resumed around secrets."""

    def __init__(self, context: BrowserContext, folder: Path, title: str):
        self.context = context
        self.folder = folder
        self.title = title
        self.active = False
        self.paused = False
        self.chunks: list[Path] = []

    async def start(self) -> None:
        await self.context.tracing.start(title=self.title, screenshots=True, snapshots=True, sources=False)
        self.active = True

    def adopt(self, traced: bool) -> None:
        """The context's owner started tracing it: pause and resume that tracing around secrets
        as if it were ours."""
        self.active = traced

    async def _save_chunk(self) -> None:
        chunk = self.folder / f".trace-{len(self.chunks)}.zip"
        await self.context.tracing.stop_chunk(path=chunk)
        self.chunks.append(chunk)

    async def pause(self) -> None:
        """Before a secret reaches the page."""
        if self.active and not self.paused:
            await self._save_chunk()
            self.paused = True

    async def mark(self, title: str) -> None:
        """A labelled entry in the trace's action list (a sign-in state a states file's row knew)."""
        if self.active and not self.paused:
            with contextlib.suppress(Exception):  # an older Playwright without tracing groups
                await self.context.tracing.group(title)
                await self.context.tracing.group_end()

    async def resume(self) -> None:
        """Resume once no page in the context still holds a typed secret."""
        if not self.paused:
            return
        for page in self.context.pages:
            try:
                if await page.evaluate(f"!!window.{SECRET_MARK}"):
                    return
            except Exception:
                return
        await self.context.tracing.start_chunk(title=self.title)
        self.paused = False

    async def finish(self, keep: bool, report_dir: Path) -> str | None:
        """Stop, merge the chunks into trace.zip when kept; its path relative to the report."""
        if not self.active:
            return None
        with contextlib.suppress(Exception):
            if not self.paused:
                await self._save_chunk()
            await self.context.tracing.stop()
        self.active = False
        chunks = [c for c in self.chunks if c.exists()]
        target = self.folder / "trace.zip"
        if keep and chunks:
            merge_traces(chunks, target)
        for chunk in chunks:
            chunk.unlink(missing_ok=True)
        return str(target.relative_to(report_dir)) if keep and target.exists() else None

    async def hand_back(self) -> None:
        """Leave the owner's tracing recording, as it was found. A page may still hold a typed
        secret (a failure on the password page): blank such fields first, as the owner's trace
        records the page again from here on."""
        if self.active and self.paused:
            for page in self.context.pages:
                with contextlib.suppress(Exception):
                    await page.evaluate(BLANK_SECRETS_JS)
            with contextlib.suppress(Exception):
                await self.context.tracing.start_chunk(title=self.title)
            self.paused = False
        self.active = False


def merge_traces(chunks: list[Path], target: Path) -> None:
    """Join trace chunks into one trace.zip the trace viewer opens as one timeline, scrubbed.

    The viewer loads every `<name>.trace` entry of a zip (with `<name>.network`) and merges
    them; resources are content-addressed, so they are shared.
    """
    tmp = target.with_suffix(".zip.tmp")
    written: set[str] = set()
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for index, chunk in enumerate(chunks):
            with zipfile.ZipFile(chunk) as src:
                for info in src.infolist():
                    name = info.filename
                    if name.endswith((".trace", ".network", ".stacks")) and "/" not in name:
                        name = f"{index}-{name}"
                    if name in written:
                        continue
                    written.add(name)
                    out.writestr(name, _scrub(src.read(info)))
    os.replace(tmp, target)


def _scrub(data: bytes) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # images: the screencast never shows a secret (fields are drawn as dots)
    cleaned = redact(text) or ""
    return data if cleaned == text else cleaned.encode("utf-8")
