"""The publication date of a page whose template the site profile does not know.

Meta tags first, then a labelled date (发布时间: ...), then the date closest before the main text
(scraper.extract), then any date; positions matter, since a date deep inside the article is its
subject matter, not its publication.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import html as lxml_html

from scraper.dates import DateValue, find_dates, find_month_dates, parse_date
from scraper.extract import MainText, extract_main
from scraper.noise import TEXT_BLOCK_TAGS, tag_name

__all__ = ["guess_publication_date", "meta_date"]


_META_DATE_KEYS = (
    "article:published_time", "og:published_time", "published_time", "publishdate", "publish_date",
    "publishtime", "publish-date", "pubdate", "pubtime", "datepublished", "dc.date.issued", "dc.date",
    "dcterms.created", "dcterms.date", "date", "sailthru.date", "og:release_date", "release_date",
    "article:published", "weibo:article:create_at", "firstpublishedtime", "created", "createdate",
    "article.published", "publication_date", "apub:time", "bt:pubdate", "itemprop:datepublished",
)  # fmt: skip
_META_RANK = {k: i for i, k in enumerate(_META_DATE_KEYS)}

# A label right before a date: strong ones name publication, weak ones are generic.
_STRONG_LABEL = re.compile(
    r"(?:发布时间|发布日期|发表时间|发表日期|发稿时间|发布于|发表于|出版日期|刊发时间|Published|Posted)"
    r"\s*(?:on|at)?\s*[:：]?\s*$",
    re.IGNORECASE,
)
_WEAK_LABEL = re.compile(
    r"(?:^|[^\u4e00-\u9fff])(?:(?:时间|日期|更新时间|更新日期|录入时间|上传时间)\s*[:：]?|(?:Date|Time)\s*[:：])\s*$",
    re.IGNORECASE,
)


def meta_date(root: lxml_html.HtmlElement) -> DateValue | None:
    """The publication date the page's own meta tags (or `<time pubdate>`) state, by key rank."""
    found: list[tuple[int, DateValue]] = []
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if meta.get("itemprop") and not meta.get("name") and not meta.get("property"):
            key = key if key in _META_RANK else "itemprop:" + key
        rank = _META_RANK.get(key)
        if rank is None:
            continue
        value = parse_date(meta.get("content") or "")
        if value is not None:
            found.append((rank, value))
    for t in root.iter("time"):
        value = parse_date(t.get("datetime") or "") or parse_date(t.text_content()[:60])
        if value is not None and (t.get("pubdate") is not None or t.get("itemprop") == "datePublished"):
            found.append((len(_META_RANK), value))
    if not found:
        return None
    found.sort(key=lambda rv: rv[0])
    return found[0][1]


@dataclass
class _PageText:
    text: str
    main_start: int  # -1 when there is no main element
    main_end: int
    link_spans: list[tuple[int, int]]


def _reading_text(root: lxml_html.HtmlElement, main: lxml_html.HtmlElement | None) -> _PageText:
    """Visible page text (scripts, styles and head out), where the main block lies, and link spans."""
    parts: list[str] = []
    length = 0
    main_start = main_end = -1
    links: list[tuple[int, int]] = []
    link_open: dict[int, int] = {}
    stack: list[tuple[str, lxml_html.HtmlElement]] = [("open", root)]
    while stack:
        kind, node = stack.pop()
        if kind == "close":
            if node is main:
                main_end = length
            if id(node) in link_open:
                links.append((link_open.pop(id(node)), length))
            if node is not root and node.tail:
                parts.append(node.tail)
                length += len(node.tail)
            continue
        tag = tag_name(node)
        if not isinstance(node.tag, str) or tag in ("script", "style", "noscript", "head", "title", "template"):
            if node is not root and node.tail:
                parts.append(node.tail)
                length += len(node.tail)
            continue
        if tag in TEXT_BLOCK_TAGS or tag == "br":
            parts.append("\n")
            length += 1
        if node is main:
            main_start = length
        if tag == "a":
            link_open[id(node)] = length
        if node.text:
            parts.append(node.text)
            length += len(node.text)
        stack.append(("close", node))
        for child in reversed(node):
            stack.append(("open", child))
    return _PageText("".join(parts), main_start, main_end, links)


