"""Stored article pages as samples for template learning (`ncgh calibrate`).

One capture per article (its newest with a stored 200 body), spread evenly over the archive's
articles so a sample is not one era of the site; or the N captured last, which are what a crawl's
automatic calibration has just met: the first pages of a site never seen, or the first pages after a
redesign (not the archive's oldest captures, which show the old template).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from archive.bodies import read_body
from archive.vocab import CaptureKind


@dataclass(frozen=True)
class SamplePageRow:
    """A stored article page: its URL, body bytes and the Content-Type it came with."""

    capture_id: int
    article_id: int
    url: str
    body: bytes
    content_type: str | None


_NEWEST_PER_ARTICLE = f"""
    SELECT c.id, c.article_id, coalesce(c.final_url, c.url), c.body_sha256, c.headers_json
    FROM captures c
    WHERE c.id = (SELECT max(d.id) FROM captures d
                  WHERE d.site = c.site AND d.article_id = c.article_id AND d.kind = '{CaptureKind.ARTICLE}'
                    AND d.status = 200 AND d.body_sha256 IS NOT NULL)
      AND c.site = ?
    ORDER BY c.article_id
"""


def article_samples(conn: sqlite3.Connection, site: str, limit: int, latest: bool = False) -> list[SamplePageRow]:
    """Up to `limit` article pages of `site`: evenly over its articles, or (`latest`) the last captured."""
    import json

    rows = conn.execute(_NEWEST_PER_ARTICLE, (site,)).fetchall()
    if latest:
        rows = sorted(rows, key=lambda r: r[0], reverse=True)[:limit]
    elif len(rows) > limit:
        step = len(rows) / limit
        rows = [rows[int(i * step)] for i in range(limit)]
    out: list[SamplePageRow] = []
    for capture_id, article_id, url, sha, headers_json in rows:
        headers = json.loads(headers_json or "[]")
        ctype = next((v for k, v in headers if k.lower() == "content-type"), None)
        out.append(SamplePageRow(capture_id, article_id, url, read_body(conn, sha), ctype))
    return out
