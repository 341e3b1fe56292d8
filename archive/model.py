"""Input and output records of the archive.

The orchestration layer builds these from the scraper's records; the archive never imports `scraper`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.vocab import AssetRole, CaptureKind, EventKind, MissingReason, Outcome


@dataclass(frozen=True)
class ArticleContent:
    """The normalised content of one article; a change in any field here is a new version.

    The archive's view of the scraper's `scraper.records.ArticleRecord` (`ncgh.record_fields.to_content`).
    """

    title: str | None
    column: str | None
    published_at: str | None  # ISO 8601, site-local date (Asia/Shanghai)
    source: str | None
    author: str | None
    body_text: str
    body_html: str
    images: tuple[tuple[str, str | None], ...] = ()  # (src, caption)
    attachments: tuple[tuple[str, str], ...] = ()  # (url, name)
    signature: str | None = None


@dataclass(frozen=True)
class FooterContent:
    """The site footer as the archive versions it (on its own, never part of an article).

    The archive's view of the scraper's `scraper.records.FooterRecord`, field for field; `ncgh.pipeline`
    copies one into the other (the two layers never import each other).
    """

    org: str | None = None
    icp: str | None = None
    police_record: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    postcode: str | None = None


@dataclass(frozen=True)
class AssetRef:
    """One asset a page (or a stylesheet) references: its absolute URL and how it is used."""

    url: str
    role: AssetRole


@dataclass(frozen=True)
class AssetText:
    """The text extracted from an asset's bytes (an attachment), or why there is none."""

    text: str | None
    error: str | None = None


@dataclass
class CaptureIn:
    """One fetch of one URL, as the archive stores it."""

    site: str
    url: str
    final_url: str
    fetched_at: str  # ISO 8601 UTC, e.g. 2026-11-26T05:02:27.123456+00:00
    status: int | None
    outcome: Outcome
    article_id: int | None = None  # None for non-article captures (list pages, API, robots)
    kind: CaptureKind = CaptureKind.ARTICLE
    headers: list[tuple[str, str]] = field(default_factory=list)
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    redirects: list[tuple[str, int, str]] = field(default_factory=list)  # (url, status, location)
    body: bytes | None = None  # exact entity bytes; None when there were none
    elapsed: float = 0.0
    attempts: int = 1
    error: str | None = None  # the scraper's FetchErrorKind, stored as given
    error_detail: str | None = None
    missing_reason: MissingReason | None = None  # when outcome is missing
    encoding: str | None = None
    encoding_source: str | None = None  # the scraper's EncodingSource: how the charset was decided
    parser_version: str | None = None
    extractor: str | None = None  # the scraper's Extractor: profile | fallback
    warnings: tuple[str, ...] = ()
    parse_error: str | None = None
    content: ArticleContent | None = None  # set when outcome == ok
    views: int | None = None
    footer: FooterContent | None = None
    run_id: int | None = None
    work_item_id: int | None = None  # the crawl queue row this capture completes (same transaction)
    category: str | None = None  # the site section the page's breadcrumb names (derived, like content)
    # What the page (or, for an asset capture, the stylesheet) references: linked to the version it makes.
    requisites: tuple[AssetRef, ...] = ()
    asset_text: AssetText | None = None  # an asset capture's extracted text (attachments)


@dataclass
class CaptureResult:
    """What recording one capture changed in the archive."""

    capture_id: int
    duplicate: bool  # the identical capture was already recorded: nothing changed
    event: EventKind | None
    version: int | None  # the article's current version number after this capture
    changed_fields: tuple[str, ...] = ()
    footer_changed: bool = False
