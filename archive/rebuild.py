"""Re-deriving a whole archive: every capture replayed, in time order, through a new interpretation.

`Archive.rebuild` (and so `ncgh reparse`) runs this: the raw columns of captures and the bodies are
never touched; everything derived is deleted and derived again by the same code record_capture uses
(`Archive._derive`), in one transaction, so an unchanged parser reproduces the archive exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from archive import assets as _assets
from archive.captures import StoredCapture, stored_capture
from archive.model import CaptureIn
from archive.vocab import CaptureKind, Outcome

if TYPE_CHECKING:
    from archive.store import Archive

__all__ = ["RebuildReport", "rebuild"]

_OUTCOMES = tuple(Outcome)

# What a capture's interpretation decides (everything but the exchange itself, which stays as stored).
# The error columns too: the pipeline judges some errors from a page received whole (a redirect
# elsewhere, a page cut inside complete framing), and gives back the fetcher's own as stored.
_DERIVED = (
    "outcome", "article_id", "kind", "missing_reason", "encoding", "encoding_source", "parser_version",
    "extractor", "parse_error", "content", "views", "footer", "category", "requisites", "asset_text",
    "error", "error_detail",
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


def rebuild(
    archive: Archive,
    interpret: Callable[[StoredCapture, bytes | None], CaptureIn],
    progress: Callable[[int], None] | None = None,
) -> RebuildReport:
    """Replay every capture through `interpret` and re-derive everything derived, in one transaction.

    The raw columns of captures and the bodies are never touched; only what `interpret` derives is
    taken from its answer (outcome, parse fields, judged errors, content, views, footer, and the
    article id).
    Any error rolls the whole rebuild back, leaving the archive as it was.
    """
    conn = archive.conn
    with archive.atomic():
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
            stored = stored_capture(conn, capture_id)
            assert stored is not None
            body = archive.bodies.read(stored.body_sha256) if stored.body_sha256 else None
            derived = interpret(stored, body)
            if derived.outcome not in _OUTCOMES:
                raise ValueError(f"rebuild: interpret gave outcome {derived.outcome!r} for capture {capture_id}")
            if derived.outcome == Outcome.OK and derived.kind == CaptureKind.ARTICLE and derived.content is None:
                raise ValueError(f"rebuild: interpret gave outcome ok without content for capture {capture_id}")
            merged = replace(stored.to_capture_in(body), **{name: getattr(derived, name) for name in _DERIVED})
            merged.warnings = tuple(derived.warnings)
            _, outcome = archive._derive(capture_id, merged, stored.fetched_at)
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


