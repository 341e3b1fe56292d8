"""Alerts after each crawl: what the run learned, sent through Apprise to the `[notify]` destinations.

The crawl's end queues the run's events of the configured kinds in the archive's delivery record
(archive/notifications.py) in the same transaction that stores the run as ended (`queue_run_alerts`),
so a crawl killed at any moment after that leaves them queued, and before it leaves the run open for
the next crawl to end. Then `notify_after_run` sends each destination what it has not yet accepted:
one digest message, or one message per event (`mode = "each"`, up to MAX_EACH; more than that in one
go becomes one digest, not a flood). A destination that fails costs one warning line: the crawl's
exit code is untouched, the events stay undelivered and the next crawl sends them again; its later
messages wait too, so no destination hears of a restoration before the deletion it undoes. Delivery
is at least once: a crawl stopped while a message is on its way cannot know whether it arrived, and
the next crawl sends it again. Nothing is sent when nothing is undelivered.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from archive.changes import Change, changes_of, event_key
from archive.feed import article_link, entry_text, entry_title
from archive.notifications import Deliveries, Destination, Pending
from archive.vocab import ChangeKind
from ncgh.config import NotifyMode

if TYPE_CHECKING:
    from archive.store import Archive
    from ncgh.config import NotifyConfig
    from ncgh.report import Reporter

DIGEST_MAX = 50  # events listed in one digest message; the rest are counted ("… and N more")
MAX_EACH = 20  # mode "each": more undelivered events than this are sent as one digest instead


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    items: tuple[Pending, ...]  # the events this message delivers


@dataclass
class DeliveryReport:
    """What one destination got after a run."""

    label: str
    sent: int = 0  # events delivered
    pending: int = 0  # events still undelivered (failed this time)
    messages: int = 0
    errors: list[str] = field(default_factory=list)


@contextmanager
def _apprise_logs():
    """Apprise logs its failures; capture them (for the one warning line) instead of letting Python's
    last-resort handler print them to stderr."""
    import apprise

    logger = logging.getLogger("apprise")
    propagate = logger.propagate
    logger.propagate = False
    try:
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as output:
            yield output
    finally:
        logger.propagate = propagate


def url_problem(url: str) -> str | None:
    """Why Apprise cannot use `url` (unknown scheme, missing parts), or None when it can."""
    import apprise

    with _apprise_logs() as output:
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        said = [line.strip() for line in output.getvalue().splitlines() if line.strip()]
        return said[-1] if said else "not a URL Apprise supports"
    return None


def destination(url: str) -> Destination:
    """The delivery record's name of a URL: its hash, and the URL with its secrets masked."""
    import apprise

    key = hashlib.sha256(url.encode("utf-8")).hexdigest()
    with _apprise_logs():
        plugin = apprise.Apprise.instantiate(url)
    label = plugin.url(privacy=True) if plugin is not None else url.split("://", 1)[0] + "://…"
    # Without the query: Apprise spells out every default there (overflow=upstream&retry=0&...).
    return Destination(key, label.split("?", 1)[0])


def _when(at: str) -> str:
    return f"{at[:10]} {at[11:16]} UTC" if len(at) >= 16 and at.endswith("+00:00") else at


def _block(change: Change, web_url: str) -> str:
    lines = [f"{change.kind.value:<8} {change.article_id if change.article_id is not None else '-'}"
             + (f" v{change.version}" if change.kind in (ChangeKind.EDITED, ChangeKind.FOOTER) else "")
             + f"  {change.title or '(no title)'}  ({_when(change.at)})"]
    if change.kind in (ChangeKind.EDITED, ChangeKind.FOOTER) and change.changed_fields:
        lines.append("  changed: " + ", ".join(change.changed_fields))
    if change.reasons:
        lines.append("  why: " + ", ".join(change.reasons))
    lines.extend(f"  {line}" for line in change.diff)
    if web_url:
        lines.append("  " + article_link(web_url, change))
    return "\n".join(lines)


def digest(found: Sequence[Change], items: Sequence[Pending], site: str, web_url: str) -> Message:
    """One message for all of `found` (oldest first), listing at most DIGEST_MAX of them."""
    counts: dict[str, int] = {}
    for change in found:
        counts[change.kind.value] = counts.get(change.kind.value, 0) + 1
    what = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    title = f"ncgh-archive: {len(found)} change(s) on {site} ({what})"
    blocks = [_block(c, web_url) for c in found[:DIGEST_MAX]]
    if len(found) > DIGEST_MAX:
        blocks.append(f"… and {len(found) - DIGEST_MAX} more: ncgh changes --since {found[0].at[:10]}")
    return Message(title, "\n\n".join(blocks), tuple(items))


