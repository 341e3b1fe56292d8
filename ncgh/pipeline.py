"""The one mapping between what the scraper saw and what the archive stores.

A live fetch (`interpret`) and a stored capture re-run through today's parser (`interpret_stored`,
used by `ncgh reparse`) go through the same classification core, so a page can never be judged one
way when crawled and another way when reparsed.

Classification, in order:
- an answer that is a WAF's challenge, captcha or deny page (scraper.blocks: a [blocks] status or a
  short 2xx page, showing a [blocks] pattern or a cookie-and-reload script) -> blocked: never missing,
  never a version, never a parse error, and it does not count toward `gone_after`. A 2xx article page
  in which the site profile finds its article (title and body selectors) is the site's page whatever
  it says: the block check only decides pages the profile does not recognise;
- a fetch that got a final 404 or 410 -> missing (http_404 / http_410);
- any other fetch error (timeout, connection, 5xx/429 after retries, too large, truncated, off-site
  redirect, robots) -> fetch_error: never evidence that an article is gone;
- 304 -> not_modified;
- any other non-2xx status -> fetch_error;
- an article URL redirected to the site's home page (the root, or a folder the article's path lies
  in, or its `index.*`, with no query) -> missing (redirect_home); to any other non-article URL (a
  login page) -> fetch_error (redirect_elsewhere): never evidence of a deletion;
- an article URL redirected to another article's URL -> missing (redirect_other_article): the page
  is the other article's, never a version of this one (the other is found by discovery as usual);
- a page the parser says "does not exist" (ArticleMissing) -> missing (not_exist_page);
- any other ParseError, a parser crash, a page without any title (unless the site profile matched)
  or with mostly undecodable text -> parse_error: never an edit;
- otherwise ok, with the parsed content, views and footer.
List, API and robots captures are stored as fetched (ok / blocked / fetch_error) without article parsing.
Asset captures (ncgh/assets.py) are classified like list pages except that a final 404/410, or an
HTML page answering for a document URL (a soft 404), is missing (the attachment is gone); a
stylesheet's references and an attachment's text are read here, so a reparse finds the same ones.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from archive.model import AssetText, CaptureIn
from archive.vocab import CaptureKind, MissingReason, Outcome
from ncgh.record_fields import asset_refs, footer_content, iso_utc, to_content
from scraper.attachment_text import extract_text_isolated
from scraper.blocks import DEFAULT_BLOCK_RULES, BlockRules, block_of
from scraper.breadcrumb import breadcrumb_section
from scraper.encoding import Decoded, decode
from scraper.html_end import html_unclosed
from scraper.ids import article_id_from_url, without_session
from scraper.parse import parse_article, parse_decoded, parser_version_for
from scraper.profile import SiteProfile
from scraper.records import (
    ArticleMissing,
    ArticleRecord,
    Extractor,
    FetchErrorKind,
    FetchResult,
    ParseError,
    header_value,
)
from scraper.requisites import css_requisites, names_a_file, page_requisites


@dataclass
class _Seen:
    """The facts classification needs, whether they come from a live fetch or a stored capture."""

    url: str
    final_url: str
    status: int | None
    headers: list[tuple[str, str]]
    body: bytes | None
    redirected: bool
    error: str | None
    error_detail: str | None


@dataclass
class _Verdict:
    outcome: Outcome
    article_id: int | None
    missing_reason: MissingReason | None = None
    parse_error: str | None = None
    record: ArticleRecord | None = None
    encoding: str | None = None
    encoding_source: str | None = None
    error: str | None = None
    error_detail: str | None = None
    section: str | None = None  # the page's breadcrumb (scraper.breadcrumb)
    text: str | None = None  # the decoded page a record was parsed from (its requisites are read from it)


_GONE_ON_404 = (CaptureKind.ARTICLE, CaptureKind.ASSET)
# Errors _classify gives a page received whole: a reparse judges such a page again.
_JUDGED_ERRORS = (FetchErrorKind.REDIRECT_ELSEWHERE, FetchErrorKind.TRUNCATED)


_TEXT_SUBTYPES = frozenset({"html", "xhtml+xml", "xml", "json", "javascript", "x-javascript", "ecmascript"})


def _is_textual(content_type: str) -> bool:
    """text/*, or an application type that is markup, JSON or script (by the subtype, not a substring:
    Office documents are application/vnd.openxmlformats-...)."""
    main, _, subtype = content_type.split(";", 1)[0].strip().lower().partition("/")
    return main == "text" or subtype in _TEXT_SUBTYPES or subtype.endswith(("+xml", "+json"))


def _could_be_page(content_type: str | None, body: bytes) -> bool:
    """Whether an answer could be a WAF's page at all: a textual (or unlabelled) type, or a body that
    opens with markup whatever its label says. An image, PDF or Office document is not decoded to be
    searched for challenge phrases (charset detection on binary bytes was 6% of a crawl's CPU)."""
    if not content_type or not content_type.strip() or _is_textual(content_type):
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _block_check(
    seen: _Seen, rules: BlockRules, article_id: int | None
) -> tuple[Decoded | None, Callable[[], _Verdict | None]]:
    """(the decoded body when it was decoded for the check, the blocked verdict, asked lazily).

    Only answers a block could be are decoded here: a body within [blocks] max_bytes, of a 2xx or a
    [blocks] status, with nothing wrong with the exchange itself (a truncated body is a fetch error),
    that could be a page. The verdict is a function, computed once when first asked: a 2xx article
    page the site profile recognises never needs it.
    """
    status, body = seen.status, seen.body
    if status is None or not body or seen.error not in (None, FetchErrorKind.HTTP_STATUS):
        return None, _never
    if len(body) > rules.settings.max_bytes or not (200 <= status < 300 or status in rules.settings.statuses):
        return None, _never
    content_type = header_value(seen.headers, "Content-Type")
    if not _could_be_page(content_type, body):
        return None, _never
    decoded = decode(body, content_type)

    @functools.cache
    def blocked() -> _Verdict | None:
        block = block_of(status, body, decoded.text, rules)
        if block is None:
            return None
        return _Verdict(Outcome.BLOCKED, article_id, error=seen.error, error_detail=block.describe())

    return decoded, blocked


def _never() -> _Verdict | None:
    return None


def _classify(
    seen: _Seen,
    kind: CaptureKind,
    profile: SiteProfile,
    article_paths: tuple[str, ...] | list[str],
    blocks: BlockRules = DEFAULT_BLOCK_RULES,
) -> _Verdict:
    article_id = article_id_from_url(seen.url, article_paths) if kind == CaptureKind.ARTICLE else None
    status = seen.status
    checked, blocked_page = _block_check(seen, blocks, article_id)
    if kind != CaptureKind.ARTICLE or not 200 <= (status or 0) < 300:
        blocked = blocked_page()
        if blocked is not None:
            return blocked
    # A 2xx article page that looks like a block page is one unless the site profile finds its
    # article in it (below): the site's own short notice about 安全验证 stays an article. So there the
    # check is made only where its answer decides (blocked_page() below).
    if kind in _GONE_ON_404 and status in (404, 410) and seen.error in (None, FetchErrorKind.HTTP_STATUS):
        reason = MissingReason.HTTP_404 if status == 404 else MissingReason.HTTP_410
        return _Verdict(Outcome.MISSING, article_id, missing_reason=reason)
    if seen.error is not None:
        return _Verdict(Outcome.FETCH_ERROR, article_id, error=seen.error, error_detail=seen.error_detail)
    if status == 304:
        return _Verdict(Outcome.NOT_MODIFIED, article_id)
    if status is None or not 200 <= status < 300:
        detail = f"HTTP {status}" if status is not None else "no response"
        return _Verdict(
            Outcome.FETCH_ERROR, article_id, error=FetchErrorKind.HTTP_STATUS, error_detail=detail
        )
    if kind == CaptureKind.ASSET and _html_for_a_file(seen):
        # A soft 404: the site's error or home page where a PDF, an image or a stylesheet was. The file
        # is not there (never "changed" into a web page); the page's bytes are kept with the capture.
        return _Verdict(Outcome.MISSING, None, missing_reason=MissingReason.NOT_EXIST_PAGE)
    if kind != CaptureKind.ARTICLE:
        return _Verdict(Outcome.OK, None)
    if seen.redirected and (blocked := blocked_page()) is not None:
        return blocked  # redirected to a captcha page: not to the home page
    elsewhere: _Verdict | None = None  # redirected to a page that is neither an article nor the home page
    if seen.redirected:
        landed = article_id_from_url(seen.final_url, article_paths)
        if landed is None and _is_home(seen.final_url, seen.url):
            return _Verdict(Outcome.MISSING, article_id, missing_reason=MissingReason.REDIRECT_HOME)
        if landed is None:
            # A login page, a maintenance notice, a new URL scheme: nothing says the article is gone,
            # and a site-wide login redirect once marked every article gone in two runs (found by review).
            # Only a page that itself says the article does not exist (/404.html: 页面不存在或已被删除)
            # is missing: it is parsed below, and anything else it shows is this error.
            elsewhere = _Verdict(Outcome.FETCH_ERROR, article_id, error=FetchErrorKind.REDIRECT_ELSEWHERE,
                                 error_detail=f"redirected to {seen.final_url[:300]}: neither an article nor the home page")
        elif article_id is not None and landed != article_id:
            # Renumbered or merged: the page shown is another article's, never a version of this one.
            return _Verdict(Outcome.MISSING, article_id, missing_reason=MissingReason.REDIRECT_OTHER_ARTICLE)
    body = seen.body or b""
    content_type = header_value(seen.headers, "Content-Type")
    decoded = checked if checked is not None else (decode(body, content_type) if body else None)
    encoding = decoded.encoding if decoded else None
    encoding_source = decoded.source if decoded else None

    def judged(outcome: Outcome, **fields: object) -> _Verdict:
        """Every verdict on a parsed body says how the body was decoded."""
        return _Verdict(outcome, article_id, encoding=encoding, encoding_source=encoding_source, **fields)

    try:
        record = parse_decoded(decoded, seen.final_url, profile) if decoded else parse_article(
            body, seen.final_url, content_type, profile
        )
    except ArticleMissing:
        return blocked_page() or judged(Outcome.MISSING, missing_reason=MissingReason.NOT_EXIST_PAGE)
    except ParseError as exc:
        return blocked_page() or elsewhere or judged(Outcome.PARSE_ERROR, parse_error=exc.reason)
    except Exception as exc:  # a parser bug on odd input must not stop a crawl or lose the capture
        return blocked_page() or elsewhere or judged(
            Outcome.PARSE_ERROR, parse_error=f"parser failed: {type(exc).__name__}: {exc}")
    if elsewhere is not None:
        return elsewhere
    if record.extractor != Extractor.PROFILE and (blocked := blocked_page()) is not None:
        return blocked  # only the generic extractor "found" an article in it: a captcha page is no article
    problem = _not_an_article(record)
    if problem is not None:
        return judged(Outcome.PARSE_ERROR, parse_error=problem)
    if html_unclosed(body):
        # Framing complete (a Content-Length met, a chunked stream ended), but the page stops before
        # its closing tags: a server that stopped rendering (a PHP fatal error, a worker killed
        # mid-page; it often ends on a tag, `</p>`). As a version it was an edit that never happened,
        # and the whole page the next day another. Every real page seen closes its document (107 of
        # 107); a footer found is no proof of a whole page (a contact line in the body reads as one).
        # A template that never closes its tags is this error on every run, said each time, its
        # bytes kept for a reparse.
        return judged(Outcome.FETCH_ERROR, error=FetchErrorKind.TRUNCATED,
                      error_detail=f"HTML of {len(body)} bytes ends before </body> and </html>: cut short")
    return _Verdict(
        Outcome.OK,
        record.article_id if article_id is None else article_id,
        record=record,
        encoding=record.encoding or encoding,
        encoding_source=encoding_source,
        section=breadcrumb_section(decoded.text) if decoded else None,
        text=decoded.text if decoded else None,
    )


_INDEX_PAGE = re.compile(r"(?:index|default|main|home)\.[a-z]{2,5}", re.IGNORECASE)


def _is_home(url: str, article_url: str) -> bool:
    """`url` is a home page of the article: the site's root, or a folder the article's own path lies
    in (a CMS installed at `/nczhghcms/`, a section `/news/`), or that folder's `index.*` page; with
    no query (a login page carries its return URL in one). A login or maintenance page is neither."""
    parts = urlsplit(url)
    if parts.query:
        return False
    path = without_session(parts.path)
    folder, _, last = path.rpartition("/")
    if last and not _INDEX_PAGE.fullmatch(last):
        return False
    return urlsplit(article_url).path.startswith(folder.rstrip("/") + "/")


def _html_for_a_file(seen: _Seen) -> bool:
    content_type = (header_value(seen.headers, "Content-Type") or "").lower()
    return "html" in content_type and names_a_file(seen.url)


REPLACEMENT_SHARE = 0.02


def _not_an_article(record: ArticleRecord) -> str | None:
    """Why a parsed record is no article after all (garbage bytes, an error page), or None.

    Every article of the site has a title; a page where neither the site profile nor the fallback
    found one, or whose text is mostly undecodable, is a parse error: never a version.
    """
    text = (record.title or "") + record.body_text
    if text and text.count("\ufffd") / len(text) > REPLACEMENT_SHARE:
        return "body is not text in any known encoding (garbage or binary)"
    if not (record.title or "").strip() and record.extractor != Extractor.PROFILE:
        return "no title found: the page does not look like an article"
    return None


def _apply(capture: CaptureIn, verdict: _Verdict, profile: SiteProfile) -> CaptureIn:
    capture.outcome = verdict.outcome
    capture.article_id = verdict.article_id
    capture.missing_reason = verdict.missing_reason
    capture.parse_error = verdict.parse_error
    capture.encoding = verdict.encoding
    capture.encoding_source = verdict.encoding_source
    if verdict.outcome in (Outcome.FETCH_ERROR, Outcome.BLOCKED):
        capture.error = verdict.error
        capture.error_detail = verdict.error_detail
    if capture.kind == CaptureKind.ARTICLE and verdict.outcome in (Outcome.OK, Outcome.MISSING, Outcome.PARSE_ERROR):
        capture.parser_version = parser_version_for(profile)  # the profile used, as a record carries it
    record = verdict.record
    if record is not None:
        capture.content = to_content(record)
        capture.views = record.views
        capture.footer = footer_content(record)
        capture.extractor = record.extractor
        capture.warnings = tuple(record.warnings)
        capture.parser_version = record.parser_version
        capture.category = verdict.section
        capture.requisites = asset_refs(
            page_requisites(
                capture.body or b"", capture.final_url or capture.url, header_value(capture.headers, "Content-Type"),
                attachments=[att.url for att in record.attachments], text=verdict.text,
            )
        )
    elif capture.kind == CaptureKind.ASSET and verdict.outcome == Outcome.OK and capture.body:
        _read_asset(capture)
    return capture


def _read_asset(capture: CaptureIn) -> None:
    """A stylesheet's references, an attachment's text: what an asset's bytes say."""
    body = capture.body or b""
    content_type = (header_value(capture.headers, "Content-Type") or "").lower()
    where = capture.final_url or capture.url
    if "css" in content_type or where.lower().split("?", 1)[0].endswith(".css"):
        capture.requisites = asset_refs(css_requisites(body, where, content_type or None))
        return
    found = extract_text_isolated(body)
    if found is not None:
        capture.asset_text = AssetText(found.text, found.error)


def _live(
    site: str, url: str, fetch: FetchResult, kind: CaptureKind, run_id: int | None, work_item_id: int | None
) -> tuple[_Seen, CaptureIn]:
    """What classification needs of a live fetch, and the capture it will fill in."""
    seen = _Seen(
        url=url,
        final_url=fetch.final_url or url,
        status=fetch.status,
        headers=list(fetch.headers),
        body=fetch.body,
        redirected=bool(fetch.redirects) or (fetch.final_url or url) != url,
        error=fetch.error,
        error_detail=fetch.error_detail,
    )
    capture = CaptureIn(
        site=site,
        url=url,
        final_url=seen.final_url,
        fetched_at=iso_utc(fetch.fetched_at),
        status=fetch.status,
        outcome=Outcome.FETCH_ERROR,
        kind=kind,
        headers=list(fetch.headers),
        request_headers=list(fetch.request_headers),
        redirects=[(hop.url, hop.status, hop.location) for hop in fetch.redirects],
        body=fetch.body if fetch.body else None,
        elapsed=fetch.elapsed,
        attempts=fetch.attempts,
        error=seen.error,
        error_detail=fetch.error_detail,
        run_id=run_id,
        work_item_id=work_item_id,
    )
    return seen, capture


def interpret(
    site: str,
    url: str,
    fetch: FetchResult,
    profile: SiteProfile,
    article_paths: tuple[str, ...] | list[str],
    kind: CaptureKind = CaptureKind.ARTICLE,
    run_id: int | None = None,
    work_item_id: int | None = None,
    blocks: BlockRules = DEFAULT_BLOCK_RULES,
) -> CaptureIn:
    """One live fetch -> the capture the archive records (whatever happened: never raises for the page)."""
    seen, capture = _live(site, url, fetch, kind, run_id, work_item_id)
    return _apply(capture, _classify(seen, kind, profile, article_paths, blocks), profile)


def unparsed(
    site: str,
    url: str,
    fetch: FetchResult,
    profile: SiteProfile,
    article_paths: tuple[str, ...] | list[str],
    reason: str,
    run_id: int | None = None,
    work_item_id: int | None = None,
) -> CaptureIn:
    """An article page that could not be interpreted at all (its parser process died on it): a parse
    error with the page's bytes kept, so a later reparse can judge it; never an edit."""
    _, capture = _live(site, url, fetch, CaptureKind.ARTICLE, run_id, work_item_id)
    verdict = _Verdict(Outcome.PARSE_ERROR, article_id_from_url(url, article_paths), parse_error=reason)
    return _apply(capture, verdict, profile)


def interpret_stored(
    stored, body: bytes | None, profile: SiteProfile, article_paths, blocks: BlockRules = DEFAULT_BLOCK_RULES
) -> CaptureIn:
    """A stored capture (archive.store.StoredCapture) re-judged by today's parser.

    Everything observed on the wire is kept as stored; only the interpretation (outcome, content,
    views, footer, parser version) is redone.
    """
    headers = [tuple(h) for h in (stored.headers or [])]
    redirects = [tuple(r) for r in (stored.redirects or [])]
    # An error this module judged from a page received whole (a redirect elsewhere, a page cut inside
    # complete framing) is an interpretation, judged again; one the fetcher met kept no body.
    judged = stored.error in _JUDGED_ERRORS and bool(body)
    error, error_detail = (None, None) if judged else (stored.error, stored.error_detail)
    seen = _Seen(
        url=stored.url,
        final_url=stored.final_url or stored.url,
        status=stored.status,
        headers=headers,
        body=body,
        redirected=bool(redirects) or (stored.final_url or stored.url) != stored.url,
        error=error,
        error_detail=error_detail,
    )
    capture = CaptureIn(
        site=stored.site,
        url=stored.url,
        final_url=seen.final_url,
        fetched_at=stored.fetched_at,
        status=stored.status,
        outcome=Outcome.FETCH_ERROR,
        kind=stored.kind,
        headers=headers,
        request_headers=[tuple(h) for h in (stored.request_headers or [])],
        redirects=redirects,
        body=body,
        elapsed=stored.elapsed,
        attempts=stored.attempts,
        error=error,
        error_detail=error_detail,
        run_id=stored.run_id,
    )
    verdict = _classify(seen, stored.kind, profile, article_paths, blocks)
    if verdict.article_id is None and stored.article_id is not None:
        verdict.article_id = stored.article_id
    return _apply(capture, verdict, profile)
