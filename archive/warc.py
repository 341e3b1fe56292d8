"""`ncgh export warc`: the raw captures as a WARC/1.1 file (warcio) that pywb and other tools replay.

Request and response records carry the exact stored bytes and original headers, WARC-Date is the
capture time, a payload identical to an earlier one becomes a revisit record (identical-payload-digest)
and a 304 one of profile server-not-modified. Asset captures (images, stylesheets, attachments) are
captures like pages, so a page replays with them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from archive.bodies import BodyIntegrityError, BodyStore
from archive.captures import select_named
from archive.output import (
    VERSION_CHOICES,
    ExportError,
    ExportFormat,
    ExportSummary,
    ExportVersions,
    atomic_output,
    since_utc,
    snapshot,
    summary,
)
from archive.resolve import SITE_TIMEZONE
from archive.vocab import Outcome

if TYPE_CHECKING:  # warcio takes a tenth of a second to import: only `ncgh export warc` pays for it
    from warcio.recordloader import ArcWarcRecord
    from warcio.warcwriter import WARCWriter

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


def _wire_header_block(status_line: str, headers: list[tuple[str, str]], *, request: bool = False):
    """An HTTP header block that writes the bytes the server sent.

    http.client reads header bytes as Latin-1, so a stored value like a Chinese Content-Disposition
    filename is those bytes one character each; warcio would percent-encode them as UTF-8 (RFC 8187),
    which writes bytes the site never sent. Latin-1 gives the wire bytes back; a value that is not
    Latin-1 (none the fetcher stores) keeps warcio's encoding.
    """
    block = _wire_bytes_class()
    if request:
        return block(status_line, headers, is_http_request=True)
    return block(status_line, headers, protocol="HTTP/1.1")


@functools.cache
def _wire_bytes_class() -> type:
    from warcio.statusandheaders import StatusAndHeaders

    class WireBytes(StatusAndHeaders):
        def compute_headers_buffer(self, header_filter=None) -> None:
            try:
                self.headers_buff = self.to_str(header_filter).encode("latin-1") + b"\r\n"
            except UnicodeEncodeError:
                super().compute_headers_buffer(header_filter)

    return WireBytes


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


# What RFC 3986 allows unescaped in a URI, and '%' (an escape already made is kept as it is).
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"


def wire_uri(url: str) -> str:
    """`url` as it goes on the wire: non-ASCII and spaces percent-encoded (UTF-8), as the fetcher
    sends it. A stored link keeps the site's own characters (`/img/图.png`); a WARC-Target-URI and
    an HTTP request line may not hold them."""
    return quote(url, safe=_URI_SAFE)


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


SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


class _Unresolved(Exception):
    """A 304 capture with no earlier 200 of its URL in the file to refer to."""


def _software() -> str:
    """The warcinfo `software` field: this package and version, and the WARC library's."""
    from importlib.metadata import PackageNotFoundError, version

    def of(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "unknown"

    return f"ncgh-archive/{of('ncgh-archive')} (warcio/{of('warcio')})"


@dataclass
class _FirstRecord:
    """The response record that first carried a payload: what a later revisit of it refers to."""

    record_id: str
    uri: str
    date: str
    digest: str
    size: int  # the payload's length: a revisit's Content-Length


@dataclass(frozen=True)
class CaptureRow:
    """One stored capture as the WARC export reads it."""

    capture_id: int
    url: str  # the URL requested
    uri: str  # the final URL (the URL requested when there were no redirects)
    fetched_at: str
    status: int | None  # None: no answer at all, or one not received whole: nothing to write
    headers: list[tuple[str, str]]
    request_headers: list[tuple[str, str]]
    body_sha256: str | None
    redirects: list[tuple[str, int, str]]  # (url, status, location) per hop


# ---- choosing the rows ----


def capture_rows(
    conn: sqlite3.Connection, versions: str = ExportVersions.ALL, since: str | None = None, tz: str = SITE_TIMEZONE
) -> Iterator[CaptureRow]:
    """The captures to export, oldest first: all, or with versions="latest" the last answered capture
    of each final URL that carries its content (a 304 says only that the one before still holds);
    `since` keeps those made at or after it (archive.output.since_utc: a date is a day in `tz`)."""
    since = since_utc(since, tz)
    where = ["1 = 1"]
    params: list[str] = []
    if since is not None:
        where.append("fetched_at >= ?")
        params.append(since)
    if versions == ExportVersions.LATEST:
        where.append(
            "id IN (SELECT (SELECT c2.id FROM captures c2 WHERE ifnull(c2.final_url, c2.url) = ifnull(c1.final_url, c1.url)"
            " AND c2.status IS NOT NULL AND c2.status != 304 ORDER BY c2.fetched_at DESC, c2.id DESC LIMIT 1)"
            " FROM captures c1 GROUP BY ifnull(c1.final_url, c1.url))"
        )
    sql = (
        # A fetch error whose body is not stored (cut short, over its cap) was never received whole: a
        # response record of it would replay an empty page as if the site had sent one. Its status
        # reads as no answer, so it is left out and counted as skipped.
        "SELECT id, url, ifnull(final_url, url) AS uri, fetched_at,"
        " CASE WHEN outcome = ? AND body_sha256 IS NULL AND ifnull(status, 0) != 304 THEN NULL ELSE status END"
        " AS status, headers_json,"
        " (SELECT headers_json FROM header_sets WHERE header_sets.id = request_headers_id) AS request_headers_json,"
        " body_sha256, redirects_json"
        f" FROM captures WHERE {' AND '.join(where)} ORDER BY fetched_at, id"
    )
    for row in select_named(conn, sql, (Outcome.FETCH_ERROR, *params)):  # the SELECT's one, then the WHERE's
        yield CaptureRow(
            capture_id=row["id"],
            url=wire_uri(row["url"]),
            uri=wire_uri(row["uri"]),
            fetched_at=row["fetched_at"],
            status=row["status"],
            headers=_header_list(row["headers_json"]),
            request_headers=_header_list(row["request_headers_json"]),
            body_sha256=row["body_sha256"],
            redirects=[tuple(hop) for hop in json.loads(row["redirects_json"] or "[]")],
        )


def _header_list(text: str | None) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in json.loads(text or "[]")]


