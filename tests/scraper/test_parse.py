"""parse_article: the contract, the profile, body rules (signature, captions, attachments), sanitising."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from scraper.parse import PARSER_VERSION, parse_article, parser_version_for
from scraper.profile import DEFAULT_PROFILE, SiteProfile
from scraper.records import ArticleMissing, ArticleRecord, ParseError
from scraper.settings import ParseSettings

ROOT = Path(__file__).resolve().parents[2]
URL = "http://www.ncgh.org.cn/nczhghcms/article/4711"
FOOTER = """<div class="footer"><p>江西省南昌市总工会 赣ICP备18016234号-1</p>
<p>电话:0791-83868027 邮箱:ncghwlzx@163.com</p><p>地址:南昌市红谷滩新区会展路29号 邮编:330038</p></div>"""
P1 = "5月18日上午,青山湖区总工会在区文化广场举办劳动模范先进事迹报告会,全区三百余人参加。"
P2 = "报告会上,五位劳动模范结合自身经历,讲述了在平凡岗位上爱岗敬业的感人故事。"


def page(body: str, title: str = "青山湖区总工会举办报告会", info: str | None = "发布时间:2018-10-12 浏览量:10",
         footer: str = FOOTER, head: str = '<meta charset="utf-8">') -> bytes:
    info_html = f'<div class="detail-info">{info}</div>' if info is not None else ""
    return (f"<html><head>{head}<title>{title}</title></head><body><div class='menu'><a href='/'>首页</a></div>"
            f'<h2 class="detail-title">{title}</h2>{info_html}'
            f'<div class="detail-font">字体大小:【默认 大 中 小】</div>'
            f'<div id="zoom" class="detail-content">{body}</div>'
            f'<div class="detail-share">分享到:微信</div>{footer}</body></html>').encode()


def parse(body: str, url: str | None = URL, **kw) -> ArticleRecord:
    return parse_article(page(body, **kw), url)


# ---- contract ---------------------------------------------------------------------------------

def test_signature_and_profile_fields_match_the_config_keys() -> None:
    params = list(inspect.signature(parse_article).parameters)
    assert params == ["body", "url", "content_type", "profile"]
    # the [parse] keys are ParseSettings' fields (tests/test_config.py checks config.toml shows them)
    settings = ParseSettings()
    assert [f.name for f in dataclasses.fields(SiteProfile)] == [f.name for f in dataclasses.fields(settings)]
    assert SiteProfile(**dataclasses.asdict(settings)) == DEFAULT_PROFILE


def test_parser_version_shape_and_dependence_on_the_profile() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+\+[0-9a-f]{10}", PARSER_VERSION)
    other = dataclasses.replace(DEFAULT_PROFILE, title_selectors=("h1",))
    assert parser_version_for(other) != PARSER_VERSION
    assert parser_version_for(dataclasses.replace(other)) == parser_version_for(other)
    assert parse(f"<p>{P1}</p>").parser_version == PARSER_VERSION


def test_parser_version_is_the_hand_version_and_a_hash_of_the_profile_only() -> None:
    """Not of the source: a comment edit must not force every archive through a full re-parse."""
    import hashlib

    import scraper.parse

    digest = hashlib.sha256(repr(DEFAULT_PROFILE).encode("utf-8")).hexdigest()[:10]
    assert f"{scraper.parse.PARSER_SEMVER}+{digest}" == PARSER_VERSION


def test_a_change_of_output_comes_with_a_bump_of_parser_semver() -> None:
    """Every fixture's record, hashed, is pinned to PARSER_SEMVER in tests/fixtures/parser_output.txt.
    When this fails, the parser's output changed: bump PARSER_SEMVER (the archive re-parses on a new
    version) and write the new line there; a change that should not alter records is a bug."""
    import hashlib
    import json

    import scraper.parse
    from bench.labelled_fixtures import fixtures

    digest = hashlib.sha256()
    for fx in sorted(fixtures(), key=lambda f: f.id):
        try:
            got: object = parse_article(fx.path.read_bytes(), fx.label["url"], fx.label.get("content_type")).to_dict()
            got.pop("parser_version")  # type: ignore[union-attr]
        except ParseError as exc:
            got = [type(exc).__name__, exc.reason]
        digest.update(json.dumps([fx.id, got], sort_keys=True, ensure_ascii=False).encode("utf-8"))
    pinned = (ROOT / "tests" / "fixtures" / "parser_output.txt").read_text(encoding="utf-8").split()
    assert [scraper.parse.PARSER_SEMVER, digest.hexdigest()[:16]] == pinned


def test_bad_profile_values_are_errors_naming_the_key() -> None:
    with pytest.raises(ValueError, match=r"\[parse\] body_selectors: invalid CSS selector"):
        parse_article(page(f"<p>{P1}</p>"), URL, profile=dataclasses.replace(DEFAULT_PROFILE, body_selectors=("div[",)))
    with pytest.raises(ValueError, match="title_selectors"):
        SiteProfile(title_selectors="h2")  # a string, not a list


# ---- fields -----------------------------------------------------------------------------------

def test_record_fields_from_the_profile() -> None:
    r = parse(f"<p>{P1}</p><p>{P2}</p>", title="【基层工会动态】青山湖区总工会举办报告会")
    assert (r.title, r.column, r.article_id, r.url) == ("青山湖区总工会举办报告会", "基层工会动态", 4711, URL)
    assert (r.published_at, r.published_raw, r.views) == ("2018-10-12", "2018-10-12", 10)
    assert r.body_text == f"{P1}\n\n{P2}"
    assert (r.extractor, r.warnings, r.encoding) == ("profile", [], "utf-8")
    assert r.footer is not None and r.footer.icp == "赣ICP备18016234号-1"


def test_a_title_that_is_only_a_bracket_keeps_it() -> None:
    r = parse(f"<p>{P1}</p>", title="【通知】")
    assert (r.title, r.column) == ("【通知】", None)


def test_missing_header_title_and_footer_are_warned_not_invented() -> None:
    r = parse(f"<p>{P1}</p>", info=None, title="", footer="")
    assert (r.title, r.published_at, r.views, r.footer) == (None, None, None, None)
    assert r.warnings == ["missing_title", "missing_date", "missing_views", "footer_missing"]


def test_date_with_time_is_iso_with_offset() -> None:
    r = parse(f"<p>{P1}</p>", info="发布时间：2018年10月12日 09:30 浏览次数：1,234")
    assert (r.published_at, r.published_raw, r.views) == ("2018-10-12T09:30+08:00", "2018年10月12日 09:30", 1234)


# ---- body text rules ----------------------------------------------------------------------------

def test_old_layout_indentation_nbsp_lines_and_br_paragraphs() -> None:
    body = f"    {P1}<br>\n&nbsp;<br>\n\u3000\u3000{P2}<br>\n \n<br>&nbsp;"
    r = parse(body)
    assert r.body_text == f"{P1}\n\n{P2}"
    assert "\n\n\n" not in r.body_text and r.body_text == r.body_text.strip()


def test_whitespace_inside_a_paragraph_collapses_as_a_browser_shows_it() -> None:
    r = parse("<p>第一句,\n   第二句。\u00a0\u00a0第三句。</p>")
    assert r.body_text == "第一句, 第二句。 第三句。"


@pytest.mark.parametrize("sig", ["青山湖区总工会 葛文利", "东湖区总工会:李志晴", "葛文利", "市第一医院",
                                 "(市第一医院王琳)", "（南昌铁路局工会 张伟）"])
def test_signature_kinds_leave_the_body(sig: str) -> None:
    r = parse(f"<p>{P1}</p><p>{P2}</p><p style='text-align:right'>{sig}</p>")
    assert (r.signature, r.body_text) == (sig, f"{P1}\n\n{P2}")


def test_signature_with_a_date_line_is_one_block() -> None:
    r = parse(f"<p>{P1}</p><p>{P2}</p><p>青山湖区总工会 葛文利</p><p>2012年5月21日</p>")
    assert r.signature == "青山湖区总工会 葛文利\n2012年5月21日"
    assert r.body_text == f"{P1}\n\n{P2}"


def test_a_date_line_alone_and_prose_are_not_signatures() -> None:
    r = parse(f"<p>{P1}</p><p>2012年5月21日</p>")
    assert (r.signature, r.body_text) == (None, f"{P1}\n\n2012年5月21日")
    r = parse(f"<p>{P1}</p><p>{P2}</p>")
    assert r.signature is None
    r = parse("<p>葛文利</p>")  # a one-paragraph body is the article
    assert (r.signature, r.body_text) == (None, "葛文利")


def test_images_captions_and_attachments() -> None:
    body = (f'<p>{P1}</p><p style="text-align: center;"><img src="../upload/a.jpg" alt="" onerror="x()"></p>'
            '<p class="img-caption" style="text-align: center;">图为活动现场</p>'
            '<p><img src="/upload/b.png" alt="b.png"></p><p style="text-align:center">领导为获奖职工颁奖</p>'
            f'<p>{P2}</p><p class="attachment">附件:<a href="/files/报名表.xls">报名表.xls</a></p>'
            '<p>附件2：<a href="download.php?id=3">实施方案</a></p>')
    r = parse(body, url="http://www.ncgh.org.cn/nczhghcms/article/4711")
    assert [(i.src, i.caption) for i in r.images] == [
        ("http://www.ncgh.org.cn/nczhghcms/upload/a.jpg", "图为活动现场"),
        ("http://www.ncgh.org.cn/upload/b.png", "领导为获奖职工颁奖"),
    ]
    assert [(a.url, a.name) for a in r.attachments] == [
        ("http://www.ncgh.org.cn/files/报名表.xls", "报名表.xls"),
        ("http://www.ncgh.org.cn/nczhghcms/article/download.php?id=3", "实施方案"),
    ]
    assert r.body_text == f"{P1}\n\n{P2}"


def test_alt_text_is_a_caption_but_a_file_name_is_not() -> None:
    r = parse(f'<p>{P1}</p><p><img src="/a.jpg" alt="职工合影"><img src="/b.jpg" alt="IMG_0001.JPG"></p>')
    assert [i.caption for i in r.images] == ["职工合影", None]


def test_body_html_is_sanitised_and_absolute() -> None:
    body = (f'<p style="color:red" onclick="evil()">{P1}<script>alert(1)</script></p>'
            '<style>p{}</style><iframe src="http://evil/"></iframe>'
            '<p><a href="javascript:alert(1)">x</a> <a href="/a/1" onmouseover="y()">相关</a>'
            '<a href="data:text/html,hi">d</a><img src="data:image/png;base64,AAAA"></p><form><input name=q>文字</form>')
    r = parse(body)
    html = r.body_html
    for bad in ("<script", "<style", "<iframe", "onclick", "onmouseover", "javascript:", "style=", "data:text", "<input",
                "<form"):
        assert bad not in html
    assert 'href="http://www.ncgh.org.cn/a/1"' in html and "data:image/png" in html and "文字" in html
    assert "字体大小" not in html and "分享到" not in html


def test_without_url_links_stay_relative_and_there_is_no_id() -> None:
    r = parse(f'<p>{P1}<a href="/files/a.pdf">a.pdf</a></p>', url=None)
    assert (r.url, r.article_id) == (None, None)
    assert r.attachments[0].url == "/files/a.pdf"


def test_base_href_is_honoured() -> None:
    data = page(f'<p>{P1}</p><p><img src="img/a.jpg"></p>', head='<meta charset="utf-8"><base href="/static/x/">')
    r = parse_article(data, URL)
    assert r.images[0].src == "http://www.ncgh.org.cn/static/x/img/a.jpg"


# ---- encodings --------------------------------------------------------------------------------

def test_gbk_page_with_charset_only_in_http_header() -> None:
    data = page(f"<p>{P1}</p>", head="").decode().encode("gbk")
    r = parse_article(data, URL, "text/html; charset=GBK")
    assert (r.encoding, r.body_text, r.title) == ("gb18030", P1, "青山湖区总工会举办报告会")


def test_xml_declaration_and_bom_are_fine() -> None:
    data = b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>' + page(f"<p>{P1}</p>")
    assert parse_article(data, URL).body_text == P1


# ---- missing pages and non-articles -----------------------------------------------------------

def test_the_200_not_exist_page_is_article_missing() -> None:
    data = ("<html><body><div class='menu'>首页</div><div class='detail-wrap'><p class='no-article'>"
            "该文章不存在或已被删除!</p></div>" + FOOTER + "</body></html>").encode()
    with pytest.raises(ArticleMissing, match="不存在"):
        parse_article(data, URL)
    with pytest.raises(ArticleMissing):  # the profile matched, but the body only says it is gone
        parse_article(page("<p>信息不存在</p>"), URL)


@pytest.mark.parametrize("page_text", [
    "<title>404 Not Found</title></head><body><h1>404 Not Found</h1><p>您访问的页面不存在。</p><hr><address>nginx</address>",
    "<title>页面未找到</title></head><body><div class='err'><h2>抱歉，页面未找到</h2><a href='/'>返回首页</a></div>",
    "<title>提示</title></head><body><div class='tip'><h3>找不到页面</h3><p>请检查网址是否正确</p></div>",
    "<title>Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p>",
    # found by the second review: the whole-line rule missed these
    "<title>提示信息</title></head><body><h2>404</h2><p>很抱歉，您要访问的页面不存在！</p>",
    "<title>提示</title></head><body><p>对不起，你访问的页面不存在</p>",
    "<title>错误</title></head><body><p>该页面不存在或已被删除</p>",
    "<title>HTTP Status 404 – Not Found</title></head><body><h1>HTTP Status 404 – Not Found</h1>",
    # and the third review
    "<title>Error</title></head><body><h1>Sorry, page not found</h1><p>Please check the address.</p>",
    "<title>404</title></head><body><h1>Oops! Page not found.</h1><p>Go back to the home page.</p>",
    "<title>提示</title></head><body><h2>抱歉，您访问的页面没有找到</h2><p>请检查网址是否正确</p>",
    "<title>404</title></head><body><h2>404 页面走丢了</h2><a href='/'>返回首页</a>",
])
def test_a_soft_404_served_with_200_is_article_missing(page_text: str) -> None:
    """Served as 200 on an article URL, these were parsed by the fallback as an article titled
    "404 Not Found": a new version of the article that invented an edit."""
    data = f"<html><head><meta charset='utf-8'>{page_text}</body></html>".encode()
    with pytest.raises(ArticleMissing):
        parse_article(data, URL)


def test_an_article_mentioning_deletion_is_still_an_article() -> None:
    text = "近日,有职工反映部分帖子已删除,区总工会高度重视,立即组织人员调查核实,并向职工作出说明,相关工作正在推进。" * 2
    assert parse(f"<p>{text}</p>").body_text == text


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x00", b"<html><body></body></html>",
                                  FOOTER.encode(), b"<html><body><p>abc</p></body></html>"])
def test_pages_without_an_article_are_parse_errors(data: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse_article(data, URL)
    assert info.value.reason


# ---- fallback and custom profiles -------------------------------------------------------------

SIBLING = """<html><head><meta charset="utf-8"><title>全区工会工作会议召开_工会动态_某区总工会</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/l">工会动态</a> <a href="/m">通知公告</a></div>
<div class="main"><h1>全区工会工作会议召开</h1><div class="info">发布日期：2019-03-05　来源：某区总工会　点击数：77</div>
<div class="text"><p>{p1}</p><p>{p2}</p><p>区总工会办公室</p></div></div>
<div class="side"><h3>通知公告</h3><ul><li><a href="/n/1">关于开展读书月活动的通知</a></li>
<li><a href="/n/2">关于举办职工运动会的通知</a></li></ul></div>
<div class="copyright">版权所有:某区总工会 电话:0791-12345678 赣ICP备12345678号</div></body></html>"""


def test_fallback_on_an_unknown_layout() -> None:
    r = parse_article(SIBLING.format(p1=P1, p2=P2).encode(), "http://example.org/a/1")
    assert (r.title, r.published_at, r.views, r.source) == ("全区工会工作会议召开", "2019-03-05", 77, "某区总工会")
    assert r.body_text == f"{P1}\n\n{P2}" and r.signature == "区总工会办公室"
    assert r.extractor == "fallback" and "fallback_used" in r.warnings and r.article_id is None
    assert r.footer is not None and (r.footer.org, r.footer.icp) == ("某区总工会", "赣ICP备12345678号")


def test_a_profile_with_complex_selectors() -> None:
    profile = SiteProfile(title_selectors=("div.main > h1",), info_selectors=("div.main div.info",),
                          body_selectors=("div.main div.text",), footer_selectors=("div[class=copyright]",),
                          strip_selectors=("p:last-child",), missing_patterns=("不存在",))
    r = parse_article(SIBLING.format(p1=P1, p2=P2).encode(), "http://example.org/a/1", profile=profile)
    assert (r.extractor, r.title, r.views, r.body_text, r.signature) == (
        "profile", "全区工会工作会议召开", 77, f"{P1}\n\n{P2}", None)
    assert r.footer is not None and r.footer.phone == "0791-12345678"


def test_a_header_line_outside_the_info_selectors_is_found_between_title_and_body() -> None:
    data = page(f"<p>{P1}</p><p>时间:2001-01-01 浏览量:1</p>", info=None).replace(
        b'<div class="detail-font">', '<p class="meta">发布日期：2018-10-12　点击数：33</p><div class="detail-font">'.encode())
    r = parse_article(data, URL)
    assert (r.published_at, r.views, r.warnings) == ("2018-10-12", 33, [])
    # ... but a header-like line inside the body or the sidebar is not the article's header
    r = parse_article(page(f"<p>{P1}</p><p>时间:2001-01-01 浏览量:1</p>", info=None), URL)
    assert (r.published_at, r.views) == (None, None)


# ---- behaviour once pinned beside the fast paths (tests/test_parse_fastpaths.py, removed) ------

def _div(fragment: str):
    from scraper.htmltree import build_tree

    root = build_tree(f'<html><body><div id="x">{fragment}</div></body></html>'.encode())
    return root.find(".//div[@id='x']")


def test_text_lines_of_a_childless_element() -> None:
    from lxml import etree

    from scraper.htmltree import text_lines

    el = etree.Element("p")
    el.text = "\u3000 发布时间：2018-10-12\xa0\xa0浏览\u200b次数 "
    el.tail = "not the element's text"
    assert text_lines(el) == ["发布时间：2018-10-12 浏览次数"]


def test_text_lines_of_a_page_nested_as_deep_as_the_limit_allows() -> None:
    """The walk keeps its open elements on a list, not Python's stack: 2,000 levels (the page-limit
    check lets 2,048 through) give their lines in order, tails after their element's end."""
    from scraper.htmltree import text_lines

    depth = 2000
    el = _div("".join(f"<div>{i}<span>s</span>" for i in range(depth)) + "</div>t" * depth)
    lines = text_lines(el)
    assert lines[:3] == ["0s", "1s", "2s"] and lines[depth - 1] == f"{depth - 1}s"
    assert lines[depth:] == ["t"] * depth


