"""The archive: records captures and derives articles, versions, view counts, footers and events.

Every capture is written atomically together with everything it implies (its own transaction, or
a savepoint of a group commit), so a crash leaves either all of it or none of it. Derivation is a
pure replay of captures in time order, which is what lets `rebuild` re-derive the whole archive with
a new parser and reproduce it exactly with the old one.

`Archive` is the one writer-facing facade; the work is done by captures.py (rows), articles.py
(versions and events), footers.py, bodies.py, prepare.py (the work done ahead in other threads),
group_commit.py, rebuild.py, and queue.py: the runs and the work list, reached as `archive.queue`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from archive import assets as _assets
from archive import captures as _captures
from archive import search as _search
from archive.articles import (
    BLANK_PARSE,
    Derivation,
    derive_article,
)
from archive.bodies import BodyStore, sha256_hex
from archive.captures import StoredCapture, to_json, utc
from archive.footers import record_footer
from archive.group_commit import GroupCommit
from archive.hubs import HubStore
from archive.model import CaptureIn, CaptureResult
from archive.prepare import PreparedCapture, PreparedContent
from archive.queue import WorkQueue
from archive.rebuild import RebuildReport, rebuild
from archive.schema import NotAnArchive, UnknownSchemaVersion, atomic, connect, migrate, unusable_file_error
from archive.versions import is_blank, normalize_content
from archive.vocab import CaptureKind, EventKind, Outcome, WorkState

__all__ = ["Archive", "RebuildReport"]

_OUTCOMES = tuple(Outcome)
# The one event a capture reports when it makes several (restored and edited at once: restored).
_EVENT_SHOWN_FIRST = (EventKind.RESTORED, EventKind.NEW, EventKind.EDITED, EventKind.GONE)


def _open_writer(path: Path) -> sqlite3.Connection:
    """A write connection with the schema created or migrated; NotAnArchive / DamagedArchive when the
    file's bytes are not a usable archive (errors of the environment, e.g. a read-only disk, pass as is).

    A zero-byte file is a new archive, as SQLite treats it: two openers racing on a new path see one.
    """
    conn: sqlite3.Connection | None = None
    try:
        conn = connect(path)
        migrate(conn)
        return conn
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, NotAnArchive):  # someone else's tables: the message does not name the file yet
            raise NotAnArchive(f"{path}: {exc}") from None
        if isinstance(exc, UnknownSchemaVersion):
            raise UnknownSchemaVersion(f"{path}: {exc}", exc.found, exc.known) from None
        if isinstance(exc, sqlite3.DatabaseError) and (meaning := unusable_file_error(path, exc)) is not None:
            raise meaning from None
        raise


class Archive:
    """One archive file. Not thread-safe: one Archive per thread or process (SQLite handles the rest)."""

    def __init__(self, path: str | Path, gone_after: int = 2):
        if gone_after < 1:
            raise ValueError(f"gone_after must be at least 1, got {gone_after}")
        self.path = Path(path)
        self.gone_after = gone_after
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"cannot create the archive {self.path}: directory {self.path.parent} does not exist")
        self.conn = _open_writer(self.path)
        self.bodies = BodyStore(self.conn)
        self._header_sets: dict[str, int] = {}  # headers_json -> header_sets.id; cleared on rollback
        self.queue = WorkQueue(self.conn, self.atomic)  # runs and the work list (archive/queue.py)
        self._group: GroupCommit | None = None  # the open group_commits(), if any
        # Inside a group: full-text rows waiting for the group's commit, (versions.id, title, body) as
        # index text; a rolled-back savepoint drops the rows it added (see atomic()).
        self._fts_pending: list[tuple[int, str, str]] = []
        self.hubs = HubStore(self.conn, self.atomic)  # hubs and per-run source health (archive/hubs.py)

    # ---- lifecycle ----
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def atomic(self) -> AbstractContextManager[None]:
        """`with archive.atomic():` one write transaction (BEGIN IMMEDIATE), rolled back if the block raises.

        Nested, it is a SAVEPOINT: an inner failure undoes only the inner block. After a rollback the
        caches of bodies and header sets are cleared, since their rows may no longer exist. Inside
        `group_commits()` the block is a SAVEPOINT of the group's transaction: atomic as ever, durable
        when the group commits.
        """
        if self._group is None:
            return atomic(self.conn, on_rollback=self._forget_cached_rows)
        self._group.begin_if_idle()
        mark = len(self._fts_pending)

        def rolled_back() -> None:
            del self._fts_pending[mark:]
            self._forget_cached_rows()

        return atomic(self.conn, on_rollback=rolled_back)

    @contextmanager
    def group_commits(self, max_captures: int, max_seconds: float) -> Iterator[GroupCommit]:
        """Within the block, writes share one transaction, committed by the caller when `due()` (every
        `max_captures` captures or `max_seconds` seconds) and at the end (archive/group_commit.py).

        The end commits what was recorded, also when the block raises (each capture is whole); a
        crash inside loses the open transaction only, whose work items stay pending.
        """
        if self._group is not None:
            raise RuntimeError("group_commits() is already open on this archive")
        if self.conn.in_transaction:
            raise RuntimeError("group_commits() inside an open transaction")
        group = GroupCommit(
            self.conn, max_captures, max_seconds, on_rollback=self._group_rolled_back, before_commit=self._flush_index
        )
        self._group = group
        failed = True
        try:
            yield group
            failed = False
        finally:
            self._group = None
            group.close(failed)

    def _forget_cached_rows(self) -> None:
        self.bodies.clear_cache()
        self._header_sets.clear()

    def _group_rolled_back(self) -> None:
        self._fts_pending.clear()
        self._forget_cached_rows()

    def _flush_index(self) -> None:
        """The group's full-text rows, in one statement outside any savepoint (just before COMMIT)."""
        if self._fts_pending:
            _search.add_to_index(self.conn, self._fts_pending)
            self._fts_pending.clear()

    def _index(self, rows: list[tuple[int, str, str]]) -> None:
        if self._group is not None:
            self._fts_pending.extend(rows)
        else:
            _search.add_to_index(self.conn, rows)

    # ---- captures ----
    def record_capture(self, c: CaptureIn, prepared: PreparedCapture | None = None) -> CaptureResult:
        """Store one capture and everything it implies, in one transaction; idempotent.

        `prepared` is archive.prepare.prepare_capture(c), computed ahead in another thread; it is used
        only where it was made from this capture's own body and content, so the result is the same.
        """
        fetched_at = self._validate(c)
        if prepared is not None and not prepared.fits(c):
            prepared = None
        with self.atomic():
            result = self._record(c, fetched_at, prepared)
        if self._group is not None and not result.duplicate:
            self._group.counted()
        return result

    def _validate(self, c: CaptureIn) -> str:
        if c.outcome not in _OUTCOMES:
            raise ValueError(f"capture of {c.url}: outcome {c.outcome!r} is not one of {_OUTCOMES}")
        if not c.site:
            raise ValueError(f"capture of {c.url}: site is empty")
        if not c.url:
            raise ValueError("capture without a URL")
        if c.outcome == Outcome.OK and c.kind == CaptureKind.ARTICLE and c.content is None:
            raise ValueError(f"capture of {c.url}: an article capture with outcome ok needs content")
        if c.outcome == Outcome.OK and c.kind == CaptureKind.ARTICLE and c.article_id is None:
            raise ValueError(f"capture of {c.url}: an article capture with content needs an article_id")
        if c.views is not None and (isinstance(c.views, bool) or not isinstance(c.views, int) or c.views < 0):
            raise ValueError(f"capture of {c.url}: views must be a non-negative int, got {c.views!r}")
        return utc(c.fetched_at, f"capture of {c.url}: fetched_at")

    def _record(self, c: CaptureIn, fetched_at: str, prepared: PreparedCapture | None) -> CaptureResult:
        conn = self.conn
        sha = prepared.body_sha256 if prepared is not None else (None if c.body is None else sha256_hex(c.body))
        # One statement: the identical capture already recorded, and whether its run and work item exist.
        existing_id, existing_version, run_known, item_known = conn.execute(
            "SELECT c.id, c.version, (SELECT 1 FROM runs WHERE id = ?), (SELECT 1 FROM work_items WHERE id = ?)"
            " FROM (SELECT 1) LEFT JOIN captures c ON c.fetched_at = ? AND c.url = ?"
            " AND ifnull(c.status, -1) = ifnull(?, -1) AND ifnull(c.body_sha256, '') = ifnull(?, '') LIMIT 1",
            (c.run_id, c.work_item_id, fetched_at, c.url, c.status, sha),
        ).fetchone()
        if existing_id is not None:
            return CaptureResult(capture_id=existing_id, duplicate=True, event=None, version=existing_version)
        if c.run_id is not None and not run_known:
            raise ValueError(f"capture of {c.url}: unknown run_id {c.run_id}")
        if c.work_item_id is not None and not item_known:
            raise ValueError(f"capture of {c.url}: unknown work_item_id {c.work_item_id}")
        if c.body is not None:
            base = self._delta_base(c)
            sha = self.bodies.put(c.body, base, sha=sha, frame=None if prepared is None else prepared.frame)
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
                None if (c.final_url or c.url) == c.url else c.final_url,  # NULL: not redirected
                fetched_at,
                c.status,
                float(c.elapsed),
                int(c.attempts),
                c.error,
                c.error_detail,
                to_json([list(h) for h in c.headers]),
                self._header_set(c.request_headers),
                to_json([list(r) for r in c.redirects]),
                sha,
                None if c.body is None else len(c.body),
                c.outcome,
            ),
        )
        capture_id = int(cur.lastrowid)
        result, _ = self._derive(capture_id, c, fetched_at, None if prepared is None else prepared.content_for(c))
        if c.work_item_id is not None:
            conn.execute(
                "UPDATE work_items SET state = ?, capture_id = ? WHERE id = ?", (WorkState.DONE, capture_id, c.work_item_id)
            )
        return result

    def _header_set(self, headers: list[tuple[str, str]]) -> int:
        """The id of a header list in `header_sets`, inserting it the first time it is seen."""
        text = to_json([list(h) for h in headers])
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
    def _derive(
        self, capture_id: int, c: CaptureIn, at: str, ahead: PreparedContent | None = None
    ) -> tuple[CaptureResult, str]:
        """Everything a capture implies; the capture row itself already exists.

        `ahead` is c.content prepared ahead (archive.prepare). Returns the result and the outcome
        stored, which is parse_error when the parse lost the article.
        """
        d = Derivation(outcome=c.outcome, parse_error=c.parse_error)
        if c.outcome == Outcome.OK and c.content is not None:
            if ahead is not None:
                d.content, d.content_key, d.content_hash, blank = ahead.normalized, ahead.key, ahead.content_hash, ahead.blank
            else:
                d.content = normalize_content(c.content)
                blank = is_blank(d.content)
            if blank:
                d.fail(c.parse_error or BLANK_PARSE)
        if c.kind == CaptureKind.ARTICLE and c.article_id is not None:
            derive_article(self.conn, self.gone_after, capture_id, c, at, d)
        if d.to_index:
            self._index([self._index_row(row, ahead) for row in d.to_index])
        made = any(e[0] in (EventKind.NEW, EventKind.EDITED) for e in d.events)
        _assets.derive_capture(self.conn, capture_id, c, at, d.shown_version if made else None)
        footer_version, footer_changed = record_footer(self.conn, capture_id, c, at)
        self.conn.execute(
            "UPDATE captures SET outcome = ?, missing_reason = ?, encoding = ?, encoding_source = ?,"
            " parser_version = ?, extractor = ?, warnings_json = ?, parse_error = ?, views = ?, version = ?,"
            " footer_version = ?, article_id = ?, kind = ?, error = ?, error_detail = ? WHERE id = ?",
            (
                d.outcome,
                c.missing_reason if d.outcome == Outcome.MISSING else None,
                c.encoding,
                c.encoding_source,
                c.parser_version,
                c.extractor,
                to_json(list(c.warnings)),
                d.parse_error,
                c.views,
                d.shown_version,
                footer_version,
                c.article_id,
                c.kind,
                c.error,  # a judged error (a redirect elsewhere, a page cut short) changes on a reparse
                c.error_detail,
                capture_id,
            ),
        )
        names = [e[0] for e in d.events]
        result = CaptureResult(
            capture_id=capture_id,
            duplicate=False,
            event=next((e for e in _EVENT_SHOWN_FIRST if e in names), None),
            version=d.shown_version,
            changed_fields=d.changed if any(e in (EventKind.NEW, EventKind.EDITED) for e in names) else (),
            footer_changed=footer_changed,
        )
        return result, d.outcome

    @staticmethod
    def _index_row(row: tuple[int, str | None, str], ahead: PreparedContent | None) -> tuple[int, str, str]:
        row_id, title, body = row
        if ahead is not None and title is ahead.normalized.title and body is ahead.normalized.body_text:
            return row_id, ahead.fts_title, ahead.fts_body
        return row_id, _search.index_text(title), _search.index_text(body)

    # ---- bodies and stored captures ----
    def read_body(self, sha256: str) -> bytes:
        """Exact bytes of a stored body; BodyIntegrityError when missing or not matching the hash."""
        return self.bodies.read(sha256)

    def holds_articles(self, site: str) -> bool:
        """Whether any article of `site` was ever archived (a crawl that found none says so)."""
        return self.conn.execute("SELECT 1 FROM articles WHERE site = ? LIMIT 1", (site,)).fetchone() is not None

    def stored_capture(self, capture_id: int) -> StoredCapture | None:
        return _captures.stored_capture(self.conn, capture_id)

    def captures_of(self, site: str, article_id: int) -> list[StoredCapture]:
        """All captures of one article, oldest first."""
        return _captures.captures_of(self.conn, site, article_id)

    # ---- re-deriving ----
    def rebuild(
        self,
        interpret: Callable[[StoredCapture, bytes | None], CaptureIn],
        progress: Callable[[int], None] | None = None,
    ) -> RebuildReport:
        """Replay every capture through `interpret` and re-derive everything derived, in one transaction
        (archive/rebuild.py). Any error rolls the whole rebuild back, leaving the archive as it was."""
        return rebuild(self, interpret, progress)
