"""Generic main-text extraction for article pages whose template the site profile does not know.

The article body is found as the *maximum-weight subtree*: every text block of the page (the text a
block element holds directly or through inline children) gets a weight, positive for prose (its
length, more when it carries Chinese sentence punctuation) and negative for link lists, short
punctuation-free labels and the like; the element whose subtree has the highest total wins. Going
up the tree pays only while it adds more prose than noise, so the winner is the tightest container
of the whole article, even when the article is split over several sibling blocks, and it stops
short of navigation, sidebars (通知公告, 视频播放), share bars, previous/next links and the footer.
Elements that announce themselves as noise (scraper.noise) are ignored before scoring.

The caller's tree is never modified: `MainText.element` is the chosen element of that tree, and
`MainText.paragraphs` is its text without the noise inside it. `clean_copy` gives a detached copy
of an element with that noise removed, for callers that want the body's HTML.

The publication date of such a page is scraper.pubdate's.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from lxml import html as lxml_html

from scraper.dates import find_dates
from scraper.noise import (
    NOISE_HEADING,
    PUNCT,
    TEXT_BLOCK_TAGS,
    add_link_boxes,
    elements_of,
    noise_map,
    tag_name,
    visible_len,
)
from scraper.requisites import is_document_url

__all__ = ["MainText", "clean_copy", "extract_main"]


@dataclass
class MainText:
    """The main text block of a page."""

    element: lxml_html.HtmlElement  # chosen element of the caller's tree (not modified)
    text: str  # paragraphs joined by "\n\n"
    paragraphs: list[str] = field(default_factory=list)
    score: float = 0.0


HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

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
@dataclass
class _Stats:
    own_len: int = 0  # visible chars held directly or through inline children
    own_link: int = 0  # of which inside <a>
    own_punct: int = 0
    total_len: int = 0
    total_link: int = 0
    total_punct: int = 0
    weight: float = 0.0  # sum of block weights in the subtree


SHORT_BLOCK = 50
# A text without one punctuation mark is not prose below this length (a header line of date, source
# and views runs to 60 characters; Chinese prose of 100 has commas).
_UNPUNCTUATED_PROSE = 100


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
    if punct == 0 and plain < _UNPUNCTUATED_PROSE:
        return -0.2 * length  # labels, dates, menu items, header lines without links
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
        if id(el) in noise or tag_name(el) not in ("p", "li", "h1", "h2", "h3", "h4", "td", "div"):
            continue
        own = "".join((el.text or "").split())
        if len(own) < 20:
            continue
        if own in seen:
            repeated.add(id(el))
        seen.add(own)
    return repeated


def _links_documents(el: lxml_html.HtmlElement) -> bool:
    """Whether every link in `el` points at a document (an attachment line of the body)."""
    hrefs = [a.get("href") or "" for a in el.iter("a")]
    return bool(hrefs) and all(is_document_url(h) for h in hrefs)


def _stats(elements: list[lxml_html.HtmlElement], noise: set[int]) -> dict[int, _Stats]:
    stats: dict[int, _Stats] = {}
    repeated = _repeated_blocks(elements, noise)
    for el in reversed(elements):
        if id(el) in noise:
            continue
        s = _Stats()
        tag = tag_name(el)
        is_link = tag == "a"
        text = el.text or ""
        s.own_len = visible_len(text)
        s.own_punct = len(PUNCT.findall(text))
        if is_link:
            s.own_link = s.own_len
        for child in el:
            tail = child.tail
            if tail:
                n = visible_len(tail)
                s.own_len += n
                s.own_punct += len(PUNCT.findall(tail))
                if is_link:
                    s.own_link += n
            if not isinstance(child.tag, str) or id(child) in noise:
                continue
            cs = stats[id(child)]
            s.total_len += cs.total_len
            s.total_link += cs.total_link
            s.total_punct += cs.total_punct
            s.weight += cs.weight
            if tag_name(child) not in TEXT_BLOCK_TAGS:
                s.own_len += cs.own_len
                s.own_punct += cs.own_punct
                s.own_link += cs.own_len if is_link else cs.own_link
        s.total_len += s.own_len
        s.total_link += s.own_link
        s.total_punct += s.own_punct
        if tag in TEXT_BLOCK_TAGS:
            heading_noise = False
            if tag in HEADING_TAGS or s.own_len < 12:
                heading_noise = bool(NOISE_HEADING.match(el.text_content()[:40] if s.own_len else ""))
            if id(el) not in repeated:  # a second copy adds nothing: going up to take it in must not pay
                weight = _block_weight(s.own_len, s.own_link, s.own_punct, heading_noise)
                if weight < 0 and s.own_link and _links_documents(el):
                    weight = 0.0  # 附件：<a href="...docx">: the article's attachment, not a link list
                s.weight += weight
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
            tag = tag_name(node)
            if tag in TEXT_BLOCK_TAGS:
                flush()
            if node is not el and node.tail:
                buf.append(node.tail)
            continue
        tag = tag_name(node)
        skip = not isinstance(node.tag, str) or id(node) in noise
        if not skip and node is not el and tag in TEXT_BLOCK_TAGS:
            s = stats.get(id(node))
            if s is not None and s.total_len >= 8 and s.total_link * 2 > s.total_len:
                skip = True  # a nested link list (related articles, prev/next)
        if skip:
            if node is not el and node.tail:
                if tag in TEXT_BLOCK_TAGS:
                    flush()
                buf.append(node.tail)
            continue
        if tag == "br":
            flush()
            if node.tail:
                buf.append(node.tail)
            continue
        if tag in TEXT_BLOCK_TAGS:
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
            if cs is not None and tag_name(child) in TEXT_BLOCK_TAGS and cs.weight >= DESCEND_SHARE * total:
                heavy = child
                break
        if heavy is None or tag_name(heavy) == "p" or _has_lead(heavy, stats):
            return best  # a paragraph is not a container: stepping into it loses the blocks beside it
        best = heavy


def _container(best: lxml_html.HtmlElement, stats: dict[int, _Stats]) -> lxml_html.HtmlElement:
    """The paragraph's container when the winner is one paragraph and its siblings cost little.

    A short article (a video lesson's lead) can be one paragraph that outweighs its container by
    the few points its signature or caption line costs; the container is the body, with the image,
    the caption and the signature beside that paragraph."""
    parent = best.getparent()
    if tag_name(best) != "p" or parent is None or tag_name(parent) not in TEXT_BLOCK_TAGS:
        return best
    ps = stats.get(id(parent))
    if ps is None or ps.weight < DESCEND_SHARE * stats[id(best)].weight:
        return best
    return parent


_LEAD_MIN = 100  # visible characters of prose: a standfirst, not a teaser or a caption


def _has_lead(heavy: lxml_html.HtmlElement, stats: dict[int, _Stats]) -> bool:
    """Whether the block right before `heavy` is a lead paragraph of the same article (a standfirst,
    `<p class="chapo">`): one block of prose, not links, that stepping into `heavy` would leave out."""
    prev = heavy.getprevious()
    while prev is not None and (not isinstance(prev.tag, str) or id(prev) not in stats
                                or stats[id(prev)].total_len == 0):
        prev = prev.getprevious()
    if prev is None or tag_name(prev) not in ("p", "div", "section"):
        return False
    s = stats[id(prev)]
    return (s.own_len >= _LEAD_MIN and s.own_len == s.total_len and s.own_link * 10 < s.own_len
            and s.own_punct * 40 >= s.own_len)


def extract_main(root: lxml_html.HtmlElement) -> MainText | None:
    """The page's main text block, or None when the page has no prose to speak of."""
    try:
        return _extract_main(root)
    except (ValueError, TypeError, RecursionError):
        return None


def _extract_main(root: lxml_html.HtmlElement) -> MainText | None:
    if root is None or not isinstance(root.tag, str):
        return None
    elements = elements_of(root)
    if not elements:
        return None
    noise = noise_map(root, elements)
    add_link_boxes(elements, noise)
    stats = _stats(elements, noise)
    best: lxml_html.HtmlElement | None = None
    best_score = 0.0
    for el in reversed(elements):  # children before parents: on a tie the tighter element wins
        s = stats.get(id(el))
        if s is None or tag_name(el) not in TEXT_BLOCK_TAGS:
            continue
        if s.weight > best_score:
            best, best_score = el, s.weight
    if best is None:
        return None
    best = _container(_descend(best, stats), stats)
    paragraphs = _clean_lines(_paragraphs(best, noise, stats), _page_title(root))
    if not paragraphs:
        return None
    return MainText(element=best, text="\n\n".join(paragraphs), paragraphs=paragraphs, score=best_score)


def clean_copy(el: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A detached deep copy of `el` without the noise elements inside it (for body HTML)."""
    dup = copy.deepcopy(el)
    elements = elements_of(dup)
    noise = noise_map(dup, elements)
    for node in elements:
        if node is not dup and id(node) in noise:
            parent = node.getparent()
            if parent is not None and id(parent) not in noise:
                node.drop_tree()
    return dup
