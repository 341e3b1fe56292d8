"""Take the archive out in the formats other tools read: CSV, JSON Lines, Parquet and WARC.

Tables (csv, jsonl, parquet) hold one row per article version; the WARC holds the raw captures, so
pywb and other web-archive tools can replay exactly what the crawler received. Every export writes a
temporary file in the target directory and renames it into place, so a reader never sees half a file
and a failed export never clobbers a good one; an existing file is only replaced with force=True.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from archive.bodies import BodyIntegrityError, BodyStore
from archive.sql import open_readonly

FORMATS = ("csv", "jsonl", "parquet", "warc")
VERSION_CHOICES = ("latest", "all")


class ExportError(Exception):
    """An export that cannot be done as asked (file exists, bad option); nothing was written."""


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


@dataclass(frozen=True)
class ExportSummary:
    format: str
    path: Path
    rows: int  # table rows, or WARC records written
    bytes: int
    responses: int = 0  # WARC: response records
    revisits: int = 0  # WARC: revisit records (payload identical to an earlier one)
    requests: int = 0  # WARC: request records
    metadata: int = 0  # WARC: metadata records telling the redirects that led to a response
    skipped: int = 0  # WARC: captures without any response (fetch errors), not written


# --- writing safely ---------------------------------------------------------------------------------


@contextmanager
def atomic_output(path: str | os.PathLike, force: bool = False) -> Iterator[IO[bytes]]:
    """A binary file that appears at `path` only when the block finishes without an exception."""
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"{target} is a directory; give a file name with -o")
    if target.exists() and not force:
        raise ExportError(f"{target} already exists; pass --force to overwrite it")
    if not target.parent.is_dir():
        raise ExportError(f"directory {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# --- rows -------------------------------------------------------------------------------------------


def _loads(raw: str | None) -> list:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def iter_rows(
    conn: sqlite3.Connection, versions: str = "latest", since: str | None = None, site: str | None = None
) -> Iterator[ExportRow]:
    """Article versions in (article, version) order.

    versions="latest": each article's current version; "all": every version. `since` (UTC ISO) keeps
    only versions first seen at or after it, i.e. what is new or edited since an earlier export.
    """
    if versions not in VERSION_CHOICES:
        raise ExportError(f"--versions must be one of {', '.join(VERSION_CHOICES)}, not {versions!r}")
    where = ["1 = 1"]
    params: list = []
    if versions == "latest":
        where.append("v.version = a.version")
    if since is not None:
        where.append("v.first_seen >= ?")
        params.append(since)
    if site is not None:
        where.append("v.site = ?")
        params.append(site)
    sql = (
        "SELECT v.site, v.article_id, v.version, (v.version = a.version), a.status, v.title, v.column_name,"
        " v.published_at, v.source, v.author, v.signature, v.body_text, v.body_html, v.images_json,"
        " v.attachments_json, v.changed_fields, v.first_seen, v.last_seen,"
        " (SELECT w.views FROM views w WHERE w.site = v.site AND w.article_id = v.article_id"
        "   AND w.at <= v.last_seen ORDER BY w.at DESC LIMIT 1),"
        " a.last_url, v.capture_id, v.content_hash, v.parser_version"
        " FROM versions v JOIN articles a ON a.site = v.site AND a.article_id = v.article_id"
        f" WHERE {' AND '.join(where)} ORDER BY v.site, v.article_id, v.version"
    )
    for r in conn.execute(sql, params):
        yield ExportRow(
            site=r[0],
            article_id=int(r[1]),
            version=int(r[2]),
            is_latest=bool(r[3]),
            status=r[4],
            title=r[5],
            column=r[6],
            published_at=r[7],
            source=r[8],
            author=r[9],
            signature=r[10],
            body_text=r[11] or "",
            body_html=r[12] or "",
            images=tuple((str(i[0]), None if len(i) < 2 or i[1] is None else str(i[1])) for i in _loads(r[13])),
            attachments=tuple((str(i[0]), "" if len(i) < 2 or i[1] is None else str(i[1])) for i in _loads(r[14])),
            changed_fields=tuple(str(f) for f in _loads(r[15])),
            first_seen=r[16],
            last_seen=r[17],
            views=r[18],
            url=r[19],
            capture_id=int(r[20]),
            content_hash=r[21],
            parser_version=r[22],
        )


def row_to_json(row: ExportRow) -> dict:
    """A row with its lists as JSON objects: the jsonl record, and the shape csv cells hold."""
    out = {name: getattr(row, name) for name in COLUMNS}
    out["images"] = [{"src": s, "caption": c} for s, c in row.images]
    out["attachments"] = [{"url": u, "name": n} for u, n in row.attachments]
    out["changed_fields"] = list(row.changed_fields)
    return out


# --- table formats ----------------------------------------------------------------------------------


@contextmanager
def _snapshot(db: str | os.PathLike | sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read-only connection inside one read transaction: the export is one consistent snapshot
    even while a crawl keeps committing (WAL readers see the state at their first read)."""
    conn = db if isinstance(db, sqlite3.Connection) else open_readonly(db)
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if began and conn.in_transaction:
            conn.execute("ROLLBACK")
        if conn is not db:
            conn.close()


