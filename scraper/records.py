"""The records the scraper hands to its callers.

Plain dataclasses with explicit fields, so nothing of unknown shape crosses a module line. The
orchestration layer (`ncgh.pipeline`) maps them onto the archive's own input records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    """First value of header `name` in a list of (name, value) pairs as received, case-insensitively."""
    low = name.lower()
    for key, value in headers:
        if key.lower() == low:
            return value
    return None


class FetchErrorKind(StrEnum):
    """Why a fetch produced no usable response; stored verbatim in the archive."""

    TIMEOUT = "timeout"
    CONNECTION = "connection"
    TOO_LARGE = "too_large"
    OFF_SITE_REDIRECT = "off_site_redirect"
    REDIRECT_ELSEWHERE = "redirect_elsewhere"  # an article redirected to neither an article nor the home page (a login)
    TOO_MANY_REDIRECTS = "too_many_redirects"
    ROBOTS_DISALLOWED = "robots_disallowed"
    HTTP_STATUS = "http_status"  # a final 4xx/5xx after retries (404 included)
    TRUNCATED = "truncated"  # fewer bytes than Content-Length, or a broken chunked/gzip stream
    INVALID_URL = "invalid_url"
    PROTOCOL = "protocol_error"  # an answer HTTP forbids, e.g. two Content-Length headers that disagree
    STOPPED = "stopped"  # Fetcher.stop() was called mid-fetch (a crawl shutting down); never recorded


class BlockKind(StrEnum):
    """What kind of block page a WAF or anti-bot CDN answered with (scraper.blocks)."""

    COOKIE_CHALLENGE = "cookie_challenge"  # a page that only runs a script to set a cookie and reload
    BLOCK_PAGE = "block_page"  # a captcha, rate-limit or deny page (one of [blocks] patterns)


@dataclass(frozen=True)
class Block:
    """Why an answer is a block page, not the site's own page: its kind, the status, what matched."""

    kind: BlockKind
    status: int
    matched: str  # the pattern found, or the challenge script's first line

    def describe(self) -> str:
        """One line for the capture's error_detail and the run summary."""
        return f"{self.kind} (HTTP {self.status}): {self.matched}"


class EncodingSource(StrEnum):
    """Which step of `scraper.encoding.decode`'s chain decided the charset; stored with each capture."""

    BOM = "bom"  # a byte-order mark
    HTTP = "http"  # the HTTP charset parameter, the bytes agreeing
    META = "meta"  # the page's own meta charset, the bytes agreeing
    UTF8 = "utf-8"  # strict (or nearly strict) UTF-8
    GB18030 = "gb18030"  # strict (or nearly strict) GB18030
    DETECTOR = "detector"  # charset-normalizer's guess
    REPLACEMENT = "replacement"  # nothing fitted: UTF-8 with replacement characters


class Extractor(StrEnum):
    """Which extractor found the article's parts; `ncgh parse --json` and each capture say it."""

    PROFILE = "profile"  # the site profile's selectors
    FALLBACK = "fallback"  # the generic text-and-link-density extractor (scraper.extract)


class ParseWarning(StrEnum):
    """What an ArticleRecord lacks or how it was found, in this order (docs/parsing.md)."""

    MISSING_TITLE = "missing_title"
    MISSING_DATE = "missing_date"
    MISSING_VIEWS = "missing_views"
    EMPTY_BODY = "empty_body"
    FALLBACK_USED = "fallback_used"
    FOOTER_MISSING = "footer_missing"


@dataclass(frozen=True)
class RedirectHop:
    """One redirect followed (or refused) on the way to the final URL."""

    url: str
    status: int
    location: str


@dataclass
class FetchResult:
    """Everything known about one fetch, successful or not; never an exception."""

    url: str  # as requested
    final_url: str  # after redirects (== url when none)
    status: int | None  # final HTTP status; None when no response was received
    headers: list[tuple[str, str]]  # final response headers as received, in order, duplicates kept
    body: bytes  # exact entity body (content-coding such as gzip removed); b"" on error or 304
    fetched_at: datetime  # UTC, timezone-aware: when the final attempt started
    elapsed: float  # seconds, all attempts included
    attempts: int
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    redirects: list[RedirectHop] = field(default_factory=list)
    error: FetchErrorKind | None = None
    error_detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.error is None and self.status == 304

    def header(self, name: str) -> str | None:
        """First value of a response header, case-insensitively."""
        return header_value(self.headers, name)


class RequisiteRole(StrEnum):
    """How a page uses a resource it references (the archive's AssetRole, by value)."""

    IMAGE = "image"
    STYLESHEET = "stylesheet"
    SCRIPT = "script"
    ATTACHMENT = "attachment"
    VIDEO = "video"
    OTHER = "other"


@dataclass(frozen=True)
class Requisite:
    """A resource a page or stylesheet references: absolute URL and role (scraper/requisites.py)."""

    url: str
    role: RequisiteRole


@dataclass(frozen=True)
class Image:
    src: str  # absolute URL
    caption: str | None = None


@dataclass(frozen=True)
class Attachment:
    url: str  # absolute URL
    name: str


@dataclass(frozen=True)
class FooterRecord:
    """The site-wide footer as parsed from a page (the scraper's view, as ArticleRecord is of the article).

    The archive versions it on its own, never as part of an article, as `archive.model.FooterContent`
    (field for field the same; `ncgh.pipeline` copies one into the other).
    """

    org: str | None = None
    icp: str | None = None
    police_record: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    postcode: str | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in asdict(self).values())


@dataclass
class ArticleRecord:
    """One parsed article page. Field meanings follow the `ncgh parse --json` keys."""

    url: str | None
    article_id: int | None
    title: str | None
    column: str | None  # bracketed title prefix, e.g. 基层工会动态 (without brackets)
    published_at: str | None  # ISO 8601 date, or date-time with +08:00 when the page gives a time
    published_raw: str | None
    views: int | None
    source: str | None
    author: str | None
    body_text: str  # paragraphs separated by one blank line
    body_html: str  # sanitised; links and image sources absolute
    images: list[Image]
    attachments: list[Attachment]
    signature: str | None
    footer: FooterRecord | None
    encoding: str | None
    extractor: Extractor
    warnings: list[ParseWarning]
    parser_version: str

    def to_dict(self) -> dict:
        """JSON-ready form with the documented key order."""
        return asdict(self)


class ParseError(Exception):
    """The page holds no recognisable article; `reason` says why in one line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ArticleMissing(ParseError):
    """A 200 page that says the article does not exist (one of the site's ways to delete)."""


@dataclass(frozen=True)
class ArticleLink:
    """A link to an article found by discovery (a list page or the JSON API): its id, URL and what the
    list shows of it. Not `archive.resolve.ArticleRef`, which names an archived article (site, id)."""

    article_id: int
    url: str
    title: str | None = None
    published: str | None = None  # ISO date when the list shows one
    category_id: int | None = None  # the item's own category (the API's categoryId) when it names one


@dataclass
class ListPage:
    """One page of a list (HTML list page or JSON API page)."""

    links: list[ArticleLink]
    next_url: str | None  # None on the last page
    skipped_ids: int = 0  # links/items whose id is none scraper.ids accepts (2**63, 10**40 ...)
    # An HTML list page's article links outside its list (a sidebar of hot or latest articles): articles
    # of the site, but not of this list's category nor in its newest-first order.
    other_links: list[ArticleLink] = field(default_factory=list)
    # Which group of links was taken for the list (scraper.hubs), so the list's next page takes the same
    # one: on a last page of three items, an undated sidebar of eight would outweigh the list.
    list_group: tuple[tuple[str, str], ...] | None = None