def guess_publication_date(
    root: lxml_html.HtmlElement,
    *,
    allow_month: bool = False,
    main: MainText | None = None,
) -> DateValue | None:
    """Publication date of an unknown page: meta tags, labelled date, date near the title, any date.

    With `allow_month`, a page that shows no day at all may yield a month-precision value
    (`precision == "month"`, iso "YYYY-MM"), e.g. a magazine issue line 《北京之春》1998年3月号.

    Positions matter: a date just before the main block is the header line under the title, a
    date deep inside it is the article's subject matter. Pass `main` (from `extract_main(root)`)
    to save extracting it again.
    """
    try:
        return _guess_date(root, allow_month, main)
    except (ValueError, TypeError, RecursionError):
        return None


_PROSE = re.compile(r"[。！？!?，,；;]")
_HEADER_LINE_MAX = 100


def _line_around(text: str, at: int, length: int) -> tuple[int, int]:
    """(start, end) of the line of `text` holding the `length` characters at `at`."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at + length)
    return start, (end if end >= 0 else len(text))


def _date_score(at: int, value: DateValue, page: _PageText) -> float | None:
    """The score of the date at `at`, None when it cannot be the page's: a date is the page's only
    when labelled (发布时间: ...), or when it stands on a short header-like line (no prose, no link)
    just before the main text or opening it; a date in a list (a sidebar, related links) or in the
    article's sentences is what the page talks about."""
    text = page.text
    before = text[max(0, at - 16) : at]
    in_link = any(a <= at < b for a, b in page.link_spans)
    score = 0.0
    if _STRONG_LABEL.search(before):
        score += 100
    elif _WEAK_LABEL.search(before):
        score += 60
    elif in_link or not _in_header_zone(at, page):
        return None
    else:
        start, end = _line_around(text, at, len(value.raw))
        line = text[start:end]
        if len(line) > _HEADER_LINE_MAX or _PROSE.search(line) or any(a < end and b > start for a, b in page.link_spans):
            return None
        if page.main_start <= start < page.main_end and _after_a_paragraph(text, page.main_start, start):
            # Inside the main text after a paragraph: on a short article that is the signature's
            # date line (进贤县总工会 / 2025年3月20日), not the header's. A one-paragraph version read
            # it as a publication date that the next, longer version lost: an edit invented (found by
            # a year-long review). A title or header line before it (short lines) does not count.
            return None
    if in_link:
        score -= 100  # related-article lists, archives, calendars
    if page.main_start >= 0:
        gap = page.main_start - at
        if 0 < gap <= 600:
            score += 50 - gap / 20  # the header line between the title and the body
        elif -200 <= gap <= 0:
            score += 40  # the header line inside the main block
        elif page.main_start + 200 < at < page.main_end:
            score -= 30  # a date the article talks about
    if value.has_time:
        score += 15
    score -= 10 * at / max(1, len(text))
    return score


_PARAGRAPH = re.compile(r"[^\n]{40,}")  # a line of 40 characters or more: a paragraph, not a title
_SENTENCE = re.compile(r"[。，,；;]")


def _after_a_paragraph(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] holds a paragraph: a line of 40 characters or more with a sentence in it."""
    return any(_SENTENCE.search(m.group()) for m in _PARAGRAPH.finditer(text, start, end))


def _in_header_zone(at: int, page: _PageText) -> bool:
    """Just before the main text (600 characters) or in its first 200."""
    if page.main_start < 0:
        return False
    return -200 <= page.main_start - at <= 600


def _guess_date(root: lxml_html.HtmlElement, allow_month: bool, main: MainText | None) -> DateValue | None:
    if root is None or not isinstance(root.tag, str):
        return None
    meta = meta_date(root)
    if meta is not None:
        return meta
    if main is None:
        main = extract_main(root)
    page = _reading_text(root, main.element if main else None)
    scored: list[tuple[float, int, DateValue]] = []
    pos = 0
    for value in find_dates(page.text):
        at = page.text.find(value.raw, pos)
        if at < 0:
            at = pos
        pos = at + len(value.raw)
        score = _date_score(at, value, page)
        if score is not None:
            scored.append((score, -at, value))
    if scored:
        return max(scored, key=lambda t: (t[0], t[1]))[2]
    # Nothing visible: some pages print the date from a small inline script (showDate("2020/04/17")).
    body = root.find(".//body")
    for script in (body if body is not None else root).iter("script"):
        code = script.text or ""
        if len(code) <= 300:
            value = parse_date(code)
            if value is not None:
                return value
    if allow_month:
        months = [v for v in find_month_dates(page.text)]
        if months:
            return months[0]
    return None
