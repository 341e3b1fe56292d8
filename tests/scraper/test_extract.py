"""The generic fallback extractor and the publication-date guess on hand-written pages."""

from __future__ import annotations

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.extract import MainText, clean_copy, extract_main
from scraper.noise import is_noise_element
from scraper.pubdate import guess_publication_date

PARAS = [
    "10月12日，南昌市总工会在红谷滩新区举办全市职工运动会，来自全市各级工会的两千余名职工参加了比赛。",
    "本次运动会共设田径、拔河、趣味接力等十二个项目，参赛职工精神饱满、奋勇争先，展现了新时代产业工人的风采。",
    "市总工会负责人表示，将继续丰富职工文化生活，推动全民健身活动深入开展，不断增强职工的获得感、幸福感。",
]
NOISE_SNIPPETS = ["首页", "通知公告", "视频播放", "分享到", "上一篇", "下一篇", "赣ICP备", "字体大小", "关于开展"]


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))


def sidebar() -> str:
    items = "".join(f'<li><a href="/a/{i}">关于开展第{i}届职工技能大赛的通知</a></li>' for i in range(8))
    return f'<div class="right"><h3>通知公告</h3><ul>{items}</ul><h3>视频播放</h3><div><a href="/v">视频</a></div></div>'


def chrome(body: str) -> str:
    nav = "".join(f'<a href="/c/{i}">栏目{i}</a>' for i in range(10))
    return (
        "<html><head><title>南昌市总工会</title><script>var x = '分享到';</script></head><body>"
        f'<div class="top"><a href="/">首页</a>{nav}</div>'
        f'<div class="wrap"><div class="left">{body}</div>{sidebar()}</div>'
        '<div class="footer"><p>主办：江西省南昌市总工会 赣ICP备18016234号-1</p><p>电话：0791-83868027</p></div>'
        "</body></html>"
    )


def current_layout() -> str:
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    return chrome(
        '<h2 class="detail-title">【基层工会动态】市总工会举办职工运动会</h2>'
        '<div class="detail-info">发布时间:2018-10-12 浏览量:49931</div>'
        '<div class="detail-font">字体大小:【默认 大 中 小】</div>'
        f'<div id="zoom" class="detail-content">{paras}</div>'
        '<div class="detail-share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>'
        '<div class="detail-prevnext"><p>上一篇：<a href="/a/1">某某新闻</a></p><p>下一篇：<a href="/a/2">另一新闻</a></p></div>'
    )


def assert_clean(main: MainText | None) -> None:
    assert main is not None
    assert main.paragraphs == PARAS
    assert main.text == "\n\n".join(PARAS)
    for snippet in NOISE_SNIPPETS:
        assert snippet not in main.text


def test_current_layout() -> None:
    main = extract_main(parse(current_layout()))
    assert_clean(main)
    assert main is not None and main.element.get("id") == "zoom" and main.score > 0


def test_old_table_layout_with_br_and_indentation() -> None:
    body = "<br>\n&nbsp;<br>".join(f"      {p}" for p in PARAS)
    html = chrome(
        '<table class="art-table"><tr><td class="art-title">职工运动会</td></tr>'
        '<tr><td class="art-info">发布时间:2012-05-21 浏览量:1,234</td></tr>'
        f'<tr><td id="zoom" class="art-body">{body}<br>&nbsp;<br></td></tr></table>'
    )
    assert_clean(extract_main(parse(html)))


def test_fullwidth_indentation_and_nbsp_lines_dropped() -> None:
    body = "".join(f"<p>\u3000\u3000{p}</p><p>&nbsp;</p><p> \u3000</p>" for p in PARAS)
    assert_clean(extract_main(parse(chrome(f"<div class='article'>{body}</div>"))))


def test_vendor_front_end_without_classes() -> None:
    """No helpful class names at all: density alone must find the body."""
    links = "".join(f'<a href="/p/{i}">关于开展第{i}届职工技能大赛的通知</a><br>' for i in range(12))
    paras = "".join(f"<div>{p}</div>" for p in PARAS)
    html = (
        "<html><body><table><tr>"
        f"<td>{links}</td><td><div>市总工会举办职工运动会</div><div>{paras}</div></td>"
        f"<td><div>通知公告</div>{links}<div>视频播放</div></td>"
        "</tr></table><div>CopyRight 2011-2018 江西省南昌市总工会 技术支撑:南昌傲亚信息有限公司</div></body></html>"
    )
    main = extract_main(parse(html))
    assert main is not None and main.paragraphs[-3:] == PARAS
    for snippet in ("通知公告", "视频播放", "CopyRight", "关于开展"):
        assert snippet not in main.text


