"""The parser's fast paths (issue 4) give exactly what the general code gives.

Each fast path skips work for a common input form (an ISO day, a plain article URL, a childless
element, serialised HTML instead of a tree walk, ...). A fast path that drifts from the general code
changes records silently, so each one is compared here with the general path (or with the code it
replaced, copied into this module as a reference) on generated inputs built to hit its edges.
"""

from __future__ import annotations

import copy
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from scraper import article_parts, encoding, htmltree
from scraper.dates import find_dates, parse_date
from scraper.discover import (
    DEFAULT_ARTICLE_PATHS,
    _article_id_by_parts,
    _plain_url_regex,
    article_id_from_url,
)
from scraper.htmltree import BLOCK_TAGS, build_tree, html_lines, text_lines
from scraper.parse import parse_article
from scraper.sanitize import _KEEP_ATTRS, _UNSAFE_URL, Absolutizer, inner_html, sanitise_attributes
from scraper.signature import _ATTACHMENT_LABEL, _LIST_SEP, is_attachment_line

SLOW_OK = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def joined(pieces: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    return st.lists(pieces, max_size=max_size).map("".join)


# ---- 1. parse_date: the ISO-day fast path ---------------------------------------------------------

_DATE_PIECES = st.sampled_from([
    "0", "1", "2", "9", "2018", "1989", "2100", "2101", "10", "12", "02", "30", "31", "13", "00", "1",
    "-", "/", ".", " ", "\u3000", "\xa0", "\t", "\n", "年", "月", "日", "号", "２０１８", "１０", "－",
    "21:23", "21:23:57", "T", "Z", "+08:00", "a", "PM", "发布时间:", "x",
])  # fmt: skip
_SPACE = st.sampled_from(["", " ", "\u3000", "\xa0", "\t", "\n", "  ", "\r\n", "\x1c", "\u2028"])


@st.composite
def iso_like(draw: st.DrawFn) -> str:
    """An ISO day (valid or not, in or out of the year range), padded with space or other pieces."""
    y = draw(st.integers(1980, 2110))
    m = draw(st.integers(0, 13))
    d = draw(st.integers(0, 32))
    core = f"{y:04d}-{m:02d}-{d:02d}"
    before = draw(st.one_of(_SPACE, joined(_DATE_PIECES, 3)))
    after = draw(st.one_of(_SPACE, joined(_DATE_PIECES, 3)))
    return before + core + after


def general_date(text: str):
    found = find_dates(text)
    return found[0] if found else None


@settings(max_examples=1500, deadline=None)
@given(st.one_of(joined(_DATE_PIECES, 12), iso_like()))
def test_parse_date_equals_the_general_path(text: str) -> None:
    assert parse_date(text) == general_date(text)


@pytest.mark.parametrize("text", [
    "2018-10-12", " 2018-10-12 ", "\u30002018-10-12\xa0", "2018-02-30", "2018-13-01", "1989-01-01",
    "2101-01-01", "2018-10-12 21:23", "12018-10-12", "2018-10-123", "2018-10-12T21:23Z", "2018-1-12 ",
])  # fmt: skip
def test_parse_date_examples_equal_the_general_path(text: str) -> None:
    assert parse_date(text) == general_date(text)


def test_parse_date_fast_path_result() -> None:
    value = parse_date(" 2018-10-12 ")
    assert value is not None and (value.iso, value.raw, value.has_time) == ("2018-10-12", "2018-10-12", False)
    assert parse_date("2018-02-30") is None and parse_date("1989-01-01") is None


# ---- 2. article_id_from_url: the plain-URL regex ------------------------------------------------


def general(url: str, paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS) -> int | None:
    """The urlsplit reading article_id_from_url falls back to: the reference for its plain-URL regex."""
    return _article_id_by_parts(url, paths)


# Each URL part as (forms the plain-URL regex accepts, forms it must leave to urlsplit or read alike).
_URL_PARTS: list[tuple[list[str], list[str]]] = [
    ([""], [" ", "\t", "\n"]),
    (["http://", "https://"], ["HTTP://", "Https://", "ftp://", "", "//", "http:/", "http:", "http:///"]),
    (["www.ncgh.org.cn", "h", "127.0.0.1", "a-b.c", "h:8080", "h:", "H.ORG", "h:99999999", "h..", ":"],
     ["[::1]", "[::1", "ex ample", "", "user@h", "h%20x", "h_x", "h/", "h\\"]),
    (["", "/nczhghcms"], ["/NCZHGHCMS", "/x", "//", "/..", "/nczhghcms/..", "/plugin/gh/ghzx", "/nczhghcms/nczhghcms"]),
    (["/article/"],
     ["/article", "/articles/", "/Article/", "/article//", "/pc_detail.php?id=", "/article/./", "/x/article/"]),
    (["1", "0", "00", "0001", "123", str(2**31 - 1), str(2**31), "9999999999", "4294967296", str(2**63 - 1),
      str(2**63), "9" * 30],
     ["", "12345678901", "1a", "+1", "-1", "%31", "\uff11", "\u0663"]),
    (["", "/", "?a=1", "#x", "/?a=1#x", "?", "#", "?id=5", "#a?b", "?a=%20&b=\\"],
     [" ", "\t", "%20", "..", "//", "\n", "/1", "?a b", "/x", "?\x7f", "#\u00e9", "/pc_detail.php?id=3", ";p"]),
]  # fmt: skip


@st.composite
def article_urls(draw: st.DrawFn) -> str:
    """A plain article URL with none, one or two of its parts replaced by an odd form."""
    odd = draw(st.sets(st.integers(0, len(_URL_PARTS) - 1), max_size=2))
    parts = []
    for i, (plain, other) in enumerate(_URL_PARTS):
        parts.append(draw(st.sampled_from(other if i in odd else plain)))
    if 5 not in odd and draw(st.booleans()):
        parts[5] = str(draw(st.integers(0, 2**33)))
    return "".join(parts)


_ANY_URL_PIECE = st.sampled_from(sorted({p for plain, other in _URL_PARTS for p in plain + other}))


@settings(max_examples=1500, deadline=None)
@given(st.one_of(article_urls(), joined(_ANY_URL_PIECE, 8)))
def test_article_id_fast_path_equals_urlsplit_path(url: str) -> None:
    assert article_id_from_url(url) == general(url)


def test_article_id_every_single_odd_part() -> None:
    """Every plain URL with one part made odd, exhaustively (a few thousand calls, milliseconds)."""
    checked = 0
    for i, (_plain, other) in enumerate(_URL_PARTS):
        for odd in other:
            for base in itertools.product(*(plain for plain, _other in _URL_PARTS)):
                url = "".join(base[:i]) + odd + "".join(base[i + 1 :])
                assert article_id_from_url(url) == general(url), url
                checked += 1
    assert checked > 10_000


@pytest.mark.parametrize(("url", "expected"), [
    ("http://www.ncgh.org.cn/nczhghcms/article/123", 123),
    ("https://h:8080/article/5/?a=1#x", 5),
    ("http://h/article/0", None),
    (f"http://h/article/{2**31}", 2**31),  # ids run to SQLite's 2**63-1 since issue 13 item 4
    (f"http://h/article/{2**63 - 1}", 2**63 - 1),
    (f"http://h/article/{2**63}", None),
    ("http://h/article/\u0661\u0662", None),  # Arabic-Indic digits: `int()` reads them, no URL has them
    ("HTTP://H/article/7", 7),
    (" http://h/article/7\t", 7),
    ("http://h/plugin/gh/ghzx/pc_detail.php?erid=34&id=9&yiid=32", 9),
    ("http://h/x/article/7", None),
])  # fmt: skip
def test_article_id_examples_on_both_paths(url: str, expected: int | None) -> None:
    assert article_id_from_url(url) == expected
    assert general(url) == expected


_OTHER_PATHS = ("/news/{id}.html", "/a/b/{id}", "/x{id}")


@settings(max_examples=800, deadline=None)
@given(joined(st.sampled_from(["http://", "https://h", "h", "/news/", "/a/b/", "/x", "/", "12", "0", ".html", ".htm",
                               "?q=1", "#f", " ", "/news/7.html", "/a/b/7/", "/x7"]), 6))
def test_article_id_fast_path_for_other_path_forms(url: str) -> None:
    assert article_id_from_url(url, _OTHER_PATHS) == general(url, _OTHER_PATHS)


def test_article_id_path_forms_without_a_leading_slash_skip_the_regex() -> None:
    assert _plain_url_regex(("article/{id}",)) is None
    assert article_id_from_url("http://hostarticle/5", ("article/{id}",)) is None  # urlsplit: host "hostarticle"


# ---- 3. text_lines (childless fast path) and html_lines (regex over serialised HTML) -------------

_BLOCK = ["div", "p", "li", "td", "table", "h2", "ul", "tr", "center", "pre", "blockquote", "dl", "dd", "section"]
_INLINE = ["span", "a", "b", "font", "strong", "em", "u", "sub"]
_VOID = ["br", "img", "hr"]
_TEXTS = st.sampled_from([
    "全市工会", "中文", "abc", " ", "  ", "\u3000", "\xa0", "&nbsp;", "&amp;", "&lt;", "&gt;", "&amp;lt;", "\u200b",
    "\ufeff", "\n", "\t", "x y", "1.", "》", "附件:", "&#12288;", "&copy", "a&b",
])  # fmt: skip
_FRAGMENT_ATTRS = st.sampled_from([
    "", ' class="c"', ' href="/a>b c"', ' alt="a&gt;b"', ' title="<p>x</p>"', ' style="color:red"',
    ' src="javascript:alert(1)"', ' width="3"', " data-x='\"'", ' id="y"',
])  # fmt: skip


def _wrap(tag: str, attrs: str, children: list[str]) -> str:
    return f"<{tag}{attrs}>{''.join(children)}</{tag}>"


_node = st.recursive(
    st.one_of(_TEXTS, st.builds(lambda t, a: f"<{t}{a}>", st.sampled_from(_VOID), _FRAGMENT_ATTRS)),
    lambda inner: st.builds(_wrap, st.sampled_from(_BLOCK + _INLINE), _FRAGMENT_ATTRS, st.lists(inner, max_size=4)),
    max_leaves=14,
)
fragments = st.lists(_node, min_size=1, max_size=3).map("".join)


def parsed_div(fragment: str) -> etree._Element:
    root = build_tree(f'<html><body><div id="x">{fragment}</div></body></html>'.encode())
    div = root.find(".//div[@id='x']")
    assert div is not None
    return div


@settings(SLOW_OK, max_examples=400)
@given(fragments)
def test_html_lines_of_sanitised_markup_equal_text_lines(fragment: str) -> None:
    div = parsed_div(fragment)
    sanitise_attributes(div, "http://www.ncgh.org.cn/nczhghcms/article/5")
    inner = inner_html(div)
    assert html_lines(inner) == text_lines(div), inner


def walk_lines(el: etree._Element) -> list[str]:
    """text_lines' general walk (no childless shortcut), copied as the reference for the fast path."""
    parts: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if event == "start":
            if node.tag in BLOCK_TAGS:
                parts.append("\ue000")
            if node.text:
                parts.append(node.text)
        else:
            if node.tag in BLOCK_TAGS:
                parts.append("\ue000")
            if node.tail and node is not el:
                parts.append(node.tail)
    text = "".join(parts).replace("\u200b", "").replace("\ufeff", "")
    return [line for line in (" ".join(piece.split()) for piece in text.split("\ue000")) if line]


_LEAF_TEXT = st.text(
    st.sampled_from(list("中文ab1 &<>;#.\n\t\r") + ["\u3000", "\xa0", "\u200b", "\ufeff", "\ue000", "\x85", "\u2028"]),
    max_size=20,
)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(_BLOCK + _INLINE + ["h1", "option", "p-x", "title"]), _LEAF_TEXT, _LEAF_TEXT)
def test_childless_text_lines_equal_the_walk_and_html_lines(tag: str, text: str, tail: str) -> None:
    el = etree.Element(tag)
    el.text = text
    el.tail = tail  # the tail is not the element's text: neither path may read it
    assert not len(el)
    lines = text_lines(el)
    assert lines == walk_lines(el)
    if "\ue000" not in text:  # utf8_bytes removes U+E000 from every page: serialised HTML never has it
        assert lines == html_lines(etree.tostring(el, encoding="unicode", method="html", with_tail=False))


