"""scraper.hubs: article links, next pages and linked pages of any page, by generic signals only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.hubs import parse_hub_page, parse_sitemap
from scraper.records import ParseError

BASE = "http://www.ncgh.org.cn/nczhghcms/list/3_1.html"


def _page(body: str) -> bytes:
    return f"<html><body>{body}</body></html>".encode()


def test_article_links_in_page_order_each_once_with_a_nearby_date() -> None:
    page = parse_hub_page(_page(
        '<div><a href="/nczhghcms/article/12">甲</a><em>2024-05-06</em></div>'
        '<a href="/article/9">乙</a><a href="http://ncgh.org.cn/nczhghcms/article/12">甲again</a>'
        '<a href="/plugin/gh/ghzx/pc_detail.php?erid=34&id=11522&yiid=32">丙</a>'
    ), BASE)
    assert [r.article_id for r in page.links] == [12, 9, 11522]
    assert page.links[0].title == "甲" and page.links[0].published == "2024-05-06"
    assert page.links[0].category_id is None


def test_other_pages_are_absolute_without_fragments_assets_or_scripts() -> None:
    page = parse_hub_page(_page(
        '<a href="/">首页</a><a href="/about#x">关于</a><a href="javascript:void(0)">x</a>'
        '<a href="mailto:a@b">m</a><a href="/static/logo.png">i</a><a href="/files/a.pdf">pdf</a>'
        '<a href="ftp://h/x">ftp</a><a href="/about">again</a><a href="/">home again</a>'
    ), BASE)
    assert page.page_links == ["http://www.ncgh.org.cn/", "http://www.ncgh.org.cn/about"]


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        ('<a href="/x?p=2">下一页</a>', "http://www.ncgh.org.cn/x?p=2"),
        ('<a href="/x?p=2"> Next </a>', "http://www.ncgh.org.cn/x?p=2"),
        ('<a href="/x?p=2">»</a>', "http://www.ncgh.org.cn/x?p=2"),
        ('<a rel="next" href="/y/2">more</a>', "http://www.ncgh.org.cn/y/2"),
        # page numbers of this page's shape: the smallest above this page's number
        ('<a href="/nczhghcms/list/3_1.html">1</a><a href="/nczhghcms/list/3_3.html">3</a>'
         '<a href="/nczhghcms/list/3_2.html">2</a>', "http://www.ncgh.org.cn/nczhghcms/list/3_2.html"),
        # numbers of another shape are not this list's pages
        ('<a href="/other/2">2</a>', None),
        ('<a href="javascript:next()">下一页</a>', None),
        ("", None),
        # the wrappings sites put round the word, and an image button (found by review: none was read)
        ('<a href="/x?p=2">下一页&gt;</a>', "http://www.ncgh.org.cn/x?p=2"),
        ('<a href="/x?p=2">[下一页]</a>', "http://www.ncgh.org.cn/x?p=2"),
        ('<a href="/x?p=2">下一页 »</a>', "http://www.ncgh.org.cn/x?p=2"),
        ('<a href="/x?p=2">【下一页】</a>', "http://www.ncgh.org.cn/x?p=2"),
        ('<a href="/x?p=2"><img src="/i/next.gif" alt="下一页"></a>', "http://www.ncgh.org.cn/x?p=2"),
        ('<a href="/x?p=2" title="下一页"><img src="/i/n.gif"></a>', "http://www.ncgh.org.cn/x?p=2"),
    ],
)
def test_next_page_by_text_rel_or_page_numbers(links: str, expected: str | None) -> None:
    assert parse_hub_page(_page(links), BASE).next_url == expected


def test_last_page_of_numbers_has_no_next() -> None:
    url = "http://h/nczhghcms/list/3_3.html"
    links = '<a href="/nczhghcms/list/3_1.html">1</a><a href="/nczhghcms/list/3_2.html">2</a>'
    assert parse_hub_page(_page(links), url).next_url is None


def test_out_of_range_ids_are_counted_not_linked() -> None:
    page = parse_hub_page(_page('<a href="/article/0">a</a><a href="/article/99999999999999999999">b</a>'), BASE)
    assert page.links == [] and page.skipped_ids == 2


def test_empty_page_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_hub_page(b"  ", BASE)


def test_sitemap_xml_and_index_and_text() -> None:
    xml = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           b"<url><loc>http://h/nczhghcms/article/5</loc></url><url><loc>http://h/news/</loc></url>"
           b"<url><loc>http://h/more.xml</loc></url></urlset>")
    page = parse_sitemap(xml, "http://h/sitemap.xml")
    assert [r.article_id for r in page.links] == [5]
    assert page.page_links == ["http://h/news/"] and page.sitemaps == ["http://h/more.xml"]
    index = b'<sitemapindex xmlns="x"><sitemap><loc>http://h/s1</loc></sitemap></sitemapindex>'
    assert parse_sitemap(index, "http://h/sitemap.xml").sitemaps == ["http://h/s1"]
    text = b"http://h/article/7\n\nhttp://h/article/8\n"
    assert [r.article_id for r in parse_sitemap(text, "http://h/sitemap.txt").links] == [7, 8]


def test_sitemap_entities_are_not_expanded() -> None:
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<urlset><url><loc>&e;</loc></url></urlset>")
    assert parse_sitemap(evil, "http://h/sitemap.xml").links == []


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: f"<a href='{t}'>{t}</a>".encode()))
def test_hostile_pages_give_a_page_or_a_parse_error(body: bytes) -> None:
    for parse in (lambda: parse_hub_page(body, BASE), lambda: parse_sitemap(body, BASE)):
        try:
            page = parse()
        except ParseError:
            continue
        assert all(r.article_id >= 1 for r in page.links)


def test_a_lists_own_other_pages_are_not_other_pages() -> None:
    url = "http://h/nczhghcms/list/3_2.html"
    page = parse_hub_page(_page(
        '<a href="/nczhghcms/list/3_1.html">首页</a><a href="/nczhghcms/list/3_9.html">尾页</a>'
        '<a href="/nczhghcms/list/174_1.html">基层</a><a href="/nczhghcms/list/3_3.html">下一页</a>'
    ), url)
    assert page.page_links == ["http://h/nczhghcms/list/174_1.html"]
    assert page.next_url == "http://h/nczhghcms/list/3_3.html"


def test_trs_page_numbers_index_then_index_n() -> None:
    url = "http://www.ncgh.org.cn/zhxw/index.html"
    links = '<span>1</span><a href="index_1.html">2</a><a href="index_2.html">3</a>'
    assert parse_hub_page(_page(links), url).next_url == "http://www.ncgh.org.cn/zhxw/index_1.html"
    page = parse_hub_page(_page(links + '<a href="index_9.html">尾页</a>'), url)
    assert page.page_links == []  # its own later pages, reached through the next links


def test_same_shape_links_that_name_something_else_are_other_lists() -> None:
    """/category/175 beside /category/3 was taken for another page of this list and never read."""
    url = "http://h/nczhghcms/category/3"
    page = parse_hub_page(_page('<a href="/nczhghcms/category/175">职工维权</a><a href="/nczhghcms/category/176">帮扶</a>'
                                '<a href="/nczhghcms/category/4">下一页</a><a href="/col/col123/index.html">专题</a>'), url)
    assert page.page_links == ["http://h/nczhghcms/category/175", "http://h/nczhghcms/category/176",
                               "http://h/col/col123/index.html"]


def test_links_resolve_against_base_href() -> None:
    body = ('<html><head><base href="/nczhghcms/"></head><body><a href="category/3">新闻</a>'
            '<a href="article/2002">二</a></body></html>').encode()
    page = parse_hub_page(body, "http://h/")
    assert page.page_links == ["http://h/nczhghcms/category/3"]
    assert [(r.article_id, r.url) for r in page.links] == [(2002, "http://h/nczhghcms/article/2002")]


@pytest.mark.parametrize("shell", [
    '<html><head><meta http-equiv="refresh" content="0; url=/index.html"></head><body></body></html>',
    '<html><frameset><frame src="/index.html"></frameset></html>',
    '<html><body><iframe src="/index.html" width="100%"></iframe></body></html>',
])
def test_a_shell_home_page_leads_to_the_page_it_shows(shell: str) -> None:
    assert parse_hub_page(shell.encode(), "http://h/").page_links == ["http://h/index.html"]


def test_a_list_page_is_its_largest_list_not_a_sidebar_of_the_simulators_class() -> None:
    from scraper.hubs import parse_list_page

    side = "".join(f'<li><a href="/nczhghcms/article/{i}">热点{i}</a></li>' for i in (91, 92))
    rows = "".join(f'<div class="row"><a href="/nczhghcms/article/{i}">新闻{i}</a><i>2024-03-0{i - 10}</i></div>'
                   for i in range(11, 16))
    body = _page(f'<ul class="news-list">{side}</ul><div class="list">{rows}</div>'
                 '<a href="/nczhghcms/article/13">新闻13 again</a>')
    page = parse_list_page(body, "http://h/list/3_1.html")
    assert [r.article_id for r in page.links] == [11, 12, 13, 14, 15]  # only 91 and 92 were read before
    assert page.links[0].published == "2024-03-01"
    assert [r.article_id for r in page.other_links] == [91, 92]


def test_a_java_cms_session_in_links_is_not_part_of_the_page() -> None:
    page = parse_hub_page(_page('<a href="/nczhghcms/article/1001;jsessionid=8F3A2B9C0D">一</a>'
                                '<a href="/nczhghcms/category/3;jsessionid=8F3A2B9C0D?pageNum=1">新闻</a>'), "http://h/")
    assert [r.article_id for r in page.links] == [1001]  # fetched as a hub page before: 0 articles archived
    assert page.page_links == ["http://h/nczhghcms/category/3?pageNum=1"]


def test_a_list_cut_into_blocks_or_rows_of_tables_is_still_the_list() -> None:
    """Found by review: the largest single container won, so a sidebar of 8 beat a list of 20 written
    as four <ul> of 5, and a nav table of 3 beat 15 rows written one <table> each."""
    from scraper.hubs import parse_list_page

    def li(i: int) -> str:
        return f'<li><a href="/nczhghcms/article/{i}">工会新闻标题{i}</a><span>2024-03-01</span></li>'
    blocks = "".join("<ul class='l'>" + "".join(li(5000 - b * 5 - k) for k in range(5)) + "</ul><hr>" for b in range(4))
    side = "<div class='side'><h3>热点文章</h3><ul>" + "".join(li(100 + k) for k in range(8)) + "</ul></div>"
    page = parse_list_page(_page(f"<div class='main'>{blocks}</div>{side}"), "http://h/nczhghcms/category/3")
    assert [r.article_id for r in page.links] == list(range(5000, 4980, -1))
    assert [r.article_id for r in page.other_links] == list(range(100, 108))
    rows = "".join(f"<table><tr><td><a href='/nczhghcms/article/{7000 - k}'>标题{k}</a></td></tr></table>" for k in range(15))
    nav = "<table class='nav'><tr>" + "".join(f"<td><a href='/nczhghcms/article/{10 + k}'>专题{k}</a></td>" for k in range(3)) + "</tr></table>"
    page = parse_list_page(_page(f"{nav}<div>{rows}</div>"), "http://h/nczhghcms/category/3")
    assert [r.article_id for r in page.links] == list(range(7000, 6985, -1))


def test_year_tabs_are_other_lists_not_page_numbers() -> None:
    page = parse_hub_page(_page('<a href="/nczhghcms/archive/2023.html">2023</a><a href="/nczhghcms/archive/2022.html">2022</a>'),
                          "http://h/nczhghcms/archive/2024.html")
    assert page.page_links == ["http://h/nczhghcms/archive/2023.html", "http://h/nczhghcms/archive/2022.html"]


def test_a_list_whose_items_alternate_classes_is_one_list() -> None:
    from scraper.hubs import parse_list_page

    rows = "".join(f'<li class="{("odd", "even")[i % 2]} item-{i}"><a href="/nczhghcms/article/{900 + i}">新闻{i}</a>'
                   f'<span>2024-03-0{1 + i % 9}</span></li>' for i in range(12))
    side = "<div class='side'><ul>" + "".join(f'<li><a href="/nczhghcms/article/{i}">热点</a></li>' for i in (1, 2, 3)) + "</ul></div>"
    page = parse_list_page(_page(f"<div class='main'><ul class='list'>{rows}</ul></div>{side}"), "http://h/list/3_1.html")
    assert [r.article_id for r in page.links] == list(range(900, 912))  # half went to other_links before


@pytest.mark.parametrize("item", [
    '<tr class="{odd}"><td><span><a href="/nczhghcms/article/{i}">新闻{i}</a></span></td><td>2024-03-10</td></tr>',
    '<li class="{odd}"><div><h3><a href="/nczhghcms/article/{i}">新闻{i}</a></h3></div></li>',
    '<li>{pin}<a href="/nczhghcms/article/{i}">新闻{i}</a>{unpin}</li>',
])
def test_one_list_stays_one_list_whatever_stands_between_it_and_its_links(item: str) -> None:
    """Found by the second review: the ancestors' classes and depth split such lists in halves, and a
    dated sidebar beat a list whose dates stand in cells of their own."""
    from scraper.hubs import parse_list_page

    rows = "".join(item.format(i=7000 - k, odd=("odd", "even")[k % 2], pin="<strong>" if k == 0 else "",
                               unpin="</strong>" if k == 0 else "") for k in range(12))
    wrap = "table" if item.startswith("<tr") else "ul"
    side = "<div class='side'><ul>" + "".join(f'<li><a href="/nczhghcms/article/{i}">热点</a> 2024-01-01</li>'
                                              for i in range(100, 105)) + "</ul></div>"
    page = parse_list_page(_page(f"<div class='main'><{wrap}>{rows}</{wrap}></div>{side}"), "http://h/list/3_1.html")
    assert [r.article_id for r in page.links] == list(range(7000, 6988, -1))
    assert [r.article_id for r in page.other_links] == list(range(100, 105))
    if wrap == "table":
        assert page.links[0].published == "2024-03-10"



def test_a_link_never_takes_another_items_date_and_a_differently_classed_last_block_stays_in_the_list() -> None:
    """Found by the third review: two articles a row gave the second the first one's date; a list of
    <p> gave an undated item the next one's; the last of four <ul> (`ul.list.nobd`) split off."""
    from scraper.hubs import parse_list_page

    row = ('<table><tr><td><a href="/nczhghcms/article/1">甲</a></td><td>2024-03-01</td>'
           '<td><a href="/nczhghcms/article/2">乙</a></td><td>2024-04-10</td></tr></table>')
    paras = ('<div><p><a href="/nczhghcms/article/80">无日期</a></p><p><a href="/nczhghcms/article/81">有日期</a>'
             ' 2024-02-10</p></div>')
    dates = {r.article_id: r.published for r in parse_hub_page(_page(row + paras), "http://h/").links}
    assert dates[2] is None and dates[80] is None and dates[81] == "2024-02-10"
    blocks = "".join(f"<ul class='list{' nobd' if b == 3 else ''}'>" + "".join(
        f'<li><a href="/nczhghcms/article/{900 - b * 5 - k}">新闻</a> 2024-03-01</li>' for k in range(5)) + "</ul>"
        for b in range(4))
    page = parse_list_page(_page(f"<div class='main'>{blocks}</div>"), "http://h/list/3_1.html")
    assert len(page.links) == 20 and page.other_links == []


def test_a_lists_last_page_keeps_the_group_its_first_page_took() -> None:
    """A last page of three items beside an undated sidebar of eight: weighed alone, the sidebar won."""
    from scraper.hubs import parse_list_page

    def page(ids: range) -> bytes:
        rows = "".join(f'<li><a href="/nczhghcms/article/{i}">新闻{i}</a> 2024-03-01</li>' for i in ids)
        side = "<div class='side'><ol>" + "".join(f'<li><a href="/nczhghcms/article/{i}">热点{i}</a></li>'
                                                  for i in range(100, 108)) + "</ol></div>"
        return _page(f"<div class='main'><ul>{rows}</ul><a href='?p=2'>下一页</a></div>{side}")
    first = parse_list_page(page(range(900, 880, -1)), "http://h/list/3_1.html")
    assert first.links[0].article_id == 900 and first.list_group is not None
    alone = parse_list_page(page(range(52, 49, -1)), "http://h/list/3_2.html")
    assert alone.links[0].article_id == 100  # the limit the carried group removes
    last = parse_list_page(page(range(52, 49, -1)), "http://h/list/3_2.html", prefer=first.list_group)
    assert [r.article_id for r in last.links] == [52, 51, 50]
