"""One fetched article page -> `ArticleRecord`: the site profile first, the generic fallback second.

The profile (CSS selectors from `[parse]` in config.toml) knows the site's own templates and is exact;
the fallback (`scraper.extract`, text and link density) keeps a redesign or a sibling front end from
silently producing nothing. Header fields are read by label patterns (`scraper.header`) on either path,
and the footer by pattern (`scraper.footer`), so the two paths give records of one shape. A page with
no recognisable article raises `ParseError`; a 200 page saying the article does not exist raises
`ArticleMissing`. Rules and their reasons are in docs/parsing.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from functools import lru_cache

from lxml import etree

from scraper.article_parts import ArticleParts, fallback_parts, profile_parts
from scraper.dates import DateValue
from scraper.encoding import Decoded, decode
from scraper.header import normalise_space
from scraper.htmltree import build_tree, page_body, text_lines, utf8_bytes
from scraper.ids import article_id_from_url
from scraper.learned_profile import LearnedProfile, prune
from scraper.page_limits import check_page
from scraper.profile import DEFAULT_PROFILE, CompiledProfile, SiteProfile, compile_profile, select_first
from scraper.records import ArticleMissing, ArticleRecord, Extractor, ParseError, ParseWarning
from scraper.sanitize import absolute_url
from scraper.signature import is_attachment_line, split_signature

__all__ = [
    "PARSER_VERSION",
    "parse_article",
    "parse_decoded",
    "parser_version_for",
]

# Bump by hand in the same commit as any change that alters a record parse_article gives (a fix, a
# rule, a field): major when the meaning of a field changes, minor when a field or rule is added,
# patch when a fix changes output. An edit that changes no record (a comment, a refactoring proven
# by bench/parse_equivalence.py) leaves it alone, so it costs no archive a re-parse. History:
# 1.0.1 (issue 13): character references decoded whole (`&#8220;` once became `220;`), references
# to control characters and noncharacters dropped, an attribute name the tree cannot hold dropped.
# 1.1.0 (issue 16): header fields read across the header region's elements and from credit lines and
# bylines (new labels 查看 来自 出处 原作者 ...; a writer over an editor), dates only from meta, the
# header or a labelled line, the title agreeing with <title> minus the site name, print/close controls
# out of any body, data-src images, attachment blocks after the body, inline document.write counters,
# link-box sidebars out of the fallback's choice, an early </html> no longer ending the page.
# 1.1.1: the fallback on short articles (video lessons): a teaser box is a sidebar however long next
# to the article, a one-paragraph winner is read from its container (picture, caption, signature),
# and attachment lines (附件：<a href="….docx">) no longer count against the body around them.
# 1.1.2: a UTF-16/32 declaration is believed only for bytes with NULs (a UTF-8 page declared
# "charset=utf-16" was read as UTF-16: a parse error, now its article).
# 1.2.0 (the site-independence review): the fallback's title from bold or large text or a bt/tit
# class when neither a heading nor <title> names the article; a <title> part that is a column's
# name (a short link or breadcrumb text) is never the title; `site - title` read with the title last
# when a link names the site; a line that is only a server's "page not found" is ArticleMissing;
# a views 0 beside an external counter script (count.php) is no reading.
PARSER_SEMVER = "1.2.1"


@lru_cache(maxsize=16)
def parser_version_for(profile: SiteProfile) -> str:
    """`PARSER_SEMVER` + a short hash of the profile in use: a `[parse]` change in the config
    changes what is extracted, so it must make `ncgh reparse` re-parse too."""
    digest = hashlib.sha256(repr(profile).encode("utf-8")).hexdigest()[:10]
    return f"{PARSER_SEMVER}+{digest}"


PARSER_VERSION = parser_version_for(DEFAULT_PROFILE)


# ---- title, column, missing page -------------------------------------------------------------

_COLUMN = re.compile(r"^【([^【】]{1,40})】\s*(.*)$", re.DOTALL)


def _title_column(raw: str | None) -> tuple[str | None, str | None]:
    """(title, column): a leading `【基层工会动态】` is the column and is removed from the title."""
    title = normalise_space(raw or "")
    m = _COLUMN.match(title)
    if m and m.group(2).strip():
        return m.group(2).strip(), m.group(1).strip()
    return (title or None), None


_MISSING_MAX_PROSE = 200  # characters of other body text that make a "does not exist" page an article


# An external script that writes this article's view count: DedeCMS's /plus/count.php?aid=N,
# PHPCMS's api.php?op=count&id=N, a hits or click counter given the article's id (searched in the
# page's bytes: the tree holds no scripts). A site-wide analytics script counts no article.
_COUNTER_SCRIPT = re.compile(
    rb"<script\b[^>]*\bsrc\s*=\s*[\"']?[^\"'>\s]*(?:count|hits|click)[^\"'>\s]*[?&](?:aid|id|contentid|articleid)=",
    re.IGNORECASE,
)


# A web server's or CMS's "page not found", served with 200 on an article URL (a soft 404: parsed as
# an article titled "404 Not Found", it was an edit that never happened). Only a line that is such a
# message and nothing more counts (很抱歉，您要访问的页面不存在！, 该页面已不存在, 404 页面走丢了, Oops!
# Page not found., HTTP Status 404 – Not Found): a sentence that ends in 页面不存在 after saying
# something else (部分旧链接的页面不存在。) is article text, and such an article is no deletion.
_CN_LEAD = r"(?:404\s*)?(?:(?:很|非常)?(?:抱歉|对不起)[\W_]*)?(?:404\s*)?"
_CN_WHO = r"(?:(?:您|你)?(?:所|要)?(?:访问|请求|查找|浏览|打开)的)?(?:该|此|这个|当前)?"
_CN_GONE = r"(?:不存在|已不存在|未找到|没有找到|找不到了?|走丢了|已被删除|已删除|无法访问)(?:或已(?:被)?(?:删除|移除|过期|下线))?(?:\s*404)?[\W_]*"
_NOT_FOUND_CN = re.compile(
    # what is missing named (页面, 网页 ...), or an apology or a 404 before a bare 不存在 / 没有找到
    rf"{_CN_LEAD}{_CN_WHO}(?:页面|网页|链接|文章){_CN_GONE}"
    rf"|(?:404\s*|(?:很|非常)?(?:抱歉|对不起)[\W_]*)+{_CN_WHO}{_CN_GONE}"
    r"|(?:(?:很)?(?:抱歉|对不起)[\W_]*)?找不到(?:该|此|您要的|你要的|您要访问的|你要访问的)?(?:页面|网页)[\W_]*"
)
_NOT_FOUND_EN = re.compile(
    r"(?:(?:sorry|oops)[\W_]*)?(?:(?:HTTP\s+)?(?:Status\s+|Error\s+)?404\W*)?(?:the\s+)?"
    r"(?:page|file(?:\s+or\s+directory)?)?\s*(?:you\s+requested\s+)?(?:was\s+|could\s+not\s+be\s+)?(?:not\s+)?found[\W_]*",
    re.IGNORECASE,
)
_NOT_FOUND_MAX_LINE = 40


def _not_found_line(line: str) -> bool:
    """The line is a server's "page not found" and nothing more; a bare 不存在 / 已删除 needs a word of
    what is missing or an apology before it to count (the article patterns catch the rest)."""
    if len(line) > _NOT_FOUND_MAX_LINE or len(line) < 4:
        return False
    if _NOT_FOUND_EN.fullmatch(line) is not None:
        return "not" in line.lower() or "could" in line.lower()
    return _NOT_FOUND_CN.fullmatch(line) is not None


def _missing_message(lines: list[str], patterns: tuple[str, ...], not_found: bool = True) -> str | None:
    """A short line saying the article does not exist (long lines are article text mentioning it),
    or (`not_found`) a line that is only a server's "page not found"."""
    for line in lines:
        if len(line) <= 80 and (any(p in line for p in patterns) or (not_found and _not_found_line(line.strip()))):
            return line
    return None