def test_article_split_over_sibling_blocks_is_kept_whole() -> None:
    html = chrome(
        f'<div class="a1"><p>{PARAS[0]}</p></div><div class="a2"><p>{PARAS[1]}</p><p>{PARAS[2]}</p></div>'
    )
    assert_clean(extract_main(parse(html)))


def test_hidden_duplicate_copy_does_not_pull_in_the_page() -> None:
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    html = chrome(f'<div class="main-text">{paras}</div>') .replace(
        "</body>", f'<div class="print-copy">{paras}</div></body>'
    )
    main = extract_main(parse(html))
    assert_clean(main)


def test_comment_section_is_not_the_article() -> None:
    comments = "".join(f'<div class="comment-text"><p>网友{i}：说得好，支持工会！我们单位也要搞。</p></div>' for i in range(30))
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    main = extract_main(parse(chrome(f'<div class="content">{paras}</div><div id="comments">{comments}</div>')))
    assert_clean(main)


def test_page_of_only_a_footer_has_no_article() -> None:
    footer = (
        '<div class="footer"><p>主办：江西省南昌市总工会 赣ICP备18016234号-1 赣公网安备 36010802000253号</p>'
        "<p>地址：南昌市红谷滩新区会展路29号，邮编：330038，电话：0791-83868027，邮箱：ncghwlzx@163.com。"
        "版权所有，未经许可，不得转载；如有问题，请与我们联系，谢谢！欢迎访问，敬请关注，提出宝贵意见。</p></div>"
    )
    assert extract_main(parse(f"<html><body>{footer}</body></html>")) is None


def test_header_wrapping_the_whole_page_is_not_noise() -> None:
    """Broken markup: an unclosed <div id="header"> swallows the article."""
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    html = f'<html><body><div id="header"><a href="/">首页</a><div class="text">{paras}</div></div></body></html>'
    assert_clean(extract_main(parse(html)))


def test_caller_tree_is_not_modified() -> None:
    root = parse(current_layout())
    before = lxml.html.tostring(root)
    main = extract_main(root)
    assert main is not None and main.element.getroottree().getroot() is root
    assert lxml.html.tostring(root) == before


def test_clean_copy_drops_noise_inside_the_block() -> None:
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    root = parse(chrome(f'<div id="zoom">{paras}<div class="share">分享到 微信</div><script>x()</script></div>'))
    main = extract_main(root)
    assert main is not None
    copy = clean_copy(main.element)
    html = lxml.html.tostring(copy, encoding="unicode")
    assert "分享到" not in html and "<script" not in html and PARAS[0] in html
    assert main.element.getparent() is not None  # the original is still in place


def test_noise_element_rules() -> None:
    frag = lxml.html.fragment_fromstring
    assert is_noise_element(frag('<div class="breadcrumb">x</div>'))
    assert is_noise_element(frag('<div id="mainNav">x</div>'))
    assert is_noise_element(frag('<div class="comment-text">x</div>'))
    assert is_noise_element(frag('<div style="display: none">x</div>'))
    assert not is_noise_element(frag('<div class="article-content">x</div>'))
    assert not is_noise_element(frag('<div class="download">x</div>'))  # "ad" only as a whole word
    assert not is_noise_element(frag('<div class="header-content">x</div>'))


@pytest.mark.parametrize("html", ["", "<html></html>", "<p>短</p>", "<html><body><a href='/'>首页</a></body></html>"])
def test_no_prose_gives_none(html: str) -> None:
    root = parse(html or "<html></html>")
    assert extract_main(root) is None


def test_comment_root_gives_none() -> None:
    assert extract_main(lxml.html.fragment_fromstring("<!-- x -->", create_parent="div")[0]) is None


# --- publication date ---------------------------------------------------------------------------


