"""The archive: records captures and derives articles, versions, view counts, footers and events.

Every capture is written in one transaction together with everything it implies, so a crash leaves
either all of it or none of it. Derivation is a pure replay of captures in time order, which is what
lets `rebuild` re-derive the whole archive with a new parser and reproduce it exactly with the old one.

`Archive` is the one writer-facing facade; the work is done by captures.py (rows), articles.py
(versions and events), footers.py, bodies.py, and queue.py: the runs and the work list, reached as
`archive.queue`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from archive import assets as _assets
from archive import captures as _captures
from archive.articles import (
    BLANK_PARSE,
    Derivation,
    derive_article,
)
from archive.bodies import BodyStore, sha256_hex
from archive.captures import StoredCapture, to_json, utc
from archive.footers import record_footer
from archive.hubs import HubStore
from archive.model import CaptureIn, CaptureResult
from archive.queue import WorkQueue
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
        caches of bodies and header sets are cleared, since their rows may no longer exist.
        """
        return atomic(self.conn, on_rollback=self._forget_cached_rows)

    def _forget_cached_rows(self) -> None:
        self.bodies.clear_cache()
        self._header_sets.clear()

    # ---- captures ----
    def record_capture(self, c: CaptureIn) -> CaptureResult:
        """Store one capture and everything it implies, in one transaction; idempotent."""
        fetched_at = self._validate(c)
        with self.atomic():
            return self._record(c, fetched_at)

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
        result, _ = self._derive(capture_id, c, fetched_at)
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
    def _derive(self, capture_id: int, c: CaptureIn, at: str) -> tuple[CaptureResult, str]:
        """Everything a capture implies; the capture row itself already exists.

        Returns the result and the outcome stored, which is parse_error when the parse lost the article.
        """
        d = Derivation(outcome=c.outcome, parse_error=c.parse_error)
        if c.outcome == Outcome.OK and c.content is not None:
            d.content = normalize_content(c.content)
            if is_blank(d.content):
                d.fail(c.parse_error or BLANK_PARSE)
        if c.kind == CaptureKind.ARTICLE and c.article_id is not None:
            derive_article(self.conn, self.gone_after, capture_id, c, at, d)
        made = any(e[0] in (EventKind.NEW, EventKind.EDITED) for e in d.events)
        _assets.derive_capture(self.conn, capture_id, c, at, d.shown_version if made else None)
        footer_version, footer_changed = record_footer(self.conn, capture_id, c, at)
        self.conn.execute(
            "UPDATE captures SET outcome = ?, missing_reason = ?, encoding = ?, encoding_source = ?,"
            " parser_version = ?, extractor = ?, warnings_json = ?, parse_error = ?, views = ?, version = ?,"
            " footer_version = ?, article_id = ?, kind = ? WHERE id = ?",
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

    # ---- bodies and stored captures ----
    def read_body(self, sha256: str) -> bytes:
        """Exact bytes of a stored body; BodyIntegrityError when missing or not matching the hash."""
        return self.bodies.read(sha256)

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
        """Replay every capture through `interpret` and re-derive everything derived, in one transaction.

        The raw columns of captures and the bodies are never touched; only what `interpret` derives is
        taken from its answer (outcome, parse fields, content, views, footer, and the article id).
        Any error rolls the whole rebuild back, leaving the archive as it was.
        """
        conn = self.conn
        with self.atomic():
            before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("versions", "events", "footers")}
            # Which list revealed an article is a fact of discovery, not of any capture: it survives the
            # rebuild even where the work list that carried it was pruned (queue.prune_queue).
            categories = conn.execute(
                "SELECT category_id, site, article_id FROM articles WHERE category_id IS NOT NULL"
            ).fetchall()
            for table in ("events", "versions", "footers", "article_urls", "articles"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("INSERT INTO version_fts (version_fts) VALUES ('delete-all')")
            _assets.clear_derived(conn)
            ids = [r[0] for r in conn.execute("SELECT id FROM captures ORDER BY fetched_at, id")]
            outcomes: dict[str, int] = {}
            for done, capture_id in enumerate(ids, 1):
                stored = _captures.stored_capture(conn, capture_id)
                assert stored is not None
                body = self.bodies.read(stored.body_sha256) if stored.body_sha256 else None
                derived = interpret(stored, body)
                if derived.outcome not in _OUTCOMES:
                    raise ValueError(f"rebuild: interpret gave outcome {derived.outcome!r} for capture {capture_id}")
                if derived.outcome == Outcome.OK and derived.kind == CaptureKind.ARTICLE and derived.content is None:
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
                merged.category = derived.category
                merged.requisites = derived.requisites
                merged.asset_text = derived.asset_text
                _, outcome = self._derive(capture_id, merged, stored.fetched_at)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if progress is not None:
                    progress(done)
            conn.executemany(
                "UPDATE articles SET category_id = coalesce(category_id, ?) WHERE site = ? AND article_id = ?", categories
            )
            after = {
                t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "versions", "events", "views", "footers")
            }
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