# ---- writing the records ----


@dataclass
class _WarcRecords:
    """Writes the records of one capture after another: a response (or a revisit of an identical
    payload already written), its request, and a metadata record for the way through redirects."""

    writer: WARCWriter
    bodies: BodyStore
    info_id: str
    first_by_sha: dict[str, _FirstRecord] = field(default_factory=dict)
    last_by_uri: dict[str, _FirstRecord | None] = field(default_factory=dict)  # the last 200 of each URL
    responses: int = 0
    revisits: int = 0
    not_modified: int = 0  # of the revisits: 304s
    requests: int = 0
    metadata: int = 0

    def write_capture(self, row: CaptureRow) -> bool:
        """Write the capture's records; False when it cannot be written (a 304 whose 200 is not in
        the file: before `since`, or never captured at this URL)."""
        date = _warc_date(row.fetched_at)
        try:
            record = self._response(row, date)
        except _Unresolved:
            return False
        self.writer.write_request_response_pair(self._request(row, date), record)
        self.requests += 1
        if row.redirects or row.url != row.uri:
            self.writer.write_record(self._metadata(row, date, record.rec_headers.get_header("WARC-Record-ID")))
            self.metadata += 1
        return True

    def _response(self, row: CaptureRow, date: str) -> ArcWarcRecord:
        """The response record, or a revisit record when the payload was written before."""
        if row.status == 304:
            return self._not_modified(row, date)
        sha = row.body_sha256
        first = self.first_by_sha.get(sha) if sha else None
        try:
            body = self.bodies.read(sha) if sha and first is None else b""
        except BodyIntegrityError as exc:  # the archive is damaged: the command's exit 65, not an export error
            raise BodyIntegrityError(f"capture {row.capture_id} ({row.uri}): {exc}") from None
        status = int(row.status)  # type: ignore[arg-type]  # rows without an answer are skipped
        size = first.size if first is not None else len(body)
        http_headers = _wire_header_block(_status_line(status), replay_headers(row.headers, size, status))
        warc_fields = {
            "WARC-Date": date,
            "WARC-Warcinfo-ID": self.info_id,
            "X-Ncgh-Capture-ID": str(row.capture_id),
        }
        if first is not None:
            warc_fields["WARC-Refers-To"] = first.record_id
            self.revisits += 1
            if 200 <= status < 300:  # the payload a later 304 of this URL refers to
                self.last_by_uri[row.uri] = first
            return self.writer.create_revisit_record(
                row.uri, first.digest, first.uri, first.date, http_headers=http_headers, warc_headers_dict=warc_fields
            )
        record = self.writer.create_warc_record(
            row.uri,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict=warc_fields,
        )
        self.responses += 1
        if sha and body:
            self.first_by_sha[sha] = _FirstRecord(
                record.rec_headers.get_header("WARC-Record-ID"),
                row.uri,
                date,
                record.rec_headers.get_header("WARC-Payload-Digest"),
                len(body),
            )
        if 200 <= status < 300:
            self.last_by_uri[row.uri] = self.first_by_sha.get(sha) if sha and body else None
        return record

    def _not_modified(self, row: CaptureRow, date: str) -> ArcWarcRecord:
        """A 304 is a revisit (server-not-modified) of the URL's last 200 written before it.

        The block holds no HTTP headers on purpose: a replayer (pywb) then serves the payload it
        refers to with that capture's headers, so the day of a 304 replays the page; a block with the
        304's own status line would replay as an empty 304. The 304's headers stay in the archive.
        """
        first = self.last_by_uri.get(row.uri)
        if first is None:
            raise _Unresolved(row.capture_id)
        self.revisits += 1
        self.not_modified += 1
        record = self.writer.create_revisit_record(
            row.uri, first.digest, first.uri, first.date,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Warcinfo-ID": self.info_id,
                "X-Ncgh-Capture-ID": str(row.capture_id),
                "WARC-Refers-To": first.record_id,
            },
        )
        record.rec_headers.replace_header("WARC-Profile", SERVER_NOT_MODIFIED)
        return record

    def _request(self, row: CaptureRow, date: str) -> ArcWarcRecord:
        """The request as it was sent, with a Host header when the stored one had none."""
        target_path, host = _request_target(row.uri)
        req_headers = list(row.request_headers)
        if not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", host))
        return self.writer.create_warc_record(
            row.uri,
            "request",
            http_headers=_wire_header_block(f"GET {target_path} HTTP/1.1", req_headers, request=True),
            warc_headers_dict={"WARC-Date": date, "WARC-Warcinfo-ID": self.info_id},
        )

    def _metadata(self, row: CaptureRow, date: str, response_id: str) -> ArcWarcRecord:
        """Only the final response was kept, so the way there is told, not replayed: a metadata
        record beside the response (no redirect response is invented)."""
        lines = [f"via: {row.url}"] + [f"redirect: {hop[1]} {hop[0]} -> {hop[2]}" for hop in row.redirects]
        text = ("\r\n".join(lines) + "\r\n").encode("utf-8")
        return self.writer.create_warc_record(
            row.uri,
            "metadata",
            payload=io.BytesIO(text),
            length=len(text),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": date, "WARC-Warcinfo-ID": self.info_id, "WARC-Concurrent-To": response_id},
        )


