"""Generic main-text extraction for article pages whose template the site profile does not know.

The article body is found as the *maximum-weight subtree*: every text block of the page (the text a
block element holds directly or through inline children) gets a weight, positive for prose (its
length, more when it carries Chinese sentence punctuation) and negative for link lists, short
punctuation-free labels and the like; the element whose subtree has the highest total wins. Going
up the tree pays only while it adds more prose than noise, so the winner is the tightest container
of the whole article, even when the article is split over several sibling blocks, and it stops
short of navigation, sidebars (通知公告, 视频播放), share bars, previous/next links and the footer.
Elements that announce themselves as noise (script, style, nav, aside, footer, or a class/id such
as nav, menu, sidebar, share, comment, copyright, breadcrumb, related) are ignored before scoring,
unless such an element holds most of the page's prose (pages that wrap everything in
``<div id="header">`` exist).

The caller's tree is never modified: `MainText.element` is the chosen element of that tree, and
`MainText.paragraphs` is its text without the noise inside it. `clean_copy` gives a detached copy
of an element with that noise removed, for callers that want the body's HTML.

`guess_publication_date` finds the publication date of such a page: meta tags first, then a
labelled date (发布时间: ...), then the date closest before the main text, then any date.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from lxml import html as lxml_html

from scraper.dates import DateValue, find_dates, find_month_dates, parse_date

__all__ = ["MainText", "clean_copy", "extract_main", "guess_publication_date", "is_noise_element"]


@dataclass
class MainText:
    """The main text block of a page."""

    element: lxml_html.HtmlElement  # chosen element of the caller's tree (not modified)
    text: str  # paragraphs joined by "\n\n"
    paragraphs: list[str] = field(default_factory=list)
    score: float = 0.0


NOISE_TAGS = frozenset(
    {
        "script", "style", "noscript", "iframe", "nav", "footer", "aside", "header", "select", "option",
        "button", "input", "textarea", "svg", "canvas", "object", "embed", "template", "link",
        "meta", "title", "map", "audio", "video", "form-hidden",
    }
)  # fmt: skip
# Tags whose noise status can be overruled when they hold most of the prose (bad markup).
SOFT_NOISE_TAGS = frozenset({"nav", "footer", "aside", "header"})

BLOCK_TAGS = frozenset(
    {
        "p", "div", "td", "th", "li", "ul", "ol", "dl", "dd", "dt", "table", "tbody", "thead", "tfoot",
        "tr", "section", "article", "main", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
        "body", "html", "center", "form", "fieldset", "address", "figure", "figcaption", "hr", "caption",
        "text", "details", "summary", "legend", "head",
    }
)  # fmt: skip
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

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

_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")
_PUNCT = re.compile(r"[。，！？；：、“”‘’（）《》,;!?]")
_SENTENCE_END = re.compile(r"[。！？!?]")
_WS = re.compile(r"\s+")
_INDENT = " \t\r\n\u00a0\u3000\u2002\u2003\u200b\ufeff"

# Lines inside the chosen block that are page furniture, not article text.
_BOILERPLATE_LINE = re.compile(
    r"^(?:[【\[]?\s*(?:上一篇|下一篇|上一条|下一条|上篇|下篇|前一篇|后一篇)\s*[:：】\]]?"
    r"|.{0,6}(?:分享到|分享至|打印本页|打印此页|关闭窗口|返回顶部|返回首页|加入收藏|收藏本页|【打印】|【关闭】)"
    r"|.{0,4}(?:字体大小|字号)\s*[:：]?\s*[【\[]?|[【\[]?\s*字体\s*[:：]\s*[【\[]?\s*[大中小默认]"
    r"|.{0,3}(?:相关新闻|相关阅读|相关文章|相关链接|推荐阅读|热点推荐|热门文章|猜你喜欢)\s*[:：]?\s*$"
    r")"
)
# Headings that open a block of links rather than prose.
_NOISE_HEADING = re.compile(
    r"^\s*[【\[]?\s*(?:相关|推荐|热门|热点|最新|通知公告|视频播放|友情链接|图片新闻|精彩推荐|排行|点击排行|专题)"
)


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


def _visible_len(s: str | None) -> int:
    if not s:
        return 0
    return len(s) - sum(1 for _ in _WS_CHARS.finditer(s))


_WS_CHARS = re.compile(r"[\s\u3000\u00a0\u200b]")


@dataclass
class _Stats:
    own_len: int = 0  # visible chars held directly or through inline children
    own_link: int = 0  # of which inside <a>
    own_punct: int = 0
    total_len: int = 0
    total_link: int = 0
    total_punct: int = 0
    weight: float = 0.0  # sum of block weights in the subtree


def _tag(el: lxml_html.HtmlElement) -> str:
    t = el.tag
    return t.lower() if isinstance(t, str) else ""


def _elements(root: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


def _noise_map(root: lxml_html.HtmlElement, elements: list[lxml_html.HtmlElement]) -> set[int]:
    """ids of elements whose whole subtree is ignored."""
    # Punctuation held by each subtree, noise ignored, to overrule noise that swallows the article.
    punct: dict[int, int] = {}
    for el in reversed(elements):
        n = len(_PUNCT.findall(el.text or "")) if _tag(el) not in ("script", "style") else 0
        for child in el:
            if isinstance(child.tag, str):
                n += punct.get(id(child), 0)
            n += len(_PUNCT.findall(child.tail or ""))
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
        tag = _tag(el)
        soft = tag in SOFT_NOISE_TAGS or tag not in NOISE_TAGS
        if soft and any(s in t for t in _tokens(el) for s in _STRONG_NOISE):
            # Never overruled: readers' comments can outweigh a short article, and a page of only a
            # footer has no article at all.
            soft = False
        if soft and punct[id(el)] >= 10 and punct[id(el)] >= 0.5 * page_punct:
            continue  # it holds most of the prose: bad markup, not a navigation block
        noise.add(id(el))
    return noise


SHORT_BLOCK = 50


def _block_weight(length: int, link: int, punct: int, heading_noise: bool) -> float:
    """Weight of one text block: prose counts for, links and labels against."""
    if length == 0:
        return 0.0
    plain = length - link
    if heading_noise:
        return -float(length)
    if link * 2 > length:
        return -float(length)
    if link * 100 >= 15 * length and plain < 120:
        return -0.5 * length  # a teaser: a linked title with a line of text (comment lists, related)
    if punct == 0 and plain < 40:
        return -0.2 * length  # labels, dates, menu items without links
    density = punct / max(1, plain)
    weight = plain * (1.0 + min(density * 10.0, 1.0)) - link * 2.0
    if plain < SHORT_BLOCK:
        weight *= plain / SHORT_BLOCK  # comment snippets and teasers: prose-like, but not an article
    return weight


def _repeated_blocks(elements: list[lxml_html.HtmlElement], noise: set[int]) -> set[int]:
    """Blocks whose text repeats an earlier block's (print/mobile copies of the article)."""
    seen: set[str] = set()
    repeated: set[int] = set()
    for el in elements:
        if id(el) in noise or _tag(el) not in ("p", "li", "h1", "h2", "h3", "h4", "td", "div"):
            continue
        own = "".join((el.text or "").split())
        if len(own) < 20:
            continue
        if own in seen:
            repeated.add(id(el))
        seen.add(own)
    return repeated


