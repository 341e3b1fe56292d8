"""Assets (images, stylesheets, scripts, attachments, videos) as derived state of captures.

An asset is one URL, stored once however many versions reference it; each fetch of it is a `captures`
row of kind `asset` (status, headers, body digest) whose bytes go to the content-addressed `bodies`
table, delta-coded against the URL's previous bytes. Like articles, everything here is derived by
replaying captures in time order (`derive_capture`, called from Archive._derive), so `rebuild`
reproduces it. What a version references arrives with the article capture that makes the version
(`CaptureIn.requisites`, found by the scraper); a stylesheet's own references arrive with its capture.

An attachment that answers 404/410 after being held, or whose bytes change, is an event on every
article whose current version references it (`attachment_gone`, `attachment_changed`); its bytes
are never dropped, and a gone article keeps its assets.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from archive.bodies import sha256_hex
from archive.model import AssetRef, CaptureIn
from archive.search import index_text
from archive.vocab import CAPPED_ERROR, AssetRole, AssetState, CaptureKind, EventKind, Outcome

__all__ = ["DueAsset", "clear_derived", "derive_capture", "due_assets", "pending_urls"]

# Extracted text kept per asset, at most (a 300-page PDF stays searchable by its first part).
TEXT_MAX_CHARS = 1_000_000


@dataclass(frozen=True)
class DueAsset:
    """An asset the next crawl should fetch: never fetched, or due for its rare recheck."""

    url: str
    role: AssetRole
    etag: str | None
    last_modified: str | None


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    low = name.lower()
    return next((v for k, v in headers if k.lower() == low), None)


def ensure_asset(conn: sqlite3.Connection, site: str, ref: AssetRef, at: str) -> int:
    """The id of the asset at `ref.url`, inserting it (pending) the first time it is referenced."""
    row = conn.execute("SELECT id, role FROM assets WHERE site = ? AND url = ?", (site, ref.url)).fetchone()
    if row is not None:
        if row[1] == AssetRole.OTHER and ref.role != AssetRole.OTHER:  # fetched before a page named its use
            conn.execute("UPDATE assets SET role = ? WHERE id = ?", (AssetRole(ref.role), row[0]))
        # Captures are recorded as they complete, not in capture-time order: first_seen is the earliest
        # capture time, as a rebuild (a replay in time order) finds it.
        conn.execute("UPDATE assets SET first_seen = ? WHERE id = ? AND first_seen > ?", (at, row[0], at))
        return int(row[0])
    cur = conn.execute(
        "INSERT INTO assets (site, url, role, first_seen) VALUES (?, ?, ?, ?)", (site, ref.url, AssetRole(ref.role), at)
    )
    return int(cur.lastrowid)


def link_version(conn: sqlite3.Connection, site: str, article_id: int, version: int, refs: Iterable[AssetRef], at: str) -> None:
    """Record that `version` of the article references `refs` (once each)."""
    for ref in refs:
        asset_id = ensure_asset(conn, site, ref, at)
        conn.execute(
            "INSERT OR IGNORE INTO version_assets (site, article_id, version, asset_id, role) VALUES (?, ?, ?, ?, ?)",
            (site, article_id, version, asset_id, AssetRole(ref.role)),
        )


def derive_capture(
    conn: sqlite3.Connection, capture_id: int, c: CaptureIn, at: str, new_version: int | None
) -> list[tuple[EventKind, int]]:
    """What one capture implies for assets; returns the attachment events written (kind, article_id).

    An article capture that made `new_version` links its requisites to it; an asset capture updates
    its asset (state, bytes, validators, text) and writes the attachment events it causes.
    """
    if c.kind == CaptureKind.ARTICLE:
        if new_version is not None and c.article_id is not None and c.requisites:
            link_version(conn, c.site, c.article_id, new_version, c.requisites, at)
        return []
    if c.kind != CaptureKind.ASSET:
        return []
    return _asset_capture(conn, capture_id, c, at)


def _asset_capture(conn: sqlite3.Connection, capture_id: int, c: CaptureIn, at: str) -> list[tuple[EventKind, int]]:
    asset_id = ensure_asset(conn, c.site, AssetRef(c.url, AssetRole.OTHER), at)
    role, state, old_sha, old_text = conn.execute(
        "SELECT role, state, body_sha256, text FROM assets WHERE id = ?", (asset_id,)
    ).fetchone()
    event: EventKind | None = None
    fields: dict[str, object] = {"last_checked": at, "last_capture_id": capture_id}
    if c.outcome == Outcome.OK:
        body = c.body or b""
        sha = sha256_hex(body)
        if old_sha is not None and old_sha != sha:
            event = EventKind.ATTACHMENT_CHANGED
        fields.update(
            state=AssetState.HELD, body_sha256=sha, size=len(body),
            content_type=_header(c.headers, "Content-Type"),
            etag=_header(c.headers, "ETag"), last_modified=_header(c.headers, "Last-Modified"),
        )
        if old_sha != sha:
            text = c.asset_text
            _reindex(conn, asset_id, c.url, old_text, text.text if text else None)
            fields.update(
                text=text.text[:TEXT_MAX_CHARS] if text and text.text else None,
                text_error=text.error if text else None,
            )
    elif c.outcome == Outcome.NOT_MODIFIED:
        fields.update(state=AssetState.HELD if old_sha is not None else AssetState(state))
        for name, key in (("ETag", "etag"), ("Last-Modified", "last_modified")):
            value = _header(c.headers, name)
            if value:
                fields[key] = value
    elif c.outcome == Outcome.MISSING:
        if state != AssetState.GONE and old_sha is not None:
            event = EventKind.ATTACHMENT_GONE
        fields.update(state=AssetState.GONE, etag=None, last_modified=None)
    elif c.error == CAPPED_ERROR and old_sha is None:  # over its cap: recorded as such, never truncated
        fields.update(state=AssetState.TOO_LARGE)
    elif state == AssetState.PENDING:  # no usable answer: bytes held before stay held
        fields.update(state=AssetState.FAILED)
    sets = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(f"UPDATE assets SET {sets} WHERE id = ?", (*fields.values(), asset_id))
    for ref in c.requisites:  # a stylesheet's url(...) images and @imports
        child = ensure_asset(conn, c.site, ref, at)
        if child != asset_id:
            conn.execute("INSERT OR IGNORE INTO asset_links (asset_id, child_id) VALUES (?, ?)", (asset_id, child))
    if event is None or role != AssetRole.ATTACHMENT:
        return []
    return _article_events(conn, asset_id, capture_id, c.url, event, at)


def _article_events(
    conn: sqlite3.Connection, asset_id: int, capture_id: int, url: str, event: EventKind, at: str
) -> list[tuple[EventKind, int]]:
    """The event on each article whose current version references the attachment (gone ones too)."""
    rows = conn.execute(
        "SELECT a.site, a.article_id, a.version FROM version_assets va JOIN articles a"
        " ON a.site = va.site AND a.article_id = va.article_id AND a.version = va.version"
        " WHERE va.asset_id = ? ORDER BY a.article_id",
        (asset_id,),
    ).fetchall()
    for site, article_id, version in rows:
        conn.execute(
            "INSERT INTO events (site, article_id, event, at, capture_id, version, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (site, article_id, event, at, capture_id, version, url),
        )
    return [(event, int(r[1])) for r in rows]


def _reindex(conn: sqlite3.Connection, asset_id: int, name: str, old: str | None, new: str | None) -> None:
    """Replace the asset's row in the contentless asset_fts (a delete needs the indexed values)."""
    if old:
        conn.execute(
            "INSERT INTO asset_fts (asset_fts, rowid, name, body) VALUES ('delete', ?, ?, ?)",
            (asset_id, index_text(name), index_text(old[:TEXT_MAX_CHARS])),
        )
    if new:
        conn.execute(
            "INSERT INTO asset_fts (rowid, name, body) VALUES (?, ?, ?)",
            (asset_id, index_text(name), index_text(new[:TEXT_MAX_CHARS])),
        )


