"""What other CMS templates do to an article page (issue 16), rule by rule; the whole pages are the
labelled fixtures in tests/fixtures/pages/families/."""

from __future__ import annotations

import re

import pytest

from scraper.body import is_control_line
from scraper.header import byline, credit_line, header_of_lines, parse_header
from scraper.htmltree import _CONTROL_CODE_POINTS, _refers_to_control
from scraper.parse import parse_article
from scraper.title import HeadTitle, agreeing_title

P1 = "5月18日上午，青山湖区总工会在区文化广场举办劳动模范先进事迹报告会，全区三百余人参加。"
P2 = "报告会上，五位劳动模范结合自身经历，讲述了在平凡岗位上爱岗敬业的感人故事。"


def fallback_page(main: str, title: str = "青山湖区总工会举办报告会 - 南昌市总工会", head: str = "") -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
            "<div class='top'><h1 class='logo'><a href='/'>南昌市总工会</a></h1></div>"
            f"<div class='wrap'>{main}</div></body></html>").encode()


# ---- the header ----------------------------------------------------------------------------------

def test_header_split_over_elements_gives_every_field() -> None:
    h = header_of_lines(["发布日期：2022-03-15", "信息来源：市总工会宣教部", "浏览次数：12580", "作者：陈静"])
    assert (h.published and h.published.iso, h.views, h.source, h.author) == ("2022-03-15", 12580, "市总工会宣教部", "陈静")


def test_profile_path_reads_a_split_header_between_title_and_body() -> None:
    """No info selector matches; the header stands between the title and the body in <li>s."""
    header = "<ul class='meta'><li>发布日期：2022-03-15</li><li>来源：市总工会</li><li>浏览次数：88</li></ul>"
    html = (f"<html><head><meta charset='utf-8'><title>报告会</title></head><body><h2 class='detail-title'>报告会</h2>"
            f"{header}<div id='zoom'><p>{P1}</p></div></body></html>").encode()
    r = parse_article(html, None)
    assert (r.extractor, r.published_at, r.source, r.views) == ("profile", "2022-03-15", "市总工会", 88)


def test_a_bare_date_counts_on_a_header_line_but_not_in_prose() -> None:
    assert header_of_lines(["2019-11-5 10:22 | 发布者: admin"]).published.iso == "2019-11-05T10:22+08:00"
    assert header_of_lines(["2019年11月5日，区总工会召开会议。"]).published is None


@pytest.mark.parametrize("line,field,value", [
    ("查看: 1234", "views", 1234), ("查看次数：7", "views", 7), ("来自: 工人日报", "source", "工人日报"),
    ("出处：市总工会宣教部", "source", "市总工会宣教部"), ("原作者: 王芳", "author", "王芳"),
])
def test_new_labels(line: str, field: str, value: object) -> None:
    assert getattr(parse_header(line), field) == value


def test_the_writer_wins_over_the_poster_or_editor() -> None:
    assert parse_header("发布者: admin | 查看: 12 | 原作者: 王芳").author == "王芳"
    assert parse_header("责任编辑：李四 作者：张三").author == "张三"
    assert parse_header("编辑：李四").author == "李四"


def test_an_author_is_never_markup_or_a_role() -> None:
    assert parse_header('作者： size="20" 来源： size="20"').author is None
    assert parse_header('作者： size="20" 来源： size="20"').source is None
    assert parse_header("作者：本报记者王敬照").author == "王敬照"
    assert parse_header("作者：未知").author is None
    assert parse_header("作者: 赵 培：北京物资学院").author == "赵培"  # a two-character name spaced out


@pytest.mark.parametrize("line,author,source", [
    ("（责任编辑：胡晓蓉）", "胡晓蓉", None), ("来源：巴彦淖尔日报 编辑：苏亮", "苏亮", "巴彦淖尔日报"), ("[责任编辑:肖春芳]", "肖春芳", None),
])
def test_credit_lines(line: str, author: str, source: str | None) -> None:
    got = credit_line(line)
    assert got is not None and (got.author, got.source) == (author, source)


@pytest.mark.parametrize("line", ["来源：新华社。这是一句话。", "作者：张三，李四说了很多话。", "发布时间：2019-03-05", "东湖区总工会:李志晴"])
def test_not_credit_lines(line: str) -> None:
    assert credit_line(line) is None


@pytest.mark.parametrize("line,name", [
    ("本报记者 葛灵丹", "葛灵丹"), ("新华网黑龙江频道 记者 伊琳 李清芬", "伊琳"), ("新京报记者 彭冲 山东冠县报道", "彭冲"),
    ("……推动云南工业高质量发展。（记者 胡晓蓉）", "胡晓蓉"), ("记者说今天天气很好。", None), ("东湖区总工会 罗娟", None),
])
def test_bylines(line: str, name: str | None) -> None:
    assert byline(line) == name


# ---- controls, scripts, images -------------------------------------------------------------------

