"""The part of recording a capture that needs no database, done ahead in any thread.

Recording a capture hashes and compresses its body, normalises its content, hashes that and builds
the full-text text of its title and body. None of it reads SQLite, and all of it is a pure function
of the capture, so the crawl's fetching threads do it (`prepare_capture`) while the one writer thread
only runs SQL: zstd and SHA-256 release the GIL and run on another core. `Archive.record_capture`
takes the result as a hint: it uses it only when it was made from this very capture's body and
content (the same objects), and computes anything else itself, so the archive is the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.bodies import compress_full, sha256_hex
from archive.model import ArticleContent, CaptureIn
from archive.search import index_text
from archive.versions import comparison_key, key_hash, normalize_content, present_in
from archive.vocab import Outcome

__all__ = ["PreparedCapture", "PreparedContent", "prepare_capture", "prepare_content"]


@dataclass(frozen=True)
class PreparedContent:
    """A capture's content as a version would store it, with what deciding and indexing it needs."""

    source: ArticleContent  # the content it was made from (compared by identity)
    normalized: ArticleContent
    key: dict[str, object]  # versions.comparison_key(normalized)
    present: tuple[str, ...]  # versions.present_in(key): the changed fields of a first version
    content_hash: str  # versions.key_hash(key)
    blank: bool  # no title and no body text (versions.is_blank)
    fts_title: str  # search.index_text(normalized.title)
    fts_body: str  # search.index_text(normalized.body_text)


@dataclass(frozen=True)
class PreparedCapture:
    """Precomputed work for one CaptureIn; `fits` says whether it still describes that capture."""

    body: bytes | None  # the body it was made from (compared by identity)
    body_sha256: str | None
    frame: bytes | None  # the body as a full zstd frame at its size's level (bodies.compress_full)
    content: PreparedContent | None

    def fits(self, c: CaptureIn) -> bool:
        return self.body is c.body

    def content_for(self, c: CaptureIn) -> PreparedContent | None:
        """The prepared content when it was made from `c.content` itself."""
        if self.content is not None and self.content.source is c.content:
            return self.content
        return None


def prepare_content(content: ArticleContent) -> PreparedContent:
    normalized = normalize_content(content)
    key = comparison_key(normalized)
    return PreparedContent(
        source=content,
        normalized=normalized,
        key=key,
        present=present_in(key),
        content_hash=key_hash(key),
        blank=not normalized.title and not normalized.body_text,
        fts_title=index_text(normalized.title),
        fts_body=index_text(normalized.body_text),
    )


def prepare_capture(c: CaptureIn) -> PreparedCapture:
    """Everything of recording `c` that needs no database; thread-safe."""
    content = prepare_content(c.content) if c.outcome == Outcome.OK and c.content is not None else None
    if c.body is None:
        return PreparedCapture(None, None, None, content)
    return PreparedCapture(c.body, sha256_hex(c.body), compress_full(c.body), content)