def _summary(fmt: str, path: Path, rows: int, **kw: int) -> ExportSummary:
    return ExportSummary(fmt, path, rows, path.stat().st_size, **kw)


def export_csv(
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str = "latest",
    since: str | None = None,
    bom: bool = False,
    force: bool = False,
) -> ExportSummary:
    """UTF-8 CSV (with a BOM when asked, for spreadsheet programs); list cells hold JSON."""
    count = 0
    with _snapshot(db) as conn, atomic_output(out_path, force) as raw:
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
    return _summary("csv", Path(out_path), count)


def export_jsonl(
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str = "latest",
    since: str | None = None,
    force: bool = False,
) -> ExportSummary:
    """One JSON object per line, Chinese as real characters (ensure_ascii=False)."""
    count = 0
    with _snapshot(db) as conn, atomic_output(out_path, force) as raw:
        for row in iter_rows(conn, versions, since):
            raw.write(json.dumps(row_to_json(row), ensure_ascii=False).encode("utf-8") + b"\n")
            count += 1
    return _summary("jsonl", Path(out_path), count)


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
    versions: str = "latest",
    since: str | None = None,
    force: bool = False,
    batch_rows: int = 2000,
) -> ExportSummary:
    """Parquet through pyarrow, typed (timestamps in UTC, lists as lists), written in row batches."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    count = 0
    with _snapshot(db) as conn, atomic_output(out_path, force) as raw:
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
    return _summary("parquet", Path(out_path), count)


# --- WARC -------------------------------------------------------------------------------------------

# Headers that describe the bytes on the wire, not the stored entity: replayed under another name.
_ORIG_PREFIX = "X-Archive-Orig-"
_NO_BODY_STATUSES = {204, 304}


def replay_headers(headers: list[tuple[str, str]], body_len: int, status: int | None) -> list[tuple[str, str]]:
    """The response headers as they must read in front of the stored (decoded) body.

    The fetcher removed any content-coding and transfer-coding, so Content-Encoding and
    Transfer-Encoding would make a replayer decode the bytes a second time, and Content-Length may
    name the compressed size. Those headers are renamed X-Archive-Orig-* (as pywb does) and a correct
    Content-Length is set; every other header stays as received, in order.
    """
    out: list[tuple[str, str]] = []
    length_ok = False
    for name, value in headers:
        low = name.lower()
        if low in ("content-encoding", "transfer-encoding"):
            out.append((_ORIG_PREFIX + name, value))
        elif low == "content-length":
            if value.strip() == str(body_len) and not length_ok:
                out.append((name, value))
                length_ok = True
            else:
                out.append((_ORIG_PREFIX + name, value))
        else:
            out.append((name, value))
    if not length_ok and not (body_len == 0 and status in _NO_BODY_STATUSES):
        out.append(("Content-Length", str(body_len)))
    return out


def _warc_date(fetched_at: str) -> str:
    """A capture time as WARC/1.1 wants it: UTC with a Z, microseconds when there are any."""
    from warcio.timeutils import datetime_to_iso_date

    moment = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return datetime_to_iso_date(moment, use_micros=True)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _request_target(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target, parts.netloc


def sha1_payload_digest(data: bytes) -> str:
    """The WARC payload digest warcio writes: sha1 in base32."""
    import base64

    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


@dataclass
class _FirstRecord:
    record_id: str
    uri: str
    date: str
    digest: str


def export_warc(
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str = "all",
    since: str | None = None,
    force: bool = False,
    gzip: bool | None = None,
) -> ExportSummary:
    """A WARC/1.1 file of the raw captures: a request and a response record per capture.

    Response records carry the exact stored bytes behind the original status and headers (fixed by
    `replay_headers`), WARC-Date is the capture time, and every record has block and payload
    digests. A payload identical to one already written becomes a revisit record
    (identical-payload-digest) pointing at the first. versions="latest" keeps only the last capture
    of each final URL; a capture reached through redirects also gets a metadata record naming the
    URL requested and each hop. `since` keeps captures at or after that UTC moment. gzip defaults to the file name
    ending in .gz (one gzip member per record, as the WARC spec and warcio expect).
    """
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    if versions not in VERSION_CHOICES:
        raise ExportError(f"--versions must be one of {', '.join(VERSION_CHOICES)}, not {versions!r}")
    target = Path(out_path)
    if gzip is None:
        gzip = target.name.endswith(".gz")
    first_by_sha: dict[str, _FirstRecord] = {}
    responses = revisits = requests = metadata = skipped = 0
    where = ["1 = 1"]
    params: list = []
    if since is not None:
        where.append("fetched_at >= ?")
        params.append(since)
    if versions == "latest":
        where.append(
            "id IN (SELECT (SELECT c2.id FROM captures c2 WHERE c2.final_url = c1.final_url AND c2.status IS NOT NULL"
            " ORDER BY c2.fetched_at DESC, c2.id DESC LIMIT 1) FROM captures c1 GROUP BY c1.final_url)"
        )
    sql = (
        "SELECT id, url, final_url, fetched_at, status, headers_json,"
        " (SELECT headers_json FROM header_sets WHERE header_sets.id = request_headers_id), body_sha256, redirects_json"
        f" FROM captures WHERE {' AND '.join(where)} ORDER BY fetched_at, id"
    )
    with _snapshot(db) as conn, atomic_output(target, force) as raw:
        bodies = BodyStore(conn, cache_bytes=32_000_000)
        writer = WARCWriter(raw, gzip=gzip, warc_version="1.1")
        info = writer.create_warcinfo_record(
            target.name,
            {
                "software": "ncgh-archive (archive.export.export_warc) with warcio",
                "format": "WARC File Format 1.1",
                "description": "Raw captures of the ncgh archive; response bodies have content-coding removed"
                " (original Content-Encoding/Transfer-Encoding/Content-Length kept as X-Archive-Orig-*)",
                "isPartOf": "ncgh-archive",
            },
        )
        writer.write_record(info)
        info_id = info.rec_headers.get_header("WARC-Record-ID")
        for cid, url, final_url, fetched_at, status, headers_json, req_json, sha, redirects_json in conn.execute(
            sql, params
        ):
            if status is None:
                skipped += 1
                continue
            uri = final_url or url
            date = _warc_date(fetched_at)
            try:
                body = bodies.read(sha) if sha and sha not in first_by_sha else b""
            except BodyIntegrityError as exc:
                raise ExportError(
                    f"capture {cid} ({uri}): its stored body is damaged ({exc}); nothing was written."
                    " Run `ncgh verify` to see what else is affected"
                ) from None
            size = len(body)
            if sha and sha in first_by_sha:
                size = conn.execute("SELECT size FROM bodies WHERE sha256 = ?", (sha,)).fetchone()[0]
            headers = [(str(k), str(v)) for k, v in json.loads(headers_json or "[]")]
            http_headers = StatusAndHeaders(
                _status_line(int(status)), replay_headers(headers, size, int(status)), protocol="HTTP/1.1"
            )
            warc_fields = {
                "WARC-Date": date,
                "WARC-Warcinfo-ID": info_id,
                "X-Ncgh-Capture-ID": str(cid),
            }
            first = first_by_sha.get(sha) if sha else None
            if first is not None:
                warc_fields["WARC-Refers-To"] = first.record_id
                record = writer.create_revisit_record(
                    uri,
                    first.digest,
                    first.uri,
                    first.date,
                    http_headers=http_headers,
                    warc_headers_dict=warc_fields,
                )
                revisits += 1
            else:
                record = writer.create_warc_record(
                    uri,
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=http_headers,
                    warc_headers_dict=warc_fields,
                )
                responses += 1
                if sha and body:
                    first_by_sha[sha] = _FirstRecord(
                        record.rec_headers.get_header("WARC-Record-ID"),
                        uri,
                        date,
                        record.rec_headers.get_header("WARC-Payload-Digest"),
                    )
            target_path, host = _request_target(uri)
            req_headers = [(str(k), str(v)) for k, v in json.loads(req_json or "[]")]
            if not any(k.lower() == "host" for k, _ in req_headers):
                req_headers.insert(0, ("Host", host))
            request = writer.create_warc_record(
                uri,
                "request",
                http_headers=StatusAndHeaders(f"GET {target_path} HTTP/1.1", req_headers, is_http_request=True),
                warc_headers_dict={"WARC-Date": date, "WARC-Warcinfo-ID": info_id},
            )
            writer.write_request_response_pair(request, record)
            requests += 1
            hops = json.loads(redirects_json or "[]")
            if hops or url != uri:
                # Only the final response was kept, so the way there is told, not replayed: a
                # metadata record beside the response (no redirect response is invented).
                lines = [f"via: {url}"] + [f"redirect: {hop[1]} {hop[0]} -> {hop[2]}" for hop in hops]
                text = ("\r\n".join(lines) + "\r\n").encode("utf-8")
                writer.write_record(
                    writer.create_warc_record(
                        uri,
                        "metadata",
                        payload=io.BytesIO(text),
                        length=len(text),
                        warc_content_type="application/warc-fields",
                        warc_headers_dict={
                            "WARC-Date": date,
                            "WARC-Warcinfo-ID": info_id,
                            "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID"),
                        },
                    )
                )
                metadata += 1
    total = 1 + responses + revisits + requests + metadata
    return _summary(
        "warc",
        target,
        total,
        responses=responses,
        revisits=revisits,
        requests=requests,
        metadata=metadata,
        skipped=skipped,
    )


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
    if fmt == "csv":
        return export_csv(db, out_path, versions=versions or "latest", since=since, bom=bom, force=force)
    if bom:
        raise ExportError("--bom only applies to csv")
    if fmt == "jsonl":
        return export_jsonl(db, out_path, versions=versions or "latest", since=since, force=force)
    if fmt == "parquet":
        return export_parquet(db, out_path, versions=versions or "latest", since=since, force=force)
    if fmt == "warc":
        return export_warc(db, out_path, versions=versions or "all", since=since, force=force)
    raise ExportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