def test_childless_example() -> None:
    el = etree.Element("p")
    el.text = "\u3000 发布时间：2018-10-12\xa0\xa0浏览\u200b次数 "
    assert text_lines(el) == ["发布时间：2018-10-12 浏览次数"] == walk_lines(el)


# libxml2 keeps names such as p-x, li:x, div.x and even p<td: none is a block, and a "<" inside a
# name must not start a tag of its own (`</p<td>` once left "</p" as a line).
@pytest.mark.parametrize(
    "fragment", ["a<p-x>b</p-x>c", "a<li:x>b</li:x>c", "a<div.x>b</div.x>c", "<p>a</p>\n<p>b</p>\n</p<td>x"]
)
def test_html_lines_custom_element_named_like_a_block(fragment: str) -> None:
    div = parsed_div(fragment)
    sanitise_attributes(div, None)
    assert html_lines(inner_html(div)) == text_lines(div)


# ---- 4. is_attachment_line: fullmatch instead of substitute-and-test ----------------------------


def old_is_attachment_line(line: str, names: list[str]) -> bool:
    """The code before the fast path, as the reference."""
    rest = _ATTACHMENT_LABEL.sub("", line, count=1)
    if not rest:
        return False
    for name in sorted(names, key=len, reverse=True):
        rest = rest.replace(name, " ")
    return not _LIST_SEP.sub("", rest)


