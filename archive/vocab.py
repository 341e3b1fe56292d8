"""The archive's closed vocabularies: each word it stores in a column whose values are a fixed set.

Every one is a `StrEnum` whose values are the strings stored in SQLite (and shown by `ncgh sql`, the
exports and the web UI), so a member equals, hashes and binds as its stored text. `archive.schema`
builds its CHECK constraints from these enums (`sql_values`), so the two cannot drift apart.

Words the scraper produces (fetch error kinds, encoding sources, extractor names) are not here: the
archive stores them as the text it is given and never interprets them; `ncgh.pipeline` copies them
from the scraper's enums in `scraper.records`.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """How a capture turned out; one per capture (`captures.outcome`)."""

    OK = "ok"  # parsed into content (a version may or may not follow)
    NOT_MODIFIED = "not_modified"  # 304 to a conditional request
    MISSING = "missing"  # the article is not there (see MissingReason)
    PARSE_ERROR = "parse_error"  # 200 but no article could be parsed: never an edit
    FETCH_ERROR = "fetch_error"  # no usable response after retries (timeout, 5xx, too large...)
    # A WAF's challenge, captcha or deny page instead of the site's answer: says nothing about the
    # article (never missing, never a version, never a parse error, no step toward gone_after).
    BLOCKED = "blocked"


# The outcomes of a capture that shows the article is there (a view count may come with them).
SHOWS_ARTICLE = (Outcome.OK, Outcome.NOT_MODIFIED, Outcome.PARSE_ERROR)


class MissingReason(StrEnum):
    """Why an article counts as missing (`captures.missing_reason` when the outcome is missing)."""

    HTTP_404 = "http_404"
    HTTP_410 = "http_410"
    NOT_EXIST_PAGE = "not_exist_page"  # a 200 page saying the article does not exist
    REDIRECT_HOME = "redirect_home"  # redirected to the site's root or a folder the article lies in
    REDIRECT_OTHER_ARTICLE = "redirect_other_article"  # redirected to another article's page (renumbered, merged)


class CaptureKind(StrEnum):
    """What a captured URL is (`captures.kind`); only article captures make articles and versions."""

    ARTICLE = "article"
    LIST = "list"  # an HTML list page
    API = "api"  # a JSON API list page
    API_IDS = "api_ids"  # a JSON API id list of a category
    ASSET = "asset"  # an image, stylesheet, script, attachment or video a page references (archive/assets.py)
    HUB = "hub"  # an HTML page read for its links: a seed (home page, root) or a page one linked
    SITEMAP = "sitemap"  # a sitemap (robots.txt `Sitemap:` lines, /sitemap.xml)


class EventKind(StrEnum):
    """What a capture changed about its article (`events.event`)."""

    NEW = "new"  # first version
    EDITED = "edited"  # a later version
    GONE = "gone"  # missing for `gone_after` captures in a row
    RESTORED = "restored"  # seen again after gone
    ATTACHMENT_GONE = "attachment_gone"  # an attachment of the current version answered 404/410
    ATTACHMENT_CHANGED = "attachment_changed"  # an attachment of the current version changed its bytes


# The events about the article page itself (its versions and presence); the attachment events are
# about a file the page links to and never change the article's status or version.
PAGE_EVENTS = (EventKind.NEW, EventKind.EDITED, EventKind.GONE, EventKind.RESTORED)
ATTACHMENT_EVENTS = (EventKind.ATTACHMENT_GONE, EventKind.ATTACHMENT_CHANGED)


# What `ncgh changes`, its feed and the alerts list: every EventKind, and `footer` (a footers version
# after the first). Built from EventKind so each event word is written once.
ChangeKind = StrEnum("ChangeKind", {**{e.name: e.value for e in EventKind}, "FOOTER": "footer"})
ChangeKind.__doc__ = "An event kind (EventKind's members by the same names) or a footer change (`footer`)."


class ArticleStatus(StrEnum):
    """An article's state (`articles.status`: live or gone) and its state at a moment (`ncgh show --as-of`)."""

    LIVE = "live"
    GONE = "gone"
    UNSEEN = "unseen"  # never stored: a moment before the archive first saw the article


STORED_ARTICLE_STATUSES = (ArticleStatus.LIVE, ArticleStatus.GONE)


class WorkKind(StrEnum):
    """Why a URL is in a run's work list (`work_items.kind`); the crawler decides, the archive stores."""

    LIST = "list"  # HTML list page
    API = "api"  # JSON API list page
    API_IDS = "api_ids"  # JSON API id list of a category
    ARTICLE = "article"  # an article to fetch: newly found, or a recheck
    PROBE = "probe"  # id walk: an id nobody linked to; a miss is not recorded
    REVISIT = "revisit"  # a known article due under the revisit schedule
    ASSET = "asset"  # a page requisite or attachment: first fetch or a rare conditional recheck
    SNAPSHOT = "snapshot"  # a known article recaptured by --mode snapshot (live or gone, due or not)
    HUB = "hub"  # a page read for its links (ncgh.hub_walk): a seed, a stored hub, a page a hub linked
    HUB_PAGE = "hub_page"  # a later page of a hub's pagination (下一页 / next): never a hub itself
    SITEMAP = "sitemap"  # a sitemap or sitemap index

    @property
    def capture_kind(self) -> CaptureKind:
        """The kind of the capture this work makes: every article fetch is an article capture."""
        if self in ARTICLE_WORK:
            return CaptureKind.ARTICLE
        return CaptureKind.HUB if self == WorkKind.HUB_PAGE else CaptureKind(self.value)


