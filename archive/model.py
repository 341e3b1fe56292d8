"""Input and output records of the archive.

The orchestration layer builds these from the scraper's records; the archive never imports `scraper`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# How a capture turned out; one of these is stored per capture.
OUTCOME_OK = "ok"  # parsed into content (a version may or may not follow)
OUTCOME_NOT_MODIFIED = "not_modified"  # 304 to a conditional request
OUTCOME_MISSING = "missing"  # the article is not there (see MissingReason)
OUTCOME_PARSE_ERROR = "parse_error"  # 200 but no article could be parsed: never an edit
OUTCOME_FETCH_ERROR = "fetch_error"  # no usable response after retries (timeout, 5xx, too large...)
OUTCOMES = (OUTCOME_OK, OUTCOME_NOT_MODIFIED, OUTCOME_MISSING, OUTCOME_PARSE_ERROR, OUTCOME_FETCH_ERROR)

# Why an article counts as missing.
MISSING_404 = "http_404"
MISSING_410 = "http_410"
MISSING_PAGE = "not_exist_page"  # a 200 page saying the article does not exist
MISSING_REDIRECT_HOME = "redirect_home"  # redirected to the home page or another non-article page


@dataclass(frozen=True)
class ArticleContent:
    """The normalised content of one article; a change in any field here is a new version."""

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
class FooterFields:
    org: str | None = None
    icp: str | None = None
    police_record: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    postcode: str | None = None


@dataclass
class CaptureIn:
    """One fetch of one URL, as the archive stores it."""

    site: str
    url: str
    final_url: str
    fetched_at: str  # ISO 8601 UTC, e.g. 2026-11-26T05:02:27.123456+00:00
    status: int | None
    outcome: str  # one of OUTCOMES
    article_id: int | None = None  # None for non-article captures (list pages, API, robots)
    kind: str = "article"  # article | list | api | robots | attachment
    headers: list[tuple[str, str]] = field(default_factory=list)
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    redirects: list[tuple[str, int, str]] = field(default_factory=list)  # (url, status, location)
    body: bytes | None = None  # exact entity bytes; None when there were none
    elapsed: float = 0.0
    attempts: int = 1
    error: str | None = None  # FetchErrorKind value for fetch errors
    error_detail: str | None = None
    missing_reason: str | None = None  # MISSING_* when outcome == missing
    encoding: str | None = None
    encoding_source: str | None = None  # how the charset was decided (bom, http, meta, utf-8, ...)
    parser_version: str | None = None
    extractor: str | None = None  # profile | fallback
    warnings: tuple[str, ...] = ()
    parse_error: str | None = None
    content: ArticleContent | None = None  # set when outcome == ok
    views: int | None = None
    footer: FooterFields | None = None
    run_id: int | None = None
    work_item_id: int | None = None  # the crawl queue row this capture completes (same transaction)


@dataclass
class CaptureResult:
    """What recording one capture changed in the archive."""

    capture_id: int
    duplicate: bool  # the identical capture was already recorded: nothing changed
    event: str | None  # new | edited | gone | restored | None
    version: int | None  # the article's current version number after this capture
    changed_fields: tuple[str, ...] = ()
    footer_changed: bool = False