# libxml2 keeps names such as p-x, li:x, div.x and even p<td: none is a block, and none may break a line.
@pytest.mark.parametrize(("fragment", "lines"), [
    ("a<p-x>b</p-x>c", ["abc"]), ("a<li:x>b</li:x>c", ["abc"]), ("a<div.x>b</div.x>c", ["abc"]),
    ("<p>a</p>\n<p>b</p>\n</p<td>x", ["a", "b", "x"]),
])  # fmt: skip
def test_elements_named_like_a_block_do_not_break_lines(fragment: str, lines: list[str]) -> None:
    from scraper.htmltree import text_lines

    assert text_lines(_div(fragment)) == lines


def test_sanitise_attributes_example() -> None:
    from lxml import etree

    from scraper.sanitize import sanitise_attributes

    div = _div('<a href="javascript:x" onclick="y" class="c">t</a><img src="data:image/png;base64,AA" '
               'style="s" alt="p"><img src="data:text/html,x"><a href="/a/b.doc" title="t">d</a>')
    links = sanitise_attributes(div, "http://h/nczhghcms/article/5")
    assert [(n.tag, a, v) for n, a, v in links] == [
        ("img", "src", "data:image/png;base64,AA"), ("a", "href", "http://h/a/b.doc")
    ]
    assert etree.tostring(div, encoding="unicode", with_tail=False) == (
        '<div><a>t</a><img src="data:image/png;base64,AA" alt="p"/><img/>'
        '<a href="http://h/a/b.doc" title="t">d</a></div>'
    )


