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
