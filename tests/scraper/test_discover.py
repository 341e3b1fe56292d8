"""Discovery: article ids from every URL form, list pages and the JSON API (against the simulator)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from scraper.discover import article_url, parse_api_ids, parse_api_list
from scraper.hubs import parse_list_page
from scraper.ids import article_id_from_url
from scraper.records import ParseError


def test_custom_article_paths_and_canonical_url() -> None:
    paths = ("/news/{id}.html", "/n/{id}")
    assert article_id_from_url("http://example.org/news/77.html", paths) == 77
    assert article_id_from_url("http://example.org/nczhghcms/article/77", paths) is None
    assert article_url("http://127.0.0.1:8123/", 77, paths) == "http://127.0.0.1:8123/news/77.html"
    assert article_url("https://ncgh.org.cn", 4711) == "https://ncgh.org.cn/nczhghcms/article/4711"
    with pytest.raises(ValueError):
        article_id_from_url("http://x/a/1", ("/a/id",))


def _get(url: str) -> tuple[bytes, str | None]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read(), resp.headers.get("Content-Type")


def _listed(truth: dict, category: int) -> list[int]:
    arts = [a for a in truth["articles"] if a["category"] == category and a["linked"] and a["status"] == "live"]
    arts.sort(key=lambda a: (a["created"], a["id"]), reverse=True)
    return [a["id"] for a in arts]


def test_list_pages_walk_the_whole_category(sim) -> None:
    truth = sim.truth()
    url = sim.url + "/nczhghcms/category/3?pageNum=1"
    seen: list[int] = []
    pages = 0
    while url is not None:
        body, ctype = _get(url)
        page = parse_list_page(body, url, ctype)
        for ref in page.links:
            assert ref.url == f"{sim.url}/nczhghcms/article/{ref.article_id}"
            assert ref.title and ref.published and len(ref.published) == 10
        seen += [r.article_id for r in page.links]
        url = page.next_url
        pages += 1
        assert pages < 50
    assert seen == _listed(truth, 3)
    by_id = {a["id"]: a for a in truth["articles"]}
    body, ctype = _get(sim.url + "/nczhghcms/category/3?pageNum=1")
    first = parse_list_page(body, sim.url + "/nczhghcms/category/3?pageNum=1", ctype).links[0]
    assert (first.title, first.published) == (by_id[first.article_id]["title"], by_id[first.article_id]["published"])


def test_list_page_without_news_list_takes_article_links_once() -> None:
    html = """<html><body><a href="/article/5">一</a><a href="/nczhghcms/article/5">一again</a>
    <a href="/nczhghcms/category/3">栏目</a><a href="http://ncgh.org.cn/article/9">二</a>
    <a href="?pageNum=3">下一页</a></body></html>""".encode()
    page = parse_list_page(html, "http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=2")
    assert [r.article_id for r in page.links] == [5, 9]
    assert page.links[0].url == "http://www.ncgh.org.cn/article/5"
    assert page.next_url == "http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=3"


def test_list_page_next_link_to_itself_ends_the_walk() -> None:
    url = "http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=4"
    html = f'<html><body><div class="pagination"><a class="next" href="{url}">下一页</a></div></body></html>'
    assert parse_list_page(html.encode(), url).next_url is None
    with pytest.raises(ParseError):
        parse_list_page(b"   ", url)


def test_api_list_pages_cover_the_category_and_stop(sim) -> None:
    truth = sim.truth()
    url = sim.url + "/nczhgh.interface/api/cms/article/list?pageNum=1&pageSize=12&categoryId=3&orderBy=created"
    seen: list[int] = []
    while url is not None:
        body, _ = _get(url)
        page = parse_api_list(body, url)
        seen += [r.article_id for r in page.links]
        assert all(r.url == f"{sim.url}/nczhghcms/article/{r.article_id}" for r in page.links)
        url = page.next_url
        assert len(seen) < 1000
    assert seen == _listed(truth, 3)


def test_api_ids_with_string_code(sim) -> None:
    url = sim.url + "/nczhgh.interface/api/cms/article/getIdsList?categoryId=174"
    body, _ = _get(url)
    assert json.loads(body)["code"] == "200"
    assert parse_api_ids(body, url) == [175, 176]  # the simulator answers child categories


def test_refusing_api_answer_is_api_refused() -> None:
    from scraper.discover import ApiRefused

    body = '{"code": 401, "msg": "请先登录", "data": null}'.encode()
    with pytest.raises(ApiRefused, match="请先登录"):
        parse_api_list(body, API)
    with pytest.raises(ApiRefused):
        parse_api_ids(b'{"code": "500", "msg": "x"}', API)


def test_api_items_carry_their_category() -> None:
    body = b'{"code": 200, "data": {"list": [{"id": 5, "categoryId": 182}, {"id": 6}], "total": 2}}'
    links = parse_api_list(body, API).links
    assert [(r.article_id, r.category_id) for r in links] == [(5, 182), (6, None)]


API = "http://h/nczhgh.interface/api/cms/article/list?pageNum=2&pageSize=2&categoryId=3&orderBy=created"


def _api(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def test_api_list_next_page_rules() -> None:
    two = [{"id": 5, "title": "甲", "created": "2024-10-28 09:00:00"}, {"id": 4, "title": "乙"}]
    full = parse_api_list(_api({"code": "200", "data": {"list": two, "total": 5, "pageNum": 2, "pageSize": 2}}), API)
    assert full.next_url == API.replace("pageNum=2", "pageNum=3")
    assert full.links[0].published == "2024-10-28" and full.links[0].url == "http://h/nczhghcms/article/5"
    last = parse_api_list(_api({"code": 200, "data": {"list": two, "total": 4, "pageNum": 2, "pageSize": 2}}), API)
    assert last.next_url is None
    empty = parse_api_list(_api({"code": 200, "data": {"list": [], "total": 99}}), API)
    assert empty.links == [] and empty.next_url is None
    no_total = parse_api_list(_api({"code": 200, "data": {"list": two}}), API)
    assert no_total.next_url is not None  # a full page without a total: ask for the next one
    short = parse_api_list(_api({"code": 200, "data": {"list": two[:1]}}), API)
    assert short.next_url is None


@pytest.mark.parametrize("body", [
    b"<html>502 Bad Gateway</html>",
    _api({"code": 500, "msg": "error", "data": None}),
    _api({"code": "401", "msg": "token"}),
    _api({"code": 200, "data": None}),
    _api({"code": 200, "data": {"list": "x"}}),
])
def test_api_errors_are_parse_errors(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_api_list(body, API)


def test_api_ids_shapes() -> None:
    assert parse_api_ids(_api({"code": 200, "data": [{"id": 3}, {"id": "2"}, {"id": 3}, {"x": 1}, 7]}), API) == [3, 2, 7]
    assert parse_api_ids(_api([1, 2]), API) == [1, 2]
    with pytest.raises(ParseError):
        parse_api_ids(_api({"code": "500", "data": []}), API)
    with pytest.raises(ParseError):
        parse_api_ids(b"not json", API)


def test_an_api_item_names_its_own_category() -> None:
    from scraper.discover import parse_api_list

    body = b'{"code": 200, "data": {"list": [{"id": 7, "categoryId": 176}, {"id": 8, "categoryId": "x"}, {"id": 9}]}}'
    page = parse_api_list(body, "http://www.ncgh.org.cn/nczhgh.interface/api/cms/article/list?pageNum=1&pageSize=12")
    assert [(link.article_id, link.category_id) for link in page.links] == [(7, 176), (8, None), (9, None)]
