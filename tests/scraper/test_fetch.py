"""Fetcher behaviour over real HTTP on 127.0.0.1, with exact timing through a fake clock."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from scraper.deadline import WATCHDOG
from scraper.fetch import Fetcher, FetchPolicy
from scraper.records import FetchErrorKind, RedirectHop
from tests.support.fetch import UA, FakeClock, MidRng, make_fetcher, send

# -- plain responses --------------------------------------------------------------------------------


def test_ok_keeps_bytes_headers_in_order_and_what_was_sent(server):
    body = "南昌市总工会".encode("gbk") + bytes(range(256))

    @server.route("/a")
    def _(h):
        send(h, 200, body, [("Set-Cookie", "a=1"), ("X-One", "1"), ("Set-Cookie", "b=2"), ("x-LOWER", "é")])

    with make_fetcher(server) as f:
        r = f.fetch(server.base + "/a")
    assert r.ok and r.error is None
    assert r.status == 200 and r.body == body
    assert r.url == r.final_url == server.base + "/a"
    sent_by_test = [(k, v) for k, v in r.headers if k not in ("Server", "Date", "Content-Length")]
    assert sent_by_test == [("Set-Cookie", "a=1"), ("X-One", "1"), ("Set-Cookie", "b=2"), ("x-LOWER", "é")]
    assert r.header("x-one") == "1"
    assert r.attempts == 1 and r.redirects == []
    assert r.fetched_at.tzinfo is not None and r.fetched_at.utcoffset().total_seconds() == 0
    sent = dict(r.request_headers)
    assert sent["User-Agent"] == UA and sent["Host"] == server.host
    assert "If-None-Match" not in sent
    # what we recorded is what the server saw
    assert server.requests[-1][1]["User-Agent"] == UA
    assert server.requests[-1][1]["Accept-Encoding"] == "gzip, deflate"


def test_no_cookies_are_sent_back(server):
    @server.route("/c")
    def _(h):
        send(h, 200, b"x", [("Set-Cookie", "session=1; Path=/")])

    with make_fetcher(server) as f:
        f.fetch(server.base + "/c")
        f.fetch(server.base + "/c")
    assert all("Cookie" not in headers for _, headers in server.requests)


def test_conditional_request_gives_304_without_body(server):
    @server.route("/art")
    def _(h):
        if h.headers.get("If-None-Match") == '"v1"' and h.headers.get("If-Modified-Since"):
            send(h, 304, b"", [("ETag", '"v1"')], content_length=False)
        else:
            send(h, 200, b"full", [("ETag", '"v1"')])

    with make_fetcher(server) as f:
        first = f.fetch(server.base + "/art")
        again = f.fetch(server.base + "/art", etag='"v1"', last_modified="Thu, 11 Oct 2018 00:00:00 GMT")
    assert first.body == b"full"
    assert again.status == 304 and again.body == b"" and again.not_modified and again.error is None
    assert ("If-None-Match", '"v1"') in again.request_headers
    assert ("If-Modified-Since", "Thu, 11 Oct 2018 00:00:00 GMT") in again.request_headers


def test_304_or_empty_body_with_a_gzip_header_is_not_broken(server):
    @server.route("/nm")
    def _(h):
        if h.headers.get("If-None-Match"):
            send(h, 304, b"", [("Content-Encoding", "gzip"), ("ETag", '"e"')], content_length=False)
        else:
            send(h, 200, b"", [("Content-Encoding", "gzip")])

    with make_fetcher(server) as f:
        empty = f.fetch(server.base + "/nm")
        same = f.fetch(server.base + "/nm", etag='"e"')
    assert empty.ok and empty.body == b""
    assert same.not_modified and same.body == b""


@pytest.mark.parametrize("status", [404, 410, 403])
def test_final_client_error_keeps_body_and_is_not_retried(server, status):
    @server.route("/gone")
    def _(h):
        send(h, status, "文章不存在".encode())

    with make_fetcher(server) as f:
        r = f.fetch(server.base + "/gone")
    assert r.status == status and r.error == FetchErrorKind.HTTP_STATUS
    assert r.body == "文章不存在".encode() and r.attempts == 1
    assert server.paths() == ["/gone"]


# -- politeness -----------------------------------------------------------------------------------------


def test_delay_between_request_starts_is_jittered(server):
    import random

    @server.route("/p")
    def _(h):
        send(h, 200, b"ok")

    clock = FakeClock()
    policy = FetchPolicy(user_agent=UA, allowed_hosts=("127.0.0.1",), delay=2.0, obey_robots=False)
    with Fetcher(policy, clock=clock, sleep=clock.sleep, rng=random.Random(3)) as f:
        for _ in range(4):
            f.fetch(server.base + "/p")
    rng = random.Random(3)
    # the first request waits for nobody; each start draws the gap before the next one
    expected = [2.0 * rng.uniform(0.5, 1.5) for _ in range(3)]
    assert clock.sleeps == pytest.approx(expected)
    assert all(1.0 <= s <= 3.0 for s in clock.sleeps)


def test_concurrency_per_host_is_never_exceeded(server):
    @server.route("/busy")
    def _(h):
        time.sleep(0.03)
        send(h, 200, b"ok")

    policy = FetchPolicy(
        user_agent=UA, allowed_hosts=("127.0.0.1",), delay=0, concurrency_per_host=2, obey_robots=False
    )
    results = []
    with Fetcher(policy) as f:
        threads = [
            threading.Thread(target=lambda: results.extend(f.fetch(server.base + "/busy") for _ in range(4)))
            for _ in range(6)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert f.politeness.max_in_flight(server.host) <= 2
    assert len(results) == 24 and all(r.ok for r in results)
    assert server.max_in_flight <= 2
    assert WATCHDOG.pending() == 0  # every body deadline was cancelled: nothing kept alive


# -- redirects --------------------------------------------------------------------------------------------


def test_redirects_within_allowed_hosts_are_followed_and_recorded(server):
    @server.route("/old")
    def _(h):
        send(h, 301, b"", [("Location", "/mid")])

    @server.route("/mid")
    def _(h):
        send(h, 302, b"", [("Location", server.base + "/new")])

    @server.route("/new")
    def _(h):
        send(h, 200, b"here")

    with make_fetcher(server) as f:
        r = f.fetch(server.base + "/old")
    assert r.ok and r.body == b"here" and r.final_url == server.base + "/new"
    assert r.redirects == [
        RedirectHop(server.base + "/old", 301, server.base + "/mid"),
        RedirectHop(server.base + "/mid", 302, server.base + "/new"),
    ]
    assert r.attempts == 3


def test_off_site_redirect_is_refused(server):
    @server.route("/away")
    def _(h):
        send(h, 302, b"moved", [("Location", "http://evil.example/steal")])

    with make_fetcher(server) as f:
        r = f.fetch(server.base + "/away")
    assert r.error == FetchErrorKind.OFF_SITE_REDIRECT and r.status == 302
    assert r.final_url == "http://evil.example/steal" and r.body == b""
    assert r.redirects == [RedirectHop(server.base + "/away", 302, "http://evil.example/steal")]


def test_redirect_to_another_port_is_refused_when_the_port_is_pinned(server):
    @server.route("/port")
    def _(h):
        send(h, 307, b"", [("Location", "http://127.0.0.1:1/x")])

    with make_fetcher(server, allowed_hosts=(server.host,)) as f:
        r = f.fetch(server.base + "/port")
    assert r.error == FetchErrorKind.OFF_SITE_REDIRECT and r.final_url == "http://127.0.0.1:1/x"


def test_redirect_loop_stops_at_max_redirects(server):
    @server.route("/loop")
    def _(h):
        send(h, 302, b"", [("Location", "/loop")])

    with make_fetcher(server, max_redirects=3) as f:
        r = f.fetch(server.base + "/loop")
    assert r.error == FetchErrorKind.TOO_MANY_REDIRECTS
    assert len(r.redirects) == 4 and server.paths() == ["/loop"] * 4


def test_zero_redirects_allowed_means_none_followed(server):
    @server.route("/one")
    def _(h):
        send(h, 302, b"", [("Location", "/two")])

    with make_fetcher(server, max_redirects=0) as f:
        r = f.fetch(server.base + "/one")
    assert r.error == FetchErrorKind.TOO_MANY_REDIRECTS and server.paths() == ["/one"]


# -- refusals without a request -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/x", "http:///nohost", "not a url", "http://127.0.0.1:99999/", "http://other.example/"],
)
def test_invalid_or_foreign_urls_are_refused_without_a_request(server, url):
    with make_fetcher(server) as f:
        r = f.fetch(url)
    assert r.error == FetchErrorKind.INVALID_URL and r.attempts == 0 and r.status is None
    assert server.paths() == []


def test_fetcher_can_be_used_from_a_with_block_and_refuses_after_close(server):
    f = make_fetcher(server)
    with f:
        pass
    with pytest.raises(RuntimeError):
        f.fetch(server.base + "/a")


def test_fetched_at_comes_from_the_injected_utc_clock(server):
    @server.route("/w")
    def _(h):
        send(h, 200, b"ok")

    clock = FakeClock()
    when = datetime(2024, 10, 28, 3, 4, 5, tzinfo=UTC)
    policy = FetchPolicy(user_agent=UA, allowed_hosts=("127.0.0.1",), delay=0, obey_robots=False)
    with Fetcher(policy, clock=clock, sleep=clock.sleep, rng=MidRng(), utcnow=lambda: when) as f:
        assert f.fetch(server.base + "/w").fetched_at == when