_NAMES = ["报名表.xls", "报名表", "表.xls", "附件1.doc", "a.pdf", "通知.docx", "xls", "附件", "1", ""]
_ATTACHMENT_PIECES = st.sampled_from(
    _NAMES + [" ", ",", "，", "、", ";", "；", "\u3000", "\xa0", "\n", "附件", "相关附件1:", "附件：", "相关",
              "请各单位按时报送。", "abc", ".", "：", ":"]
)


@settings(max_examples=1500, deadline=None)
@given(joined(_ATTACHMENT_PIECES, 10), st.lists(st.sampled_from(_NAMES), max_size=4))
def test_is_attachment_line_equals_the_old_code(line: str, names: list[str]) -> None:
    assert is_attachment_line(line, names) == old_is_attachment_line(line, names)


@pytest.mark.parametrize(("line", "names", "expected"), [
    ("附件:报名表.xls", ["报名表.xls"], True),
    ("相关附件1: 报名表.xls、a.pdf", ["报名表.xls", "a.pdf"], True),
    ("附件:报名表.xls 请按时报送", ["报名表.xls"], False),
    ("附件:", ["报名表.xls"], False),
    ("报名表.xls；a.pdf", ["a.pdf", "报名表.xls"], True),
])  # fmt: skip
def test_is_attachment_line_examples(line: str, names: list[str], expected: bool) -> None:
    assert is_attachment_line(line, names) is expected is old_is_attachment_line(line, names)