# ---- entry point -------------------------------------------------------------------------------


def parse_article(
    body: bytes,
    url: str | None,
    content_type: str | None = None,
    profile: SiteProfile = DEFAULT_PROFILE,
) -> ArticleRecord:
    """Parse one article page; raise ParseError (or ArticleMissing) when it holds no article."""
    return parse_decoded(decode(body, content_type), url, profile)


def parse_decoded(decoded: Decoded, url: str | None, profile: SiteProfile = DEFAULT_PROFILE) -> ArticleRecord:
    """`parse_article` for a page the caller has decoded already (`decode(body, content_type)`; the
    crawl pipeline records how each page was decoded), so that it is not decoded twice."""
    check_page(decoded.text)  # a page too pathological for a tree is a ParseError, before libxml2 sees it
    data = utf8_bytes(decoded)
    root = build_tree(data)
    found = _find_parts(root, data, compile_profile(profile), profile, _page_base(root, url))
    if found.header.views == 0 and _COUNTER_SCRIPT.search(data):
        # `点击数：<span id="hits">0</span><script src="/plus/count.php?aid=12">`: the 0 is what the page
        # shows until the counter script writes the count; as a reading, every capture said 0 views.
        found.header = dataclasses.replace(found.header, views=None)
    title, column = _title_column(found.title)
    paragraphs, signature = _body_paragraphs(found)
    if title is None and not paragraphs:
        raise ParseError("no article: neither a title nor body text was found")
    published: DateValue | None = found.header.published
    return ArticleRecord(
        url=url,
        article_id=article_id_from_url(url) if url else None,
        title=title,
        column=column,
        published_at=published.iso if published else None,
        published_raw=published.raw if published else None,
        views=found.header.views,
        source=found.header.source,
        author=found.header.author,
        body_text="\n\n".join(paragraphs),
        body_html=found.body.html,
        images=found.body.images,
        attachments=found.body.attachments,
        signature=signature,
        footer=found.footer,
        encoding=decoded.encoding,
        extractor=found.extractor,
        warnings=_warnings(found, title, paragraphs),
        parser_version=parser_version_for(profile),
    )


