"""Which elements of a page are furniture rather than article: by tag, class, id and visibility.

Elements that announce themselves as noise (script, style, nav, aside, footer, or a class/id such as
nav, menu, sidebar, share, comment, copyright, breadcrumb, related) are ignored before the generic
extractor (scraper.extract) scores anything, unless such an element holds most of the page's prose
(pages that wrap everything in ``<div id="header">`` exist). So are the boxes a link-box heading
opens (图片新闻, 通知公告, 热点推荐 ...: `add_link_boxes`), whose summaries read like prose.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

NOISE_TAGS = frozenset(
    {
        "script", "style", "noscript", "iframe", "nav", "footer", "aside", "header", "select", "option",
        "button", "input", "textarea", "svg", "canvas", "object", "embed", "template", "link",
        "meta", "title", "map", "audio", "video", "form-hidden",
    }
)  # fmt: skip
# Tags whose noise status can be overruled when they hold most of the prose (bad markup).
SOFT_NOISE_TAGS = frozenset({"nav", "footer", "aside", "header"})

# Class/id words that mark boilerplate. Long words match anywhere in a token ("topnav", "sharebox");
# short ones only as a whole token ("ad" must not hit "head" or "download").
_NOISE_SUBSTRINGS = (
    "nav", "menu", "footer", "sidebar", "share", "comment", "copyright", "breadcrumb", "crumb", "related",
    "relate", "recommend", "advert", "banner", "social", "subscribe", "pagination", "toolbar", "sitemap",
    "friendlink", "weixin", "qrcode", "login", "hotnews", "ranking", "prevnext", "fenxiang", "xiangguan",
)  # fmt: skip
_NOISE_TOKENS = frozenset(
    {
        "ad", "ads", "gg", "ft", "side", "hot", "rank", "tags", "tag", "header", "head", "search", "print",
        "prev", "next", "pager", "rec", "links", "link", "bottom", "foot", "top", "topbar", "tool", "tools",
        "aside", "more", "dibu", "daohang", "bq", "lm",
    }
)  # fmt: skip
# A class or id whose last word is one of these is content ("header-content", "news_detail").
_CONTENT_TOKENS = frozenset({"content", "article", "main", "body", "text", "zoom", "detail", "post", "entry"})
# ...except these, which stay noise whatever else the class says ("comment-text", "article-footer").
_STRONG_NOISE = ("comment", "footer", "sidebar", "breadcrumb", "copyright", "share", "related", "recommend")

_CONTENT_SUBSTRINGS = ("body", "content", "article", "zoom")
_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")
PUNCT = re.compile(r"[。，！？；：、“”‘’（）《》,;!?]")
# The elements the generic extractor weighs as text blocks (scraper.extract).
TEXT_BLOCK_TAGS = frozenset(
    {
        "p", "div", "td", "th", "li", "ul", "ol", "dl", "dd", "dt", "table", "tbody", "thead", "tfoot",
        "tr", "section", "article", "main", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
        "body", "html", "center", "form", "fieldset", "address", "figure", "figcaption", "hr", "caption",
        "text", "details", "summary", "legend", "head",
    }
)  # fmt: skip
# Headings that open a block of links rather than prose.
NOISE_HEADING = re.compile(
    r"^\s*[【\[]?\s*(?:相关|推荐|热门|热点|最新|通知公告|视频播放|友情链接|图片新闻|精彩推荐|排行|点击排行|专题)"
)
_WS_CHARS = re.compile(r"[\s\u3000\u00a0\u200b]")


def visible_len(s: str | None) -> int:
    """Characters of `s` a reader sees: white space, ideographic spaces and zero-width spaces left out."""
    if not s:
        return 0
    return len(s) - sum(1 for _ in _WS_CHARS.finditer(s))


def _names(el: lxml_html.HtmlElement) -> list[str]:
    """The element's class names and id."""
    names = (el.get("class") or "")[:300].split()
    ident = el.get("id")
    if ident:
        names.append(ident[:100])
    return names


def _tokens(el: lxml_html.HtmlElement) -> list[str]:
    return [t.lower() for name in _names(el) for t in _TOKEN_SPLIT.split(name) if t]


def is_noise_element(el: lxml_html.HtmlElement) -> bool:
    """True when the element's tag, class or id says it is page furniture."""
    tag = el.tag
    if not isinstance(tag, str):
        return True  # comments, processing instructions
    tag = tag.lower()
    if tag in NOISE_TAGS:
        return True
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style, re.IGNORECASE):
        return True
    noise = content = False
    for name in _names(el):
        tokens = [t.lower() for t in _TOKEN_SPLIT.split(name) if t]
        if not tokens:
            continue
        if any(s in t for t in tokens for s in _STRONG_NOISE):
            return True
        if tokens[-1] in _CONTENT_TOKENS:
            content = True  # "header-content", "news_detail": the last word says what it is
        elif any(t in _NOISE_TOKENS or any(s in t for s in _NOISE_SUBSTRINGS) for t in tokens):
            noise = True
    return noise and not content


