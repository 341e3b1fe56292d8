"""Group commits: several captures in one write transaction, committed every N captures or T seconds.

A COMMIT is the dearest step of recording a capture when the crawl is fast: the WAL frames of every
page the capture touched, FTS5's pending terms flushed into a new segment (and merged), and now and
then a checkpoint with its fsync. A fast crawl therefore keeps one transaction open over many
captures; each capture is still its own SAVEPOINT (`Archive.atomic` nests), so a refused or failing
capture is undone alone, and each capture still marks its work item done in the same transaction as
its rows. A crash (kill -9, power loss) loses at most the captures of the open transaction, whose
work items are then still pending: the resumed run fetches them again. A slow, polite crawl commits
every capture on its own, as before, because the time limit is reached between two fetches.

The transaction is opened lazily, by the first write after a commit, so the write lock is not held
while nothing is written.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

__all__ = ["GroupCommit"]


class GroupCommit:
    """The open group transaction of one Archive; built by `Archive.group_commits`."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        max_captures: int,
        max_seconds: float,
        on_rollback: Callable[[], None],
        before_commit: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if max_captures < 1:
            raise ValueError(f"max_captures must be at least 1, got {max_captures}")
        if max_seconds < 0:
            raise ValueError(f"max_seconds must be >= 0, got {max_seconds}")
        self.conn = conn
        self.max_captures = max_captures
        self.max_seconds = max_seconds
        self._on_rollback = on_rollback
        self._before_commit = before_commit  # the writes kept back until the commit (full-text rows)
        self._clock = clock
        self._opened_at: float | None = None  # None: no group transaction open
        self.captures = 0  # captures recorded in the open transaction
        self.commits = 0  # group transactions committed so far

    @property
    def open(self) -> bool:
        return self._opened_at is not None

    def begin_if_idle(self) -> None:
        """Open the group transaction when none is open (called before every write through atomic())."""
        if self._opened_at is None and not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self._opened_at = self._clock()
            self.captures = 0

    def counted(self) -> None:
        """One more capture recorded in the open transaction."""
        if self._opened_at is not None:
            self.captures += 1

    def due(self) -> bool:
        """The open transaction has reached its capture count or its age: commit it now."""
        if self._opened_at is None:
            return False
        return self.captures >= self.max_captures or self._clock() - self._opened_at >= self.max_seconds

    def remaining(self) -> float | None:
        """Seconds until the open transaction is due by age (0 when it is due); None when none is open."""
        if self._opened_at is None:
            return None
        if self.captures >= self.max_captures:
            return 0.0
        return max(0.0, self.max_seconds - (self._clock() - self._opened_at))

    def commit(self) -> None:
        """Commit the open group transaction, if any, after its kept-back writes; a commit that fails
        (a full disk) rolls the transaction back before the error goes on: its work items stay pending."""
        if self._opened_at is None:
            return
        if not self.conn.in_transaction:  # SQLite rolled it back itself (e.g. after SQLITE_FULL)
            self.rollback()
            return
        try:
            self._before_commit()
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise
        self._opened_at = None
        self.commits += 1

    def rollback(self) -> None:
        """Undo the open group transaction (its captures' work items stay pending) and forget what was
        kept back or cached for it."""
        self._opened_at = None
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        finally:
            self._on_rollback()

    def close(self, failed: bool) -> None:
        """End of the group: commit what it holds. After a failure inside the group the captures
        recorded so far are whole (each one's savepoint was released or rolled back), so they are
        committed too; when that commit fails as well, the block's own error is the one that goes on."""
        try:
            self.commit()
        except sqlite3.Error:
            if not failed:
                raise