def test_date_from_meta_tag_wins() -> None:
    html = current_layout().replace("<head>", '<head><meta property="article:published_time" content="2018-10-11T23:30:00Z">')
    value = guess_publication_date(parse(html))
    assert value is not None and value.iso == "2018-10-12T07:30:00+08:00"


def test_date_from_labelled_header_line() -> None:
    value = guess_publication_date(parse(current_layout()))
    assert value is not None and value.iso == "2018-10-12" and value.raw == "2018-10-12"


def test_unlabelled_date_under_the_title_beats_list_dates() -> None:
    related = "".join(f'<li><a href="/a/{i}">旧闻{i}</a> 2017-0{i + 1}-01 08:00</li>' for i in range(5))
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    html = chrome(
        f"<h1>市总工会举办职工运动会</h1><div>2018年10月12日 10:30 来源：南昌日报</div><div class='text'>{paras}</div>"
        f"<ul class='list'>{related}</ul>"
    )
    value = guess_publication_date(parse(html))
    assert value is not None and value.iso == "2018-10-12T10:30+08:00"


def test_dates_in_links_and_body_are_never_the_page_date() -> None:
    """A date the article's sentences talk about, or one in a list of links, is not the page's: no
    date at all (and `missing_date`) is better than a wrong one kept for years (issue 16)."""
    paras = "".join(f"<p>{p}</p>" for p in PARAS) + "<p>据悉，首届运动会于2015年5月1日举行，此后每年举办一次，已成为全市职工的盛会。</p>"
    html = chrome(f"<div class='text'>{paras}</div><p><a href='/x'>2016-01-01 旧闻</a></p>")
    assert guess_publication_date(parse(html)) is None
    first_sentence = "<p>2021年4月8日，西湖区总工会在区体育中心举办职工趣味运动会，全区四百余名职工参加。</p>"
    sidebar = "<ul><li><a href='/a/1'>市总工会召开全委会议</a><span>2021-04-12</span></li></ul>"
    assert guess_publication_date(parse(chrome(f"<div class='text'>{first_sentence}{paras}</div>{sidebar}"))) is None


def test_bare_date_on_the_header_line_counts() -> None:
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    html = chrome(f"<h1>市总工会举办职工运动会</h1><p>2019-11-5 10:22 | 发布者: admin</p><div class='text'>{paras}</div>")
    value = guess_publication_date(parse(html))
    assert value is not None and value.iso == "2019-11-05T10:22+08:00"


def test_date_from_inline_script_when_nothing_visible() -> None:
    paras = "".join(f"<p>{p}</p>" for p in PARAS)
    html = f"<html><body><div><script>showDate('2020/04/17 01:43:09')</script></div><div>{paras}</div></body></html>"
    value = guess_publication_date(parse(html))
    assert value is not None and value.iso == "2020-04-17T01:43:09+08:00"


def test_month_precision_only_when_asked() -> None:
    paras = "".join(f"<p>{p}</p>" for p in PARAS) + "<p>——《北京之春》1998年3月号</p>"
    root = parse(f"<html><body><div>{paras}</div></body></html>")
    assert guess_publication_date(root) is None
    value = guess_publication_date(root, allow_month=True)
    assert value is not None and value.iso == "1998-03" and value.precision == "month"


# --- hostile input --------------------------------------------------------------------------------

_TAGS = st.sampled_from(["div", "p", "td", "span", "a", "br", "li", "ul", "table", "script", "b", "font"])


@st.composite
def markup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(_TAGS)
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(f"<{tag} class='{draw(st.sampled_from(['nav', 'content', 'x', 'share']))}'>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        else:
            parts.append(draw(st.text(max_size=60)))
    return "".join(parts)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markup())
def test_arbitrary_markup_never_raises(html: str) -> None:
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except Exception:  # lxml refuses some documents (empty); not our concern here
        return
    main = extract_main(root)
    assert main is None or (isinstance(main, MainText) and main.paragraphs and main.text)
    value = guess_publication_date(root, allow_month=True)
    assert value is None or value.raw


@pytest.mark.slow
@pytest.mark.parametrize("depth", [100, 255, 1000, 5000])
def test_deeply_nested_markup(depth: int) -> None:
    html = "<div>" * depth + "。".join(PARAS) + "</div>" * depth
    root = lxml.html.document_fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8", huge_tree=True))
    main = extract_main(root)  # lxml may cut the tree short; either way, no exception
    assert main is None or PARAS[0][:10] in main.text
    guess_publication_date(root)


