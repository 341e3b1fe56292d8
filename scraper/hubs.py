"""Any HTML page of the site -> the article links it shows, its next page, and the other pages it
links; sitemaps -> article links and further sitemaps.

Discovery (ncgh/hub_walk.py) reads the site's own pages for links because no home, category or list
page of the real site has ever been seen: nothing here may depend on a class name or URL shape of the
simulator. The signals are generic ones a browser user sees: an article is a link whose URL has an
article form (scraper.ids, `[site] article_paths`); the next page is a `rel="next"` link or a link
whose text (or title, or image alt) says so (下一页, "[下一页]", "下一页>", next, >, »); a page-number link
is a link whose text is a bare number and whose URL differs from this page's only in its digits (or
in a TRS-style `_N` suffix: index.html, index_1.html). A same-shape link with any other text is
another list, not another page of this one. Relative links resolve against `<base href>`; a meta
refresh, frames and iframes count as links.
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
from scraper.ids import DEFAULT_ARTICLE_PATHS, id_text_of_url, without_session
from scraper.ids import article_id as _article_id
from scraper.records import ArticleLink, ListPage, ParseError

__all__ = ["HubPage", "SitemapPage", "parse_hub_page", "parse_list_page", "parse_sitemap", "sitemap_page"]

# A pager's words, inside the brackets and arrows sites put around them: "[下一页]", "下一页>",
# "下一页 »", "next page"; or an arrow alone.
_WRAP = r"[\s\[\]【】()（）<>《》«»‹›→←|·:：]*"
_NEXT_TEXT = re.compile(rf"^{_WRAP}(?:下一页|下页|后一页|下一頁|next(?:\s*page)?){_WRAP}$|^\s*(?:>|>>|»|›|→)\s*$", re.IGNORECASE)
# Any other pager label: first, previous, last, go. A link with one of these (or a page number) whose
# URL has this page's shape is another page of this list; a same-shape link with any other text is
# another list (a sibling category: /category/175 beside /category/3).
_PAGER_TEXT = re.compile(
    rf"^{_WRAP}(?:\d+|首页|第一页|上一页|上页|前一页|尾页|末页|最后一页|最后页|first|prev(?:ious)?(?:\s*page)?|last"
    rf"|下一页|下页|后一页|下一頁|next(?:\s*page)?|go|跳转|确定){_WRAP}$|^\s*(?:<|<<|«|‹|←|>|>>|»|›|→)\s*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
# TRS and similar CMSs number a list's later pages with a suffix: index.html, index_1.html, ...
_PAGE_SUFFIX = re.compile(r"_\d+(?=\.[A-Za-z]{2,5}(?:$|\?))")
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";\s]+)", re.IGNORECASE)
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
    # Every article link with the list element it is an item of, repeats included (parse_list_page).
    occurrences: list[tuple[ArticleLink, tuple]] = field(default_factory=list, repr=False)


class _ArticleLinks:
    """The article links a page or sitemap holds, each id once in first-seen order. An article-form
    URL whose id scraper.ids refuses is counted as skipped by both readers, never followed as a page."""

    def __init__(self, article_paths: tuple[str, ...]) -> None:
        self.article_paths = article_paths
        self.links: list[ArticleLink] = []
        self.skipped = 0
        self.seen: set[int] = set()

    def new_id(self, href: str) -> tuple[bool, int | None]:
        """(is the URL of article form, its id when not seen before): the caller adds that link."""
        is_article, article_id = self.any_id(href)
        if article_id is None or article_id in self.seen:
            return is_article, None
        self.seen.add(article_id)
        return True, article_id

    def any_id(self, href: str) -> tuple[bool, int | None]:
        """(is the URL of article form, its id, seen before or not)."""
        raw = id_text_of_url(href, self.article_paths)
        if raw is None:
            return False, None
        article_id = _article_id(raw)
        if article_id is None:
            self.skipped += 1
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
    path = without_session(parts.path) or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


_ROWS = frozenset(("tr", "li", "dd", "dt"))


def _date_near(a: etree._Element) -> str | None:
    """A date shown beside the link, as an ISO day: in its parent's text without the link's, else in
    its row's (`<tr><td><a>…</a></td><td>2024-03-10</td></tr>`: the date in a cell of its own); never
    from an element that holds another link too (two articles a row, a list of `<p>`s)."""
    el = a
    own = element_text(a)
    for _ in range(3):
        el = el.getparent()
        if el is None:
            return None
        if sum(1 for other in el.iter("a") if other.get("href")) > 1:
            return None  # the element holds another item's link (two articles a row): its date is not this one's
        rest = element_text(el).replace(own, " ", 1) if own else element_text(el)
        value = parse_date(rest) if rest.strip() else None
        if value is not None:
            return value.day
        if el.tag in _ROWS:  # the item's row holds no date: nothing above is this link's
            return None
    return None


def _shape(url: str) -> str:
    """The URL with every run of digits replaced: two pages of one list share a shape."""
    return _DIGITS.sub("#", url)


def _family(url: str) -> str:
    """The shape of a list's pages, page 1 included: `index.html` and `index_3.html` are one list."""
    return _shape(_PAGE_SUFFIX.sub("", url))