def _footer_page(footer: str, footer_attrs: str = ' class="footer"') -> bytes:
    return (
        '<html><body><h2 class="detail-title">关于开展劳动竞赛的通知</h2>'
        '<div class="info">发布时间: 2018-10-12 浏览次数: 5</div>'
        '<div id="zoom"><p>全市各级工会要围绕党委中心工作,广泛开展劳动和技能竞赛等活动。</p></div>'
        f"<div{footer_attrs}>{footer}</div></body></html>"
    ).encode()


FOOTER_A = "江西省南昌市总工会<br>赣ICP备18016234号-1<br>电话:0791-83868027"
FOOTER_B = "江西省南昌市总工会<br>赣ICP备2025061944号-1<br>电话:0791-86668888<br>邮箱:ncghwlzx@163.com"


def test_each_page_keeps_its_own_footer() -> None:
    seen = []
    for n, footer in enumerate([FOOTER_A, FOOTER_B, FOOTER_A, FOOTER_B, FOOTER_A], start=1):
        record = parse_article(_footer_page(footer), f"http://www.ncgh.org.cn/nczhghcms/article/{n}")
        assert record.extractor == "profile" and record.footer is not None
        seen.append((record.footer.icp, record.footer.phone, record.footer.email))
    a = ("赣ICP备18016234号-1", "0791-83868027", None)
    b = ("赣ICP备2025061944号-1", "0791-86668888", "ncghwlzx@163.com")
    assert seen == [a, b, a, b, a]
    inner = parse_article(_footer_page(FOOTER_B.replace("<br>", '<br class="x">')), URL).footer
    assert inner is not None and inner.icp == "赣ICP备2025061944号-1" and inner.phone == "0791-86668888"
    assert parse_article(_footer_page(FOOTER_A, ' class="footer" data-v="2"'), URL).footer == \
        parse_article(_footer_page(FOOTER_A), URL).footer


