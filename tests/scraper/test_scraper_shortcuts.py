"""Shortcuts outside the parser's own modules give exactly what their general code gives.

`scraper.discover` (the plain-URL regex of article_id_from_url) and `scraper.encoding` (the early
exit of the tolerant decode) each skip work for a common input form. These checks moved here from
tests/test_parse_fastpaths.py when the parser's own speed tricks were removed (issue 14): the
shortcuts above remain, so a drift from the general code would still change records silently.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper import encoding
from scraper.discover import (
    DEFAULT_ARTICLE_PATHS,
    _article_id_by_parts,
    _plain_url_regex,
    article_id_from_url,
)


def joined(pieces: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    return st.lists(pieces, max_size=max_size).map("".join)


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


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(st.one_of(article_urls(), joined(_ANY_URL_PIECE, 8)))
def test_article_id_fast_path_equals_urlsplit_path(url: str) -> None:
    assert article_id_from_url(url) == general(url)


@pytest.mark.slow
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


@pytest.mark.slow
@settings(max_examples=800, deadline=None)
@given(joined(st.sampled_from(["http://", "https://h", "h", "/news/", "/a/b/", "/x", "/", "12", "0", ".html", ".htm",
                               "?q=1", "#f", " ", "/news/7.html", "/a/b/7/", "/x7"]), 6))
def test_article_id_fast_path_for_other_path_forms(url: str) -> None:
    assert article_id_from_url(url, _OTHER_PATHS) == general(url, _OTHER_PATHS)


def test_article_id_path_forms_without_a_leading_slash_skip_the_regex() -> None:
    assert _plain_url_regex(("article/{id}",)) is None
    assert article_id_from_url("http://hostarticle/5", ("article/{id}",)) is None  # urlsplit: host "hostarticle"


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


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(st.lists(_UTF8_PIECES, max_size=80), st.binary(max_size=40))
def test_tolerant_utf8_early_exit_agrees_with_the_error_handler(pieces: list[bytes], noise: bytes) -> None:
    body = b"".join(pieces) + noise
    assert encoding._tolerant(body, "utf-8") == old_tolerant(body, "utf-8")

