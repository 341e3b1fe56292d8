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
from urllib.parse import urljoin, urlsplit

from lxml import etree

from scraper.dates import parse_date
from scraper.header import normalise_space
from scraper.htmltree import text_of
from scraper.ids import id_text_of_url

__all__ = ["HeadTitle", "agreeing_title", "fallback_title", "head_title"]

_TITLE_SPLIT = re.compile(r"\s*(?:[-_|｜—–]+|::)\s*")
# Headings by tag or by a class or id that says title; when neither they nor `<title>` give the
# title, weaker ones: a class in the pinyin and short forms Chinese CMSs use (bt for 标题, tit, biaoti), and the
# bold or large text a table layout sets a title in (`<td class="bt"><font size="4"><b>标题</b>`),
# this last only when it is the whole text of its block (_visual).
_HEADING_XPATH = etree.XPath(
    "//h1|//h2|//h3|//*[contains(translate(@class,'TITLE','title'),'title')]"
    "|//*[contains(translate(@id,'TITLE','title'),'title')]"
)
_TITLE_TOKENS = ("bt", "biaoti", "tit", "headline", "heading", "subject")
_CLASSED_HEADING_XPATH = etree.XPath(
    "|".join(f"//*[contains(concat(' ', normalize-space(translate(@class,'{t.upper()}','{t}')), ' '), ' {t} ')]"
             for t in _TITLE_TOKENS)
)
_VISUAL_HEADING_XPATH = etree.XPath("//b|//strong|//font[@size >= 4]")
_VISUAL = frozenset(("b", "strong", "font"))
# A header line's label (发布时间：, 来源:) or a breadcrumb: never a title. A title may hold the words.
_LABELS = re.compile(r"(?:发布|日期|时间|来源|浏览|点击|作者|编辑|字体|阅读)[^:：]{0,4}[:：]|当前位置|您的位置")
_SEPARATORS = re.compile(r"[\s\-_|｜—–:：·]+")
_MIN_PART = 4  # a <title> part shorter than this is a column or site abbreviation, never agreement


class HeadTitle:
    """The page's `<title>`: its parts, and those of them that are not the site's name."""

    def __init__(self, text: str, site_names: frozenset[str]) -> None:
        self.text = text
        self.parts = [p for p in _TITLE_SPLIT.split(text) if p]
        # The last part is taken for the site's name, unless a part is known to be it (a link to the
        # site's root says so): `南昌市总工会 - 标题` puts the title last.
        named = any(p in site_names for p in self.parts)
        self.site_names = site_names | ({self.parts[-1]} if len(self.parts) >= 2 and not named else set())
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


def fallback_title(root: etree._Element, main_el: etree._Element, head: HeadTitle,
                   page_url: str | None = None) -> str | None:
    """The title of a page the profile does not know: the heading that agrees with `<title>` minus
    the site name (exactly, or holding it with glue around it); else the nearest heading before the
    main text; else the `<title>` part that is neither the site's name nor a column's; else the same
    among weaker headings, those with a title class (bt, tit ...) first, then bold or large text (a
    `<title>` that names only the site or the column). A bold subtitle in the body is no title where
    `<title>` names the article. `page_url`: the page's own URL (a link to it names no column)."""
    found = _from_headings(_headings(_HEADING_XPATH, root, main_el, head), main_el, head)
    if found is not None:
        return found
    # A breadcrumb's last crumb after a column is this page's title (首页 > 工会新闻 > 新春慰问困难职工)
    # more often than its column: a `<title>` part equal to it stays a title. (A page whose `<title>`,
    # and breadcrumb end, name only its column, with no heading element, is titled with the column.)
    columns = _column_names(root, page_url)
    wanted = [p for p in head.wanted if p not in columns]
    if wanted:
        return max(wanted, key=len)
    classed = [(h, text) for h, text in _headings(_CLASSED_HEADING_XPATH, root, main_el, head)
               if text not in columns and not _in_link_box(h)]
    visual = [(h, text) for h, text in _headings(_VISUAL_HEADING_XPATH, root, main_el, head)
              if _visual_ok(text, columns) and not _in_link_box(h)]
    # A title class on a box's short name (`<td class="tit">通知公告</td>`) is weaker than bold text.
    tiers = ([c for c in classed if len(c[1]) >= _MIN_BOX], visual, [c for c in classed if len(c[1]) < _MIN_BOX])
    for weak in tiers:
        found = _from_headings(weak, main_el, head) or _opening(weak, main_el)
        if found is not None:
            return found
    return None