def _sibling(a: str, b: str) -> bool:
    """True when two URLs can be pages of one list: the same shape, digits differing only in the
    last run (`/list/3_2.html` and `/list/3_9.html`; not `/category/3?p=1` and `/category/174?p=1`),
    or page 1 and a later page of a TRS-style list (`index.html`, `index_2.html`)."""
    if _shape(a) != _shape(b):
        return _family(a) == _family(b) and _PAGE_SUFFIX.sub("", a) == _PAGE_SUFFIX.sub("", b)
    da, db = _DIGITS.findall(a), _DIGITS.findall(b)
    return bool(da) and da[:-1] == db[:-1]


def _is_pager(label: str) -> bool:
    """A pager's label: a page number (a year is a tab of another list: /archive/2023.html), or a
    pager word."""
    if _PAGER_TEXT.match(label) is None:
        return False
    number = label.strip("[]【】()（） ")
    return not (number.isdigit() and 1900 <= int(number) <= 2100)


def _label(a: etree._Element) -> str:
    """What a link says: its text, else its title, else the alt of an image in it (a "下一页" button)."""
    text = element_text(a)
    if text:
        return text
    if a.get("title"):
        return a.get("title", "").strip()
    return next((img.get("alt", "").strip() for img in a.iter("img") if img.get("alt")), "")


def _next_link(root: lxml.html.HtmlElement, url: str, anchors: list[tuple[etree._Element, str]],
               base: str) -> str | None:
    for el in root.iter("a", "link"):
        if "next" in (el.get("rel") or "").lower().split() and el.get("href"):
            found = _absolute(base, el.get("href"))
            if found and found != url:
                return found
    for a, href in anchors:
        if _NEXT_TEXT.match(_label(a)) and href != url:
            return href
    # Page-number links of this list: the smallest number above this page's (page 1 often has no
    # number in its URL: then 2).
    here = [int(n) for n in _DIGITS.findall(urlsplit(url).query or urlsplit(url).path)]
    numbered = []
    for a, href in anchors:
        label = _label(a).strip("[]【】 ")
        if label.isascii() and label.isdigit() and _family(href) == _family(url) and href != url:
            numbered.append((int(label), href))
    if not numbered:
        return None
    current = here[-1] if here and _shape(url) == _shape(numbered[0][1]) else 1
    above = sorted(n for n in numbered if n[0] > current)
    return above[0][1] if above else None


def _page_base(root: lxml.html.HtmlElement, url: str) -> str:
    """What the page's relative links resolve against: its `<base href>`, else its own URL."""
    el = next(root.iter("base"), None)
    href = (el.get("href") or "").strip() if el is not None else ""
    return (_absolute(url, href) or url) if href else url


def _embedded_pages(root: lxml.html.HtmlElement, base: str) -> list[str]:
    """Pages a shell page shows without a link: a meta refresh, frames, iframes (a home page that is
    only `<meta http-equiv="refresh" content="0;url=/index.html">` or a frameset links nothing)."""
    found: list[str] = []
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() == "refresh":
            match = _REFRESH_URL.search(meta.get("content") or "")
            if match:
                found.append(match.group(1))
    for el in root.iter("frame", "iframe"):
        if el.get("src"):
            found.append(el.get("src", ""))
    return [u for u in (_absolute(base, href) for href in found) if u is not None]


def parse_hub_page(
    body: bytes,
    url: str,
    content_type: str | None = None,
    article_paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS,
) -> HubPage:
    """Article links, the next page and the other linked pages of one HTML page (see the module doc)."""
    return _read_hub(html_root(body, content_type), url, article_paths)


