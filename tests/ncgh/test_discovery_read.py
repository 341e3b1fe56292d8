"""ncgh.discovery_read: which answers of a discovery page are refusals, absences or pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archive.vocab import Outcome, WorkKind
from ncgh.discovery_read import read_page
from ncgh.pipeline import interpret
from scraper.ids import DEFAULT_ARTICLE_PATHS
from scraper.profile import DEFAULT_PROFILE
from scraper.records import FetchErrorKind, FetchResult

URL = "http://h/nczhgh.interface/api/cms/article/list?pageNum=1&pageSize=100&orderBy=created"


def _fetch(url: str, status: int, body: bytes, ctype: str = "application/json") -> FetchResult:
    now = datetime.now(UTC)
    error = None if 200 <= status < 300 else FetchErrorKind.HTTP_STATUS
    return FetchResult(url=url, final_url=url, status=status, headers=[("Content-Type", ctype)], body=body,
                       fetched_at=now, elapsed=0.01, attempts=1, error=error)


def _read(kind: WorkKind, fetch: FetchResult, follow=lambda u: True):
    capture = interpret("ncgh", fetch.url, fetch, DEFAULT_PROFILE, DEFAULT_ARTICLE_PATHS, kind=kind.capture_kind)
    return read_page(kind, fetch, capture, DEFAULT_ARTICLE_PATHS, follow), capture


@pytest.mark.parametrize("status", [401, 403])
def test_api_http_refusals_are_needs_login(status: int) -> None:
    read, _ = _read(WorkKind.API, _fetch(URL, status, b"denied"))
    assert read.refused == f"HTTP {status}" and read.page is None


def test_api_code_refusal_is_needs_login_not_a_parse_error() -> None:
    read, capture = _read(WorkKind.API, _fetch(URL, 200, '{"code": "401", "msg": "请先登录"}'.encode()))
    assert "请先登录" in read.refused and capture.outcome == Outcome.OK


def test_a_hub_404_or_a_download_is_absent_and_a_good_page_is_read() -> None:
    read, _ = _read(WorkKind.HUB, _fetch("http://h/x", 404, b"nf", "text/html"))
    assert read.absent
    read, _ = _read(WorkKind.HUB, _fetch("http://h/file", 200, b"%PDF-1.4", "application/pdf"))
    assert read.absent
    html = b'<a href="/article/5">a</a><a href="/news/">n</a><a href="/secret/">s</a><a href="/p?page=2">\xe4\xb8\x8b\xe4\xb8\x80\xe9\xa1\xb5</a>'
    read, capture = _read(WorkKind.HUB, _fetch("http://h/", 200, html, "text/html; charset=utf-8"),
                          follow=lambda u: "/secret/" not in u)
    assert capture.outcome == Outcome.OK and [r.article_id for r in read.page.links] == [5]
    assert read.links == ["http://h/news/", "http://h/p?page=2"] and read.page.next_url == "http://h/p?page=2"
    page, _ = _read(WorkKind.HUB_PAGE, _fetch("http://h/p?page=2", 200, html, "text/html"))
    assert page.links == []  # a hub's later page follows its next link only


def test_an_unparseable_sitemap_is_a_parse_error() -> None:
    read, capture = _read(WorkKind.SITEMAP, _fetch("http://h/sitemap.xml", 200, b"   ", "application/xml"))
    assert capture.outcome == Outcome.PARSE_ERROR and read.page is None


def test_a_linked_pages_failure_is_the_sites_dead_link_a_seeds_is_a_failure() -> None:
    def read(linked: bool, status: int):
        fetch = _fetch("http://h/go", status, b"", "text/html")
        capture = interpret("ncgh", fetch.url, fetch, DEFAULT_PROFILE, DEFAULT_ARTICLE_PATHS,
                            kind=WorkKind.HUB.capture_kind)
        return read_page(WorkKind.HUB, fetch, capture, DEFAULT_ARTICLE_PATHS, lambda u: True, None, linked), capture

    absent, capture = read(True, 500)
    assert absent.absent and capture.outcome == Outcome.FETCH_ERROR  # not recorded by the crawl
    seed, capture = read(False, 500)
    assert not seed.absent and capture.outcome == Outcome.FETCH_ERROR  # recorded: an error of the run
    empty, capture = read(True, 200)  # an empty 200 page a hub linked
    assert empty.absent and capture.outcome == Outcome.PARSE_ERROR