# ---- 5. sanitise_attributes: one element walk instead of an XPath -------------------------------

_ALL_ATTRIBUTES = etree.XPath("descendant-or-self::*/@*")


def old_sanitise_attributes(el: etree._Element, base: str | None) -> list[tuple[etree._Element, str, str]]:
    """The XPath-based code before the fast path, as the reference."""
    names: set[str] = set()
    links: list[tuple[etree._Element, str, str]] = []
    for attr in _ALL_ATTRIBUTES(el):
        names.add(attr.attrname)
        if attr.attrname in ("href", "src"):
            links.append((attr.getparent(), attr.attrname, str(attr)))
    etree.strip_attributes(el, *(names - _KEEP_ATTRS))
    absolute = Absolutizer(base)
    kept: list[tuple[etree._Element, str, str]] = []
    for node, name, value in links:
        if _UNSAFE_URL.match(value) and not (node.tag == "img" and value.strip().startswith("data:image/")):
            del node.attrib[name]
        else:
            value = absolute(value)
            node.set(name, value)
            kept.append((node, name, value))
    return kept


_ATTR_NAMES = st.sampled_from(  # links weighted up: they are where the two codes could part
    ["href", "src", "href", "src", "style", "class", "id", "onclick", "alt", "title", "width", "data-x", "HREF",
     "colspan", "SRC"]
)
_ATTR_VALUES = st.sampled_from([
    "javascript:alert(1)", " JavaScript:x", "data:image/png;base64,AAA", " data:image/gif;base64,R0",
    "data:text/html,x",
    "/a/b.doc", "../x.jpg", "http://h/x", " spaced ", "", "file:///etc/passwd", "//cdn/x.png", "a\\b", "x.jpg?a=1#f",
    "vbscript:x", "https://h/./y",
])  # fmt: skip