def tag_name(el: lxml_html.HtmlElement) -> str:
    """The lower-cased tag; "" for comments and processing instructions."""
    t = el.tag
    return t.lower() if isinstance(t, str) else ""


def elements_of(root: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """Every element of the subtree in document order, comments and processing instructions left out."""
    return [el for el in root.iter() if isinstance(el.tag, str)]


def noise_map(root: lxml_html.HtmlElement, elements: list[lxml_html.HtmlElement]) -> set[int]:
    """ids of elements whose whole subtree is ignored."""
    # Punctuation held by each subtree, noise ignored, to overrule noise that swallows the article.
    punct: dict[int, int] = {}
    for el in reversed(elements):
        n = len(PUNCT.findall(el.text or "")) if tag_name(el) not in ("script", "style") else 0
        for child in el:
            if isinstance(child.tag, str):
                n += punct.get(id(child), 0)
            n += len(PUNCT.findall(child.tail or ""))
        punct[id(el)] = n
    page_punct = max(1, punct.get(id(root), 0))
    noise: set[int] = set()
    for el in elements:
        parent = el.getparent()
        if parent is not None and id(parent) in noise:
            noise.add(id(el))
            continue
        if el is root or not is_noise_element(el):
            continue
        tag = tag_name(el)
        soft = tag in SOFT_NOISE_TAGS or tag not in NOISE_TAGS
        tokens = _tokens(el)
        if soft and any(s in t for t in tokens for s in _STRONG_NOISE):
            # Never overruled: readers' comments can outweigh a short article, and a page of only a
            # footer has no article at all; except an element that also names itself the article
            # body (`class="BSHARE_POP ..." id="artibody"`: a share widget's hook on the article).
            if not any("comment" in t for t in tokens) and any(c in t for t in tokens for c in _CONTENT_SUBSTRINGS):
                continue
            soft = False
        if soft and punct[id(el)] >= 10 and punct[id(el)] >= 0.5 * page_punct:
            continue  # it holds most of the prose: bad markup, not a navigation block
        noise.add(id(el))
    return noise


_BOX_HEADING_MAX = 20  # characters: a box's heading is a few words (图片新闻 更多)


def add_link_boxes(elements: list[lxml_html.HtmlElement], noise: set[int]) -> None:
    """Add to `noise` the boxes that a link-box heading opens (图片新闻, 通知公告, 热点推荐 ...): a
    sidebar of picture-news summaries reads like prose, but its heading says what it is."""
    page_len: int | None = None
    for el in elements:
        if id(el) in noise or tag_name(el) not in ("div", "section", "ul", "dl", "td", "aside"):
            continue
        if (el.text or "").strip():
            continue
        first = next((c for c in el if isinstance(c.tag, str)), None)
        if (first is None or first.getnext() is None or len(first) > 4
                or tag_name(first) not in TEXT_BLOCK_TAGS | {"span", "strong", "b"}):
            continue  # a box heading is a small element (a title and a "more" link) before the box's list
        heading = "".join(first.text_content().split())
        if not (0 < len(heading) <= _BOX_HEADING_MAX and NOISE_HEADING.match(heading)):
            continue
        if not is_teaser_list(el):
            if page_len is None:
                page_len = visible_len(elements[0].text_content())
            if visible_len(el.text_content()) * 2 >= page_len:
                continue  # most of the page: a 推荐 button above the article, not a sidebar
        noise.add(id(el))
        noise.update(id(d) for d in el.iterdescendants())


_TEASER_ITEMS = 3  # a list of picture-news or notice teasers has a few linked items at least
_TEASER_SHARE = 0.8


def is_teaser_list(box: lxml_html.HtmlElement) -> bool:
    """Whether nearly all of `box`'s text is in list items that each link somewhere (teasers under a
    box heading). Such a box is a sidebar however long its summaries are next to a short article (a
    video lesson's lead), where the size guard alone would take it for the article."""
    items = [li for li in box.iter("li", "dd", "tr") if li.find(".//a[@href]") is not None
             and not _inside_item(li, box)]
    if len(items) < _TEASER_ITEMS:
        return False
    total = visible_len(box.text_content())
    return sum(visible_len(li.text_content()) for li in items) >= _TEASER_SHARE * total


def _inside_item(item: lxml_html.HtmlElement, box: lxml_html.HtmlElement) -> bool:
    """Whether `item` is nested in another item of `box` (only the outermost items count). The walk
    stops at the box: a box in a layout table's cell has a `tr` above it that is no item of its own."""
    for ancestor in item.iterancestors():
        if ancestor is box:
            return False
        if ancestor.tag in ("li", "dd", "tr"):
            return True
    return False