def test_a_players_fallback_text_is_not_body_text() -> None:
    """A video lesson's `<video>` carries a sentence for browsers without video: not the article's."""
    rec = parse('<p style="text-align:center"><video controls poster="/p.jpg"><source src="/v/1.mp4" type="video/mp4">'
                f'您的浏览器不支持视频播放，请升级浏览器。</video></p><p>{P1}</p><audio src="/a.mp3">不支持音频</audio>')
    assert rec.body_text == P1


# ---- titles on layouts nobody told the parser about (found by the site-independence review) ----

def _table_page(head: str, title_cell: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{head}</title></head><body>'
            '<div class="head"><a href="/"><img src="/logo.png" alt="南昌市总工会"></a></div>'
            '<div class="menu"><a href="/c/1">工会新闻</a> <a href="/c/2">通知公告</a></div>'
            '<table width="960"><tr><td class="lm">当前位置：<a href="/">首页</a> &gt; 工会新闻</td></tr>'
            f'<tr><td align="center" class="bt">{title_cell}</td></tr>'
            '<tr><td align="center">发布日期：2024-01-20 &nbsp; 浏览次数：120</td></tr>'
            '<tr><td class="nr"><p>1月20日，全市各级工会组织开展“送温暖”活动，走访慰问困难职工和劳动模范，为他们送去慰问金和慰问品。</p>'
            '<p>活动中，慰问组详细了解困难职工的生活情况，叮嘱他们保重身体，鼓励他们坚定信心、战胜困难。</p></td></tr></table>'
            '<div class="bottom">主办：江西省南昌市总工会 赣ICP备2025061944号-1</div></body></html>').encode()