def _stats(elements: list[lxml_html.HtmlElement], noise: set[int]) -> dict[int, _Stats]:
    stats: dict[int, _Stats] = {}
    repeated = _repeated_blocks(elements, noise)
    for el in reversed(elements):
        if id(el) in noise:
            continue
        s = _Stats()
        tag = _tag(el)
        is_link = tag == "a"
        text = el.text or ""
        s.own_len = _visible_len(text)
        s.own_punct = len(_PUNCT.findall(text))
        if is_link:
            s.own_link = s.own_len
        for child in el:
            tail = child.tail
            if tail:
                n = _visible_len(tail)
                s.own_len += n
                s.own_punct += len(_PUNCT.findall(tail))
                if is_link:
                    s.own_link += n
            if not isinstance(child.tag, str) or id(child) in noise:
                continue
            cs = stats[id(child)]
            s.total_len += cs.total_len
            s.total_link += cs.total_link
            s.total_punct += cs.total_punct
            s.weight += cs.weight
            if _tag(child) not in BLOCK_TAGS:
                s.own_len += cs.own_len
                s.own_punct += cs.own_punct
                s.own_link += cs.own_len if is_link else cs.own_link
        s.total_len += s.own_len
        s.total_link += s.own_link
        s.total_punct += s.own_punct
        if tag in BLOCK_TAGS:
            heading_noise = False
            if tag in HEADING_TAGS or s.own_len < 12:
                heading_noise = bool(_NOISE_HEADING.match(el.text_content()[:40] if s.own_len else ""))
            if id(el) not in repeated:  # a second copy adds nothing: going up to take it in must not pay
                s.weight += _block_weight(s.own_len, s.own_link, s.own_punct, heading_noise)
        stats[id(el)] = s
    # Inline elements never stand alone: their own text was counted by their block ancestor.
    return stats