def _read_hub(root: lxml.html.HtmlElement, url: str, article_paths: tuple[str, ...], lists: bool = False) -> HubPage:
    """`lists`: also note every article link's list (HubPage.occurrences), which only list pages use."""
    base = _page_base(root, url)
    found = _ArticleLinks(article_paths)
    pages: list[str] = []
    seen_pages: set[str] = {url}
    anchors: list[tuple[etree._Element, str]] = []
    occurrences: list[tuple[ArticleLink, tuple]] = []  # every article link and its list (parse_list_page)
    for a in root.iter("a"):
        href = _absolute(base, a.get("href") or "")
        if href is None:
            continue
        is_article, article_id = found.any_id(href)
        if is_article:
            if article_id is not None:
                title = element_text(a) or (a.get("title") or "").strip() or None
                link = ArticleLink(article_id=article_id, url=href, title=title, published=_date_near(a))
                if lists:
                    occurrences.append((link, _container(a)))
                if article_id not in found.seen:
                    found.seen.add(article_id)
                    found.links.append(link)
            continue
        anchors.append((a, href))
        # The list's own other pages (首页, 尾页, page numbers) are reached through its next links;
        # a link of the same shape that names something else is another list, read as a page.
        pager = _sibling(href, url) and _is_pager(_label(a))
        if href not in seen_pages and not _NOT_A_PAGE.search(urlsplit(href).path) and not pager:
            seen_pages.add(href)
            pages.append(href)
    for href in _embedded_pages(root, base):
        if href not in seen_pages:
            seen_pages.add(href)
            pages.append(href)
    return HubPage(links=found.links, next_url=_next_link(root, url, anchors, base), page_links=pages,
                   skipped_ids=found.skipped, occurrences=occurrences)


def parse_list_page(
    body: bytes,
    url: str,
    content_type: str | None = None,
    article_paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS,
    prefer: tuple[tuple[str, str], ...] | None = None,
) -> ListPage:
    """One page of a configured list (`[discovery] list_url_template`): its list of article links in
    page order, with the date shown beside each, the page's other article links apart, and its next
    page, read as any hub page is. No class name of any list markup is assumed: the list is the
    largest group of links sharing their list element (_container), a group that shows dates beside
    most of its links counting twice (a list's last page may hold fewer items than an undated
    sidebar; an undated list of 15 still outweighs a dated sidebar of 5). `prefer`: the group the
    list's previous page took (ListPage.list_group), taken again when this page has it."""
    root = html_root(body, content_type)
    hub = _read_hub(root, url, article_paths, lists=True)
    groups: dict[tuple, dict[int, ArticleLink]] = {}
    for link, container in hub.occurrences:
        group = groups.setdefault(container, {})
        if link.article_id not in group or (group[link.article_id].published is None and link.published):
            group[link.article_id] = link

    def weight(group: dict[int, ArticleLink]) -> int:
        dated = 2 * sum(1 for link in group.values() if link.published) >= len(group)
        return 2 * len(group) if dated else len(group)

    chosen = prefer if prefer in groups else max(groups, key=lambda key: weight(groups[key]), default=None)
    main = groups.get(chosen, {}) if chosen is not None else {}
    return ListPage(links=list(main.values()), next_url=hub.next_url, skipped_ids=hub.skipped_ids,
                    other_links=[link for link in hub.links if link.article_id not in main], list_group=chosen)


_LIST_TAGS = frozenset(("ul", "ol", "dl", "table", "tbody"))


def _container(a: etree._Element) -> tuple[tuple[str, str], ...]:
    """Which list an article link is an item of: its nearest `ul`, `ol`, `dl` or `table` and the
    ancestors above it, by tag and class (digits aside); without one, its ancestors from the
    grandparent up. Whatever stands between the list and the link (`li.odd > div > h3 > a`, a pinned
    item's `<strong>`) and an item's own class (`tr.even`) do not count, so the items of one list
    share it however the list is cut (four `<ul>` of five, a `<table>` a row); a sidebar's differ
    (`div.side > ul`). No class name is assumed."""
    ancestors = list(a.iterancestors())
    start = next((i for i, el in enumerate(ancestors) if el.tag in _LIST_TAGS), None)
    if start is not None:
        while start + 1 < len(ancestors) and ancestors[start].tag == "tbody" and ancestors[start + 1].tag == "table":
            start += 1  # lxml may or may not have a tbody: the table is the list
    else:
        start = min(2, len(ancestors) - 1)
    # The list element by its tag only (the last of four <ul> may be `ul.list.nobd`), then its
    # ancestors by tag and class.
    head = (str(ancestors[start].tag), "") if ancestors else ("", "")
    return (head, *((str(el.tag), _DIGITS.sub("", el.get("class") or "")) for el in ancestors[start + 1:]))


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