TITLE = "全市工会开展送温暖活动"


@pytest.mark.parametrize("head", ["工会新闻-南昌市总工会", "南昌市总工会", f"南昌市总工会 - {TITLE}"])
def test_a_title_set_in_bold_in_a_table_cell_is_the_title(head: str) -> None:
    """Before: every article titled 工会新闻 (the column in <title>), or no title and a parse error."""
    record = parse_article(_table_page(head, f'<font size="4"><b>{TITLE}</b></font>'), "http://h/article/5")
    assert record.title == TITLE
    assert (record.published_at, record.views) == ("2024-01-20", 120)


def test_a_column_name_in_title_is_never_the_title() -> None:
    page = _table_page("工会新闻-南昌市总工会", "")
    try:
        record = parse_article(page, "http://h/article/5")
    except ParseError:
        return  # no title found: a parse error, the bytes kept, never a version titled 工会新闻
    assert record.title != "工会新闻"


def test_a_bold_subtitle_in_the_body_does_not_replace_the_title_in_head() -> None:
    body = ("<html><head><meta charset='utf-8'><title>海外留学生看两会：出国前后关注点大不同_教育频道_中国青年网</title></head><body>"
            f"<div class='main'><p><strong>出国前后关注点大不同</strong></p><p>{P1}</p><p>{P2}</p></div></body></html>")
    assert parse_article(body.encode(), "http://h/article/5").title == "海外留学生看两会：出国前后关注点大不同"


