"""The site section an article page names in its breadcrumb (当前位置:首页 > 工会新闻 > 正文).

Chinese CMS pages put a "where you are" line above the article: a label (当前位置, 您的位置, ...)
then links from the home page down to the article's section, often ending in 正文 or the title.
That section is what an analyst groups articles by, and the lists that revealed an article do not
always name it (the JSON API gives a number), so the crawl stores it with the article. Read from
the page text by the label and the links after it, or an element whose class says breadcrumb,
without building a second tree; None when the page has no such line.
"""

from __future__ import annotations

import html
import itertools
import re

__all__ = ["MAX_SECTION_CHARS", "breadcrumb_section"]

MAX_SECTION_CHARS = 60

_LABEL = re.compile(r"(?:当前位置|您的位置|你的位置|您现在的位置|现在的位置|所在位置|当前的位置)\s*(?:[:：]|&#65306;|&#xff1a;)?")
_CLASSED = re.compile(r"<(\w+)[^>]*\bclass\s*=\s*[\"'][^\"']*\b(?:breadcrumbs?|crumbs?)\b[^\"']*[\"'][^>]*>", re.I)
# The crumbs run until the block that holds them ends (or at most this many characters).
_END = re.compile(r"</(?:div|p|td|li|ul|ol|nav|span|h\d)>\s*(?:<(?:div|p|table|h\d|ul|section|article)\b|$)|<br\s*/?>", re.I)
_WINDOW = 1200
_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
# Crumbs that are no section: the home page, and the article itself.
_NOT_SECTION = frozenset({"首页", "网站首页", "主页", "返回首页", "首 页", "正文", "详情", "内容", "文章详情", "正文内容", "home", "Home"})


def _crumbs(segment: str) -> list[str]:
    out = []
    for raw in _LINK.findall(segment):
        text = " ".join(html.unescape(_TAG.sub("", raw)).split())
        if text and text not in _NOT_SECTION:
            out.append(text)
    return out


def _segment(text: str, start: int) -> str:
    window = text[start:start + _WINDOW]
    end = _END.search(window)
    return window[: end.start()] if end else window


def breadcrumb_section(text: str) -> str | None:
    """'工会新闻' (levels joined by ' > ': '工会新闻 > 基层动态') from a page's HTML, or None."""
    # Lazily, labels first: the class pattern is the costly one (150 µs of a 10 kB page, against 27
    # for the labels), and a page with a labelled breadcrumb never needs it.
    candidates = itertools.chain(
        (m.end() for m in _LABEL.finditer(text)), (m.end() for m in _CLASSED.finditer(text))
    )
    for start in candidates:
        crumbs = _crumbs(_segment(text, start))
        if crumbs:
            section = " > ".join(crumbs)
            return section if len(section) <= MAX_SECTION_CHARS else None
    return None
