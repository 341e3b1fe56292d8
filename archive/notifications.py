"""The delivery record of alerts (the `notifications` table): which events went to which destination when.

The sending is ncgh/notify.py's business; the archive only keeps the books, so an alert that could not
be sent is never lost: a crawl queues its events for every destination when it ends, marks what was
delivered, and the next crawl sends again whatever is still undelivered. Events are named by
(capture id, kind), which `ncgh reparse` keeps, not by `events.id`, which it renumbers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from archive.vocab import ChangeKind


@dataclass(frozen=True)
class Destination:
    key: str  # sha256 of the destination's URL (never the URL: it holds secrets)
    label: str  # the URL with its secrets masked


@dataclass(frozen=True)
class Pending:
    """One undelivered event for one destination."""

    capture_id: int
    event: str
    article_id: int = 0  # 0 for a footer change

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.capture_id, self.event, self.article_id)


class Deliveries:
    """The `notifications` table on a write connection; each write is one transaction (`atomic`)."""

    def __init__(self, conn: sqlite3.Connection, atomic: Callable[[], AbstractContextManager[None]]):
        self.conn = conn
        self.atomic = atomic

    def queue_run(self, run_id: int, destinations: Sequence[Destination], kinds: Sequence[ChangeKind], at: str) -> int:
        """Queue the events of run `run_id` of the given kinds for every destination; returns rows added.

        Idempotent: a run that is queued again (paused, then resumed and finished) adds only its new events.
        """
        if not destinations or not kinds:
            return 0
        marks = ",".join("?" * len(kinds))
        added = 0
        with self.atomic():
            for d in destinations:
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO notifications (destination, label, capture_id, event, article_id, queued_at)"
                    " SELECT ?, ?, e.capture_id, e.event, e.article_id, ? FROM events e JOIN captures c ON c.id = e.capture_id"
                    f" WHERE c.run_id = ? AND e.event IN ({marks}) ORDER BY e.at, e.id",
                    (d.key, d.label, at, run_id, *[str(k) for k in kinds]),
                )
                added += cur.rowcount
                if ChangeKind.FOOTER in kinds:
                    cur = self.conn.execute(
                        "INSERT OR IGNORE INTO notifications (destination, label, capture_id, event, queued_at)"
                        " SELECT ?, ?, f.capture_id, ?, ? FROM footers f JOIN captures c ON c.id = f.capture_id"
                        " WHERE c.run_id = ? AND f.version > 1 ORDER BY f.id",
                        (d.key, d.label, ChangeKind.FOOTER, at, run_id),
                    )
                    added += cur.rowcount
        return added

    def undelivered(self, destination: Destination) -> list[Pending]:
        """What `destination` has not yet accepted, oldest first."""
        return [
            Pending(int(r[0]), r[1], int(r[2]))
            for r in self.conn.execute(
                "SELECT capture_id, event, article_id FROM notifications WHERE destination = ? AND delivered_at IS NULL"
                " ORDER BY id",
                (destination.key,),
            )
        ]

    def _update(self, destination: Destination, items: Iterable[Pending], sql: str, args: tuple) -> None:
        with self.atomic():
            for item in items:
                self.conn.execute(
                    f"UPDATE notifications SET attempts = attempts + 1, {sql}"
                    " WHERE destination = ? AND capture_id = ? AND event = ? AND article_id = ?",
                    (*args, destination.key, *item.key),
                )

    def delivered(self, destination: Destination, items: Iterable[Pending], at: str) -> None:
        self._update(destination, items, "delivered_at = ?, last_error = NULL", (at,))

    def failed(self, destination: Destination, items: Iterable[Pending], error: str) -> None:
        self._update(destination, items, "last_error = ?", (error,))

    def forget(self, destination: Destination, items: Iterable[Pending]) -> None:
        """Drop records whose event no longer exists (a reparse decided the capture changed nothing)."""
        with self.atomic():
            for item in items:
                self.conn.execute(
                    "DELETE FROM notifications WHERE destination = ? AND capture_id = ? AND event = ? AND article_id = ?",
                    (destination.key, *item.key),
                )