@pytest.mark.parametrize("line,controls", [
    ("【打印本页】【关闭窗口】", True), ("[打印本页] [关闭窗口]", True), ("字体大小:【默认 大 中 小】", True),
    ("【字体：大 中 小】【打印】【关闭】", True), ("我想分享到朋友圈。", False), ("打印机故障", False),
])
def test_control_lines(line: str, controls: bool) -> None:
    assert is_control_line(line) is controls


def test_controls_leave_a_profile_body_whatever_their_class() -> None:
    body = f"<p>{P1}</p><p>{P2}</p><p class='tools'><a href='#'>【打印本页】</a><a href='#'>【关闭窗口】</a></p>"
    html = (f"<html><head><meta charset='utf-8'><title>报告会</title></head><body><h2 class='detail-title'>报告会</h2>"
            f"<div id='zoom'>{body}</div></body></html>").encode()
    r = parse_article(html, None)
    assert r.extractor == "profile" and r.body_text == f"{P1}\n\n{P2}" and "打印" not in r.body_html


def test_document_write_literal_is_what_the_page_shows() -> None:
    main = (f"<h2>青山湖区总工会举办报告会</h2><ul><li>发布时间：2022-03-15</li>"
            f"<li>浏览次数：<script>document.write(12580);</script></li></ul><div class='text'><p>{P1}</p><p>{P2}</p></div>")
    r = parse_article(fallback_page(main), None)
    assert r.views == 12580 and r.published_at == "2022-03-15"


def test_a_date_printing_script_shows_its_date_and_other_scripts_nothing() -> None:
    main = (f"<h2>青山湖区总工会举办报告会</h2><p><script>showDate('2020/04/17 01:43:09')</script></p>"
            f"<div class='text'><p>{P1}<script>track('2019-01-01 x')</script></p><p>{P2}</p></div>")
    r = parse_article(fallback_page(main), None)
    assert r.published_at == "2020-04-17T01:43:09+08:00" and "track" not in r.body_text and "2019" not in r.body_text


def test_an_early_html_end_tag_does_not_end_the_page() -> None:
    html = (f"<html><head><meta charset='utf-8'><title>报告会</title></head><body><div class='nav'><a href='/'>首页</a></div>"
            f"</html><!--end header--><div class='content'><h2>报告会</h2><p>{P1}</p><p>{P2}</p></div></body></html>")
    assert parse_article(html.encode(), None).body_text == f"{P1}\n\n{P2}"


def test_lazy_images_give_their_data_src() -> None:
    main = (f"<h2>青山湖区总工会举办报告会</h2><div class='text'><p>{P1}</p><p><img data-src='/a.jpg'></p>"
            f"<p><img src='/static/loading.gif' data-original='/b.jpg'></p><p><img src='/c.jpg' data-src='/d.jpg'></p><p>{P2}</p></div>")
    r = parse_article(fallback_page(main), "http://x.cn/1.html")
    assert [i.src for i in r.images] == ["http://x.cn/a.jpg", "http://x.cn/b.jpg", "http://x.cn/c.jpg"]


def test_references_to_control_characters_are_found_by_code_point() -> None:
    for value in [*range(0, 0x11000), *(p * 0x10000 + low for p in range(17) for low in (0xFFFE, 0xFFFF)), 0x110000]:
        expected = value in _CONTROL_CODE_POINTS
        for ref in (f"&#{value};", f"&#00{value}", f"&#x{value:x};", f"&#X{value:X}z"):
            assert _refers_to_control(ref.encode()) is expected, ref
    assert not _refers_to_control(b"&#65534567;") and not _refers_to_control(b"&#xfffe0;")


# ---- the title -----------------------------------------------------------------------------------

def test_the_logo_heading_and_the_site_name_are_never_the_title() -> None:
    main = f"<div class='title'><h2>青山湖区总工会举办报告会</h2></div><div class='text'><p>{P1}</p><p>{P2}</p></div>"
    assert parse_article(fallback_page(main), None).title == "青山湖区总工会举办报告会"
    site_only = f"<div class='text'><p>{P1}</p><p>{P2}</p></div>"
    assert parse_article(fallback_page(site_only, title="南昌市总工会"), None).title is None


def test_glue_inside_the_title_element_goes() -> None:
    head = HeadTitle("我市举办培训班 - 南昌市总工会", frozenset())
    assert agreeing_title("我市举办培训班工会新闻", head) == "我市举办培训班"
    assert agreeing_title("【工会新闻】我市举办培训班", head) == "【工会新闻】我市举办培训班"
    dash = HeadTitle("市总工会 - 2019年度总结 - 南昌市总工会", frozenset())
    assert agreeing_title("市总工会 - 2019年度总结", dash) == "市总工会 - 2019年度总结"
    assert agreeing_title("标题——", HeadTitle("标题—— - 站", frozenset())) == "标题——"
    assert re.fullmatch(r"\S+", agreeing_title("我市举办培训班 2023-04-20 来源：市总工会", head) or "")