def _paragraphs(el: lxml_html.HtmlElement, noise: set[int], stats: dict[int, _Stats]) -> list[str]:
    """The element's text split at block elements and <br>, noise and link blocks left out."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            line = _WS.sub(" ", "".join(buf).replace("\u00a0", " ")).strip(_INDENT)
            buf.clear()
            if line:
                lines.append(line)

    # Iterative walk: ("open", el) and ("tail", el) events, so deep trees cannot hit recursion limits.
    stack: list[tuple[str, lxml_html.HtmlElement]] = [("open", el)]
    while stack:
        kind, node = stack.pop()
        if kind == "tail":
            tag = _tag(node)
            if tag in BLOCK_TAGS:
                flush()
            if node is not el and node.tail:
                buf.append(node.tail)
            continue
        tag = _tag(node)
        skip = not isinstance(node.tag, str) or id(node) in noise
        if not skip and node is not el and tag in BLOCK_TAGS:
            s = stats.get(id(node))
            if s is not None and s.total_len >= 8 and s.total_link * 2 > s.total_len:
                skip = True  # a nested link list (related articles, prev/next)
        if skip:
            if node is not el and node.tail:
                if tag in BLOCK_TAGS:
                    flush()
                buf.append(node.tail)
            continue
        if tag == "br":
            flush()
            if node.tail:
                buf.append(node.tail)
            continue
        if tag in BLOCK_TAGS:
            flush()
        if node.text:
            buf.append(node.text)
        stack.append(("tail", node))
        for child in reversed(node):
            stack.append(("open", child))
    flush()
    return lines


# A line that opens what follows an article (related links, a copyright notice): cut there, once
# most of the text has been seen.
_TAIL_SECTION = re.compile(
    r"^\s*[【\[]?\s*(?:相关报道|相关新闻|相关阅读|相关文章|相关链接|延伸阅读|推荐阅读|热门推荐|热点推荐|猜你喜欢"
    r"|反侵权公告|版权声明|免责声明|网友评论|我要评论|发表评论)\s*[】\]]?\s*[:：]?\s*$"
)
# Header-line furniture that precedes the body inside many containers.
_HEADER_LABEL = re.compile(r"(?:来源|作者|发布|浏览|点击|编辑|责编|记者|字号|字体|阅读|时间|日期)\s*[:：]")


def _clean_lines(lines: list[str], title: str) -> list[str]:
    lines = [ln for ln in lines if not _BOILERPLATE_LINE.match(ln)]
    total = sum(len(ln) for ln in lines)
    seen = 0
    for i, line in enumerate(lines):
        if seen >= total * 0.5 and _TAIL_SECTION.match(line):
            lines = lines[:i]
            break
        seen += len(line)
    # The title and the header line above the body: short, no sentence end, and either a date, a
    # header label, or the page title itself.
    trimmed = 0
    while lines and trimmed < 4:
        first = lines[0]
        if len(first) > 80 or _SENTENCE_END.search(first):
            break
        squashed = "".join(first.split())
        is_title = len(squashed) >= 4 and squashed in title
        if not (is_title or _HEADER_LABEL.search(first) or find_dates(first)):
            break
        lines = lines[1:]
        trimmed += 1
    return lines


def _page_title(el: lxml_html.HtmlElement) -> str:
    root = el.getroottree().getroot()
    parts = [t.text_content() for t in root.iter("title", "h1")]
    return "".join("".join(parts).split())


DESCEND_SHARE = 0.85


def _descend(best: lxml_html.HtmlElement, stats: dict[int, _Stats]) -> lxml_html.HtmlElement:
    """Step into a child that carries nearly all of the weight (a sidebar with a few positive lines
    must not pull the choice up to the row that holds both)."""
    while True:
        total = stats[id(best)].weight
        heavy = None
        for child in best:
            cs = stats.get(id(child)) if isinstance(child.tag, str) else None
            if cs is not None and _tag(child) in BLOCK_TAGS and cs.weight >= DESCEND_SHARE * total:
                heavy = child
                break
        if heavy is None:
            return best
        best = heavy


def extract_main(root: lxml_html.HtmlElement) -> MainText | None:
    """The page's main text block, or None when the page has no prose to speak of."""
    try:
        return _extract_main(root)
    except (ValueError, TypeError, RecursionError):
        return None


