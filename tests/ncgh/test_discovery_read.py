"""ncgh.discovery_read: which answers of a discovery page are refusals, absences or pages."""

from __future__ import annotations

import json
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


def test_a_busy_api_answer_is_a_failed_page_and_a_login_wall_stays_a_login() -> None:
    """'系统繁忙' (code 500) marked the API needs_login and left its item ignored: its later pages were
    never asked, and the next crawl did not ask it again. A real login wall (code 401, HTTP 401) stays
    needs_login even after other pages of the source answered (found by review)."""
    busy, _ = _read(WorkKind.API, _fetch(URL, 200, '{"code": 500, "msg": "系统繁忙，请稍后再试"}'.encode()))
    login, _ = _read(WorkKind.API, _fetch(URL, 200, '{"code": 401, "msg": "请先登录"}'.encode()))
    http, _ = _read(WorkKind.API_IDS, _fetch(URL, 401, b"denied"))
    assert busy.busy and not login.busy and not http.busy
    health = SourceHealth(RunMode.INCREMENTAL, (DiscoverySource.API,))
    health.page(WorkKind.API, Outcome.OK, found=[1, 2])  # earlier pages answered
    queue, lines = _Queue(), _Lines()
    ignore_answer(queue, health, lines, WorkItem(URL, WorkKind.API, id=9), busy)
    assert queue.marks == [(9, WorkState.FAILED)] and not health.refused(WorkKind.API)
    assert lines.lines == [f"ERROR {URL}: API answered code 500 系统繁忙，请稍后再试: the server is busy, not asking"
                           " for a login; the next crawl asks again"]
    ignore_answer(queue, health, lines, WorkItem(URL, WorkKind.API, id=10), login)
    assert queue.marks[-1] == (10, WorkState.IGNORED) and health.refused(WorkKind.API)
    assert lines.lines[-1].startswith("WARNING discovery source api needs a login")


def test_a_list_pages_sidebar_links_to_other_sites_are_dropped_too() -> None:
    """Found by review: the host filter read only the list's links, and a sidebar's went to the queue."""
    list_url = "http://h/list/3_1.html"
    rows = "".join(f'<li><a href="/nczhghcms/article/{i}">新闻{i}</a></li>' for i in (11, 12, 13))
    html = (f'<ul>{rows}</ul><div><a href="http://www.jxgh.org.cn/article/88888">省总</a>'
            '<a href="http://171.34.90.220/article/14">同一网站</a></div>').encode()
    own = {"h", "171.34.90.220"}
    read, _ = _read(WorkKind.LIST, _fetch(list_url, 200, html, "text/html; charset=utf-8"),
                    follow=lambda u: u.split("/")[2] in own)
    assert [r.article_id for r in read.page.links] == [11, 12, 13]
    assert [r.article_id for r in read.page.other_links] == [14]


def test_own_site_is_the_sites_host_names_whatever_the_port_or_scheme() -> None:
    from ncgh.discovery_read import link_rules
    from scraper.fetch import FetchPolicy

    class _Fetcher:
        policy = FetchPolicy(user_agent="t", allowed_hosts=("www.ncgh.org.cn", "171.34.90.220:8081"))

    _, _, own = link_rules(_Fetcher(), "http://www.ncgh.org.cn")  # type: ignore[arg-type]
    assert own("http://171.34.90.220/article/5") and own("https://www.ncgh.org.cn:443/article/5")
    assert not own("http://www.jxgh.org.cn/article/5") and not own("http://[::1/article/5")



@pytest.mark.parametrize(("code", "msg"), [(401, "登录超时，请重新登录"), (401, "会话已超时，请重新登录"),
                                         (403, "登录状态异常，请重新登录"), ("A0230", "用户登录已过期，请稍后重新登录"),
                                         (500, "请先登录"), (1001, "未登录或登录超时")])
def test_a_login_wall_however_worded_is_no_busy_server(code: object, msg: str) -> None:
    """Found by the second review: 超时 / 异常 / 稍后 made these 'busy', failed pages asked every run."""
    body = json.dumps({"code": code, "msg": msg}, ensure_ascii=False).encode()
    read, _ = _read(WorkKind.API, _fetch(URL, 200, body))
    assert read.refused and not read.busy



@pytest.mark.parametrize(("code", "msg"), [(-1, "系统异常，请稍后重试"), (1, "请求超时，请稍后重试"), ("9999", "服务器开小差了，请稍后重试"),
                                         (1, "数据库连接超时"), (500, "token服务繁忙"), (502, "会话服务不可用")])
def test_a_busy_server_however_worded_is_no_login_wall(code: object, msg: str) -> None:
    """Found by the third review: narrowing the busy words made these a login wall for the run."""
    body = json.dumps({"code": code, "msg": msg}, ensure_ascii=False).encode()
    read, _ = _read(WorkKind.API, _fetch(URL, 200, body))
    assert read.refused and read.busy
