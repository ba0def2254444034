"""Notifications of a run or a doc-check (`--notify URL`, repeatable): a nightly result nobody sees
is no check at all.

Sending goes through Apprise, which knows the services a helpdesk uses (Microsoft Teams through a
Power Automate workflow `workflows://` or an incoming webhook `msteams://`, Slack `slack://`, e-mail
`mailtos://`, generic JSON `json://` and many more) with their retries, formats and size limits; this
module only decides whether to send and what to say.

What a message holds is built here from the report alone: the summary, the changes since the
previous run, each failed account with its category and next action, and where report.html is.
It never holds a secret (every line passes the run's redactor, and the report never had one) nor a
screenshot (nothing is attached). A notification that cannot be sent is a warning: the run's answer
is its exit code, not the chat message about it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import UsageError
from ..core.redact import redact

if TYPE_CHECKING:
    from ..core.results import Report

log = logging.getLogger("m365replay")

WHEN = ("failure-or-change", "failure", "change", "always")
MAX_LISTED = 25  # accounts or findings listed in one message; the rest are counted (chat services cap sizes)


@dataclass
class Message:
    title: str
    lines: list[str]
    failed: bool  # the run has failures, or the article drifted
    changed: bool  # an outcome differs from the previous run's
    links: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.lines + (["", *self.links] if self.links else []))


def should_send(when: str, failed: bool, changed: bool) -> bool:
    if when == "always":
        return True
    if when == "failure":
        return failed
    if when == "change":
        return changed
    return failed or changed


def check_urls(urls: tuple[str, ...] | list[str]) -> None:
    """Refuse a `--notify` Apprise cannot use before anything runs (exit 2), naming only its scheme:
    the rest of a webhook URL is a credential. An empty one (a CI secret not set) only warns when sending."""
    if not urls:
        return
    import apprise

    for url in urls:
        if url.strip() and apprise.Apprise.instantiate(url) is None:
            scheme = url.split("://", 1)[0] if "://" in url else "(no scheme)"
            raise UsageError(f"--notify {scheme}://…: not a notification URL Apprise understands; e.g. "
                             "workflows://… (Teams), slack://…, mailtos://…, json://host/path "
                             "(see https://github.com/caronc/apprise/wiki)")


def report_link(path: Path, report_url: str | None) -> str:
    """Where a reader finds a file of the results folder: under `--report-url` (where the folder is
    published: GitLab's artifact browser, a web share), else its path as given, relative to where
    m365-replay ran (the CI workspace, so the path inside the job's artifact; as junit.xml does)."""
    if report_url:
        return f"{report_url.rstrip('/')}/{path.name}"
    return str(path)


def send(urls: tuple[str, ...] | list[str], message: Message) -> list[str]:
    """Send to each URL on its own (one failing service does not hide the others); the warnings
    for those that failed, naming the URL in Apprise's privacy form."""
    import apprise

    warnings = []
    body = redact(message.body) or ""
    title = redact(message.title) or ""
    kind = apprise.NotifyType.FAILURE if message.failed else apprise.NotifyType.SUCCESS
    apprise_log = logging.getLogger("apprise")
    propagate, apprise_log.propagate = apprise_log.propagate, False  # its errors become our one warning
    try:
        for url in urls:
            if not url.strip():
                warnings.append("--notify was given an empty URL (a CI secret that is not set?): nothing sent there")
                continue
            warning = _send_one(apprise, url, title, body, kind)
            if warning:
                warnings.append(warning)
    finally:
        apprise_log.propagate = propagate
    return warnings


def _send_one(apprise: Any, url: str, title: str, body: str, kind: Any) -> str | None:
    """One service: None when sent, else the warning (Apprise's own error words, captured rather
    than logged, so the URL's token never reaches a log)."""
    target = apprise.Apprise(asset=apprise.AppriseAsset(app_id="m365-replay", app_desc="m365-replay"))
    plugin = apprise.Apprise.instantiate(url)
    shown = plugin.url(privacy=True).split("?", 1)[0] if plugin is not None else url.split("://", 1)[0] + "://…"
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        try:
            ok = plugin is not None and target.add(plugin) and target.notify(
                body=body, title=title, notify_type=kind, body_format=apprise.NotifyFormat.MARKDOWN)
        except Exception as exc:  # a plugin bug must not turn into a failed run
            ok = False
            captured.write(f"{type(exc).__name__}: {exc}\n")
    if ok:
        return None
    detail = " ".join(captured.getvalue().split())[-300:]
    return redact(f"notification to {shown} failed" + (f": {detail}" if detail else "")) or "notification failed"


def run_message(report: Report, report_dir: Path, changes: list[str], previous: Path | None,
                report_url: str | None = None) -> Message:
    """The message about a run: counts, what changed since the previous run, the failed accounts."""
    summary = report.summary()
    failed = [run for run in report.runs if run.status != "passed"]
    not_passed = summary["total"] - summary["passed"]
    state = "interrupted" if report.interrupted else ("failed" if not_passed else "passed")
    title = f"m365-replay: {report.flow}: {state} ({summary['passed']}/{summary['total']} passed)"
    flaky = f" ({summary['flaky']} flaky: passed after a retry)" if summary.get("flaky") else ""
    counts = f"{summary['passed']} passed{flaky}, {summary['failed']} failed"
    if summary.get("skipped"):
        counts += f", {summary['skipped']} skipped"
    lines = [f"**{report.flow}**: {counts}."]
    if report.source:
        lines.append(f"Procedure: {report.source}")
    doc_check = getattr(report, "doc_check", None)
    if isinstance(doc_check, dict) and doc_check.get("result"):
        lines.append(f"Article wording checked {doc_check.get('checked_at')}: "
                     f"{'no drift' if doc_check['result'] == 'same' else doc_check['result']}.")
    if previous is not None:
        lines += ["", f"Since the previous run ({previous.name}):"]
        lines += [f"- {change}" for change in changes[:MAX_LISTED]] or ["- no account changed its outcome"]
        if len(changes) > MAX_LISTED:
            lines.append(f"- … and {len(changes) - MAX_LISTED} more")
    if failed:
        lines += ["", "Not passed:"]
        for run in failed[:MAX_LISTED]:
            failure = run.failure
            if failure is None:
                lines.append(f"- {run.account}: {run.status}")
                continue
            step = f" at step '{failure.step}'" if failure.step else ""
            lines.append(f"- {run.account}: {run.status}, **{failure.category}**{step}")
            if failure.action:
                lines.append(f"  - next: {failure.action}")
        if len(failed) > MAX_LISTED:
            lines.append(f"- … and {len(failed) - MAX_LISTED} more (see the report)")
    links = [f"Report: {report_link(report_dir / 'report.html', report_url)}"]
    return Message(title, lines, failed=bool(not_passed), changed=bool(changes), links=links)


def notify_run(report: Report, report_dir: Path, urls: tuple[str, ...], when: str = WHEN[0],
               report_url: str | None = None) -> list[str]:
    """After a run: send if `when` says so; the warnings to print. "Changed" is whatever
    reporters/history.py reports as changed since the previous run (today each account's outcome)."""
    if not urls:
        return []
    from .history import diff_with_previous

    try:
        previous, changes = diff_with_previous(report_dir, report)
    except Exception as exc:  # the comparison is a convenience; the failures are still worth sending
        log.warning("Could not compare with the previous run: %s", exc)
        previous, changes = None, []
    message = run_message(report, report_dir, changes, previous, report_url)
    if not should_send(when, message.failed, message.changed):
        return []
    return send(urls, message)