def _extract_main(root: lxml_html.HtmlElement) -> MainText | None:
    if root is None or not isinstance(root.tag, str):
        return None
    elements = _elements(root)
    if not elements:
        return None
    noise = _noise_map(root, elements)
    stats = _stats(elements, noise)
    best: lxml_html.HtmlElement | None = None
    best_score = 0.0
    for el in reversed(elements):  # children before parents: on a tie the tighter element wins
        s = stats.get(id(el))
        if s is None or _tag(el) not in BLOCK_TAGS:
            continue
        if s.weight > best_score:
            best, best_score = el, s.weight
    if best is None:
        return None
    best = _descend(best, stats)
    paragraphs = _clean_lines(_paragraphs(best, noise, stats), _page_title(root))
    if not paragraphs:
        return None
    return MainText(element=best, text="\n\n".join(paragraphs), paragraphs=paragraphs, score=best_score)


def clean_copy(el: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A detached deep copy of `el` without the noise elements inside it (for body HTML)."""
    dup = copy.deepcopy(el)
    elements = _elements(dup)
    noise = _noise_map(dup, elements)
    for node in elements:
        if node is not dup and id(node) in noise:
            parent = node.getparent()
            if parent is not None and id(parent) not in noise:
                node.drop_tree()
    return dup


# ---------------------------------------------------------------------------------------------
# Publication date

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


def _meta_date(root: lxml_html.HtmlElement) -> DateValue | None:
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
        tag = _tag(node)
        if not isinstance(node.tag, str) or tag in ("script", "style", "noscript", "head", "title", "template"):
            if node is not root and node.tail:
                parts.append(node.tail)
                length += len(node.tail)
            continue
        if tag in BLOCK_TAGS or tag == "br":
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


def _date_score(at: int, value: DateValue, page: _PageText) -> float:
    text = page.text
    before = text[max(0, at - 16) : at]
    score = 0.0
    if _STRONG_LABEL.search(before):
        score += 100
    elif _WEAK_LABEL.search(before):
        score += 60
    if any(a <= at < b for a, b in page.link_spans):
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


def _guess_date(root: lxml_html.HtmlElement, allow_month: bool, main: MainText | None) -> DateValue | None:
    if root is None or not isinstance(root.tag, str):
        return None
    meta = _meta_date(root)
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
        scored.append((_date_score(at, value, page), -at, value))
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