def _write_warcinfo(writer: WARCWriter, name: str) -> str:
    """The warcinfo record that opens the file; returns its record id, which every record names."""
    info = writer.create_warcinfo_record(
        name,
        {
            "software": _software(),
            "format": "WARC File Format 1.1",
            "description": "Raw captures of the ncgh archive; response bodies have content-coding removed"
            " (original Content-Encoding/Transfer-Encoding/Content-Length kept as X-Archive-Orig-*)",
            "isPartOf": "ncgh-archive",
        },
    )
    writer.write_record(info)
    return info.rec_headers.get_header("WARC-Record-ID")


def export_warc(
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str = ExportVersions.ALL,
    since: str | None = None,
    force: bool = False,
    gzip: bool | None = None,
    tz: str = SITE_TIMEZONE,
) -> ExportSummary:
    """A WARC/1.1 file of the raw captures: a request and a response record per capture.

    Response records carry the exact stored bytes behind the original status and headers (fixed by
    `replay_headers`), WARC-Date is the capture time, and every record has block and payload
    digests. A payload identical to one already written becomes a revisit record
    (identical-payload-digest) pointing at the first, and a 304 a revisit (server-not-modified) of its
URL's last 200 (never a 304 response record, which replays blank). versions="latest" keeps only the last capture
    of each final URL; a capture reached through redirects also gets a metadata record naming the
    URL requested and each hop. `since` keeps captures made at or after it (a date: from the start of
    that day in `tz`, the site's calendar). gzip defaults to the file name
    ending in .gz (one gzip member per record, as the WARC spec and warcio expect).
    """
    from warcio.warcwriter import WARCWriter

    if versions not in VERSION_CHOICES:
        raise ExportError(f"--versions must be one of {', '.join(VERSION_CHOICES)}, not {versions!r}")
    target = Path(out_path)
    if gzip is None:
        gzip = target.name.endswith(".gz")
    skipped = 0
    with snapshot(db) as conn, atomic_output(target, force) as raw:
        writer = WARCWriter(raw, gzip=gzip, warc_version="1.1")
        records = _WarcRecords(
            writer,
            BodyStore(conn, cache_bytes=32_000_000),
            _write_warcinfo(writer, target.name if str(target) != "-" else "ncgh-export.warc"),
        )
        for row in capture_rows(conn, versions, since, tz):
            if row.status is None or not records.write_capture(row):
                skipped += 1
    total = 1 + records.responses + records.revisits + records.requests + records.metadata
    return summary(
        ExportFormat.WARC,
        raw,
        total,
        responses=records.responses,
        revisits=records.revisits,
        not_modified=records.not_modified,
        requests=records.requests,
        metadata=records.metadata,
        skipped=skipped,
    )
