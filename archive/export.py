"""Take the archive out in the formats other tools read: CSV, JSON Lines, Parquet (here) and WARC
(archive/warc.py), through `export(fmt, ...)`.

Tables (csv, jsonl, parquet) hold one row per article version; the WARC holds the raw captures, so
pywb and other web-archive tools can replay exactly what the crawler received. Files are written
through archive/output.py: a temporary file renamed into place, never clobbering without force=True.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime

from archive.captures import select_named
from archive.output import (
    VERSION_CHOICES,
    ExportError,
    ExportFormat,
    ExportSummary,
    ExportVersions,
    atomic_output,
    snapshot,
    summary,
)
from archive.warc import export_warc

FORMATS = tuple(f.value for f in ExportFormat)


@dataclass(frozen=True)
class ExportRow:
    """One article version as exported; the column order of csv and parquet."""

    site: str
    article_id: int
    version: int
    is_latest: bool
    status: str  # the article's status now: live | gone
    title: str | None
    column: str | None
    published_at: str | None  # site-local date (Asia/Shanghai)
    source: str | None
    author: str | None
    signature: str | None
    body_text: str
    body_html: str
    images: tuple[tuple[str, str | None], ...]  # (src, caption)
    attachments: tuple[tuple[str, str], ...]  # (url, name)
    changed_fields: tuple[str, ...]
    first_seen: str  # UTC: first capture showing this version
    last_seen: str  # UTC: last capture showing it
    views: int | None  # last view count seen while this version was current
    url: str | None  # the article's last URL
    capture_id: int  # capture that first showed this version (its raw bytes are in the WARC export)
    content_hash: str
    parser_version: str | None


COLUMNS = tuple(f.name for f in fields(ExportRow))



# --- rows -------------------------------------------------------------------------------------------


def _loads(raw: str | None) -> list:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def iter_rows(
    conn: sqlite3.Connection, versions: str = ExportVersions.LATEST, since: str | None = None, site: str | None = None
) -> Iterator[ExportRow]:
    """Article versions in (article, version) order.

    versions="latest": each article's current version; "all": every version. `since` (UTC ISO) keeps
    only versions first seen at or after it, i.e. what is new or edited since an earlier export.
    """
    if versions not in VERSION_CHOICES:
        raise ExportError(f"--versions must be one of {', '.join(VERSION_CHOICES)}, not {versions!r}")
    where = ["1 = 1"]
    params: list = []
    if versions == ExportVersions.LATEST:
        where.append("v.version = a.version")
    if since is not None:
        where.append("v.first_seen >= ?")
        params.append(since)
    if site is not None:
        where.append("v.site = ?")
        params.append(site)
    sql = (
        "SELECT v.site, v.article_id, v.version, (v.version = a.version) AS is_latest, a.status, v.title,"
        " v.column_name, v.published_at, v.source, v.author, v.signature, v.body_text, v.body_html,"
        " v.images_json, v.attachments_json, v.changed_fields, v.first_seen, v.last_seen,"
        " (SELECT w.views FROM views w WHERE w.site = v.site AND w.article_id = v.article_id"
        "   AND w.at <= v.last_seen ORDER BY w.at DESC LIMIT 1) AS views,"
        " a.last_url, v.capture_id, v.content_hash, v.parser_version"
        " FROM versions v JOIN articles a ON a.site = v.site AND a.article_id = v.article_id"
        f" WHERE {' AND '.join(where)} ORDER BY v.site, v.article_id, v.version"
    )
    for r in select_named(conn, sql, tuple(params)):
        yield ExportRow(
            site=r["site"],
            article_id=int(r["article_id"]),
            version=int(r["version"]),
            is_latest=bool(r["is_latest"]),
            status=r["status"],
            title=r["title"],
            column=r["column_name"],
            published_at=r["published_at"],
            source=r["source"],
            author=r["author"],
            signature=r["signature"],
            body_text=r["body_text"] or "",
            body_html=r["body_html"] or "",
            images=tuple(
                (str(i[0]), None if len(i) < 2 or i[1] is None else str(i[1])) for i in _loads(r["images_json"])
            ),
            attachments=tuple(
                (str(i[0]), "" if len(i) < 2 or i[1] is None else str(i[1])) for i in _loads(r["attachments_json"])
            ),
            changed_fields=tuple(str(f) for f in _loads(r["changed_fields"])),
            first_seen=r["first_seen"],
            last_seen=r["last_seen"],
            views=r["views"],
            url=r["last_url"],
            capture_id=int(r["capture_id"]),
            content_hash=r["content_hash"],
            parser_version=r["parser_version"],
        )


def row_to_json(row: ExportRow) -> dict:
    """A row with its lists as JSON objects: the jsonl record, and the shape csv cells hold."""
    out = {name: getattr(row, name) for name in COLUMNS}
    out["images"] = [{"src": s, "caption": c} for s, c in row.images]
    out["attachments"] = [{"url": u, "name": n} for u, n in row.attachments]
    out["changed_fields"] = list(row.changed_fields)
    return out


# --- table formats ----------------------------------------------------------------------------------


def export_csv(
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str = ExportVersions.LATEST,
    since: str | None = None,
    bom: bool = False,
    force: bool = False,
) -> ExportSummary:
    """UTF-8 CSV (with a BOM when asked, for spreadsheet programs); list cells hold JSON."""
    count = 0
    with snapshot(db) as conn, atomic_output(out_path, force) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig" if bom else "utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(COLUMNS)
        for row in iter_rows(conn, versions, since):
            data = row_to_json(row)
            writer.writerow(
                [
                    json.dumps(v, ensure_ascii=False)
                    if isinstance(v, list)
                    else ("true" if v is True else "false" if v is False else ("" if v is None else v))
                    for v in (data[c] for c in COLUMNS)
                ]
            )
            count += 1
        text.flush()
        text.detach()
    return summary(ExportFormat.CSV, raw, count)


def export_jsonl(
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str = ExportVersions.LATEST,
    since: str | None = None,
    force: bool = False,
) -> ExportSummary:
    """One JSON object per line, Chinese as real characters (ensure_ascii=False)."""
    count = 0
    with snapshot(db) as conn, atomic_output(out_path, force) as raw:
        for row in iter_rows(conn, versions, since):
            raw.write(json.dumps(row_to_json(row), ensure_ascii=False).encode("utf-8") + b"\n")
            count += 1
    return summary(ExportFormat.JSONL, raw, count)


def parquet_schema():  # -> pyarrow.Schema (pyarrow imported lazily: it is slow to import)
    import pyarrow as pa

    return pa.schema(
        [
            ("site", pa.string()),
            ("article_id", pa.int64()),
            ("version", pa.int32()),
            ("is_latest", pa.bool_()),
            ("status", pa.string()),
            ("title", pa.string()),
            ("column", pa.string()),
            ("published_at", pa.string()),
            ("source", pa.string()),
            ("author", pa.string()),
            ("signature", pa.string()),
            ("body_text", pa.string()),
            ("body_html", pa.string()),
            ("images", pa.list_(pa.struct([("src", pa.string()), ("caption", pa.string())]))),
            ("attachments", pa.list_(pa.struct([("url", pa.string()), ("name", pa.string())]))),
            ("changed_fields", pa.list_(pa.string())),
            ("first_seen", pa.timestamp("us", tz="UTC")),
            ("last_seen", pa.timestamp("us", tz="UTC")),
            ("views", pa.int64()),
            ("url", pa.string()),
            ("capture_id", pa.int64()),
            ("content_hash", pa.string()),
            ("parser_version", pa.string()),
        ]
    )


def export_parquet(
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str = ExportVersions.LATEST,
    since: str | None = None,
    force: bool = False,
    batch_rows: int = 2000,
) -> ExportSummary:
    """Parquet through pyarrow, typed (timestamps in UTC, lists as lists), written in row batches."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    count = 0
    with snapshot(db) as conn, atomic_output(out_path, force) as raw:
        writer = pq.ParquetWriter(raw, schema, compression="zstd")
        batch: list[dict] = []

        def flush() -> None:
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch.clear()

        for row in iter_rows(conn, versions, since):
            data = row_to_json(row)
            data["first_seen"] = datetime.fromisoformat(row.first_seen)
            data["last_seen"] = datetime.fromisoformat(row.last_seen)
            batch.append(data)
            count += 1
            if len(batch) >= batch_rows:
                flush()
        flush()
        writer.close()
    return summary(ExportFormat.PARQUET, raw, count)


def export(
    fmt: str,
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str | None = None,
    since: str | None = None,
    force: bool = False,
    bom: bool = False,
) -> ExportSummary:
    """Dispatch by format name; versions defaults to "latest" for tables and "all" for WARC."""
    if fmt == ExportFormat.CSV:
        return export_csv(db, out_path, versions=versions or ExportVersions.LATEST, since=since, bom=bom, force=force)
    if bom:
        raise ExportError("--bom only applies to csv")
    if fmt == ExportFormat.JSONL:
        return export_jsonl(db, out_path, versions=versions or ExportVersions.LATEST, since=since, force=force)
    if fmt == ExportFormat.PARQUET:
        return export_parquet(db, out_path, versions=versions or ExportVersions.LATEST, since=since, force=force)
    if fmt == ExportFormat.WARC:
        return export_warc(db, out_path, versions=versions or ExportVersions.ALL, since=since, force=force)
    raise ExportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
