"""The site's hubs and each discovery source's health per run: what discovery learns about the site's
shape and keeps between runs (tables `hubs` and `run_sources`, docs/schema.md).

Reached as `archive.hubs` on an `archive.store.Archive`; shares its connection and transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from archive.captures import utc
from archive.vocab import OPEN_RUN_STATUSES, DiscoverySource, SourceStatus, sql_values


@dataclass(frozen=True)
class Hub:
    """A page that showed article links (its latest visit's counts)."""

    url: str
    depth: int
    first_seen: str
    last_seen: str
    article_ids: int
    new_ids: int
    last_new_at: str | None


@dataclass(frozen=True)
class SourceRun:
    """One discovery source's counts and status in one run."""

    source: DiscoverySource
    requests: int
    found: int
    new_ids: int
    failures: int
    status: SourceStatus


class HubStore:
    """Hubs of a site and the per-run health of discovery sources."""

    def __init__(self, conn: sqlite3.Connection, atomic: Callable[[], AbstractContextManager[None]]):
        self.conn = conn
        self.atomic = atomic

    # ---- hubs ----
    def record_visit(self, site: str, url: str, depth: int, seen_at: str, article_ids: int, new_ids: int) -> None:
        """Remember a visit of a page that showed `article_ids` article links, `new_ids` of them new.

        A hub keeps the smallest depth it was found at and the last time it showed a new article."""
        if article_ids < 0 or new_ids < 0 or depth < 0:
            raise ValueError("hub counts and depth must be >= 0")
        at = utc(seen_at, "seen_at")
        new_at = at if new_ids else None
        with self.atomic():
            self.conn.execute(
                "INSERT INTO hubs (site, url, depth, first_seen, last_seen, article_ids, new_ids, last_new_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site, url) DO UPDATE SET"
                " depth = min(depth, excluded.depth), last_seen = excluded.last_seen,"
                " article_ids = excluded.article_ids, new_ids = excluded.new_ids,"
                " last_new_at = coalesce(excluded.last_new_at, last_new_at)",
                (site, url, depth, at, at, article_ids, new_ids, new_at),
            )

    def hubs(self, site: str, limit: int | None = None) -> list[Hub]:
        """The site's hubs, those that last showed a new article most recently first (never-new last)."""
        rows = self.conn.execute(
            "SELECT url, depth, first_seen, last_seen, article_ids, new_ids, last_new_at FROM hubs WHERE site = ?"
            " ORDER BY last_new_at IS NULL, last_new_at DESC, depth, article_ids DESC, url LIMIT ?",
            (site, -1 if limit is None else limit),
        ).fetchall()
        return [Hub(*row) for row in rows]

    # ---- per-run source health ----
    def record_sources(self, run_id: int, rows: Iterable[SourceRun]) -> None:
        """Store one invocation's counts: added to what earlier invocations of the run stored; the
        status is the latest invocation's."""
        with self.atomic():
            self.conn.executemany(
                "INSERT INTO run_sources (run_id, source, requests, found, new_ids, failures, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, source) DO UPDATE SET"
                " requests = requests + excluded.requests, found = found + excluded.found,"
                " new_ids = new_ids + excluded.new_ids, failures = failures + excluded.failures,"
                " status = excluded.status",
                ((run_id, r.source, r.requests, r.found, r.new_ids, r.failures, r.status) for r in rows),
            )

    def sources_of_run(self, run_id: int) -> list[SourceRun]:
        rows = self.conn.execute(
            "SELECT source, requests, found, new_ids, failures, status FROM run_sources WHERE run_id = ? ORDER BY source",
            (run_id,),
        ).fetchall()
        return [SourceRun(DiscoverySource(s), rq, f, n, fl, SourceStatus(st)) for s, rq, f, n, fl, st in rows]

    def recent_statuses(self, source: DiscoverySource, before_run: int, runs: int) -> list[SourceStatus]:
        """The source's status in the latest `runs` ended runs before `before_run`, newest first (a run
        that did not use the source is skipped)."""
        rows = self.conn.execute(
            "SELECT s.status FROM run_sources s JOIN runs r ON r.id = s.run_id WHERE s.source = ? AND s.run_id < ?"
            f" AND r.status NOT IN {sql_values(OPEN_RUN_STATUSES)} ORDER BY s.run_id DESC LIMIT ?",
            (source, before_run, runs),
        ).fetchall()
        return [SourceStatus(r[0]) for r in rows]
