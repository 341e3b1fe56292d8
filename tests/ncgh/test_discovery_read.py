"""ncgh.discovery_read: which answers of a discovery page are refusals, absences or pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archive.queue import WorkItem
from archive.vocab import DiscoverySource, Outcome, RunMode, WorkKind, WorkState
from ncgh.discovery_read import ignore_answer, read_page
from ncgh.pipeline import interpret
from ncgh.report import Reporter
from ncgh.source_health import SourceHealth
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


def test_another_sites_article_links_are_not_this_sites_ids() -> None:
    """A friendly link to www.jxgh.org.cn/article/88888 was probed on this host every run and pulled
    the frontier probe 500 ids towards it (534 requests a day instead of 34)."""
    html = (b'<a href="/article/5">a</a><a href="http://www.jxgh.org.cn/article/88888">jx</a>'
            b'<a href="https://www.workercn.cn/article/77777">w</a>')
    read, _ = _read(WorkKind.HUB, _fetch("http://h/", 200, html, "text/html; charset=utf-8"),
                    follow=lambda u: u.startswith("http://h/"))
    assert [r.article_id for r in read.page.links] == [5]


class _Queue:
    def __init__(self) -> None:
        self.marks: list[tuple[int, str]] = []

    def mark(self, item_id: int, state: str) -> None:
        self.marks.append((item_id, state))


class _Lines(Reporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def error(self, message: str) -> None:
        self.lines.append("ERROR " + message)

    def warning(self, message: str) -> None:
        self.lines.append("WARNING " + message)


def test_an_api_refusal_after_pages_that_answered_is_a_failed_page_not_a_login() -> None:
    """'系统繁忙' (code 500) on page 3 marked the API needs_login and left its item ignored: page 4
    was never asked, and the next crawl did not ask page 3 again."""
    health = SourceHealth(RunMode.INCREMENTAL, (DiscoverySource.API,))
    queue, lines = _Queue(), _Lines()
    busy, _ = _read(WorkKind.API, _fetch(URL, 200, '{"code": 500, "msg": "系统繁忙，请稍后再试"}'.encode()))
    first = WorkItem(URL, WorkKind.API, id=7)
    ignore_answer(queue, health, lines, first, busy)  # before any page answered: the source refuses
    assert queue.marks == [(7, WorkState.IGNORED)] and lines.lines[0].startswith("WARNING discovery source api needs a login")
    health = SourceHealth(RunMode.INCREMENTAL, (DiscoverySource.API,))
    health.page(WorkKind.API, Outcome.OK, found=[1, 2])
    queue, lines = _Queue(), _Lines()
    ignore_answer(queue, health, lines, WorkItem(URL, WorkKind.API, id=9), busy)
    assert queue.marks == [(9, WorkState.FAILED)] and not health.refused(WorkKind.API)
    assert lines.lines == [f"ERROR {URL}: API answered code 500 系统繁忙，请稍后再试, after its source's earlier pages"
                           " answered: not a login; the next crawl asks again"]
