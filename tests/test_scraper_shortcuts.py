"""Shortcuts outside the parser's own modules give exactly what their general code gives.

`scraper.dates` (the ISO-day path of parse_date), `scraper.signature` (is_attachment_line) and
`scraper.encoding` (the early exit of the tolerant decode) each skip work for a common input form. These checks moved here from
tests/test_parse_fastpaths.py when the parser's own speed tricks were removed (issue 14): the
shortcuts above remain, so a drift from the general code would still change records silently.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper import encoding
from scraper.dates import find_dates, parse_date
from scraper.signature import _ATTACHMENT_LABEL, _LIST_SEP, is_attachment_line


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

