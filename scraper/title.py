"""The article title: the element that varies per page and agrees with `<title>` minus the site name.

Chinese CMS pages put the article title first in `<title>` and the site name last
(`标题_栏目_站点`, `标题 - 站点`); the logo is often an `<h1>` holding the site name, and the title
element itself may hold a column label (`<span class="lm">基层动态</span>`) or the header line's spans.
So the site name (the last part of `<title>`, and the text of any link to the site's root) is never
the title, and a heading that holds more than the `<title>` part it agrees with gives that part.
Rules in docs/parsing.md ("Fields", title).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from scraper.header import normalise_space
from scraper.htmltree import text_of

__all__ = ["HeadTitle", "agreeing_title", "fallback_title", "head_title"]

_TITLE_SPLIT = re.compile(r"\s*(?:[-_|｜—–]+|::)\s*")
_HEADING_XPATH = etree.XPath(
    "//h1|//h2|//h3|//*[contains(translate(@class,'TITLE','title'),'title')]"
    "|//*[contains(translate(@id,'TITLE','title'),'title')]"
)
_SEPARATORS = re.compile(r"[\s\-_|｜—–:：·]+")
_MIN_PART = 4  # a <title> part shorter than this is a column or site abbreviation, never agreement


class HeadTitle:
    """The page's `<title>`: its parts, and those of them that are not the site's name."""

    def __init__(self, text: str, site_names: frozenset[str]) -> None:
        self.text = text
        self.parts = [p for p in _TITLE_SPLIT.split(text) if p]
        self.site_names = site_names | ({self.parts[-1]} if len(self.parts) >= 2 else set())
        self.wanted = [p for p in self.parts if p not in self.site_names]


def head_title(root: etree._Element, with_site_links: bool = False) -> HeadTitle:
    """The `<title>` of the page; `with_site_links` also counts as site names the texts (and logo
    `alt`s) of links to the site's root, which costs a walk over the page's links."""
    t = root.find("head/title")
    if t is None:
        t = root.find(".//title")
    text = normalise_space(text_of(t)) if t is not None else ""
    names: set[str] = set()
    if with_site_links:
        for a in root.iter("a"):
            href = (a.get("href") or "").strip()
            if href and urlsplit(href).path.rstrip("/") in ("", ".", "..", "/index.html", "/index.htm", "/index.php",
                                                              "index.html", "index.php"):
                label = normalise_space(text_of(a))
                if label:
                    names.add(label)
                for img in a.iter("img"):
                    alt = normalise_space(img.get("alt") or "")
                    if alt:
                        names.add(alt)
    return HeadTitle(text, frozenset(names))


def agreeing_title(text: str | None, head: HeadTitle) -> str | None:
    """`text` (a title element's), or the `<title>` part it holds when it holds more than that part:
    a column label or the header line glued on (`我市举办培训班工会新闻`). A bracketed column prefix
    (`【基层工会动态】...`) is the column's, not glue."""
    if not text or text in head.wanted or text.startswith("【") or head.text.startswith(text):
        return text  # `<title>` opens with it: a title that holds a separator itself (`A - B`)
    for part in sorted(head.wanted, key=len, reverse=True):
        if len(part) >= _MIN_PART and part in text and len(_SEPARATORS.sub("", text.replace(part, "", 1))) >= 2:
            return part
    return text


def fallback_title(root: etree._Element, main_el: etree._Element, head: HeadTitle) -> str | None:
    """The title of a page the profile does not know: the heading that agrees with `<title>` minus
    the site name (exactly, or holding it with glue around it); else the nearest heading before the
    main text; else the `<title>` part that is not the site name."""
    headings: list[tuple[etree._Element, str]] = []
    for h in _HEADING_XPATH(root):
        if h is main_el or h.tag in ("title", "html", "body"):
            continue
        text = normalise_space(text_of(h))
        if 4 <= len(text) <= 200 and text not in head.site_names:
            headings.append((h, text))
    for _h, text in headings:
        if text in head.wanted:
            return text
    for _h, text in headings:
        agreed = agreeing_title(text, head)
        if agreed != text:
            return agreed
    for _h, text in headings:
        if any(len(text) >= _MIN_PART and text in part for part in head.wanted):
            return text  # the <title> holds more (`标题 第2页`)
    before = [text for h, text in headings if len(text) <= 120 and _precedes(h, main_el)]
    if before:
        return before[-1]
    if head.wanted:
        return max(head.wanted, key=len)
    return None


def _precedes(a: etree._Element, b: etree._Element) -> bool:
    """True if `a` comes before `b` in document order (and is not its ancestor)."""
    if a in b.iterancestors():
        return False
    for el in b.itersiblings(preceding=True):
        if el is a or a in el.iterdescendants():
            return True
    for anc in b.iterancestors():
        for el in anc.itersiblings(preceding=True):
            if el is a or a in el.iterdescendants():
                return True
    return False