ARTICLE_WORK = (WorkKind.ARTICLE, WorkKind.PROBE, WorkKind.REVISIT, WorkKind.SNAPSHOT)  # all captured as kind "article"
DISCOVERY_WORK = (WorkKind.LIST, WorkKind.API, WorkKind.API_IDS, WorkKind.HUB, WorkKind.HUB_PAGE, WorkKind.SITEMAP)
HUB_WORK = (WorkKind.HUB, WorkKind.HUB_PAGE)


class WorkState(StrEnum):
    """Where a work item stands (`work_items.state`)."""

    PENDING = "pending"  # not fetched yet: a resumed run fetches it
    DONE = "done"  # fetched and recorded (its capture is `capture_id`)
    FAILED = "failed"  # not recorded, or no usable answer: the next run tries it again
    MISSING = "missing"  # a probe that found no article: nothing recorded, nothing to retry
    BLOCKED = "blocked"  # answered by a block page (its capture is recorded): fetched again by the next run
    # Nothing recorded on purpose, nothing to retry this run: a page of a source that refused this run
    # (needs_login), a dead link a hub showed, an absent /sitemap.xml. Never counted as an error.
    IGNORED = "ignored"


class RunStatus(StrEnum):
    """A crawl run's status (`runs.status`) and the status an invocation of `ncgh crawl` ends with.

    A run row is open (OPEN_RUN_STATUSES: the next crawl resumes it) while `running` (an invocation
    works on it, or it crashed), `paused` or `interrupted` (an invocation stopped it and stored its
    summary so far: `stop_run`); `finish_run` ends it finished, unreachable or lost.
    """

    RUNNING = "running"
    FINISHED = "finished"
    PAUSED = "paused"  # --max-requests reached; the run stays open and the next crawl resumes it
    INTERRUPTED = "interrupted"  # Ctrl-C / SIGTERM; resumable like a crash
    UNREACHABLE = "unreachable"  # no answer at all from the site
    LOST = "lost"  # the site stopped answering during the run
    # [blocks] stop_after answers in a row were block pages: the run stopped politely and stays open;
    # the next crawl resumes it, its blocked items queued again.
    BLOCKED = "blocked"


OPEN_RUN_STATUSES = (RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.INTERRUPTED, RunStatus.BLOCKED)


class RunMode(StrEnum):
    """What a crawl run covers (`runs.mode`)."""

    INCREMENTAL = "incremental"  # lists and API newest first, until known articles; revisits due
    FULL = "full"  # every list page, the API id lists and the id walk
    SNAPSHOT = "snapshot"  # incremental discovery, and every known article (live and gone) recaptured once


class AssetRole(StrEnum):
    """How a page uses an asset (`assets.role`, `version_assets.role`); the scraper's RequisiteRole by value."""

    IMAGE = "image"  # <img src/data-src/srcset>, or url(...) in a stylesheet
    STYLESHEET = "stylesheet"  # <link rel=stylesheet>, @import
    SCRIPT = "script"  # <script src>
    ATTACHMENT = "attachment"  # a linked document (pdf, doc(x), xls(x), ppt, zip, rar, wps ...)
    VIDEO = "video"  # <video>/<source>/<embed>: recorded; fetched only when [assets] download_videos
    OTHER = "other"  # a font or anything else a stylesheet names


class AssetState(StrEnum):
    """Where an asset stands (`assets.state`); its bytes, once held, are never dropped."""

    PENDING = "pending"  # referenced, never fetched (or only failed fetches so far)
    HELD = "held"  # the last answer was 200/304: the bytes are in `bodies`
    GONE = "gone"  # the last answer was 404/410 (bytes from before, if any, still held)
    FAILED = "failed"  # the last fetch got no usable answer (timeout, broken answer ...)
    TOO_LARGE = "too_large"  # its answer declared more bytes than its cap ([assets] max_bytes, video_max_bytes): not kept


# The `captures.error` of an answer refused unread for its size (the scraper's FetchErrorKind.TOO_LARGE):
# for an asset the user's cap, not a failure of the site (archive/assets.py, ArchiveQueue.run_counts).
CAPPED_ERROR = "too_large"


class DiscoverySource(StrEnum):
    """Where a run looks for articles: `[discovery] sources` (ncgh/config.py) and `run_sources.source`,
    one health row per source per run (ncgh/source_health.py)."""

    HUBS = "hubs"  # the home page, configured roots, stored hubs and the pages they link
    LIST = "list"  # the pages of `[discovery] list_url_template`, when one is configured
    API = "api"  # the mobile app's JSON API (article/list, getIdsList)
    SITEMAP = "sitemap"  # robots.txt `Sitemap:` lines and /sitemap.xml
    ID_WALK = "id_walk"  # a full crawl's walk over `[discovery] id_range`
    FRONTIER = "frontier"  # an incremental crawl's probe of the ids just above the highest seen


class SourceStatus(StrEnum):
    """How a discovery source did in a run (`run_sources.status`)."""

    OK = "ok"  # answered and showed article ids
    EMPTY = "empty"  # answered, showed none (or was absent: no sitemap)
    FAILING = "failing"  # asked, and no page of it was usable
    NEEDS_LOGIN = "needs_login"  # refused: HTTP 401/403 or an API `code` other than 200 (请先登录)
    BLOCKED = "blocked"  # a WAF or anti-bot page answered instead of the site


class BodyCodec(StrEnum):
    """How a raw body is stored (`bodies.codec`)."""

    ZSTD = "zstd"  # compressed on its own
    ZSTD_DELTA = "zstd-delta"  # compressed with the previous capture's body as dictionary
    PATCH = "patch"  # a byte patch against the previous capture's body


def sql_values(values: type[StrEnum] | tuple[StrEnum, ...]) -> str:
    """The values as a SQL list for `IN (...)`, e.g. "('live', 'gone')": the schema's CHECKs, open runs."""
    return "(" + ", ".join(f"'{v.value}'" for v in values) + ")"
