"""The datasets `ncgh export` writes as tables (csv, jsonl, parquet), one row dataclass and one reader each.

- `versions`: one row per article version (each article's current one with versions=latest);
- `events`: what happened to articles (new, edited, gone, restored), one row per event;
- `views`: the view-count series, one row per reading;
- `footers`: the site footer's versions.

Every article dataset carries the article's site section (`category_id` from the list or API that
revealed it, `category` from the page's breadcrumb), its status and `gone_at` (when it went, for a
gone article), so an analyst never joins back to the archive to group or filter. Footers are
site-wide and carry none of these. A first version's `changed_fields` is `[FIRST_VERSION]` (in
the archive it lists every field with a value, which reads as though all of them had changed).
Version rows are read through archive.query.version_info, the reading `ncgh show` uses.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from archive.captures import select_named
from archive.export_types import Column, ColumnType, col, columns_of
from archive.output import VERSION_CHOICES, ExportError, ExportVersions, since_utc
from archive.query import VERSION_COLUMNS, strings_of, version_info
from archive.resolve import SITE_TIMEZONE
from archive.vocab import ATTACHMENT_EVENTS, ArticleStatus, EventKind

T = ColumnType
FIRST_VERSION = "first_version"  # changed_fields of a first version: nothing changed, it appeared


class DatasetName(StrEnum):
    VERSIONS = "versions"
    EVENTS = "events"
    VIEWS = "views"
    FOOTERS = "footers"


@dataclass(frozen=True)
class Selection:
    """Which rows an export holds: `versions` (the versions dataset only), `since` (UTC ISO: rows
    first seen / happening at or after it), `site`; `tz` is the site's calendar (the views' `day`)."""

    versions: str = ExportVersions.LATEST
    since: str | None = None
    site: str | None = None
    tz: str = SITE_TIMEZONE

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", since_utc(self.since, self.tz))


# The article's context, for SELECTs joining `articles a`.
_ARTICLE = (
    "a.status, a.category_id, a.category,"
    f" CASE WHEN a.status = '{ArticleStatus.GONE}' THEN (SELECT max(g.at) FROM events g WHERE g.site = a.site"
    f"  AND g.article_id = a.article_id AND g.event = '{EventKind.GONE}') END AS gone_at"
)


def _where(selection: Selection, time_column: str, site_column: str, extra: list[str] | None = None) -> tuple[str, tuple]:
    where, params = list(extra or []), []
    if selection.since is not None:
        where.append(f"{time_column} >= ?")
        params.append(selection.since)
    if selection.site is not None:
        where.append(f"{site_column} = ?")
        params.append(selection.site)
    return (" WHERE " + " AND ".join(where)) if where else "", tuple(params)


# --- versions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    site: str = col(T.TEXT)
    article_id: int = col(T.INT)
    version: int = col(T.SMALL_INT)
    is_latest: bool = col(T.BOOL)
    status: str = col(T.TEXT)  # the article's status now: live | gone
    category_id: int | None = col(T.INT)
    category: str | None = col(T.TEXT)
    gone_at: str | None = col(T.TIMESTAMP)
    title: str | None = col(T.TEXT)
    title_prefix: str | None = col(T.TEXT)  # the bracketed column of the title, 【基层工会动态】
    published_at: str | None = col(T.DATE)  # site-local date (Asia/Shanghai)
    source: str | None = col(T.TEXT)
    author: str | None = col(T.TEXT)
    signature: str | None = col(T.TEXT)
    body_text: str = col(T.TEXT)
    body_html: str = col(T.TEXT)
    images: tuple[tuple[str, str | None], ...] = col(T.IMAGES)
    attachments: tuple[tuple[str, str], ...] = col(T.ATTACHMENTS)
    changed_fields: tuple[str, ...] = col(T.TEXT_LIST)
    first_seen: str = col(T.TIMESTAMP)  # UTC: first capture showing this version
    last_seen: str = col(T.TIMESTAMP)
    views: int | None = col(T.INT)  # last view count seen while this version was current
    url: str | None = col(T.TEXT)  # the article's last URL
    capture_id: int = col(T.INT)  # capture that first showed it (its raw bytes are in the WARC export)
    content_hash: str = col(T.TEXT)
    parser_version: str | None = col(T.TEXT)
    extractor_changed: bool = col(T.BOOL)  # parsed by another extractor than the version before: likely a redesign


def version_rows(conn: sqlite3.Connection, selection: Selection) -> Iterator[VersionRow]:
    """Article versions in (site, article, version) order."""
    if selection.versions not in VERSION_CHOICES:
        raise ExportError(f"--versions must be one of {', '.join(VERSION_CHOICES)}, not {selection.versions!r}")
    latest = ["v.version = a.version"] if selection.versions == ExportVersions.LATEST else []
    where, params = _where(selection, "v.first_seen", "v.site", latest)
    sql = (
        f"SELECT v.site, v.article_id, {', '.join('v.' + c for c in VERSION_COLUMNS)},"
        f" (v.version = a.version) AS is_latest, {_ARTICLE}, a.last_url,"
        " (SELECT w.views FROM views w WHERE w.site = v.site AND w.article_id = v.article_id"
        "   AND w.at <= v.last_seen ORDER BY w.at DESC LIMIT 1) AS views"
        f" FROM versions v JOIN articles a ON a.site = v.site AND a.article_id = v.article_id{where}"
        " ORDER BY v.site, v.article_id, v.version"
    )
    for r in select_named(conn, sql, params):
        v = version_info(r)
        yield VersionRow(
            site=r["site"], article_id=int(r["article_id"]), version=v.version, is_latest=bool(r["is_latest"]),
            status=r["status"], category_id=r["category_id"], category=r["category"], gone_at=r["gone_at"],
            title=v.title, title_prefix=v.column, published_at=v.published_at, source=v.source, author=v.author,
            signature=v.signature, body_text=v.body_text, body_html=v.body_html, images=v.images,
            attachments=v.attachments, changed_fields=(FIRST_VERSION,) if v.version == 1 else v.changed_fields,
            first_seen=v.first_seen, last_seen=v.last_seen, views=r["views"], url=r["last_url"],
            capture_id=v.capture_id, content_hash=v.content_hash, parser_version=v.parser_version,
            extractor_changed=v.extractor_changed,
        )


# --- events --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    site: str = col(T.TEXT)
    article_id: int = col(T.INT)
    event: str = col(T.TEXT)  # new | edited | gone | restored | attachment_gone | attachment_changed
    at: str = col(T.TIMESTAMP)  # UTC time of the capture that showed it
    version: int | None = col(T.SMALL_INT)  # the article's version after the event
    changed_fields: tuple[str, ...] = col(T.TEXT_LIST)  # edited: the fields; new: [first_version]
    reasons: tuple[str, ...] = col(T.TEXT_LIST)  # gone: why it counts as missing (http_404, ...)
    attachment: str | None = col(T.TEXT)  # attachment_gone / attachment_changed: the attachment's URL
    capture_id: int = col(T.INT)  # with `event`, names the event across `ncgh reparse`
    title: str | None = col(T.TEXT)  # the title of the event's version (the one it had then)
    status: str = col(T.TEXT)
    category_id: int | None = col(T.INT)
    category: str | None = col(T.TEXT)
    gone_at: str | None = col(T.TIMESTAMP)


def event_rows(conn: sqlite3.Connection, selection: Selection) -> Iterator[EventRow]:
    """Events oldest first."""
    where, params = _where(selection, "e.at", "e.site")
    sql = (
        # The title is the one the event's version had: a later retitling does not rewrite history.
        f"SELECT e.site, e.article_id, e.event, e.at, e.version, e.detail, e.capture_id,"
        f" coalesce(v.title, a.title) AS title, {_ARTICLE}"
        f" FROM events e JOIN articles a ON a.site = e.site AND a.article_id = e.article_id"
        f" LEFT JOIN versions v ON v.site = e.site AND v.article_id = e.article_id AND v.version = e.version{where}"
        " ORDER BY e.at, e.id"
    )
    for r in select_named(conn, sql, params):
        kind = r["event"]
        attachment = r["detail"] if kind in ATTACHMENT_EVENTS else None  # its URL, as text
        detail = () if attachment else strings_of(r["detail"])
        yield EventRow(
            site=r["site"], article_id=int(r["article_id"]), event=kind, at=r["at"], version=r["version"],
            changed_fields=detail if kind == EventKind.EDITED else (FIRST_VERSION,) if kind == EventKind.NEW else (),
            reasons=detail if kind == EventKind.GONE else (), attachment=attachment, capture_id=int(r["capture_id"]),
            title=r["title"],
            status=r["status"], category_id=r["category_id"], category=r["category"], gone_at=r["gone_at"],
        )


# --- view counts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewRow:
    site: str = col(T.TEXT)
    article_id: int = col(T.INT)
    at: str = col(T.TIMESTAMP)  # UTC capture time
    day: str = col(T.DATE)  # the capture's date on the site's calendar (Asia/Shanghai)
    views: int = col(T.INT)
    version: int | None = col(T.SMALL_INT)  # the version the capture showed
    capture_id: int = col(T.INT)
    title: str | None = col(T.TEXT)
    status: str = col(T.TEXT)
    category_id: int | None = col(T.INT)
    category: str | None = col(T.TEXT)
    gone_at: str | None = col(T.TIMESTAMP)


def view_rows(conn: sqlite3.Connection, selection: Selection) -> Iterator[ViewRow]:
    """Every view-count reading, by article then time."""
    zone = ZoneInfo(selection.tz)
    where, params = _where(selection, "w.at", "w.site")
    sql = (
        f"SELECT w.site, w.article_id, w.at, w.views, c.version, w.capture_id, a.title, {_ARTICLE}"
        " FROM views w JOIN captures c ON c.id = w.capture_id"
        f" JOIN articles a ON a.site = w.site AND a.article_id = w.article_id{where}"
        " ORDER BY w.site, w.article_id, w.at, w.capture_id"
    )
    for r in select_named(conn, sql, params):
        yield ViewRow(
            site=r["site"], article_id=int(r["article_id"]), at=r["at"],
            day=datetime.fromisoformat(r["at"]).astimezone(zone).date().isoformat(), views=int(r["views"]),
            version=r["version"], capture_id=int(r["capture_id"]), title=r["title"], status=r["status"],
            category_id=r["category_id"], category=r["category"], gone_at=r["gone_at"],
        )


# --- footers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FooterRow:
    site: str = col(T.TEXT)
    version: int = col(T.SMALL_INT)
    first_seen: str = col(T.TIMESTAMP)
    last_seen: str = col(T.TIMESTAMP)
    changed_fields: tuple[str, ...] = col(T.TEXT_LIST)  # version 1: [first_version]
    org: str | None = col(T.TEXT)
    icp: str | None = col(T.TEXT)
    police_record: str | None = col(T.TEXT)
    phone: str | None = col(T.TEXT)
    email: str | None = col(T.TEXT)
    address: str | None = col(T.TEXT)
    postcode: str | None = col(T.TEXT)
    capture_id: int = col(T.INT)
    content_hash: str = col(T.TEXT)


def footer_rows(conn: sqlite3.Connection, selection: Selection) -> Iterator[FooterRow]:
    """Footer versions by site and version."""
    where, params = _where(selection, "f.first_seen", "f.site")
    sql = (
        "SELECT f.site, f.version, f.first_seen, f.last_seen, f.changed_fields, f.org, f.icp, f.police_record,"
        f" f.phone, f.email, f.address, f.postcode, f.capture_id, f.content_hash FROM footers f{where}"
        " ORDER BY f.site, f.version"
    )
    for r in select_named(conn, sql, params):
        yield FooterRow(
            site=r["site"], version=int(r["version"]), first_seen=r["first_seen"], last_seen=r["last_seen"],
            changed_fields=(FIRST_VERSION,) if r["version"] == 1 else strings_of(r["changed_fields"]),
            org=r["org"], icp=r["icp"], police_record=r["police_record"], phone=r["phone"], email=r["email"],
            address=r["address"], postcode=r["postcode"], capture_id=int(r["capture_id"]),
            content_hash=r["content_hash"],
        )


# --- the table of datasets -----------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    name: DatasetName
    columns: tuple[Column, ...]
    rows: Callable[[sqlite3.Connection, Selection], Iterator]


DATASETS: dict[DatasetName, Dataset] = {
    DatasetName.VERSIONS: Dataset(DatasetName.VERSIONS, columns_of(VersionRow), version_rows),
    DatasetName.EVENTS: Dataset(DatasetName.EVENTS, columns_of(EventRow), event_rows),
    DatasetName.VIEWS: Dataset(DatasetName.VIEWS, columns_of(ViewRow), view_rows),
    DatasetName.FOOTERS: Dataset(DatasetName.FOOTERS, columns_of(FooterRow), footer_rows),
}
DATASET_CHOICES = tuple(d.value for d in DatasetName)


def dataset(name: str) -> Dataset:
    try:
        return DATASETS[DatasetName(name)]
    except ValueError:
        raise ExportError(f"unknown dataset {name!r}; one of {', '.join(DATASET_CHOICES)}") from None