def clear_derived(conn: sqlite3.Connection) -> None:
    """Forget everything derived about assets (inside `rebuild`'s transaction, before the replay)."""
    for table in ("version_assets", "asset_links", "assets"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("INSERT INTO asset_fts (asset_fts) VALUES ('delete-all')")


def due_assets(
    conn: sqlite3.Connection, site: str, recheck_before: str, roles: Iterable[AssetRole]
) -> list[DueAsset]:
    """Assets of `roles` never fetched, or last checked before `recheck_before` (a UTC moment).

    A failed fetch (too large, timeout) waits for the recheck too: the crawl already retries an item
    that failed once in the next run.
    """
    wanted = tuple(AssetRole(r) for r in roles)
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    rows = conn.execute(
        f"SELECT url, role, etag, last_modified FROM assets WHERE site = ? AND role IN ({marks})"
        " AND (state = ? OR last_checked < ?) ORDER BY id",
        (site, *wanted, AssetState.PENDING, recheck_before),
    ).fetchall()
    return [DueAsset(url, AssetRole(role), etag, lm) for url, role, etag, lm in rows]


def pending_urls(conn: sqlite3.Connection, site: str, urls: Iterable[str]) -> list[DueAsset]:
    """Those of `urls` that are assets never fetched: what a new version or stylesheet adds to the run."""
    out: list[DueAsset] = []
    for url in dict.fromkeys(urls):
        row = conn.execute(
            "SELECT role FROM assets WHERE site = ? AND url = ? AND state = ?", (site, url, AssetState.PENDING)
        ).fetchone()
        if row is not None:
            out.append(DueAsset(url, AssetRole(row[0]), None, None))
    return out