def test_a_zero_a_counter_script_replaces_is_no_reading() -> None:
    """`点击数：<span id="hits">0</span>` beside DedeCMS's count.php: every capture recorded 0 views."""
    page = _table_page("全市工会开展送温暖活动_南昌市总工会", f"<b>{TITLE}</b>").replace(
        "浏览次数：120".encode(), '点击数：<span id="hits">0</span><script src="/plus/count.php?aid=12"></script>'.encode())
    record = parse_article(page, "http://h/article/5")
    assert record.views is None and "missing_views" in record.warnings
    plain = parse_article(page.replace(b'<script src="/plus/count.php?aid=12"></script>', b""), "http://h/article/5")
    assert plain.views == 0  # a page that shows 0 with no counter beside it says 0


@pytest.mark.parametrize("body", [
    "<p>网站改版期间，部分旧栏目页面不存在，请通过首页导航访问，敬请谅解。</p>",
    "<p>旧网址自3月起停用，访问将显示“404 Not Found”，请更新收藏夹。</p>",
    "<p>本站已完成改版，原栏目地址已调整，部分旧链接的页面不存在。</p>",
    "<p>问：为什么扫码后手机提示网页不存在？</p>",
    "<p>因系统升级，3月2日至5日平台暂停访问，期间将提示页面不存在。</p>",
])
def test_a_short_article_that_mentions_not_found_stays_an_article(body: str) -> None:
    """Found by review: the first soft-404 patterns were substrings, and such notices became deletions."""
    assert parse_article(page(body), URL).body_text


