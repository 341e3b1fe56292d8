"""Chinese date formats -> ISO 8601 (+08:00)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.dates import DateValue, find_dates, find_month_dates, normalise_digits, parse_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2018-10-12", "2018-10-12"),
        ("2018/10/12", "2018-10-12"),
        ("2018.10.12", "2018-10-12"),
        ("2018年10月12日", "2018-10-12"),
        ("2018 年 10 月 12 日", "2018-10-12"),
        ("2018-1-2", "2018-01-02"),
        ("2018-10-12 21:23", "2018-10-12T21:23+08:00"),
        ("2005-5-7 21:23:57", "2005-05-07T21:23:57+08:00"),
        ("2018年10月12日21时23分", "2018-10-12T21:23+08:00"),
        ("2018年10月12日 21时23分57秒", "2018-10-12T21:23:57+08:00"),
        ("２０１８年１０月１２日　２１：２３", "2018-10-12T21:23+08:00"),
        ("发布时间：２０１８－１０－１２", "2018-10-12"),
        ("发布时间:2018-10-12 浏览量:49931", "2018-10-12"),
        ("发布时间:2018-10-12\u00a0\u00a0来源:南昌", "2018-10-12"),
        ("2019-9-5 9:38:01", "2019-09-05T09:38:01+08:00"),
        ("2019-09-07T13:43:45+08:00", "2019-09-07T13:43:45+08:00"),
        ("2019-09-07T20:43:45Z", "2019-09-08T04:43:45+08:00"),
        ("2020-02-29", "2020-02-29"),
        ("1990-01-01", "1990-01-01"),
        ("2100-12-31", "2100-12-31"),
        ("2018-10-12 25:61", "2018-10-12"),  # an impossible time is dropped, the date kept
        ("发布日期： 7/5/2005 9:23:57 PM", "2005-07-05T21:23:57+08:00"),  # ASP's M/D/YYYY
        ("9/17/2004 5:54:13 AM", "2004-09-17T05:54:13+08:00"),
        ("2018-10-12 12:00 am", "2018-10-12T00:00+08:00"),
        ("（2005-04-03 17:19PM）", "2005-04-03T17:19+08:00"),
        ("2005年4月5日 下午3:20", "2005-04-05T15:20+08:00"),
        ("2019-09-07T13:43:45.123-05:00", "2019-09-08T02:43:45+08:00"),
    ],
)
def test_formats(text: str, iso: str) -> None:
    value = parse_date(text)
    assert value is not None and value.iso == iso
    assert value.has_time == ("T" in iso)
    assert value.day == iso[:10]


@pytest.mark.parametrize(
    "text",
    ["2018-13-01", "2018-02-30", "2019-02-29", "1989-12-31", "2101-01-01", "2018-10/12", "12018-10-12",
     "v2018.10.12.1", "0791-83868027", "赣ICP备18016234号-1", "", "浏览量:49931", "2018年13月1日",
     "13/5/2005", "1998年3月号"],
)
def test_rejects(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize("text", ["2018-10-12", " 2018-10-12 ", "\u30002018-10-12\xa0", "\n2018-10-12\t"])
def test_padded_iso_day_raw_is_the_day_alone(text: str) -> None:
    value = parse_date(text)
    assert value is not None and (value.iso, value.raw, value.has_time) == ("2018-10-12", "2018-10-12", False)


def test_day_digits_read_whole() -> None:
    assert parse_date("2018-10-123") is None
    value = parse_date("2018-1-12 ")
    assert value is not None and (value.iso, value.raw) == ("2018-01-12", "2018-1-12")


def test_raw_is_original_text() -> None:
    value = parse_date("时间：２０１８年１０月１２日　２１：２３ 浏览")
    assert value == DateValue("2018-10-12T21:23+08:00", "２０１８年１０月１２日　２１：２３", True)
    assert parse_date("2018-10-12 25:00").raw == "2018-10-12"
    assert parse_date("2012年5月21日").raw == "2012年5月21日"


def test_find_dates_reading_order() -> None:
    text = "青山湖区总工会 2012年5月21日\n上一篇 2011-03-04 下一篇 2013/1/2 08:00"
    assert [d.iso for d in find_dates(text)] == ["2012-05-21", "2011-03-04", "2013-01-02T08:00+08:00"]


def test_month_dates_only_on_request() -> None:
    assert find_dates("——《北京之春》1998年3月号") == []
    months = find_month_dates("——《北京之春》1998年3月号；2018年10月12日")
    assert [(m.iso, m.precision) for m in months] == [("1998-03", "month")]


def test_normalise_keeps_length() -> None:
    s = "２０１８：１２　ａ\u00a0"
    assert len(normalise_digits(s)) == len(s)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text(text: str) -> None:
    for value in find_dates(text):
        assert value.raw and value.raw in text
        assert 1990 <= int(value.iso[:4]) <= 2100


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.dates(), st.booleans(), st.sampled_from(["{y}-{m}-{d}", "{y}/{m:02d}/{d:02d}", "{y}年{m}月{d}日"]))
def test_generated_dates_roundtrip(day, with_time: bool, fmt: str) -> None:
    text = fmt.format(y=day.year, m=day.month, d=day.day) + (" 07:05" if with_time else "")
    value = parse_date(text)
    if not 1990 <= day.year <= 2100:
        assert value is None
    else:
        assert value is not None and value.day == day.isoformat() and value.has_time == with_time


_SHORT_PAGE = """<html><head><meta charset="utf-8"><title>{title} | 南昌市总工会</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/list/3">工会新闻</a> <a href="/list/4">通知公告</a></div>
<div class="c-b10">{title}</div><div class="c-b12">{header}
{paragraphs}
<p align="right">进贤县总工会</p><p align="right">2025年3月20日</p></div>
<div class="foot">版权所有 南昌市总工会</div></body></html>"""
_PARAGRAPH = "<p>下一步,安义县各级工会将以此次安康杯竞赛为契机,进一步增强服务职工的能力。创新是国家发展和民族进步的灵魂。</p>"


def _guessed(title: str, header: str, paragraphs: int) -> str | None:
    from lxml import html as lxml_html

    from scraper.pubdate import guess_publication_date

    page = _SHORT_PAGE.format(title=title, header=header, paragraphs=_PARAGRAPH * paragraphs)
    value = guess_publication_date(lxml_html.fromstring(page))
    return value.iso if value else None


def test_a_signature_date_after_a_short_body_is_no_header_date() -> None:
    """A one-paragraph article's signature date fell within the main text's first 200 characters and
    was read as the publication date; its next, longer version had none: an edit invented from the
    body's length (found by a year-long review). The date must not depend on the length."""
    assert [_guessed("市总工会领导调研", "", n) for n in (1, 3)] == [None, None]
    # A header line before the paragraphs stays the page's date, whatever the title's punctuation.
    header = "<div>2025-03-21 10:00</div>"
    assert [_guessed("孩子：我的奶酪，谁做主？", header, n) for n in (1, 3)] == ["2025-03-21T10:00+08:00"] * 2
