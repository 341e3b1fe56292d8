"""Crawl bookkeeping: runs with their counters, the resumable work list, and the article states the
crawler plans its revisits with.

`WorkQueue` is reached as `archive.queue` on an `archive.store.Archive` and shares its connection and
its transactions (`Archive.atomic`); the writes of several rows each run in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from archive.captures import utc
from archive.vocab import (
    CAPPED_ERROR,
    OPEN_RUN_STATUSES,
    SHOWS_ARTICLE,
    ArticleStatus,
    CaptureKind,
    EventKind,
    Outcome,
    RunStatus,
    WorkKind,
    WorkState,
    sql_values,
)

RUN_COUNTERS = (
    "requests",
    "fetched",
    "not_modified",
    "new_articles",
    "new_versions",
    "unchanged",
    "gone",
    "restored",
    "errors",
    "blocked",
)

# A run in one of OPEN_RUN_STATUSES is open: the next crawl resumes it (archive/vocab.py RunStatus).
OPEN_RUNS_SQL = sql_values(OPEN_RUN_STATUSES)


@dataclass
class RunInfo:
    run_id: int
    mode: str
    started_at: str
    status: RunStatus
    config_json: str


@dataclass
class WorkItem:
    url: str
    kind: WorkKind
    article_id: int | None = None
    priority: int = 0
    etag: str | None = None
    last_modified: str | None = None
    id: int | None = None
    state: WorkState = WorkState.PENDING
    # The site's category of the list/API page that revealed the article: the store copies it to
    # articles.category_id when the article's capture is recorded.
    category_id: int | None = None


_STATE_SQL = (
    "SELECT article_id, status, first_seen, last_seen, last_capture_at, last_change_at, published_at,"
    " last_url, etag, last_modified, missing_streak, version, views_at FROM articles"
)


@dataclass(frozen=True)
class ArticleState:
    article_id: int
    status: ArticleStatus
    first_seen: str
    last_seen: str | None
    last_capture_at: str
    last_change_at: str | None
    published_at: str | None
    last_url: str | None
    etag: str | None
    last_modified: str | None
    missing_streak: int
    version: int | None
    views_at: str | None = None  # when a view count was last read (a 304 carries none)


class WorkQueue:
    """Runs, the resumable work list of each run, and the article states a crawl plans with."""

    def __init__(self, conn: sqlite3.Connection, atomic: Callable[[], AbstractContextManager[None]]):
        self.conn = conn
        self.atomic = atomic

    # ---- runs ----
    def start_run(self, mode: str, started_at: str, config_json: str) -> int:
        started = utc(started_at, "started_at")
        json.loads(config_json)  # a clear error now rather than an unreadable run later
        cur = self.conn.execute(
            "INSERT INTO runs (mode, started_at, status, config_json) VALUES (?, ?, ?, ?)",
            (mode, started, RunStatus.RUNNING, config_json),
        )
        return int(cur.lastrowid)

    def unfinished_run(self) -> RunInfo | None:
        row = self.conn.execute(
            f"SELECT id, mode, started_at, status, config_json FROM runs WHERE status IN {OPEN_RUNS_SQL}"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return _run_info(row) if row else None

    def run_info(self, run_id: int) -> RunInfo | None:
        row = self.conn.execute("SELECT id, mode, started_at, status, config_json FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _run_info(row) if row else None

    def finish_run(self, run_id: int, finished_at: str, status: RunStatus, summary_json: str) -> None:
        """Close a run; its counters are copied from the summary's keys of the same name (see RUN_COUNTERS)."""
        if status in OPEN_RUN_STATUSES:
            raise ValueError(f"{status!r} is no status of an ended run")
        self._store_summary(run_id, utc(finished_at, "finished_at"), status, summary_json)

    def stop_run(self, run_id: int, status: RunStatus, summary_json: str) -> None:
        """Store the summary of a run an invocation stopped (paused, interrupted) and leave it open.

        The counters cover the whole run so far; `finished_at` stays NULL. The next crawl resumes the
        run (`reopen_run`), and its end overwrites them with the counters of the whole run.
        """
        if status not in OPEN_RUN_STATUSES:
            raise ValueError(f"{status!r} is no status of an open run")
        self._store_summary(run_id, None, status, summary_json)

    def reopen_run(self, run_id: int) -> None:
        """A resumed run is `running` again; its stored counters are those of its last stop until it ends."""
        self.conn.execute(
            f"UPDATE runs SET status = ? WHERE id = ? AND status IN {OPEN_RUNS_SQL}", (RunStatus.RUNNING, run_id)
        )

    def _store_summary(self, run_id: int, finished: str | None, status: RunStatus, summary_json: str) -> None:
        summary = json.loads(summary_json)
        if not isinstance(summary, dict):
            raise ValueError("summary_json must be a JSON object")
        counters = []
        for name in RUN_COUNTERS:
            value = summary.get(name)
            counters.append(int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None)
        sets = ", ".join(f"{name} = ?" for name in RUN_COUNTERS)
        cur = self.conn.execute(
            f"UPDATE runs SET finished_at = ?, status = ?, summary_json = ?, {sets} WHERE id = ?",
            (finished, status, summary_json, *counters, run_id),
        )
        if cur.rowcount == 0:
            raise ValueError(f"no run with id {run_id}")

    # ---- the work list ----
    def enqueue(self, run_id: int, items: Iterable[WorkItem]) -> int:
        """Add work for a run in one transaction; a URL already queued for the run is ignored.

        `items` is consumed one row at a time (a generator is fine), so a plan of 100,000 probes is never
        held in memory twice.
        """
        named: list[WorkItem] = []  # items naming a category (a list or API item)

        def rows() -> Iterator[tuple]:
            for i in items:
                if i.category_id is not None:
                    named.append(i)
                yield (run_id, i.url, i.kind, i.article_id, i.priority, i.etag, i.last_modified, i.state, i.category_id)

        with self.atomic():
            before = self.conn.total_changes
            self.conn.executemany(
                "INSERT OR IGNORE INTO work_items (run_id, url, kind, article_id, priority, etag, last_modified,"
                " state, category_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows(),
            )
            added = self.conn.total_changes - before
            # An article queued first by a source that names no category (a hub, the frontier probe)
            # takes the one a list or API item names, while it is still to be fetched.
            self.conn.executemany(
                "UPDATE work_items SET category_id = ? WHERE run_id = ? AND url = ? AND category_id IS NULL"
                " AND state = ?",
                ((i.category_id, run_id, i.url, WorkState.PENDING) for i in named),
            )
            return added

    def pending(self, run_id: int, limit: int = 100) -> list[WorkItem]:
        rows = self.conn.execute(
            "SELECT url, kind, article_id, priority, etag, last_modified, id, state FROM work_items"
            " WHERE run_id = ? AND state = ? ORDER BY priority DESC, id LIMIT ?",
            (run_id, WorkState.PENDING, limit),
        ).fetchall()
        return [
            WorkItem(url, WorkKind(kind), article_id, priority, etag, modified, item_id, WorkState(state))
            for url, kind, article_id, priority, etag, modified, item_id, state in rows
        ]

    def mark(self, work_item_id: int, state: WorkState) -> None:
        """Set a work item's state (recording a capture marks its item done by itself)."""
        cur = self.conn.execute("UPDATE work_items SET state = ? WHERE id = ?", (state, work_item_id))
        if cur.rowcount == 0:
            raise ValueError(f"no work item with id {work_item_id}")

    def mark_many(self, work_item_ids: Iterable[int], state: WorkState) -> None:
        """`mark` for many items in one transaction (one commit instead of hundreds)."""
        with self.atomic():
            for work_item_id in work_item_ids:
                self.mark(work_item_id, state)

    def failed_of_last_run(self) -> list[WorkItem]:
        """The work items left failed or blocked by the latest finished run (none when no run has finished)."""
        row = self.conn.execute(f"SELECT id FROM runs WHERE status NOT IN {OPEN_RUNS_SQL} ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return []
        rows = self.conn.execute(
            "SELECT url, kind, article_id, priority, category_id FROM work_items WHERE run_id = ? AND state IN (?, ?)",
            (row[0], WorkState.FAILED, WorkState.BLOCKED),
        ).fetchall()
        return [
            WorkItem(url, WorkKind(kind), article_id, priority, category_id=category)
            for url, kind, article_id, priority, category in rows
        ]

    def requeue_blocked(self, run_id: int) -> int:
        """Make a resumed run's blocked work pending again; returns the items requeued.

        A block page said nothing about its URL, so the work is still to do. Also requeued: an item
        marked done whose capture is blocked (the invocation died between recording the capture and
        marking the item blocked).
        """
        with self.atomic():
            return self.conn.execute(
                "UPDATE work_items SET state = ? WHERE run_id = ? AND (state = ? OR (state = ? AND capture_id IN"
                " (SELECT id FROM captures WHERE run_id = ? AND outcome = ?)))",
                (WorkState.PENDING, run_id, WorkState.BLOCKED, WorkState.DONE, run_id, Outcome.BLOCKED),
            ).rowcount

    def first_finished_at(self) -> str | None:
        """When the archive's first run finished (UTC ISO 8601), or None before any has."""
        row = self.conn.execute("SELECT finished_at FROM runs WHERE finished_at IS NOT NULL ORDER BY id LIMIT 1").fetchone()
        return row[0] if row else None

    def prune_probe_misses(self, run_id: int) -> int:
        """Delete work items of finished runs other than `run_id` that found nothing and hold no capture
        (an id walk's misses: tens of thousands of rows per full crawl); returns the rows deleted."""
        with self.atomic():
            return self.conn.execute(
                "DELETE FROM work_items WHERE state = ? AND capture_id IS NULL AND run_id != ?"
                f" AND run_id IN (SELECT id FROM runs WHERE status NOT IN {OPEN_RUNS_SQL})",
                (WorkState.MISSING, run_id),
            ).rowcount

    def queue_counts(self, run_id: int) -> dict[str, int]:
        rows = self.conn.execute("SELECT state, count(*) FROM work_items WHERE run_id = ? GROUP BY state", (run_id,)).fetchall()
        return {state: n for state, n in rows}

    def prune_queue(self, run_id: int) -> int:
        """Delete the work list of a finished run; returns the rows deleted.

        The queue only exists to resume an interrupted run, and a full crawl's id walk queues tens of
        thousands of URLs (about 150 bytes each). Captures keep their `work_item_id` for reference.
        """
        row = self.conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise ValueError(f"no run with id {run_id}")
        if row[0] in OPEN_RUN_STATUSES:
            raise ValueError(f"run {run_id} is still {row[0]}: its work list is needed to resume it")
        return self.conn.execute("DELETE FROM work_items WHERE run_id = ?", (run_id,)).rowcount

    def run_counts(self, run_id: int) -> dict[str, int]:
        """A run's counters (RUN_COUNTERS and a few more) from what is stored, so that a resumed run's
        summary covers all its parts."""

        def count(sql: str, *more: object) -> int:
            return int(self.conn.execute(sql, (run_id, *more)).fetchone()[0] or 0)

        captures = "SELECT count(*) FROM captures WHERE run_id = ? AND outcome = ?"
        items = "SELECT count(*) FROM work_items WHERE run_id = ?"
        stats = {
            "requests": count(items + " AND state != ?", WorkState.PENDING),
            # blocked items are left for the next crawl too (requeue_blocked, failed_of_last_run)
            "pending": count(items + " AND state IN (?, ?)", WorkState.PENDING, WorkState.BLOCKED),
            "blocked": count(captures, Outcome.BLOCKED),
            "blocked_left": count(items + " AND state = ?", WorkState.BLOCKED),
            # 2xx answers of the site: a WAF's 200 cookie challenge is a block page, not a page fetched
            "fetched": count(
                "SELECT count(*) FROM captures WHERE run_id = ? AND status BETWEEN 200 AND 299 AND outcome != ?",
                Outcome.BLOCKED,
            ),
            "not_modified": count(captures, Outcome.NOT_MODIFIED),
            # an asset over its own cap is the user's choice (a video over video_max_bytes), not an error
            "fetch_errors": count(captures + " AND NOT (kind = ? AND coalesce(error, '') = ?)", Outcome.FETCH_ERROR,
                                  CaptureKind.ASSET, CAPPED_ERROR),
            "parse_errors": count(captures, Outcome.PARSE_ERROR)
            + count(items + " AND state = ? AND capture_id IS NULL", WorkState.FAILED),
            "missing": count(captures + " AND kind = ?", Outcome.MISSING, CaptureKind.ARTICLE),
            # the first footer version is what the site showed, not a change (as in `ncgh changes`)
            "footer_changes": count("SELECT count(*) FROM footers f JOIN captures c ON c.id = f.capture_id"
                                    " WHERE c.run_id = ? AND f.version > 1"),
            "unchanged": count(
                "SELECT count(*) FROM captures c WHERE c.run_id = ? AND c.kind = ? AND c.outcome IN (?, ?)"
                " AND NOT EXISTS (SELECT 1 FROM events e WHERE e.capture_id = c.id AND e.event IN (?, ?))",
                CaptureKind.ARTICLE, Outcome.OK, Outcome.NOT_MODIFIED, EventKind.NEW, EventKind.EDITED,
            ),
        }
        events = "SELECT count(*) FROM events e JOIN captures c ON c.id = e.capture_id WHERE c.run_id = ? AND e.event = ?"
        for event, key in (
            (EventKind.NEW, "new_articles"),
            (EventKind.EDITED, "new_versions"),
            (EventKind.GONE, "gone"),
            (EventKind.RESTORED, "restored"),
        ):
            stats[key] = count(events, event)
        stats["errors"] = stats["fetch_errors"] + stats["parse_errors"]
        kinds = items + " AND kind = ?"
        stats["discovered"] = count(kinds, WorkKind.ARTICLE) + count(
            "SELECT count(*) FROM work_items w JOIN captures c ON c.work_item_id = w.id WHERE w.run_id = ?"
            " AND w.kind = ? AND c.outcome IN (?, ?, ?)",
            WorkKind.PROBE, *SHOWS_ARTICLE,
        )
        stats["probes"], stats["revisits"] = count(kinds, WorkKind.PROBE), count(kinds, WorkKind.REVISIT)
        stats["snapshot"] = count(kinds, WorkKind.SNAPSHOT)
        stats["snapshot_left"] = count(
            kinds + " AND state IN (?, ?)", WorkKind.SNAPSHOT, WorkState.PENDING, WorkState.BLOCKED
        )
        return stats

    # ---- what the crawler plans with ----
    def known_article_ids(self, site: str) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT article_id FROM articles WHERE site = ?", (site,))}

    def article_states(self, site: str) -> Iterator[ArticleState]:
        rows = self.conn.execute(_STATE_SQL + " WHERE site = ? ORDER BY article_id", (site,)).fetchall()
        for row in rows:
            yield _article_state(row)

    def article_state(self, site: str, article_id: int) -> ArticleState | None:
        row = self.conn.execute(_STATE_SQL + " WHERE site = ? AND article_id = ?", (site, article_id)).fetchone()
        return _article_state(row) if row else None


def _article_state(row: tuple) -> ArticleState:
    """An `_STATE_SQL` row, its status as the enum."""
    return ArticleState(row[0], ArticleStatus(row[1]), *row[2:])


def _run_info(row: tuple) -> RunInfo:
    """A `runs` row (id, mode, started_at, status, config_json), its status as the enum."""
    run_id, mode, started_at, status, config_json = row
    return RunInfo(run_id, mode, started_at, RunStatus(status), config_json)
