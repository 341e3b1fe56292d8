"""Read-side helpers over an archive connection: an article as it stood at a moment, its versions, its history.

Everything here only reads, so it works on a read-only connection (`archive.schema.connect(path,
readonly=True)`) while a crawl is writing. Results are plain dataclasses, shared by the CLI commands,
the exports and the Datasette article page, so the three never disagree about what an article says.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from archive.asset_query import AssetInfo, assets_of_version
from archive.captures import select_named
from archive.resolve import ArticleRef, QueryError
from archive.vocab import ArticleStatus, EventKind


@dataclass(frozen=True)
class ArticleInfo:
    """The `articles` row: the article's current state."""

    site: str
    article_id: int
    status: str  # an ArticleStatus: live | gone
    title: str | None
    published_at: str | None
    first_seen: str
    last_seen: str | None
    last_capture_at: str
    last_change_at: str | None
    version: int | None  # current version number
    views: int | None
    views_at: str | None
    last_url: str | None
    urls: tuple[str, ...]  # every URL it was fetched under, oldest first


@dataclass(frozen=True)
class VersionInfo:
    """One version of an article, as stored in `versions`."""

    version: int
    capture_id: int
    first_seen: str
    last_seen: str
    changed_fields: tuple[str, ...]
    title: str | None
    column: str | None
    published_at: str | None
    source: str | None
    author: str | None
    signature: str | None
    body_text: str
    body_html: str
    images: tuple[tuple[str, str | None], ...]
    attachments: tuple[tuple[str, str], ...]
    content_hash: str
    parser_version: str | None
    extractor_changed: bool = False  # another extractor than the previous version's: likely a redesign

    def field_value(self, name: str) -> str:
        """A field as text, for diffs and display."""
        value = getattr(self, name)
        if name == "images":
            return "\n".join(src + (f"  ({cap})" if cap else "") for src, cap in value)
        if name == "attachments":
            return "\n".join(f"{url}  ({label})" for url, label in value)
        return "" if value is None else str(value)


@dataclass(frozen=True)
class ArticleView:
    """What `show` answers: an article as it stood at one version or one moment."""

    article: ArticleInfo
    version: VersionInfo | None  # None when the article was never parsed (or not yet seen at as_of)
    as_of: str | None  # the UTC moment asked for, if any
    status_then: ArticleStatus  # the article's state at as_of (or now)
    views_then: int | None  # last view count seen at or before as_of (or the latest)
    views_then_at: str | None
    latest_version: int | None
    assets: tuple[AssetInfo, ...] = ()  # what the shown version references (archive/asset_query.py)


@dataclass(frozen=True)
class ViewPoint:
    at: str
    views: int


@dataclass(frozen=True)
class EventInfo:
    at: str
    event: str  # an EventKind: new | edited | gone | restored
    version: int | None
    capture_id: int
    detail: tuple[str, ...]  # changed fields (edited) or missing reasons (gone)


@dataclass(frozen=True)
class CaptureSummary:
    id: int
    fetched_at: str
    url: str
    status: int | None
    outcome: str
    version: int | None
    views: int | None


@dataclass(frozen=True)
class ArticleHistory:
    article: ArticleInfo
    versions: tuple[VersionInfo, ...]
    views: tuple[ViewPoint, ...]
    events: tuple[EventInfo, ...]
    captures: tuple[CaptureSummary, ...]


# --- rows -> records ---------------------------------------------------------------------------------


def _json_list(raw: str | None) -> list:
    """A stored JSON list column; anything else (bad JSON, an object) reads as empty."""
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def images_of(raw: str | None) -> tuple[tuple[str, str | None], ...]:
    """versions.images_json -> ((src, caption or None), ...); items that are not lists are skipped."""
    return tuple(
        (str(i[0]), None if len(i) < 2 or i[1] is None else str(i[1]))
        for i in _json_list(raw) if isinstance(i, list) and i
    )


