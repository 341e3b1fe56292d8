"""What the front page of `ncgh serve` shows: the archive's counts, its most-read and fastest-growing
articles, the articles the site deleted, read in one place so the page (webui/) only renders.

"Fastest-growing" is the views gained inside a window that ends at the archive's last view reading,
not at the wall clock: an archive crawled until last month (or the demo's simulated calendar) still
has a meaningful "last 7 days". Growth is the last reading in the window minus the last reading at or
before the window's start (the first reading in the window when there was none before), so an
article first seen inside the window counts only what it gained while watched, never its whole count.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from archive.vocab import ArticleStatus, EventKind

GROWTH_DAYS = 7  # the front page's default window
MAX_GROWTH_DAYS = 3650


@dataclass(frozen=True)
class ArticleLine:
    """One article in a front-page list."""

    article_id: int
    title: str | None
    published_at: str | None  # site-local date
    views: int | None  # the last count seen
    at: str | None  # UTC: when the count was seen (most read), or when it went (deleted)


@dataclass(frozen=True)
class Growth:
    article_id: int
    title: str | None
    views_from: int
    views_to: int
    gained: int
    from_at: str  # UTC of the reading growth is counted from
    to_at: str  # UTC of the last reading in the window


def most_read(conn: sqlite3.Connection, limit: int = 10) -> list[ArticleLine]:
    """Articles by the last view count seen (浏览量), highest first."""
    rows = conn.execute(
        "SELECT article_id, title, published_at, views, views_at FROM articles WHERE views IS NOT NULL"
        " ORDER BY views DESC, article_id LIMIT ?",
        (limit,),
    )
    return [ArticleLine(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


def deleted(conn: sqlite3.Connection, limit: int = 10) -> list[ArticleLine]:
    """Articles gone from the site, the most recently gone first (with when they went)."""
    rows = conn.execute(
        "SELECT a.article_id, a.title, a.published_at, a.views,"
        " (SELECT max(e.at) FROM events e WHERE e.site = a.site AND e.article_id = a.article_id AND e.event = ?)"
        " AS gone_at FROM articles a WHERE a.status = ? ORDER BY gone_at DESC, a.article_id LIMIT ?",
        (EventKind.GONE, ArticleStatus.GONE, limit),
    )
    return [ArticleLine(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


def window_start(conn: sqlite3.Connection, days: int) -> tuple[str | None, str | None]:
    """(start, end) of the growth window: `days` before the archive's last view reading, and that reading."""
    end = conn.execute("SELECT max(at) FROM views").fetchone()[0]
    if end is None:
        return None, None
    start = datetime.fromisoformat(end) - timedelta(days=days)
    return start.isoformat(timespec="microseconds"), end


def fastest_growing(conn: sqlite3.Connection, days: int = GROWTH_DAYS, limit: int = 10) -> list[Growth]:
    """Articles by views gained in the last `days` of the archive's readings (see the module doc);
    articles with fewer than two readings to compare, or no gain, are left out."""
    start, _end = window_start(conn, days)
    if start is None:
        return []
    rows = conn.execute(
        """
        WITH inside AS (
            SELECT site, article_id, max(at) AS to_at FROM views WHERE at > ? GROUP BY site, article_id
        ), ends AS (
            SELECT i.site, i.article_id, i.to_at,
              (SELECT v.views FROM views v WHERE v.site = i.site AND v.article_id = i.article_id AND v.at = i.to_at
               ORDER BY v.capture_id DESC LIMIT 1) AS views_to,
              coalesce(
                (SELECT v.at FROM views v WHERE v.site = i.site AND v.article_id = i.article_id AND v.at <= ?
                 ORDER BY v.at DESC LIMIT 1),
                (SELECT v.at FROM views v WHERE v.site = i.site AND v.article_id = i.article_id AND v.at > ?
                 ORDER BY v.at, v.capture_id LIMIT 1)) AS from_at
            FROM inside i
        )
        SELECT e.article_id, a.title, e.from_at, e.to_at, e.views_to,
          (SELECT v.views FROM views v WHERE v.site = e.site AND v.article_id = e.article_id AND v.at = e.from_at
           ORDER BY v.capture_id DESC LIMIT 1) AS views_from
        FROM ends e JOIN articles a ON a.site = e.site AND a.article_id = e.article_id
        WHERE e.from_at < e.to_at
        """,
        (start, start, start),
    ).fetchall()
    found = [
        Growth(int(r[0]), r[1], int(r[5]), int(r[4]), int(r[4]) - int(r[5]), r[2], r[3])
        for r in rows
        if r[4] is not None and r[5] is not None and int(r[4]) > int(r[5])
    ]
    found.sort(key=lambda g: (-g.gained, g.article_id))
    return found[:limit]