@st.composite
def attributes(draw: st.DrawFn) -> str:
    out = []
    for name in draw(st.lists(_ATTR_NAMES, max_size=4)):
        value = draw(_ATTR_VALUES).replace("&", "&amp;").replace('"', "&quot;")
        out.append(f' {name}="{value}"' if draw(st.integers(0, 5)) else f" {name}")
    return "".join(out)


attr_fragments = st.recursive(
    st.one_of(_TEXTS, st.builds(lambda t, a: f"<{t}{a}>", st.sampled_from(["img", "br", "a", "img"]), attributes())),
    lambda inner: st.builds(_wrap, st.sampled_from(["div", "p", "a", "span", "img", "table", "td", "IMG"]),
                            attributes(), st.lists(inner, max_size=3)),
    max_leaves=10,
)
_BASES = st.sampled_from([None, "", "http://www.ncgh.org.cn/nczhghcms/article/5", "https://h/a/b/", "::not a url::",
                          "http://[bad/x", "ftp://h/x"])


@settings(SLOW_OK, max_examples=400)
@given(attr_fragments, attributes(), _BASES)
def test_sanitise_attributes_equals_the_xpath_code(fragment: str, top_attrs: str, base: str | None) -> None:
    root = build_tree(f"<html><body><div{top_attrs}>{fragment}</div></body></html>".encode())
    div = root.find("body/div")
    assert div is not None
    new, old = copy.deepcopy(div), copy.deepcopy(div)
    new_links = sanitise_attributes(new, base)
    old_links = old_sanitise_attributes(old, base)
    assert etree.tostring(new, encoding="unicode") == etree.tostring(old, encoding="unicode")
    assert [(n.tag, a, v) for n, a, v in new_links] == [(n.tag, a, v) for n, a, v in old_links]
    # The links name elements of the tree that was sanitised, in the same positions.
    assert [new.getroottree().getpath(n) for n, _, _ in new_links] == [
        old.getroottree().getpath(n) for n, _, _ in old_links
    ]


def test_sanitise_attributes_example() -> None:
    div = parsed_div('<a href="javascript:x" onclick="y" class="c">t</a><img src="data:image/png;base64,AA" '
                     'style="s" alt="p"><img src="data:text/html,x"><a href="/a/b.doc" title="t">d</a>')
    links = sanitise_attributes(div, "http://h/nczhghcms/article/5")
    assert [(n.tag, a, v) for n, a, v in links] == [
        ("img", "src", "data:image/png;base64,AA"), ("a", "href", "http://h/a/b.doc")
    ]
    assert etree.tostring(div, encoding="unicode", with_tail=False) == (
        '<div><a>t</a><img src="data:image/png;base64,AA" alt="p"/><img/>'
        '<a href="http://h/a/b.doc" title="t">d</a></div>'
    )


# ---- 6. the footer cache, keyed by the footer element's markup ----------------------------------

ARTICLE_URL = "http://www.ncgh.org.cn/nczhghcms/article/{}"


def page(footer: str, footer_attrs: str = ' class="footer"') -> bytes:
    return (
        '<html><body><h2 class="detail-title">关于开展劳动竞赛的通知</h2>'
        '<div class="info">发布时间: 2018-10-12 浏览次数: 5</div>'
        '<div id="zoom"><p>全市各级工会要围绕党委中心工作,广泛开展劳动和技能竞赛等活动。</p></div>'
        f"<div{footer_attrs}>{footer}</div></body></html>"
    ).encode()