# A video lesson: a player, a lead of one paragraph (or a short one and a longer one), a picture
# and a signature; beside it a picture-news box whose teasers together outweigh the article.
VIDEO_LEAD = "2月19日上午，青云谱区总工会召开全委会议，总结上一阶段工作，部署下一阶段任务，大力弘扬劳模精神、劳动精神、工匠精神。"
SHORT_FIRST = "此次职工运动会活动受到了广大职工的一致好评。"


def picture_news(n: int = 5) -> str:
    teaser = "做好维权服务工作，维护好职工就业创业权利，加强供给侧结构性改革中的职工维权服务力度，推动完善协商协调机制，继续加大……"
    items = "".join(f'<li><a href="/a/{i}"><img src="/i/{i}.jpg"></a><h5>市总工会举办第{i}期职工讲座</h5><p>{teaser}</p></li>'
                    for i in range(n))
    return f'<div class="pic-news"><h4>图片新闻</h4><ul>{items}</ul></div>'


def video_page(paragraphs: list[str], side: bool = True) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return ("<html><head><title>关于开展职工讲座的通知</title></head><body>"
            '<div id="top"><h1>南昌市总工会</h1></div><div class="left"><h1 class="art-head">关于开展职工讲座的通知</h1>'
            '<div class="art-body"><div class="video-box"><video src="/v/1.mp4" controls></video></div>'
            f'{body}<p style="text-align:center"><img src="/i/1.jpg"></p><p class="pic-caption">职工讲座活动合影</p>'
            '<p align="right">洪都集团工会 张伟</p></div></div>'
            f'<div class="right">{picture_news() if side else ""}</div></body></html>')


def test_a_teaser_box_longer_than_a_short_article_is_still_a_sidebar():
    main = extract_main(parse(video_page([VIDEO_LEAD])))
    assert main is not None and main.paragraphs[0] == VIDEO_LEAD
    assert "图片新闻" not in main.text and "维权服务" not in main.text


def test_a_teaser_box_in_a_layout_table_cell_is_still_a_sidebar():
    # Old government CMS pages lay the page out in a table: the box is a cell, with a layout row
    # above it that is no teaser item.
    page = video_page([VIDEO_LEAD]).replace('<div class="left">', '<table><tr><td class="left">', 1)
    page = page.replace('</div></div><div class="right">', '</div></td><td class="right">', 1)
    page = page.replace("</ul></div></div></body>", "</ul></div></td></tr></table></body>", 1)
    assert '<td class="right"><div class="pic-news">' in page and "</td></tr></table></body>" in page
    from scraper.noise import is_teaser_list
    box = parse(page).xpath('//div[@class="pic-news"]')[0]
    assert is_teaser_list(box)
    main = extract_main(parse(page))
    assert main is not None and main.paragraphs[0] == VIDEO_LEAD
    assert "图片新闻" not in main.text and "维权服务" not in main.text


def test_a_one_paragraph_article_is_read_from_its_container():
    main = extract_main(parse(video_page([VIDEO_LEAD])))
    assert main is not None and main.element.get("class") == "art-body"  # the picture and signature with it
    assert main.paragraphs == [VIDEO_LEAD, "职工讲座活动合影", "洪都集团工会 张伟"]


def test_a_short_first_paragraph_is_not_left_behind():
    main = extract_main(parse(video_page([SHORT_FIRST, VIDEO_LEAD], side=False)))
    assert main is not None and main.paragraphs[:2] == [SHORT_FIRST, VIDEO_LEAD]


def test_attachment_lines_do_not_count_against_their_body():
    attachments = ('<p>附件：<a href="/f/1.docx">关于开展2012年集体协商要约的通知.docx</a></p>'
                   '<p>附件：<a href="/f/2.docx">金秋助学实施方案.docx</a></p>')
    page = video_page([VIDEO_LEAD], side=False).replace('张伟</p>', '张伟</p>' + attachments)
    main = extract_main(parse(page))
    assert main is not None and main.element.get("class") == "art-body"
    assert "洪都集团工会 张伟" in main.paragraphs