_SALUTATION = re.compile(r"[:：]$")


def _in_link_box(el: etree._Element) -> bool:
    """The weak heading heads or sits in a box of links (a sidebar's 热点新闻 over its list, a bold
    notice among them): the box's parent holds three links or more. Such a text changes with the
    sidebar; taken for the title, every change of it was an edit that never happened."""
    block = el
    while block is not None and block.tag in _VISUAL:
        block = block.getparent()
    parent = block.getparent() if block is not None else None
    return parent is not None and sum(1 for a in parent.iter("a") if a.get("href")) >= 3


_MIN_BOX = 6  # characters: a box's name (通知公告, 热点新闻) is shorter, most titles are not
def _visual_ok(text: str, columns: set[str]) -> bool:
    """Bold text is a title unless it names a box or a column, is a letter's salutation
    (各县（区）总工会：) or a date standing alone (2024年03月01日)."""
    return (text not in columns and not _SALUTATION.search(text)
            and not (len(text) <= 16 and parse_date(text) is not None))


def _headings(xpath: etree.XPath, root: etree._Element, main_el: etree._Element,
              head: HeadTitle) -> list[tuple[etree._Element, str]]:
    headings: list[tuple[etree._Element, str]] = []
    for h in xpath(root):
        if h is main_el or h.tag in ("title", "html", "body"):
            continue
        text = normalise_space(text_of(h))
        if 4 <= len(text) <= 200 and text not in head.site_names and (h.tag not in _VISUAL or _visual(h, text)):
            headings.append((h, text))
    return headings


def _from_headings(headings: list[tuple[etree._Element, str]], main_el: etree._Element, head: HeadTitle) -> str | None:
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
    return before[-1] if before else None


def _opening(headings: list[tuple[etree._Element, str]], main_el: etree._Element) -> str | None:
    """The first of `headings` inside the main block before its first line of prose: a table layout
    whose main block is the whole table holds its title cell, then a subtitle, then the text."""
    order = {el: i for i, el in enumerate(main_el.iter())}
    prose = next((i for el, i in order.items() if isinstance(el.tag, str) and len((el.text or "").strip()) >= 30), None)
    for h, text in headings:
        if h in order and len(text) <= 120 and (prose is None or order[h] < prose):
            return text
    return None


def _visual(el: etree._Element, text: str) -> bool:
    """Bold or large text that is a title: the whole text of its block, not a link, not a label."""
    if len(text) < 6 or len(text) > 120 or _LABELS.search(text) or any(a.tag == "a" for a in el.iterancestors()):
        return False
    block = el.getparent()
    while block is not None and block.tag in _VISUAL:
        block = block.getparent()
    return block is not None and normalise_space(text_of(block)) == text


_MAX_COLUMN = 10  # characters: 工会新闻, 基层工会动态, 通知公告
_CRUMB = re.compile(r"[>»›＞/]\s*([^>»›＞/\s][^>»›＞/]{0,30}?)\s*(?=[>»›＞/]|$)")


def _column_names(root: etree._Element, page_url: str | None) -> set[str]:
    """Texts that name a part of the site, never an article: the text of a link to a page that is
    neither this one nor an article, and the crumbs of a "where you are" line (当前位置：首页 >
    工会新闻) but its last when more than one follows the home page (首页 > 工会新闻 > 标题).
    `<title>` often holds only the column and the site (`工会新闻-南昌市总工会`): without this every
    article of such a page was titled 工会新闻."""
    names: set[str] = set()
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith("#") or href.lower().startswith("javascript"):
            continue
        target = urljoin(page_url, href) if page_url else href
        if target != page_url and id_text_of_url(target) is None:
            names.add(normalise_space(text_of(a)))
    for el in root.iter("td", "div", "p", "span", "li"):
        if el.text and "位置" in el.text[:20]:  # 当前位置, 您的位置, 所在位置 ...
            line = normalise_space(text_of(el))
            if len(line) <= 120:
                crumbs = [m.strip() for m in _CRUMB.findall(line)]
                names.update(crumbs[:-1] if len(crumbs) >= 2 else crumbs)
    # A column's name is short; a longer text is an article's title.
    return {name for name in names if 0 < len(name) <= _MAX_COLUMN}


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
