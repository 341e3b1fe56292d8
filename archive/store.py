"""The archive: records captures and derives articles, versions, view counts, footers and events.

Every capture is written in one transaction together with everything it implies, so a crash leaves
either all of it or none of it. Derivation is a pure replay of captures in time order, which is what
lets `rebuild` re-derive the whole archive with a new parser and reproduce it exactly with the old one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive import search as _search
from archive.bodies import BodyStore, sha256_hex
from archive.model import (
    OUTCOME_MISSING,
    OUTCOME_NOT_MODIFIED,
    OUTCOME_OK,
    OUTCOME_PARSE_ERROR,
    OUTCOMES,
    ArticleContent,
    CaptureIn,
    CaptureResult,
    FooterFields,
)
from archive.schema import connect, migrate
from archive.versions import (
    changed_fields,
    content_hash,
    footer_changed_fields,
    footer_hash,
    footer_is_empty,
    footer_present_fields,
    has_title_and_body,
    is_blank,
    normalize_content,
    normalize_footer,
    present_fields,
)

RUN_COUNTERS = (
    "requests",
    "fetched",
    "not_modified",
    "new_articles",
    "new_versions",
    "unchanged",
    "gone",
    "restored",
    "errors",
)

PARSE_REGRESSION = "parsed without title or body where the previous version had both"
BLANK_PARSE = "parsed without title and without body"


@dataclass
class RunInfo:
    run_id: int
    mode: str
    started_at: str
    status: str
    config_json: str


@dataclass
class WorkItem:
    url: str
    kind: str
    article_id: int | None = None
    priority: int = 0
    etag: str | None = None
    last_modified: str | None = None
    id: int | None = None
    state: str = "pending"


@dataclass(frozen=True)
class ArticleState:
    article_id: int
    status: str  # live | gone
    first_seen: str
    last_seen: str | None
    last_capture_at: str
    last_change_at: str | None
    published_at: str | None
    last_url: str | None
    etag: str | None
    last_modified: str | None
    missing_streak: int
    version: int | None


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

    def header(self, name: str) -> str | None:
        """First value of a response header, case-insensitively."""
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)

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


@dataclass
class RebuildReport:
    captures: int
    articles: int
    versions: int
    events: int
    views: int
    footer_versions: int
    versions_before: int
    events_before: int
    footer_versions_before: int
    outcomes: dict[str, int] = field(default_factory=dict)


_CAPTURE_COLUMNS = (
    "id, run_id, work_item_id, site, article_id, kind, url, final_url, fetched_at, status, elapsed, attempts,"
    " error, error_detail, headers_json, (SELECT headers_json FROM header_sets WHERE id = request_headers_id),"
    " redirects_json, body_sha256, body_size,"
    " outcome, missing_reason, encoding, encoding_source, parser_version, extractor, warnings_json,"
    " parse_error, views, version, footer_version"
)


def _stored_from_row(row: tuple) -> StoredCapture:
    (cid, run_id, wid, site, aid, kind, url, final_url, fetched_at, status, elapsed, attempts, error,
     error_detail, headers, req_headers, redirects, sha, size, outcome, reason, enc, enc_src, pv,
     extractor, warnings, perr, views, version, footer_version) = row  # fmt: skip
    return StoredCapture(
        id=cid,
        run_id=run_id,
        work_item_id=wid,
        site=site,
        article_id=aid,
        kind=kind,
        url=url,
        final_url=final_url,
        fetched_at=fetched_at,
        status=status,
        elapsed=elapsed,
        attempts=attempts,
        error=error,
        error_detail=error_detail,
        headers=[(k, v) for k, v in json.loads(headers)],
        request_headers=[(k, v) for k, v in json.loads(req_headers)],
        redirects=[(u, s, loc) for u, s, loc in json.loads(redirects)],
        body_sha256=sha,
        body_size=size,
        outcome=outcome,
        missing_reason=reason,
        encoding=enc,
        encoding_source=enc_src,
        parser_version=pv,
        extractor=extractor,
        warnings=tuple(json.loads(warnings)),
        parse_error=perr,
        views=views,
        version=version,
        footer_version=footer_version,
    )


def _utc(value: str, what: str) -> str:
    """Canonical UTC ISO 8601 with microseconds, so string order is time order."""
    try:
        dt = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be an ISO 8601 date-time, got {value!r}") from exc
    if dt.tzinfo is None:
        raise ValueError(f"{what} must carry a UTC offset (capture times are UTC), got {value!r}")
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _content_from_version_row(row: tuple) -> ArticleContent:
    title, column, published_at, source, author, body_text, body_html, images, attachments, signature = row
    return ArticleContent(
        title=title,
        column=column,
        published_at=published_at,
        source=source,
        author=author,
        body_text=body_text,
        body_html=body_html,
        images=tuple((src, cap) for src, cap in json.loads(images)),
        attachments=tuple((u, n) for u, n in json.loads(attachments)),
        signature=signature,
    )


VERSION_CONTENT_COLUMNS = (
    "title, column_name, published_at, source, author, body_text, body_html, images_json,"
    " attachments_json, signature"
)


@dataclass
class _Derived:
    """What derivation decided about one capture, filled in step by step."""

    outcome: str
    parse_error: str | None
    content: ArticleContent | None = None
    events: list[tuple[str, int | None, str | None]] = field(default_factory=list)  # (event, version, detail)
    changed: tuple[str, ...] = ()
    shown_version: int | None = None

    def fail(self, reason: str) -> None:
        """The page is a parse failure: no content, no version."""
        self.outcome, self.parse_error, self.content = OUTCOME_PARSE_ERROR, reason, None


class Archive:
    """One archive file. Not thread-safe: one Archive per thread or process (SQLite handles the rest)."""

    def __init__(self, path: str | Path, gone_after: int = 2):
        if gone_after < 1:
            raise ValueError(f"gone_after must be at least 1, got {gone_after}")
        self.path = Path(path)
        self.gone_after = gone_after
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"cannot create the archive {self.path}: directory {self.path.parent} does not exist")
        self.conn = connect(self.path)
        try:
            migrate(self.conn)
        except BaseException:
            self.conn.close()
            raise
        self.bodies = BodyStore(self.conn)
        self._header_sets: dict[str, int] = {}  # headers_json -> header_sets.id, as committed

    # ---- lifecycle ----
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        # Bodies decoded or written in the failed transaction may no longer exist, nor header sets.
        self.bodies.clear_cache()
        self._header_sets.clear()

    # ---- captures ----
    def record_capture(self, c: CaptureIn) -> CaptureResult:
        """Store one capture and everything it implies, in one transaction; idempotent."""
        fetched_at = self._validate(c)
        self._begin()
        try:
            result = self._record(c, fetched_at)
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return result

    def _validate(self, c: CaptureIn) -> str:
        if c.outcome not in OUTCOMES:
            raise ValueError(f"capture of {c.url}: outcome {c.outcome!r} is not one of {OUTCOMES}")
        if not c.site:
            raise ValueError(f"capture of {c.url}: site is empty")
        if not c.url:
            raise ValueError("capture without a URL")
        if c.outcome == OUTCOME_OK and c.kind == "article" and c.content is None:
            raise ValueError(f"capture of {c.url}: an article capture with outcome ok needs content")
        if c.outcome == OUTCOME_OK and c.kind == "article" and c.article_id is None:
            raise ValueError(f"capture of {c.url}: an article capture with content needs an article_id")
        if c.views is not None and (isinstance(c.views, bool) or not isinstance(c.views, int) or c.views < 0):
            raise ValueError(f"capture of {c.url}: views must be a non-negative int, got {c.views!r}")
        return _utc(c.fetched_at, f"capture of {c.url}: fetched_at")

    def _record(self, c: CaptureIn, fetched_at: str) -> CaptureResult:
        conn = self.conn
        sha = None if c.body is None else sha256_hex(c.body)
        existing = conn.execute(
            "SELECT id, version, footer_version, outcome FROM captures WHERE fetched_at = ? AND url = ?"
            " AND ifnull(status, -1) = ifnull(?, -1) AND ifnull(body_sha256, '') = ifnull(?, '')",
            (fetched_at, c.url, c.status, sha),
        ).fetchone()
        if existing is not None:
            return CaptureResult(capture_id=existing[0], duplicate=True, event=None, version=existing[1])
        if c.run_id is not None and not conn.execute("SELECT 1 FROM runs WHERE id = ?", (c.run_id,)).fetchone():
            raise ValueError(f"capture of {c.url}: unknown run_id {c.run_id}")
        if c.work_item_id is not None and not conn.execute(
            "SELECT 1 FROM work_items WHERE id = ?", (c.work_item_id,)
        ).fetchone():
            raise ValueError(f"capture of {c.url}: unknown work_item_id {c.work_item_id}")
        if c.body is not None:
            base = self._delta_base(c)
            sha = self.bodies.put(c.body, base)
        cur = conn.execute(
            "INSERT INTO captures (run_id, work_item_id, site, article_id, kind, url, final_url, fetched_at,"
            " status, elapsed, attempts, error, error_detail, headers_json, request_headers_id,"
            " redirects_json, body_sha256, body_size, outcome)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                c.run_id,
                c.work_item_id,
                c.site,
                c.article_id,
                c.kind,
                c.url,
                c.final_url or c.url,
                fetched_at,
                c.status,
                float(c.elapsed),
                int(c.attempts),
                c.error,
                c.error_detail,
                _json([list(h) for h in c.headers]),
                self._header_set(c.request_headers),
                _json([list(r) for r in c.redirects]),
                sha,
                None if c.body is None else len(c.body),
                c.outcome,
            ),
        )
        capture_id = int(cur.lastrowid)
        result = self._derive(capture_id, c, fetched_at)
        if c.work_item_id is not None:
            conn.execute(
                "UPDATE work_items SET state = 'done', capture_id = ? WHERE id = ?", (capture_id, c.work_item_id)
            )
        return result

    def _header_set(self, headers: list[tuple[str, str]]) -> int:
        """The id of a header list in `header_sets`, inserting it the first time it is seen."""
        text = _json([list(h) for h in headers])
        set_id = self._header_sets.get(text)
        if set_id is None:
            row = self.conn.execute("SELECT id FROM header_sets WHERE headers_json = ?", (text,)).fetchone()
            if row is None:
                row = (self.conn.execute("INSERT INTO header_sets (headers_json) VALUES (?)", (text,)).lastrowid,)
            set_id = self._header_sets[text] = int(row[0])
        return set_id

    def _delta_base(self, c: CaptureIn) -> str | None:
        """The previous stored body of the same article (or URL), the natural delta base."""
        if c.article_id is not None:
            row = self.conn.execute(
                "SELECT body_sha256 FROM captures WHERE site = ? AND article_id = ? AND body_sha256 IS NOT NULL"
                " AND body_size > 0 ORDER BY fetched_at DESC, id DESC LIMIT 1",
                (c.site, c.article_id),
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT body_sha256 FROM captures WHERE url = ? AND article_id IS NULL AND body_sha256 IS NOT NULL"
                " AND body_size > 0 ORDER BY fetched_at DESC, id DESC LIMIT 1",
                (c.url,),
            ).fetchone()
        return row[0] if row else None

    # ---- derivation (shared by record_capture and rebuild) ----
    def _derive(self, capture_id: int, c: CaptureIn, at: str) -> CaptureResult:
        """Everything a capture implies; the capture row itself already exists."""
        d = _Derived(outcome=c.outcome, parse_error=c.parse_error)
        if c.outcome == OUTCOME_OK and c.content is not None:
            d.content = normalize_content(c.content)
            if is_blank(d.content):
                d.fail(c.parse_error or BLANK_PARSE)
        if c.kind == "article" and c.article_id is not None:
            self._derive_article(capture_id, c, at, d)
        footer_version, footer_changed = self._footer(capture_id, c, at)
        self.conn.execute(
            "UPDATE captures SET outcome = ?, missing_reason = ?, encoding = ?, encoding_source = ?,"
            " parser_version = ?, extractor = ?, warnings_json = ?, parse_error = ?, views = ?, version = ?,"
            " footer_version = ?, article_id = ?, kind = ? WHERE id = ?",
            (
                d.outcome,
                c.missing_reason if d.outcome == OUTCOME_MISSING else None,
                c.encoding,
                c.encoding_source,
                c.parser_version,
                c.extractor,
                _json(list(c.warnings)),
                d.parse_error,
                c.views,
                d.shown_version,
                footer_version,
                c.article_id,
                c.kind,
                capture_id,
            ),
        )
        names = [e[0] for e in d.events]
        return CaptureResult(
            capture_id=capture_id,
            duplicate=False,
            event=next((e for e in ("restored", "new", "edited", "gone") if e in names), None),
            version=d.shown_version,
            changed_fields=d.changed if any(e in ("new", "edited") for e in names) else (),
            footer_changed=footer_changed,
        )

    def _derive_article(self, capture_id: int, c: CaptureIn, at: str, d: _Derived) -> None:
        conn = self.conn
        key = (c.site, c.article_id)
        art = conn.execute(
            "SELECT status, missing_streak, version FROM articles WHERE site = ? AND article_id = ?", key
        ).fetchone()
        current: tuple[int, ArticleContent] | None = None
        if art is not None and art[2] is not None:
            row = conn.execute(
                f"SELECT id, {VERSION_CONTENT_COLUMNS} FROM versions WHERE site = ? AND article_id = ? AND version = ?",
                (*key, art[2]),
            ).fetchone()
            current = (row[0], _content_from_version_row(row[1:]))
        # A parser that loses the title or body of a fully parsed article has failed; the article has not changed.
        if (
            d.content is not None
            and current is not None
            and has_title_and_body(current[1])
            and not has_title_and_body(d.content)
        ):
            d.fail(PARSE_REGRESSION)

        shows_article = d.outcome in (OUTCOME_OK, OUTCOME_NOT_MODIFIED, OUTCOME_PARSE_ERROR)
        if art is None:
            if not shows_article:
                return  # an id that was never seen: the capture alone records the attempt
            conn.execute(
                "INSERT INTO articles (site, article_id, status, first_seen, last_capture_at, missing_streak)"
                " VALUES (?, ?, 'live', ?, ?, 0)",
                (*key, at, at),
            )
            art = ("live", 0, None)
        status, streak, version = art
        conn.execute(
            "UPDATE articles SET last_capture_at = max(last_capture_at, ?) WHERE site = ? AND article_id = ?",
            (at, *key),
        )
        if d.outcome == OUTCOME_MISSING:
            streak += 1
            if status == "live" and streak >= self.gone_after:
                status = "gone"
                d.events.append(("gone", version, c.missing_reason))
            conn.execute(
                "UPDATE articles SET missing_streak = ?, status = ? WHERE site = ? AND article_id = ?",
                (streak, status, *key),
            )
        elif d.outcome in (OUTCOME_OK, OUTCOME_NOT_MODIFIED):
            if status == "gone":
                d.events.append(("restored", version, None))
            conn.execute(
                "UPDATE articles SET missing_streak = 0, status = 'live', last_seen = ?, last_url = ?"
                " WHERE site = ? AND article_id = ?",
                (at, c.final_url or c.url, *key),
            )
            self._remember_validators(key, c)
        # fetch and parse errors fall through: they neither count as missing nor reset the streak

        if d.content is not None:
            d.changed = changed_fields(current[1], d.content) if current else present_fields(d.content)
            if d.changed:
                version = (version or 0) + 1
                self._insert_version(capture_id, c, at, version, d.content, d.changed)
                d.events.append(("new" if version == 1 else "edited", version, _json(list(d.changed))))
                conn.execute(
                    "UPDATE articles SET version = ?, last_change_at = ?, published_at = ?, title = ?"
                    " WHERE site = ? AND article_id = ?",
                    (version, at, d.content.published_at, d.content.title, *key),
                )
            elif current is not None:
                self._touch_version(current[0], capture_id, at)
        elif d.outcome == OUTCOME_NOT_MODIFIED and current is not None:
            self._touch_version(current[0], capture_id, at)

        if c.views is not None and d.outcome in (OUTCOME_OK, OUTCOME_PARSE_ERROR, OUTCOME_NOT_MODIFIED):
            # the series itself is the `views` view over captures.views
            conn.execute(
                "UPDATE articles SET views = ?, views_at = ? WHERE site = ? AND article_id = ?"
                " AND (views_at IS NULL OR views_at <= ?)",
                (c.views, at, *key, at),
            )
        self._note_url(key, c.url, at)
        if shows_article and c.final_url and c.final_url != c.url:
            self._note_url(key, c.final_url, at)
        for event, ev_version, detail in d.events:
            conn.execute(
                "INSERT INTO events (site, article_id, event, at, capture_id, version, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*key, event, at, capture_id, ev_version, detail),
            )
        d.shown_version = version if d.outcome in (OUTCOME_OK, OUTCOME_NOT_MODIFIED) else None

    def _remember_validators(self, key: tuple[str, int], c: CaptureIn) -> None:
        """ETag / Last-Modified for the next conditional request: a 200 replaces both, a 304 refreshes
        only what it carries."""
        etag = next((v for k, v in c.headers if k.lower() == "etag"), None)
        modified = next((v for k, v in c.headers if k.lower() == "last-modified"), None)
        if c.status == 200:
            self.conn.execute(
                "UPDATE articles SET etag = ?, last_modified = ? WHERE site = ? AND article_id = ?",
                (etag, modified, *key),
            )
        elif c.status == 304:
            self.conn.execute(
                "UPDATE articles SET etag = coalesce(?, etag), last_modified = coalesce(?, last_modified)"
                " WHERE site = ? AND article_id = ?",
                (etag, modified, *key),
            )

    def _note_url(self, key: tuple[str, int], url: str, at: str) -> None:
        self.conn.execute(
            "INSERT INTO article_urls (site, article_id, url, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (site, article_id, url) DO UPDATE SET"
            " first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)",
            (*key, url, at, at),
        )

    def _insert_version(
        self,
        capture_id: int,
        c: CaptureIn,
        at: str,
        version: int,
        content: ArticleContent,
        changed: tuple[str, ...],
    ) -> None:
        cur = self.conn.execute(
            "INSERT INTO versions (site, article_id, version, capture_id, first_seen, last_seen, last_capture_id,"
            " content_hash, changed_fields, title, column_name, published_at, source, author, body_text,"
            " body_html, images_json, attachments_json, signature, parser_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                c.site,
                c.article_id,
                version,
                capture_id,
                at,
                at,
                capture_id,
                content_hash(content),
                _json(list(changed)),
                content.title,
                content.column,
                content.published_at,
                content.source,
                content.author,
                content.body_text,
                content.body_html,
                _json([list(i) for i in content.images]),
                _json([list(a) for a in content.attachments]),
                content.signature,
                c.parser_version,
            ),
        )
        _search.index_version(self.conn, int(cur.lastrowid), content.title, content.body_text)

    def _touch_version(self, version_row_id: int, capture_id: int, at: str) -> None:
        self.conn.execute(
            "UPDATE versions SET last_seen = ?, last_capture_id = ? WHERE id = ? AND last_seen <= ?",
            (at, capture_id, version_row_id, at),
        )

    def _footer(self, capture_id: int, c: CaptureIn, at: str) -> tuple[int | None, bool]:
        if c.footer is None or footer_is_empty(c.footer):
            return None, False
        footer = normalize_footer(c.footer)
        digest = footer_hash(footer)
        row = self.conn.execute(
            "SELECT id, version, content_hash, org, icp, police_record, phone, email, address, postcode"
            " FROM footers WHERE site = ? ORDER BY version DESC LIMIT 1",
            (c.site,),
        ).fetchone()
        if row is not None and row[2] == digest:
            self.conn.execute(
                "UPDATE footers SET last_seen = max(last_seen, ?) WHERE id = ?",
                (at, row[0]),
            )
            return row[1], False
        if row is None:
            changed, number = footer_present_fields(footer), 1
        else:
            changed, number = footer_changed_fields(FooterFields(*row[3:]), footer), row[1] + 1
        self.conn.execute(
            "INSERT INTO footers (site, version, capture_id, first_seen, last_seen, content_hash, changed_fields,"
            " org, icp, police_record, phone, email, address, postcode)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                c.site,
                number,
                capture_id,
                at,
                at,
                digest,
                _json(list(changed)),
                footer.org,
                footer.icp,
                footer.police_record,
                footer.phone,
                footer.email,
                footer.address,
                footer.postcode,
            ),
        )
        return number, True

    # ---- bodies and stored captures ----
    def read_body(self, sha256: str) -> bytes:
        """Exact bytes of a stored body; BodyIntegrityError when missing or not matching the hash."""
        return self.bodies.read(sha256)

    def stored_capture(self, capture_id: int) -> StoredCapture | None:
        row = self.conn.execute(f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE id = ?", (capture_id,)).fetchone()
        return _stored_from_row(row) if row else None

    def captures_of(self, site: str, article_id: int) -> list[StoredCapture]:
        """All captures of one article, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE site = ? AND article_id = ? ORDER BY fetched_at, id",
            (site, article_id),
        ).fetchall()
        return [_stored_from_row(r) for r in rows]

    # ---- runs and the work queue ----
    def start_run(self, mode: str, started_at: str, config_json: str) -> int:
        started = _utc(started_at, "started_at")
        json.loads(config_json)  # a clear error now rather than an unreadable run later
        cur = self.conn.execute(
            "INSERT INTO runs (mode, started_at, status, config_json) VALUES (?, ?, 'running', ?)",
            (mode, started, config_json),
        )
        return int(cur.lastrowid)

    def unfinished_run(self) -> RunInfo | None:
        row = self.conn.execute(
            "SELECT id, mode, started_at, status, config_json FROM runs WHERE status = 'running'"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return RunInfo(*row) if row else None

    def run_info(self, run_id: int) -> RunInfo | None:
        row = self.conn.execute(
            "SELECT id, mode, started_at, status, config_json FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        return RunInfo(*row) if row else None

    def finish_run(self, run_id: int, finished_at: str, status: str, summary_json: str) -> None:
        finished = _utc(finished_at, "finished_at")
        summary = json.loads(summary_json)
        if not isinstance(summary, dict):
            raise ValueError("summary_json must be a JSON object")
        counters = []
        for name in RUN_COUNTERS:
            value = summary.get(name)
            counters.append(int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None)
        sets = ", ".join(f"{name} = ?" for name in RUN_COUNTERS)
        cur = self.conn.execute(
            f"UPDATE runs SET finished_at = ?, status = ?, summary_json = ?, {sets} WHERE id = ?",
            (finished, status, summary_json, *counters, run_id),
        )
        if cur.rowcount == 0:
            raise ValueError(f"no run with id {run_id}")

    def enqueue(self, run_id: int, items: list[WorkItem]) -> int:
        """Add work for a run in one transaction; a URL already queued for the run is ignored."""
        self._begin()
        try:
            before = self.conn.total_changes
            self.conn.executemany(
                "INSERT OR IGNORE INTO work_items (run_id, url, kind, article_id, priority, etag, last_modified,"
                " state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, i.url, i.kind, i.article_id, i.priority, i.etag, i.last_modified, i.state)
                    for i in items
                ],
            )
            added = self.conn.total_changes - before
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return added

    def pending(self, run_id: int, limit: int = 100) -> list[WorkItem]:
        rows = self.conn.execute(
            "SELECT url, kind, article_id, priority, etag, last_modified, id, state FROM work_items"
            " WHERE run_id = ? AND state = 'pending' ORDER BY priority DESC, id LIMIT ?",
            (run_id, limit),
        ).fetchall()
        return [WorkItem(*r) for r in rows]

    def mark_done(self, work_item_id: int, state: str = "done") -> None:
        cur = self.conn.execute("UPDATE work_items SET state = ? WHERE id = ?", (state, work_item_id))
        if cur.rowcount == 0:
            raise ValueError(f"no work item with id {work_item_id}")

    def queue_counts(self, run_id: int) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT state, count(*) FROM work_items WHERE run_id = ? GROUP BY state", (run_id,)
        ).fetchall()
        return {state: n for state, n in rows}

    def prune_queue(self, run_id: int) -> int:
        """Delete the work list of a finished run; returns the rows deleted.

        The queue only exists to resume an interrupted run, and a full crawl's id walk queues tens of
        thousands of URLs (about 150 bytes each). Captures keep their `work_item_id` for reference.
        """
        row = self.conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise ValueError(f"no run with id {run_id}")
        if row[0] == "running":
            raise ValueError(f"run {run_id} is still running: its work list is needed to resume it")
        return self.conn.execute("DELETE FROM work_items WHERE run_id = ?", (run_id,)).rowcount

    # ---- what the crawler plans with ----
    _STATE_SQL = (
        "SELECT article_id, status, first_seen, last_seen, last_capture_at, last_change_at, published_at,"
        " last_url, etag, last_modified, missing_streak, version FROM articles"
    )

    def known_article_ids(self, site: str) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT article_id FROM articles WHERE site = ?", (site,))}

    def article_states(self, site: str) -> Iterator[ArticleState]:
        rows = self.conn.execute(self._STATE_SQL + " WHERE site = ? ORDER BY article_id", (site,)).fetchall()
        for row in rows:
            yield ArticleState(*row)

    def article_state(self, site: str, article_id: int) -> ArticleState | None:
        row = self.conn.execute(self._STATE_SQL + " WHERE site = ? AND article_id = ?", (site, article_id)).fetchone()
        return ArticleState(*row) if row else None

    # ---- re-deriving ----
    def rebuild(
        self,
        interpret: Callable[[StoredCapture, bytes | None], CaptureIn],
        progress: Callable[[int], None] | None = None,
    ) -> RebuildReport:
        """Replay every capture through `interpret` and re-derive everything derived, in one transaction.

        The raw columns of captures and the bodies are never touched; only what `interpret` derives is
        taken from its answer (outcome, parse fields, content, views, footer, and the article id).
        Any error rolls the whole rebuild back, leaving the archive as it was.
        """
        conn = self.conn
        self._begin()
        try:
            before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("versions", "events", "footers")}
            for table in ("events", "versions", "footers", "article_urls", "articles"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("INSERT INTO version_fts (version_fts) VALUES ('delete-all')")
            ids = [r[0] for r in conn.execute("SELECT id FROM captures ORDER BY fetched_at, id")]
            outcomes: dict[str, int] = {}
            for done, capture_id in enumerate(ids, 1):
                stored = _stored_from_row(
                    conn.execute(f"SELECT {_CAPTURE_COLUMNS} FROM captures WHERE id = ?", (capture_id,)).fetchone()
                )
                body = self.bodies.read(stored.body_sha256) if stored.body_sha256 else None
                derived = interpret(stored, body)
                if derived.outcome not in OUTCOMES:
                    raise ValueError(f"rebuild: interpret gave outcome {derived.outcome!r} for capture {capture_id}")
                if derived.outcome == OUTCOME_OK and derived.kind == "article" and derived.content is None:
                    raise ValueError(f"rebuild: interpret gave outcome ok without content for capture {capture_id}")
                merged = stored.to_capture_in(body)
                merged.outcome = derived.outcome
                merged.article_id = derived.article_id
                merged.kind = derived.kind
                merged.missing_reason = derived.missing_reason
                merged.encoding = derived.encoding
                merged.encoding_source = derived.encoding_source
                merged.parser_version = derived.parser_version
                merged.extractor = derived.extractor
                merged.warnings = tuple(derived.warnings)
                merged.parse_error = derived.parse_error
                merged.content = derived.content
                merged.views = derived.views
                merged.footer = derived.footer
                result = self._derive(capture_id, merged, stored.fetched_at)
                outcome = conn.execute("SELECT outcome FROM captures WHERE id = ?", (result.capture_id,)).fetchone()[0]
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if progress is not None:
                    progress(done)
            after = {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "versions", "events", "views", "footers")
            }
            self._commit()
        except BaseException:
            self._rollback()
            raise
        return RebuildReport(
            captures=len(ids),
            articles=after["articles"],
            versions=after["versions"],
            events=after["events"],
            views=after["views"],
            footer_versions=after["footers"],
            versions_before=before["versions"],
            events_before=before["events"],
            footer_versions_before=before["footers"],
            outcomes=outcomes,
        )


