"""Header-line patterns: every label and separator variant in site-facts, in any order."""

from __future__ import annotations

import re
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper import header
from scraper.header import AUTHOR_LABELS, DATE_LABELS, SOURCE_LABELS, VIEW_LABELS, find_header, parse_header

SEPARATORS = [":", "：", " : ", "\u00a0：\u00a0", "\u3000:"]
GAPS = [" ", "   ", "\u00a0\u00a0\u00a0", "\u3000\u3000", " \u00a0 "]


@pytest.mark.parametrize("label", ["发布时间", "发布日期", "发表日期", "时间", "日期", "发表时间", "更新时间"])
@pytest.mark.parametrize("sep", SEPARATORS)
def test_every_date_label_and_separator(label: str, sep: str) -> None:
    h = parse_header(f"{label}{sep}2018-10-12 浏览量:49931")
    assert h.published is not None and h.published.iso == "2018-10-12"
    assert h.views == 49931


@pytest.mark.parametrize("label", ["浏览量", "浏览次数", "浏览数", "点击数", "阅读次", "访问量", "阅读次数", "点击量"])
@pytest.mark.parametrize("number,value", [("49931", 49931), ("1,234", 1234), ("1，234", 1234), ("12,345,678", 12345678),
                                          ("88次", 88), ("７", 7), ("", None)])
def test_every_views_label_and_number_style(label: str, number: str, value: int | None) -> None:
    h = parse_header(f"发布时间:2018-10-12 {label}:{number}")
    assert h.views == value


@pytest.mark.parametrize("label", ["来源", "信息来源", "文章来源"])
def test_every_source_label(label: str) -> None:
    h = parse_header(f"发布时间:2020-05-06   {label}:南昌市总工会   浏览量:12")
    assert (h.source, h.views) == ("南昌市总工会", 12)


@pytest.mark.parametrize("label", ["作者", "发布人", "编辑", "责任编辑", "审核"])
def test_every_author_label(label: str) -> None:
    h = parse_header(f"{label}：张三　发布日期：2019-03-05")
    assert h.author == "张三"
    assert h.published is not None and h.published.iso == "2019-03-05"


@pytest.mark.parametrize("gap", GAPS)
def test_fields_separated_by_any_run_of_spaces(gap: str) -> None:
    h = parse_header(f"发布时间:2020-05-06{gap}来源:东湖区总工会{gap}浏览量:2,876{gap}作者:李四")
    assert (h.published.iso, h.source, h.views, h.author) == ("2020-05-06", "东湖区总工会", 2876, "李四")


@pytest.mark.parametrize(
    "text,iso,raw",
    [
        ("发布时间:2018-10-12", "2018-10-12", "2018-10-12"),
        ("发布时间:2018/10/12", "2018-10-12", "2018/10/12"),
        ("发布时间:2018年10月12日", "2018-10-12", "2018年10月12日"),
        ("发布时间:2018-10-12 09:30", "2018-10-12T09:30+08:00", "2018-10-12 09:30"),
        ("发布时间:2018-10-12 09:30:05", "2018-10-12T09:30:05+08:00", "2018-10-12 09:30:05"),
        ("发布日期：2019年3月5日 10:30", "2019-03-05T10:30+08:00", "2019年3月5日 10:30"),
    ],
)
def test_date_formats_with_and_without_time(text: str, iso: str, raw: str) -> None:
    h = parse_header(text + " 浏览量:1")
    assert h.published is not None
    assert (h.published.iso, h.published.raw, h.published.has_time) == (iso, raw, "T" in iso)


def test_order_does_not_matter_and_first_occurrence_wins() -> None:
    h = parse_header("浏览量:5 来源:本站 发布时间:2018-10-12 浏览量:9")
    assert (h.views, h.source, h.published.iso) == (5, "本站", "2018-10-12")


def test_font_size_and_print_controls_end_a_value() -> None:
    assert parse_header("来源:本站 字体:[大 中 小]").source == "本站"
    assert parse_header("责任编辑：李四【打印】【关闭】").author == "李四"
    assert parse_header("来源:南昌日报【字体大小:大 中 小】").source == "南昌日报"


def test_empty_values_and_unlabelled_text_give_nothing() -> None:
    assert parse_header("浏览量: 来源: 作者：").is_empty()
    assert parse_header("党的十九大是在全面建成小康社会决胜阶段召开的大会。").is_empty()
    assert parse_header("").is_empty()
    # A label needs its colon: "时间" in prose is not a field.
    assert parse_header("时间 2018-10-12 过得很快").is_empty()


def test_label_tuples_cover_site_facts() -> None:
    for label in ("发布时间", "发布日期", "发表日期", "时间", "日期"):
        assert label in DATE_LABELS
    for label in ("浏览量", "浏览次数", "浏览数", "点击数", "阅读次", "访问量"):
        assert label in VIEW_LABELS
    for label in ("来源", "信息来源", "文章来源"):
        assert label in SOURCE_LABELS
    for label in ("作者", "发布人", "编辑", "责任编辑", "审核"):
        assert label in AUTHOR_LABELS


def test_find_header_needs_a_date_or_views_with_another_field() -> None:
    lines = ["首页 > 工会新闻", "来源:本站", "作者:张三", "浏览量:5", "发布时间:2018-10-12 浏览量:7", "正文"]
    index, h = find_header(lines)
    assert index == 4 and h.views == 7
    index, h = find_header(["来源:本站 浏览量:5"])
    assert (index, h.source, h.views) == (0, "本站", 5)
    assert find_header(["来源:本站", "作者:张三", "浏览量:5"]) is None


def test_hostile_input_is_bounded() -> None:
    h = parse_header("发布时间:" * 100_000)
    assert h.is_empty()
    h = parse_header("浏览量:" + "9" * 50_000)
    assert h.views is None  # not a view count: a run of digits that long is junk


# ---- the site's own header line is read by one anchored pattern: it must agree with the rules ----

_SITE_LINE = st.builds(
    lambda gap1, day, gap2, colon, gap3, views: f"发布时间:{gap1}{day}{gap2}浏览量{colon}{gap3}{views}",
    st.sampled_from(["", " ", "\u3000", "\u00a0", "\u2003", " \t "]),
    st.sampled_from(["2018-10-12", "2021-02-29", "2020-02-29", "1989-12-31", "1990-01-01", "2100-12-31",
                     "2101-01-01", "2018-13-01", "0000-00-00"]),
    st.sampled_from(["", " ", "  ", "\u3000", "\u2003", "\n"]),
    st.sampled_from([":", "：", " :"]),
    st.sampled_from(["", " ", "\u00a0", "\u3000", "\u2003", "\t"]),
    st.sampled_from(["0", "7", "49931", "007", "999999999999999", "9999999999999999", "1,234", "１２", "12a"]),
)


def _general_rules(text: str) -> object:
    with patch.object(header, "_SITE_HEADER", re.compile("(?!)")):  # a pattern that never matches
        return parse_header(text)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(_SITE_LINE)
def test_site_header_line_fast_path_agrees_with_the_rules(text: str) -> None:
    assert parse_header(text) == _general_rules(text)


def test_site_header_line_fast_path_is_taken_and_right() -> None:
    text = "发布时间:\u30002018-10-12\u3000\u3000浏览量：49931"
    assert header._SITE_HEADER.fullmatch(text) is not None
    h = parse_header(text)
    assert (h.published.iso, h.published.raw, h.views, h.source) == ("2018-10-12", "2018-10-12", 49931, None)
    assert h == _general_rules(text)