def test_a_fallback_article_titled_with_not_found_stays_an_article() -> None:
    data = ("<html><head><meta charset='utf-8'><title>市总工会组织观看话剧《Not Found》_某市总工会</title></head><body>"
            "<div class='main'><h1>市总工会组织观看话剧《Not Found》</h1><div class='content'><p>3月5日晚，市总工会组织劳模代表"
            "观看原创话剧。演出结束后，大家纷纷表示深受教育。</p></div></div></body></html>").encode()
    assert parse_article(data, "http://h/article/5").title == "市总工会组织观看话剧《Not Found》"


@pytest.mark.parametrize(("crumb_ends_with_title", "sidebar_links_self"), [(True, False), (False, True)])
def test_a_short_title_a_breadcrumb_or_a_sidebar_also_shows_is_no_column(crumb_ends_with_title: bool,
                                                                        sidebar_links_self: bool) -> None:
    """Found by review: every link or crumb text of 10 characters or fewer was a column's name, so
    such a title (新春慰问困难职工) was dropped and the page had none."""
    body = "".join(f"<p>{t}</p>" for t in ["1月20日，市总工会领导带队走访慰问困难职工，为他们送去慰问金和节日祝福。",
                                           "此次慰问对象主要为全市在档困难职工家庭、因病致困职工和一线劳模代表，共计三百余户。"] * 2)
    crumb = ("<td>当前位置：<a href='/'>首页</a> &gt; <a href='/list/3.html'>工会新闻</a>"
             + (" &gt; 新春慰问困难职工" if crumb_ends_with_title else "") + "</td>")
    side = "<td><a href='/art/2024/1/20/art_3_99.html'>新春慰问困难职工</a></td>" if sidebar_links_self else ""
    data = (f"<html><head><meta charset='utf-8'><title>新春慰问困难职工-某市总工会</title></head><body><table>"
            f"<tr><td><a href='/'><img src='/logo.png' alt='某市总工会'></a></td></tr><tr>{crumb}</tr>"
            f"<tr><td>发布时间：2024-01-20 来源：本站</td></tr><tr><td>{body}</td></tr><tr>{side}</tr>"
            "<tr><td>版权所有：某市总工会 赣ICP备12345678号</td></tr></table></body></html>").encode()
    assert parse_article(data, "http://example.cn/art/2024/1/20/art_3_99.html").title == "新春慰问困难职工"


def test_a_title_cell_beats_a_subtitle_row_inside_one_table() -> None:
    body = "".join(f"<p>{t}</p>" for t in ["他扎根一线三十年，带出徒弟百余名，先后获得全国劳动模范、全国五一劳动奖章等荣誉称号。",
                                           "多年来，他主持完成技术革新项目四十余项，为企业创造经济效益三千余万元，深受职工好评。"] * 2)
    data = ("<html><head><meta charset='utf-8'><title>工会新闻-某市总工会</title></head><body><table>"
            "<tr><td><a href='/'><img src='/logo.png' alt='某市总工会'></a> <a href='/list/3.html'>工会新闻</a></td></tr>"
            "<tr><td class='bt'>匠心筑梦三十载 甘为人梯育新人</td></tr>"
            "<tr><td><b>——记全国劳动模范、市机械厂高级技师张建国</b></td></tr>"
            f"<tr><td>发布时间：2024-01-20 来源：本站</td></tr><tr><td class='content'>{body}</td></tr>"
            "<tr><td>版权所有：某市总工会 赣ICP备12345678号</td></tr></table></body></html>").encode()
    assert parse_article(data, "http://example.cn/art/2024/1/20/art_3_99.html").title == "匠心筑梦三十载 甘为人梯育新人"


def test_a_site_wide_analytics_script_does_not_unmake_a_real_zero() -> None:
    page = _table_page("全市工会开展送温暖活动_南昌市总工会", f"<b>{TITLE}</b>").replace(
        "浏览次数：120".encode(), '浏览次数：0<script src="https://tongji.example.cn/count.js"></script>'.encode())
    assert parse_article(page, "http://h/article/5").views == 0


