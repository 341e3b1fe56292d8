"""What the archive has observed of each article's changes: the raw material of change-rate estimates.

The revisit policy `rates` (ncgh/revisit_rates.py) estimates how often articles change from what
earlier crawls saw. An observation is the interval between two consecutive captures of an article
that showed its content (outcome ok or not_modified), and whether the content changed in between
(the second capture shows a later version). Failed captures do not end an interval (they saw
nothing); a capture that found the article missing does, since the interval after it starts from
a restoration, not from known content.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from archive.captures import utc
from archive.vocab import CaptureKind, EventKind, Outcome


@dataclass(frozen=True)
class Observation:
    """One interval between two captures of an article that both showed its content."""

    article_id: int
    start: str  # fetched_at (ISO UTC) of the first capture
    end: str  # fetched_at of the second
    changed: bool  # the second capture shows a later version than the first
    start_version: int
    start_version_since: str  # when the first capture's version was first seen (its change time)


_SQL = f"""
SELECT c.article_id, c.fetched_at, c.outcome, c.version, v.first_seen
FROM captures c
LEFT JOIN versions v ON v.site = c.site AND v.article_id = c.article_id AND v.version = c.version
WHERE c.site = ? AND c.kind = '{CaptureKind.ARTICLE}' AND c.fetched_at >= ?
  AND c.outcome IN ('{Outcome.OK}', '{Outcome.NOT_MODIFIED}', '{Outcome.MISSING}')
ORDER BY c.article_id, c.fetched_at, c.id
"""


def observations(conn: sqlite3.Connection, site: str, since: str) -> Iterator[Observation]:
    """Every observed interval of `site`'s articles whose first capture is at or after `since` (ISO UTC)."""
    prev: tuple[int, str, int, str] | None = None  # (article, fetched_at, version, version first_seen)
    for article_id, fetched_at, outcome, version, version_since in conn.execute(_SQL, (site, utc(since, "since"))):
        if outcome == Outcome.MISSING or version is None or version_since is None:
            prev = None
            continue
        if prev is not None and prev[0] == article_id:
            yield Observation(article_id, prev[1], fetched_at, version != prev[2], prev[2], prev[3])
        prev = (article_id, fetched_at, version, version_since)


def gone_since(conn: sqlite3.Connection, site: str) -> dict[int, str]:
    """When each article was last marked gone (its latest `gone` event), by article id.

    For a gone article this is when it went; the decaying recheck schedule counts from it.
    """
    rows = conn.execute(
        "SELECT article_id, max(at) FROM events WHERE site = ? AND event = ? GROUP BY article_id",
        (site, EventKind.GONE),
    )
    return {article_id: at for article_id, at in rows}