FOOTER_A = "江西省南昌市总工会<br>赣ICP备18016234号-1<br>电话:0791-83868027"
FOOTER_B = "江西省南昌市总工会<br>赣ICP备2025061944号-1<br>电话:0791-86668888<br>邮箱:ncghwlzx@163.com"


def test_footer_cache_keeps_each_pages_own_footer() -> None:
    article_parts._FOOTER_BY_MARKUP.clear()
    seen = []
    for n, footer in enumerate([FOOTER_A, FOOTER_B, FOOTER_A, FOOTER_B, FOOTER_A], start=1):
        record = parse_article(page(footer), ARTICLE_URL.format(n))
        assert record.extractor == "profile" and record.footer is not None
        seen.append((record.footer.icp, record.footer.phone, record.footer.email))
    a = ("赣ICP备18016234号-1", "0791-83868027", None)
    b = ("赣ICP备2025061944号-1", "0791-86668888", "ncghwlzx@163.com")
    assert seen == [a, b, a, b, a]


def test_footer_markup_differing_only_in_an_attribute() -> None:
    article_parts._FOOTER_BY_MARKUP.clear()
    first = parse_article(page(FOOTER_A), ARTICLE_URL.format(1)).footer
    other = parse_article(page(FOOTER_A, ' class="footer" data-v="2"'), ARTICLE_URL.format(2)).footer
    inner = parse_article(page(FOOTER_B.replace("<br>", '<br class="x">')), ARTICLE_URL.format(3)).footer
    again = parse_article(page(FOOTER_B), ARTICLE_URL.format(4)).footer
    assert first is not None and first.icp == "赣ICP备18016234号-1"
    assert other == first
    assert inner is not None and inner.icp == "赣ICP备2025061944号-1" and inner.phone == "0791-86668888"
    assert again == inner
    # Cached by markup: the same footer read through the cache equals a fresh read.
    article_parts._FOOTER_BY_MARKUP.clear()
    assert parse_article(page(FOOTER_A, ' class="footer" data-v="2"'), ARTICLE_URL.format(5)).footer == first


# ---- 7. utf8_bytes: one translate() tells control characters and possible "&#" references ----------


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=300), st.lists(st.sampled_from([b"&#", b"&", b"#", b"\x00", b"\x1f", b"\t", b"\r\n", b"&amp;#1;"]),
                                         max_size=6))
def test_scan_finds_every_control_byte_and_never_misses_a_reference(data: bytes, pieces: list[bytes]) -> None:
    data = data + b"".join(pieces)
    controls, refs = htmltree._scan(data)
    assert controls == (len(data.translate(None, htmltree._CONTROL_BYTES)) != len(data))
    if b"&#" in data:
        assert refs


# ---- 8. encoding._tolerant: bytes no UTF-8 text holds rule a page out before any error handler runs ----


def old_tolerant(body: bytes, codec: str) -> tuple[str, int] | None:
    """The code before the early exit, as the reference."""
    non_ascii = len(body.translate(None, encoding._ASCII_BYTES))
    budget = min(encoding.MAX_BROKEN, max(encoding.MIN_BROKEN, non_ascii // encoding.BROKEN_RATIO))
    encoding._tolerance.left = budget
    try:
        text = body.decode(codec, errors="ncgh-tolerant")
    except (UnicodeDecodeError, LookupError):
        return None
    return text, budget - encoding._tolerance.left


_UTF8_PIECES = st.sampled_from([
    "中文".encode(), "工会".encode("gb18030"), b"\xc0", b"\xc1\x80", b"\xf5", b"\xff", b"\xe4\xb8", b"\x80", b"abc ",
    b"\xed\xa0\x80", b"\xf4\x90\x80\x80", "€".encode(), b"\xef\xbf\xbd",
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_UTF8_PIECES, max_size=80), st.binary(max_size=40))
def test_tolerant_utf8_early_exit_agrees_with_the_error_handler(pieces: list[bytes], noise: bytes) -> None:
    body = b"".join(pieces) + noise
    assert encoding._tolerant(body, "utf-8") == old_tolerant(body, "utf-8")
