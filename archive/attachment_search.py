"""Search in the text of attachments: a notice whose words are only in its PDF/Word/Excel file.

The text sits in `asset_fts` (rowid = assets.id, bigrams like version_fts: archive/search.py); a match
there is a hit on every version that references the attachment (`version_assets`), latest versions
only unless all versions are asked for. archive.search merges these hits with the body hits, a
version matching in both counted once (as a body hit).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from archive.vocab import AssetRole

_LATEST = " AND v.version = a.version"
_MATCHED = (
    "SELECT f.rowid AS asset_id, bm25(asset_fts, 1.0, 1.0) AS score FROM asset_fts f WHERE asset_fts MATCH ?"
)
_FROM = (
    f" FROM ({_MATCHED}) m JOIN assets s ON s.id = m.asset_id"
    " JOIN version_assets va ON va.asset_id = s.id AND va.role = ?"
    " JOIN versions v ON v.site = va.site AND v.article_id = va.article_id AND v.version = va.version"
    " LEFT JOIN articles a ON a.site = v.site AND a.article_id = v.article_id WHERE 1 = 1"
)
_VERSIONS = (
    "SELECT m.score, v.id, v.site, v.article_id, v.version, v.title, v.published_at, a.last_url,"
    " (v.version = a.version) AS latest, s.url, s.text" + _FROM
)


@dataclass(frozen=True)
class AttachmentMatch:
    """A version whose attachment matched: the attachment's URL and text for the snippet."""

    score: float
    version_row_id: int
    site: str
    article_id: int
    version: int
    title: str | None
    published_at: str | None
    url: str | None
    is_latest: bool
    attachment_url: str
    attachment_text: str


def attachment_matches(conn: sqlite3.Connection, expression: str, all_versions: bool) -> list[AttachmentMatch]:
    """Every version that matches in an attachment and not in its own title or body (those are body
    hits), best attachment per version, best first. The set never depends on how many body hits a
    caller ranks: it once left out only the body hits of the page asked for, so paging repeated some
    versions and never showed others (found by review)."""
    sql = (
        _VERSIONS + ("" if all_versions else _LATEST)
        + " AND v.id NOT IN (SELECT rowid FROM version_fts WHERE version_fts MATCH ?) ORDER BY m.score, v.id"
    )
    best: dict[int, AttachmentMatch] = {}
    for row in conn.execute(sql, (expression, AssetRole.ATTACHMENT, expression)):
        score, vid, site, article_id, version, title, published_at, url, latest, att_url, text = row
        if vid in best:
            continue
        best[vid] = AttachmentMatch(float(score), vid, site, article_id, version, title, published_at, url,
                                    bool(latest), att_url, text or "")
    return list(best.values())


def count_attachment_only(conn: sqlite3.Connection, expression: str, all_versions: bool) -> int:
    """How many versions match in an attachment and not in their own title or body."""
    sql = (
        "SELECT count(DISTINCT v.id)" + _FROM + ("" if all_versions else _LATEST)
        + " AND v.id NOT IN (SELECT rowid FROM version_fts WHERE version_fts MATCH ?)"
    )
    return int(conn.execute(sql, (expression, AssetRole.ATTACHMENT, expression)).fetchone()[0])