def attachments_of(raw: str | None) -> tuple[tuple[str, str], ...]:
    """versions.attachments_json -> ((url, name or ''), ...); items that are not lists are skipped."""
    return tuple(
        (str(i[0]), "" if len(i) < 2 or i[1] is None else str(i[1]))
        for i in _json_list(raw) if isinstance(i, list) and i
    )


def strings_of(raw: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return (raw,) if raw else ()
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, dict):
        return tuple(f"{k}: {v}" for k, v in value.items())
    return (str(value),)


# The columns `version_info` reads, for SELECTs over `versions` (aliased `v` where joined).
VERSION_COLUMNS = (
    "version", "capture_id", "first_seen", "last_seen", "changed_fields", "title", "column_name", "published_at",
    "source", "author", "signature", "body_text", "body_html", "images_json", "attachments_json", "content_hash",
    "parser_version", "extractor_changed",
)
_VERSION_COLUMNS = ", ".join(VERSION_COLUMNS)


def version_info(row: sqlite3.Row) -> VersionInfo:
    """A VersionInfo from a row holding VERSION_COLUMNS (selected through `select_named`): the one
    reading of a stored version's JSON columns, shared by show/history, the diffs and the exports."""
    return VersionInfo(
        version=int(row["version"]),
        capture_id=int(row["capture_id"]),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        changed_fields=strings_of(row["changed_fields"]),
        title=row["title"],
        column=row["column_name"],
        published_at=row["published_at"],
        source=row["source"],
        author=row["author"],
        signature=row["signature"],
        body_text=row["body_text"] or "",
        body_html=row["body_html"] or "",
        images=images_of(row["images_json"]),
        attachments=attachments_of(row["attachments_json"]),
        content_hash=row["content_hash"],
        parser_version=row["parser_version"],
        extractor_changed=bool(row["extractor_changed"]),
    )


