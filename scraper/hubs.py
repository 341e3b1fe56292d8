"""Any HTML page of the site -> the article links it shows, its next page, and the other pages it
links; sitemaps -> article links and further sitemaps.

Discovery (ncgh/hub_walk.py) reads the site's own pages for links because no home, category or list
page of the real site has ever been seen: nothing here may depend on a class name or URL shape of the
simulator. The signals are generic ones a browser user sees: an article is a link whose URL has an
article form (scraper.ids, `[site] article_paths`); the next page is a `rel="next"` link or a link
whose text says so (下一页, 下页, next, >, »); a page-number link is a link whose text is a bare
number and whose URL differs from this page's only in its digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from scraper.dates import parse_date
from scraper.discover import element_text, html_root
from scraper.encoding import decode
from scraper.ids import DEFAULT_ARTICLE_PATHS, id_text_of_url
from scraper.ids import article_id as _article_id
from scraper.records import ArticleLink, ParseError

__all__ = ["HubPage", "SitemapPage", "parse_hub_page", "parse_sitemap", "sitemap_page"]

_NEXT_TEXT = re.compile(r"^\s*(?:下一页|下页|后一页|下一頁|next(?:\s*page)?|>|>>|»|›)\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
# Links that are never pages of the site: downloads, media, scripts, styles.
_NOT_A_PAGE = re.compile(
    r"\.(?:jpe?g|png|gif|bmp|webp|svg|ico|css|js|pdf|docx?|xlsx?|pptx?|zip|rar|7z|mp[34]|avi|flv|wmv|mov|apk|exe)$",
    re.IGNORECASE,
)


@dataclass
class HubPage:
    """What one page shows: article links (page order, each id once), its next page, and the other
    http(s) pages it links (absolute, without fragment, each once, page order; not yet scoped; not
    this list's own other pages, which its next links reach)."""

    links: list[ArticleLink]
    next_url: str | None
    page_links: list[str] = field(default_factory=list)
    skipped_ids: int = 0  # article-form links whose id scraper.ids refuses


class _ArticleLinks:
    """The article links a page or sitemap holds, each id once in first-seen order. An article-form
    URL whose id scraper.ids refuses is counted as skipped by both readers, never followed as a page."""

    def __init__(self, article_paths: tuple[str, ...]) -> None:
        self.article_paths = article_paths
        self.links: list[ArticleLink] = []
        self.skipped = 0
        self._seen: set[int] = set()

    def new_id(self, href: str) -> tuple[bool, int | None]:
        """(is the URL of article form, its id when not seen before): the caller adds that link."""
        raw = id_text_of_url(href, self.article_paths)
        if raw is None:
            return False, None
        article_id = _article_id(raw)
        if article_id is None:
            self.skipped += 1
            return True, None
        if article_id in self._seen:
            return True, None
        self._seen.add(article_id)
        return True, article_id


def _absolute(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith("#") or href.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        parts = urlsplit(urljoin(base, href))
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _date_near(a: etree._Element) -> str | None:
    """A date shown beside the link (its parent's text without the link's), as an ISO day."""
    parent = a.getparent()
    if parent is None:
        return None
    rest = element_text(parent).replace(element_text(a), " ", 1)
    value = parse_date(rest) if rest.strip() else None
    return value.day if value else None


def _shape(url: str) -> str:
    """The URL with every run of digits replaced: two pages of one list share a shape."""
    return _DIGITS.sub("#", url)


def _sibling(a: str, b: str) -> bool:
    """True when two URLs are pages of one list: the same shape, digits differing only in the last
    run (`/list/3_2.html` and `/list/3_9.html`; not `/category/3?p=1` and `/category/174?p=1`)."""
    if _shape(a) != _shape(b):
        return False
    da, db = _DIGITS.findall(a), _DIGITS.findall(b)
    return bool(da) and da[:-1] == db[:-1]


def _next_link(root: lxml.html.HtmlElement, url: str, anchors: list[tuple[etree._Element, str]]) -> str | None:
    for el in root.iter("a", "link"):
        if "next" in (el.get("rel") or "").lower().split() and el.get("href"):
            found = _absolute(url, el.get("href"))
            if found and found != url:
                return found
    for a, href in anchors:
        if _NEXT_TEXT.match(element_text(a)) and href != url:
            return href
    # Page-number links of this page's shape: the smallest number above the one this URL holds
    # (page 1 often has no number in its URL: then 2).
    here = [int(n) for n in _DIGITS.findall(urlsplit(url).query or urlsplit(url).path)]
    numbered = []
    for a, href in anchors:
        label = element_text(a)
        if label.isascii() and label.isdigit() and _shape(href) == _shape(url) and href != url:
            numbered.append((int(label), href))
    if not numbered:
        return None
    current = here[-1] if here and _shape(url) == _shape(numbered[0][1]) else 1
    above = sorted(n for n in numbered if n[0] > current)
    return above[0][1] if above else None


def parse_hub_page(
    body: bytes,
    url: str,
    content_type: str | None = None,
    article_paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS,
) -> HubPage:
    """Article links, the next page and the other linked pages of one HTML page (see the module doc)."""
    root = html_root(body, content_type)
    found = _ArticleLinks(article_paths)
    pages: list[str] = []
    seen_pages: set[str] = {url}
    anchors: list[tuple[etree._Element, str]] = []
    for a in root.iter("a"):
        href = _absolute(url, a.get("href") or "")
        if href is None:
            continue
        is_article, article_id = found.new_id(href)
        if is_article:
            if article_id is not None:
                title = element_text(a) or (a.get("title") or "").strip() or None
                found.links.append(ArticleLink(article_id=article_id, url=href, title=title, published=_date_near(a)))
            continue
        anchors.append((a, href))
        # The list's own other pages (首页, 尾页, page numbers) are reached through its next links.
        if href not in seen_pages and not _NOT_A_PAGE.search(urlsplit(href).path) and not _sibling(href, url):
            seen_pages.add(href)
            pages.append(href)
    return HubPage(links=found.links, next_url=_next_link(root, url, anchors), page_links=pages,
                   skipped_ids=found.skipped)


# ---- sitemaps ----------------------------------------------------------------------------------


@dataclass
class SitemapPage:
    """A sitemap's article links and, for a sitemap index (or links to more sitemaps), those sitemaps;
    `page_links` are its other URLs (pages discovery may read as hubs)."""

    links: list[ArticleLink]
    sitemaps: list[str]
    page_links: list[str]
    skipped_ids: int = 0


def parse_sitemap(body: bytes, url: str, article_paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS) -> SitemapPage:
    """A sitemap (XML `<urlset>`/`<sitemapindex>`, or plain text one URL a line) -> its URLs by kind."""
    text = decode(body, None).text.strip()
    if not text:
        raise ParseError("empty sitemap")
    locs: list[tuple[str, bool]] = []  # (url, is a sitemap)
    if text.startswith("<"):
        try:
            root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                         recover=True, huge_tree=False))
        except etree.XMLSyntaxError as exc:
            raise ParseError(f"unparseable sitemap: {exc}") from exc
        if root is None:
            raise ParseError("unparseable sitemap")
        index = etree.QName(root).localname.lower() == "sitemapindex"
        for el in root.iter("{*}loc", "loc"):
            if el.text:
                locs.append((el.text.strip(), index))
    else:
        locs = [(line.strip(), False) for line in text.splitlines() if line.strip()]
    return sitemap_page(locs, url, article_paths)


def sitemap_page(locs: list[tuple[str, bool]], url: str, article_paths: tuple[str, ...]) -> SitemapPage:
    """Sort a sitemap's URLs into article links, sitemaps and other pages."""
    found = _ArticleLinks(article_paths)
    sitemaps: list[str] = []
    pages: list[str] = []
    for loc, is_sitemap in locs:
        href = _absolute(url, loc)
        if href is None:
            continue
        is_article, article_id = found.new_id(href)
        if is_article:
            if article_id is not None:
                found.links.append(ArticleLink(article_id=article_id, url=href))
        elif is_sitemap or urlsplit(href).path.lower().endswith((".xml", ".xml.gz", ".txt")):
            sitemaps.append(href)
        else:
            pages.append(href)
    return SitemapPage(found.links, sitemaps, pages, found.skipped)