def single(change: Change, item: Pending, web_url: str) -> Message:
    body = entry_text(change) + (f"\n{article_link(web_url, change)}" if web_url else "")
    return Message(entry_title(change), body, (item,))


def messages(found: Sequence[Change], items: Sequence[Pending], mode: NotifyMode, site: str,
             web_url: str) -> list[Message]:
    """The messages that deliver `found` (items[i] names found[i]) in `mode`."""
    if not found:
        return []
    if mode == NotifyMode.EACH and len(found) <= MAX_EACH:
        return [single(c, i, web_url) for c, i in zip(found, items, strict=True)]
    return [digest(found, items, site, web_url)]


def send(url: str, message: Message) -> str | None:
    """Send one message to one Apprise URL; None when delivered, else why not (one line)."""
    import apprise

    try:
        with _apprise_logs() as output:
            sender = apprise.Apprise()
            if not sender.add(url):
                return "not a URL Apprise supports"
            ok = sender.notify(title=message.title, body=message.body, body_format=apprise.NotifyFormat.TEXT)
    except Exception as exc:  # a notification must never take the crawl down
        return f"{type(exc).__name__}: {exc}"
    if ok:
        return None
    said = [line.strip() for line in output.getvalue().splitlines() if line.strip()]
    return said[-1] if said else "Apprise reported a failure"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def queue_run_alerts(archive: Archive, cfg: NotifyConfig, run_id: int) -> int:
    """Queue run `run_id`'s events of the configured kinds for every destination (idempotent); the
    crawl calls it inside the transaction that ends the run. Returns the rows added."""
    books = Deliveries(archive.conn, archive.atomic)
    kinds = tuple(ChangeKind(k) for k in cfg.kinds)
    return books.queue_run(run_id, [destination(url) for url in cfg.urls], kinds, _now())


def deliver(archive: Archive, cfg: NotifyConfig, site: str) -> list[DeliveryReport]:
    """Send every destination what it has not accepted (the runs' events are queued by `queue_run_alerts`)."""
    books = Deliveries(archive.conn, archive.atomic)
    targets = [(url, destination(url)) for url in cfg.urls]
    reports: list[DeliveryReport] = []
    for url, dest in targets:
        report = DeliveryReport(dest.label)
        reports.append(report)
        pending = books.undelivered(dest)
        if not pending:
            continue
        found = changes_of(archive.conn, [p.key for p in pending])
        by_key = {event_key(*p.key): p for p in pending}
        present = {c.key for c in found}
        gone = [p for key, p in by_key.items() if key not in present]
        if gone:
            books.forget(dest, gone)
        items = [by_key[c.key] for c in found]
        for message in messages(found, items, NotifyMode(cfg.mode), site, cfg.web_url):
            if report.errors:  # an earlier message failed: the later ones wait for it, in order
                report.pending += len(message.items)
                continue
            error = send(url, message)
            report.messages += 1
            if error is None:
                books.delivered(dest, message.items, _now())
                report.sent += len(message.items)
            else:
                books.failed(dest, message.items, error)
                report.pending += len(message.items)
                report.errors.append(error)
    return reports


def notify_after_run(cfg: NotifyConfig, archive: Archive, site: str, reporter: Reporter) -> list[str]:
    """The crawl's call once its run's events are queued: send what is undelivered, and turn every
    failure into one warning line (never an exception), returned for the run's summary too. Ctrl-C /
    SIGTERM while sending stops the sending only: the run is stored, the rest waits for the next crawl."""
    if not cfg.urls:
        return []
    try:
        reports = deliver(archive, cfg, site)
    except KeyboardInterrupt:
        warning = "notify: stopped while sending; the next crawl sends what was not delivered"
        reporter.warning(warning)
        return [warning]
    except Exception as exc:  # the crawl's work is recorded; an alert problem must not fail it
        warning = f"notify: not sent ({type(exc).__name__}: {exc}); the next crawl tries again"
        reporter.warning(warning)
        return [warning]
    warnings: list[str] = []
    for r in reports:
        if r.errors:
            warnings.append(
                f"notify: {r.label}: {r.pending} change(s) not delivered ({r.errors[-1]}); the next crawl resends them"
            )
            reporter.warning(warnings[-1])
        elif r.sent:
            reporter.info(f"notify: {r.label}: {r.sent} change(s) in {r.messages} message(s)")
    return warnings