# ---- the steps ---------------------------------------------------------------------------------


def _page_base(root: etree._Element, url: str | None) -> str | None:
    """The URL relative links resolve against: the page's `<base href>` when it has one."""
    base_el = next(root.iter("base"), None)
    if base_el is not None and url and base_el.get("href"):
        return absolute_url(url, base_el.get("href", ""))
    return url


def _find_parts(
    root: etree._Element, data: bytes, compiled: CompiledProfile, profile: SiteProfile, base: str | None
) -> ArticleParts:
    """Title, header, body and footer by the profile when its title and body selectors match, else
    by the fallback; ArticleMissing for a page that says the article does not exist."""
    matched = {
        "title": select_first(compiled.title, root),
        "body": select_first(compiled.body, root),
        "info": select_first(compiled.info, root),
        "footer": select_first(compiled.footer, root),
    }
    if matched["title"] is not None and matched["body"] is not None:
        found = profile_parts(root, matched, compiled, base)
        if sum(map(len, found.body.paragraphs)) < 80:
            message = _missing_message(found.body.paragraphs, profile.missing_patterns)
            if message is not None:
                raise ArticleMissing(f"page says the article does not exist: {message}")
        return found
    page_lines = text_lines(page_body(root))
    message = _missing_message(page_lines, profile.missing_patterns, not_found=False)
    # The fallback extractor works on lxml.html elements: parse again, into those (the same
    # bytes, so the same page lines).
    tree = build_tree(data, html_elements=True)
    if isinstance(profile, LearnedProfile):  # what repeats across the site's pages is never the article
        prune(tree, profile.boilerplate)
    try:
        found = fallback_parts(tree, compiled, base, page_lines)
    except ParseError:
        message = message or _missing_message(page_lines, (), not_found=True)  # an error page holds no block
        if message is not None:
            raise ArticleMissing(f"page says the article does not exist: {message}") from None
        raise
    # A server's "page not found" counts where the fallback found the page's text (its title or main
    # block): a sidebar's dead ad slot reading 404 Not Found made a live short article missing.
    message = message or _missing_message([found.title or "", *found.body.paragraphs], (), not_found=True)
    # A page saying "does not exist" is missing unless the fallback found an article of some
    # length elsewhere on it (a widget's "内容不存在" on a real article page).
    prose = sum(len(p) for p in found.body.paragraphs if message is None or message not in p)
    if message is not None and prose < _MISSING_MAX_PROSE:
        raise ArticleMissing(f"page says the article does not exist: {message}")
    return found


def _body_paragraphs(found: ArticleParts) -> tuple[list[str], str | None]:
    """(paragraphs, signature): the body's paragraphs without image captions and attachment lines,
    and the trailing signature block split off."""
    names = [a.name for a in found.body.attachments]
    captions = found.body.caption_lines
    paragraphs = found.body.paragraphs
    if captions or names:  # most pages have neither: no paragraph needs hashing or matching
        paragraphs = [
            p for p in paragraphs if p not in captions and not (names and is_attachment_line(p, names))
        ]
    return split_signature(paragraphs)


def _warnings(found: ArticleParts, title: str | None, paragraphs: list[str]) -> list[ParseWarning]:
    """What the record lacks or how it was found, in a fixed order."""
    warnings: list[ParseWarning] = []
    if title is None:
        warnings.append(ParseWarning.MISSING_TITLE)
    if found.header.published is None:
        warnings.append(ParseWarning.MISSING_DATE)
    if found.header.views is None:
        warnings.append(ParseWarning.MISSING_VIEWS)
    if not paragraphs and not found.body.images and not found.body.attachments:
        warnings.append(ParseWarning.EMPTY_BODY)
    if found.extractor == Extractor.FALLBACK:
        warnings.append(ParseWarning.FALLBACK_USED)
    if found.footer is None:
        warnings.append(ParseWarning.FOOTER_MISSING)
    return warnings