def article_info(conn: sqlite3.Connection, ref: ArticleRef) -> ArticleInfo:
    row = select_named(
        conn,
        "SELECT status, title, published_at, first_seen, last_seen, last_capture_at, last_change_at, version,"
        " views, views_at, last_url FROM articles WHERE site = ? AND article_id = ?",
        (ref.site, ref.article_id),
    ).fetchone()
    if row is None:
        raise QueryError(f"article {ref.article_id} is not in the archive")
    urls = tuple(
        r[0]
        for r in conn.execute(
            "SELECT url FROM article_urls WHERE site = ? AND article_id = ? ORDER BY first_seen, url",
            (ref.site, ref.article_id),
        )
    )
    return ArticleInfo(
        site=ref.site,
        article_id=ref.article_id,
        status=row["status"],
        title=row["title"],
        published_at=row["published_at"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        last_capture_at=row["last_capture_at"],
        last_change_at=row["last_change_at"],
        version=row["version"],
        views=row["views"],
        views_at=row["views_at"],
        last_url=row["last_url"],
        urls=urls,
    )


def versions(conn: sqlite3.Connection, ref: ArticleRef) -> tuple[VersionInfo, ...]:
    rows = select_named(
        conn,
        f"SELECT {_VERSION_COLUMNS} FROM versions WHERE site = ? AND article_id = ? ORDER BY version",
        (ref.site, ref.article_id),
    ).fetchall()
    return tuple(version_info(r) for r in rows)


def get_version(conn: sqlite3.Connection, ref: ArticleRef, number: int) -> VersionInfo:
    row = select_named(
        conn,
        f"SELECT {_VERSION_COLUMNS} FROM versions WHERE site = ? AND article_id = ? AND version = ?",
        (ref.site, ref.article_id, number),
    ).fetchone()
    if row is None:
        count = conn.execute(
            "SELECT count(*) FROM versions WHERE site = ? AND article_id = ?", (ref.site, ref.article_id)
        ).fetchone()[0]
        raise QueryError(f"article {ref.article_id} has no version {number} (it has {count})")
    return version_info(row)


# --- show -------------------------------------------------------------------------------------------


def _status_at(conn: sqlite3.Connection, ref: ArticleRef, moment: str, first_seen: str) -> ArticleStatus:
    if moment < first_seen:
        return ArticleStatus.UNSEEN
    row = select_named(
        conn,
        "SELECT event FROM events WHERE site = ? AND article_id = ? AND event IN (?, ?, ?)"
        " AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
        (ref.site, ref.article_id, EventKind.GONE, EventKind.RESTORED, EventKind.NEW, moment),
    ).fetchone()
    return ArticleStatus.GONE if row and row["event"] == EventKind.GONE else ArticleStatus.LIVE


def show(
    conn: sqlite3.Connection, ref: ArticleRef, version: int | None = None, as_of: str | None = None
) -> ArticleView:
    """The article at a version number, or as it stood at a moment (as_of, see `parse_moment`), or now."""
    if version is not None and as_of is not None:
        raise QueryError("give a version or a date, not both")
    info = article_info(conn, ref)
    chosen: VersionInfo | None
    if version is not None:
        chosen = get_version(conn, ref, version)
    elif as_of is not None:
        row = select_named(
            conn,
            f"SELECT {_VERSION_COLUMNS} FROM versions WHERE site = ? AND article_id = ? AND first_seen <= ?"
            " ORDER BY version DESC LIMIT 1",
            (ref.site, ref.article_id, as_of),
        ).fetchone()
        chosen = version_info(row) if row else None
    else:
        chosen = get_version(conn, ref, info.version) if info.version is not None else None
    moment = as_of
    if moment is None and version is not None and chosen is not None:
        moment = chosen.last_seen
    if moment is not None:
        status_then = _status_at(conn, ref, moment, info.first_seen)
        row = select_named(
            conn,
            "SELECT views, at FROM views WHERE site = ? AND article_id = ? AND at <= ? ORDER BY at DESC LIMIT 1",
            (ref.site, ref.article_id, moment),
        ).fetchone()
        views_then, views_at = (row["views"], row["at"]) if row else (None, None)
    else:
        status_then, views_then, views_at = info.status, info.views, info.views_at
    return ArticleView(
        article=info,
        version=chosen,
        as_of=as_of,
        status_then=status_then,
        views_then=views_then,
        views_then_at=views_at,
        latest_version=info.version,
        assets=assets_of_version(conn, ref.site, ref.article_id, chosen.version) if chosen is not None else (),
    )


# --- history ----------------------------------------------------------------------------------------


def history(conn: sqlite3.Connection, ref: ArticleRef) -> ArticleHistory:
    """Versions (with their changed fields), the view-count series, events and captures, oldest first."""
    info = article_info(conn, ref)
    views = tuple(
        ViewPoint(r["at"], int(r["views"]))
        for r in select_named(
            conn,
            "SELECT at, views FROM views WHERE site = ? AND article_id = ? ORDER BY at, capture_id",
            (ref.site, ref.article_id),
        )
    )
    events = tuple(
        EventInfo(at=r["at"], event=r["event"], version=r["version"], capture_id=int(r["capture_id"]),
                  detail=strings_of(r["detail"]))
        for r in select_named(
            conn,
            "SELECT at, event, version, capture_id, detail FROM events WHERE site = ? AND article_id = ?"
            " ORDER BY at, id",
            (ref.site, ref.article_id),
        )
    )
    captures = tuple(
        CaptureSummary(int(r["id"]), r["fetched_at"], r["url"], r["status"], r["outcome"], r["version"], r["views"])
        for r in select_named(
            conn,
            "SELECT id, fetched_at, url, status, outcome, version, views FROM captures"
            " WHERE site = ? AND article_id = ? ORDER BY fetched_at, id",
            (ref.site, ref.article_id),
        )
    )
    return ArticleHistory(info, versions(conn, ref), views, events, captures)

