"""The site section of an article page from its breadcrumb (scraper/breadcrumb.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.breadcrumb import MAX_SECTION_CHARS, breadcrumb_section


def test_the_section_after_the_label_without_home_and_article_crumbs() -> None:
    page = ('<div class="location">当前位置:<a href="/">首页</a> &gt; <a href="/list/3">工会新闻</a> &gt; 正文</div>'
            '<div class="detail"><a href="/x">正文里的链接</a></div>')
    assert breadcrumb_section(page) == "工会新闻"
    deep = '<p>您现在的位置：<a href="/">网站首页</a> » <a>通知公告</a> » <a>市级</a> » <a href="/a/1">正文</a></p><p><a>x</a></p>'
    assert breadcrumb_section(deep) == "通知公告 > 市级"
    classed = '<ol class="breadcrumb"><li><a href="/">首页</a></li><li><a href="/c">劳模风采</a></li></ol><div><a>nav</a></div>'
    assert breadcrumb_section(classed) == "劳模风采"
    assert breadcrumb_section('<span>当前位置:</span><a>首页</a>&gt;<a>基层&amp;动态</a></div><div><a>x</a></div>') == "基层&动态"


def test_a_labelled_line_wins_over_a_classed_one_wherever_each_stands() -> None:
    # Labels are tried first, then elements classed as breadcrumbs, each in page order.
    page = ('<ol class="breadcrumb"><li><a>首页</a></li><li><a>劳模风采</a></li></ol><div>x</div>'
            '<p>当前位置：<a>首页</a> &gt; <a>工会新闻</a></p><div>y</div>')
    assert breadcrumb_section(page) == "工会新闻"
    # A label with no links after it gives way to the classed element.
    assert breadcrumb_section('<p>当前位置：正文</p><div><nav class="crumbs"><a>通知公告</a></nav><p>z</p>') == "通知公告"


def test_no_breadcrumb_no_section() -> None:
    assert breadcrumb_section("<p>当前位置</p><div>只有文字</div>") is None
    assert breadcrumb_section('<div class="nav"><a>首页</a><a>工会新闻</a></div>') is None  # a menu is no breadcrumb
    assert breadcrumb_section("<div>当前位置:<a>" + "长" * 100 + "</a></div>") is None


@settings(max_examples=60)
@given(st.text(max_size=400), st.sampled_from(["当前位置:", "", '<div class="crumbs">']))
def test_hostile_text_never_raises_and_stays_short(text: str, label: str) -> None:
    found = breadcrumb_section(label + text)
    assert found is None or (0 < len(found) <= MAX_SECTION_CHARS and found == " ".join(found.split()))
