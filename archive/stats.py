"""`ncgh stats`: counts of what the archive holds and the storage it takes."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from archive.vocab import OPEN_RUN_STATUSES, ArticleStatus, sql_values


@dataclass(frozen=True)
class Count:
    name: str
    count: int


def _one(conn: sqlite3.Connection, sql: str, *params: object) -> int:
    return int(conn.execute(sql, params).fetchone()[0] or 0)


@dataclass(frozen=True)
class Counts:
    """The headline counts: what `ncgh stats` and the web UI's front page both open with."""

    articles: int
    live: int
    gone: int
    versions: int
    edited_articles: int  # articles with more than one version
    captures: int
    first_capture: str | None  # UTC
    last_capture: str | None


@dataclass(frozen=True)
class ArchiveStats(Counts):
    """The headline counts, then what `ncgh stats` adds: captures by outcome and kind, runs, storage."""

    captures_by_outcome: tuple[Count, ...]
    captures_by_kind: tuple[Count, ...]
    runs: int
    unfinished_runs: int
    footer_versions: int
    events: int
    bodies: int
    body_bytes: int  # raw size of the distinct bodies
    stored_bytes: int  # their compressed size in the file
    file_bytes: int  # the database file plus its -wal
    schema_version: int


def counts(conn: sqlite3.Connection) -> Counts:
    """Articles live and gone, versions, captures and the span of the captures."""
    first, last = conn.execute("SELECT min(fetched_at), max(fetched_at) FROM captures").fetchone()
    return Counts(
        articles=_one(conn, "SELECT count(*) FROM articles"),
        live=_one(conn, "SELECT count(*) FROM articles WHERE status = ?", ArticleStatus.LIVE),
        gone=_one(conn, "SELECT count(*) FROM articles WHERE status = ?", ArticleStatus.GONE),
        versions=_one(conn, "SELECT count(*) FROM versions"),
        edited_articles=_one(conn, "SELECT count(*) FROM articles WHERE version > 1"),
        captures=_one(conn, "SELECT count(*) FROM captures"),
        first_capture=first,
        last_capture=last,
    )


def stats(conn: sqlite3.Connection, db_path: str | os.PathLike | None = None) -> ArchiveStats:
    """Counts and storage of the whole archive; the file's size from `db_path` or, without it, from
    the file the connection has open (0 for an in-memory database)."""
    file_bytes = 0
    if db_path is None:
        db_path = next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), "") or None
    if db_path is not None:
        for suffix in ("", "-wal"):
            p = Path(str(db_path) + suffix)
            if p.exists():
                file_bytes += p.stat().st_size
    by_outcome = tuple(
        Count(r[0], int(r[1]))
        for r in conn.execute("SELECT outcome, count(*) FROM captures GROUP BY outcome ORDER BY count(*) DESC, outcome")
    )
    by_kind = tuple(
        Count(r[0], int(r[1]))
        for r in conn.execute("SELECT kind, count(*) FROM captures GROUP BY kind ORDER BY count(*) DESC, kind")
    )
    body_bytes, stored_bytes, bodies = conn.execute(
        "SELECT ifnull(sum(size), 0), ifnull(sum(stored_size), 0), count(*) FROM bodies"
    ).fetchone()
    return ArchiveStats(
        **asdict(counts(conn)),
        captures_by_outcome=by_outcome,
        captures_by_kind=by_kind,
        runs=_one(conn, "SELECT count(*) FROM runs"),
        unfinished_runs=_one(conn, f"SELECT count(*) FROM runs WHERE status IN {sql_values(OPEN_RUN_STATUSES)}"),
        footer_versions=_one(conn, "SELECT count(*) FROM footers"),
        events=_one(conn, "SELECT count(*) FROM events"),
        bodies=int(bodies),
        body_bytes=int(body_bytes),
        stored_bytes=int(stored_bytes),
        file_bytes=file_bytes,
        schema_version=_one(conn, "SELECT max(version) FROM schema_version"),
    )