def _box_page(head: str, rows: str) -> bytes:
    body = "".join(f"<p>{t}</p>" for t in [
        "为深入贯彻落实市总工会2024年工作要点，进一步做好劳模服务管理工作，经研究，决定组织开展2024年度劳模疗休养活动。",
        "疗休养对象为全国、省、市劳动模范，优先安排一线劳模和从未参加过疗休养的劳模，每批次约四十人，为期七天。"] * 2)
    return (f"<html><head><meta charset='utf-8'><title>{head}</title></head><body><table>"
            "<tr><td><a href='/'><img src='/logo.png' alt='南昌市总工会'></a> <a href='/col/3.html'>新闻中心</a></td></tr>"
            f"{rows}<tr><td>发布时间：2024-03-01 来源：本站</td></tr><tr><td>{body}</td></tr>"
            "<tr><td>版权所有：南昌市总工会 赣ICP备12345678号</td></tr></table></body></html>").encode()


@pytest.mark.parametrize(("head", "rows", "title"), [
    # a box's header in a title class is no title (it was 通知公告)
    ("南昌市总工会", "<tr><td class='tit'>通知公告</td></tr><tr><td align='center'><b>关于组织开展劳模疗休养活动的通知</b></td></tr>",
     "关于组织开展劳模疗休养活动的通知"),
    # a title class holds a title whatever words or dates it has, and a short one when nothing else
    # names the page (the third review: 发布, 时间, a date or 4 characters lost them)
    ("南昌市总工会", "<tr><td class='bt'>市总工会发布2024年工作要点</td></tr>", "市总工会发布2024年工作要点"),
    ("南昌市总工会", "<tr><td class='bt'>关于2024年5月1日至5日放假安排的通知</td></tr>", "关于2024年5月1日至5日放假安排的通知"),
    ("南昌市总工会", "<tr><td class='bt'>新年贺词</td></tr>", "新年贺词"),
    # a bold salutation or date is no title: none found rather than a wrong one
    ("南昌市总工会", "<tr><td><b>各县（区）总工会、各产业工会：</b></td></tr>", None),
    ("南昌市总工会", "<tr><td><b>2024年03月01日</b></td></tr>", None),
])
def test_weak_headings_that_are_no_title(head: str, rows: str, title: str | None) -> None:
    """Found by the second review."""
    try:
        got = parse_article(_box_page(head, rows), "http://example.cn/art/2024/3/1/art_5_99.html").title
    except ParseError:
        got = None
    assert got == title


@pytest.mark.parametrize("sidebar", [
    "",
    "<div class='box'><div class='tit'>热点新闻排行榜单</div><ul>" + "".join(
        f"<li><a href='/art/{i}.html'>热点文章{i}</a></li>" for i in range(5)) + "</ul></div>",
    "<div class='box'><ul><li><b>关于开展职工疗休养活动的通知</b></li>" + "".join(
        f"<li><a href='/art/{i}.html'>通知{i}</a></li>" for i in range(5)) + "</ul></div>",
])
def test_the_fallback_title_does_not_change_with_the_sidebar(sidebar: str) -> None:
    """Found by the last review: a sidebar box's name or a bold notice in it became the title, so each
    change of the sidebar was an edit that never happened."""
    rows = (f"<tr><td><a href='/col/1.html'>工会新闻</a></td></tr><tr><td>{sidebar}</td></tr>"
            "<tr><td align='center'><font size='4'><b>全市工会系统召开年度工作总结会议</b></font></td></tr>")
    data = _box_page("工会新闻-南昌市总工会", rows)
    assert parse_article(data, "http://example.cn/art/2024/3/1/art_5_99.html").title == "全市工会系统召开年度工作总结会议"


@pytest.mark.parametrize("widget", ["<p>404 Not Found</p>", "<p>抱歉，没有找到</p>", "<iframe src='/ad/1.html'>Not Found</iframe>"])
def test_a_sidebars_not_found_line_does_not_make_a_short_article_missing(widget: str) -> None:
    """Found by the last review: a dead ad slot's 404 Not Found beside a short image-news article made
    it missing, then gone, then restored; a reparse deleted it from the archive."""
    data = ("<html><head><meta charset='utf-8'><title>图片新闻：职工运动会开幕_某市总工会</title></head><body>"
            f"<div class='left'><div class='ad'>{widget}</div></div>"
            "<div class='main'><h1>图片新闻：职工运动会开幕</h1><div class='content'><p>3月5日，全市职工运动会开幕。</p>"
            "<p>来自各行业的两千余名职工参加。</p></div></div></body></html>").encode()
    assert parse_article(data, "http://example.cn/art/1.html").title == "图片新闻：职工运动会开幕"
