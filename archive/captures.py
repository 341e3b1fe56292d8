"""Stored capture rows: reading them back as StoredCapture, and the value formats every row uses.

Captures are written only by `archive.store.Archive.record_capture`; this module is what the writer,
`rebuild` and readers share about a row's shape (request headers live in `header_sets`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from archive.model import CaptureIn


@dataclass
class StoredCapture:
    """One stored capture row: the raw fetch plus the derived columns as they stand."""

    id: int
    run_id: int | None
    work_item_id: int | None
    site: str
    article_id: int | None
    kind: str
    url: str
    final_url: str
    fetched_at: str
    status: int | None
    elapsed: float
    attempts: int
    error: str | None
    error_detail: str | None
    headers: list[tuple[str, str]]
    request_headers: list[tuple[str, str]]
    redirects: list[tuple[str, int, str]]
    body_sha256: str | None
    body_size: int | None
    outcome: str
    missing_reason: str | None
    encoding: str | None
    encoding_source: str | None
    parser_version: str | None
    extractor: str | None
    warnings: tuple[str, ...]
    parse_error: str | None
    views: int | None
    version: int | None = None
    footer_version: int | None = None

    def to_capture_in(self, body: bytes | None = None) -> CaptureIn:
        """The capture as a CaptureIn with its stored derived fields (no content, footer)."""
        return CaptureIn(
            site=self.site,
            url=self.url,
            final_url=self.final_url,
            fetched_at=self.fetched_at,
            status=self.status,
            outcome=self.outcome,
            article_id=self.article_id,
            kind=self.kind,
            headers=list(self.headers),
            request_headers=list(self.request_headers),
            redirects=list(self.redirects),
            body=body,
            elapsed=self.elapsed,
            attempts=self.attempts,
            error=self.error,
            error_detail=self.error_detail,
            missing_reason=self.missing_reason,
            encoding=self.encoding,
            encoding_source=self.encoding_source,
            parser_version=self.parser_version,
            extractor=self.extractor,
            warnings=self.warnings,
            parse_error=self.parse_error,
            views=self.views,
            run_id=self.run_id,
            work_item_id=self.work_item_id,
        )


CAPTURE_COLUMNS = (
    "id, run_id, work_item_id, site, article_id, kind, url, ifnull(final_url, url) AS final_url, fetched_at,"
    " status, elapsed, attempts, error, error_detail, headers_json,"
    " (SELECT h.headers_json FROM header_sets h WHERE h.id = captures.request_headers_id) AS request_headers_json,"
    " redirects_json, body_sha256, body_size, outcome, missing_reason, encoding, encoding_source, parser_version,"
    " extractor, warnings_json, parse_error, views, version, footer_version"
)


def select_named(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> sqlite3.Cursor:
    """Run a SELECT whose rows are read by column name (`sqlite3.Row`).

    Set on the cursor, not the connection: other readers of the same connection keep plain tuples.
    """
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, params)


def stored_from_row(row: sqlite3.Row) -> StoredCapture:
    """A StoredCapture from a row selected with CAPTURE_COLUMNS through `select_named`."""
    return StoredCapture(
        id=row["id"],
        run_id=row["run_id"],
        work_item_id=row["work_item_id"],
        site=row["site"],
        article_id=row["article_id"],
        kind=row["kind"],
        url=row["url"],
        final_url=row["final_url"],
        fetched_at=row["fetched_at"],
        status=row["status"],
        elapsed=row["elapsed"],
        attempts=row["attempts"],
        error=row["error"],
        error_detail=row["error_detail"],
        headers=[(k, v) for k, v in json.loads(row["headers_json"])],
        request_headers=[(k, v) for k, v in json.loads(row["request_headers_json"])],
        redirects=[(u, s, loc) for u, s, loc in json.loads(row["redirects_json"])],
        body_sha256=row["body_sha256"],
        body_size=row["body_size"],
        outcome=row["outcome"],
        missing_reason=row["missing_reason"],
        encoding=row["encoding"],
        encoding_source=row["encoding_source"],
        parser_version=row["parser_version"],
        extractor=row["extractor"],
        warnings=tuple(json.loads(row["warnings_json"])),
        parse_error=row["parse_error"],
        views=row["views"],
        version=row["version"],
        footer_version=row["footer_version"],
    )


def utc(value: str, what: str) -> str:
    """Canonical UTC ISO 8601 with microseconds, so string order is time order."""
    try:
        dt = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be an ISO 8601 date-time, got {value!r}") from exc
    if dt.tzinfo is None:
        raise ValueError(f"{what} must carry a UTC offset (capture times are UTC), got {value!r}")
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def to_json(value: object) -> str:
    """Compact JSON with real characters: how every `*_json` column is written."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def stored_capture(conn: sqlite3.Connection, capture_id: int) -> StoredCapture | None:
    row = select_named(conn, f"SELECT {CAPTURE_COLUMNS} FROM captures WHERE id = ?", (capture_id,)).fetchone()
    return stored_from_row(row) if row else None


def captures_of(conn: sqlite3.Connection, site: str, article_id: int) -> list[StoredCapture]:
    """All captures of one article, oldest first."""
    rows = select_named(
        conn,
        f"SELECT {CAPTURE_COLUMNS} FROM captures WHERE site = ? AND article_id = ? ORDER BY fetched_at, id",
        (site, article_id),
    ).fetchall()
    return [stored_from_row(r) for r in rows]
