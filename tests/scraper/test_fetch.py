"""Fetcher behaviour over real HTTP on 127.0.0.1, with exact timing through a fake clock."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib
from datetime import UTC, datetime

import pytest

from scraper.fetch import Fetcher, FetchPolicy
from scraper.http_body import WATCHDOG
from scraper.records import FetchErrorKind, RedirectHop
from tests.support.fetch import FakeClock, LocalServer, MidRng, send

UA = "ncgh-archive-test/1 (+mailto:test@example.invalid)"


@pytest.fixture
def server():
    s = LocalServer()
    yield s
    s.close()


def make(server: LocalServer, clock: FakeClock | None = None, **kw) -> Fetcher:
    clock = clock or FakeClock()
    values = dict(
        user_agent=UA,
        allowed_hosts=("127.0.0.1",),
        delay=0.0,
        max_attempts=3,
        connect_timeout=2.0,
        read_timeout=5.0,
        obey_robots=False,
    )
    values.update(kw)
    return Fetcher(FetchPolicy(**values), clock=clock, sleep=clock.sleep, rng=MidRng())


# -- plain responses --------------------------------------------------------------------------------


def test_ok_keeps_bytes_headers_in_order_and_what_was_sent(server):
    body = "南昌市总工会".encode("gbk") + bytes(range(256))

    @server.route("/a")
    def _(h):
        send(h, 200, body, [("Set-Cookie", "a=1"), ("X-One", "1"), ("Set-Cookie", "b=2"), ("x-LOWER", "é")])

    with make(server) as f:
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

    with make(server) as f:
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

    with make(server) as f:
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

    with make(server) as f:
        empty = f.fetch(server.base + "/nm")
        same = f.fetch(server.base + "/nm", etag='"e"')
    assert empty.ok and empty.body == b""
    assert same.not_modified and same.body == b""


@pytest.mark.parametrize("status", [404, 410, 403])
def test_final_client_error_keeps_body_and_is_not_retried(server, status):
    @server.route("/gone")
    def _(h):
        send(h, status, "文章不存在".encode())

    with make(server) as f:
        r = f.fetch(server.base + "/gone")
    assert r.status == status and r.error == FetchErrorKind.HTTP_STATUS
    assert r.body == "文章不存在".encode() and r.attempts == 1
    assert server.paths() == ["/gone"]


# -- content codings ----------------------------------------------------------------------------------

TEXT = "<p>第一段</p>".encode() * 500


def _raw_deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(wbits=-15)
    return comp.compress(data) + comp.flush()


@pytest.mark.parametrize(
    "coding,data",
    [
        ("gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),  # zlib-wrapped, as the RFC says
        ("deflate", _raw_deflate(TEXT)),  # raw deflate, as some servers send
        ("gzip", gzip.compress(TEXT[:1000]) + gzip.compress(TEXT[1000:])),  # two gzip members
        ("identity", TEXT),
    ],
    ids=["gzip", "zlib-deflate", "raw-deflate", "gzip-2-members", "identity"],
)
def test_content_codings_are_removed(server, coding, data):
    @server.route("/z")
    def _(h):
        send(h, 200, data, [("Content-Encoding", coding)])

    with make(server) as f:
        r = f.fetch(server.base + "/z")
    assert r.error is None and r.body == TEXT


def test_unknown_content_coding_keeps_bytes_as_received(server):
    @server.route("/u")
    def _(h):
        send(h, 200, b"plain", [("Content-Encoding", "utf-8")])

    with make(server) as f:
        r = f.fetch(server.base + "/u")
    assert r.ok and r.body == b"plain"


@pytest.mark.slow
def test_gzip_bomb_stops_at_the_cap(server):
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # ~50 KB on the wire

    @server.route("/bomb")
    def _(h):
        send(h, 200, bomb, [("Content-Encoding", "gzip")])

    with make(server, max_body_bytes=1_000_000) as f:
        r = f.fetch(server.base + "/bomb")
    assert r.error == FetchErrorKind.TOO_LARGE and r.body == b"" and r.attempts == 1
    assert r.status == 200


def test_body_exactly_at_cap_is_kept(server):
    @server.route("/cap")
    def _(h):
        send(h, 200, gzip.compress(b"a" * 1000), [("Content-Encoding", "gzip")])

    with make(server, max_body_bytes=1000) as f:
        assert f.fetch(server.base + "/cap").body == b"a" * 1000
    with make(server, max_body_bytes=999) as f:
        assert f.fetch(server.base + "/cap").error == FetchErrorKind.TOO_LARGE


def test_declared_length_over_cap_is_refused_without_reading(server):
    @server.route("/big")
    def _(h):
        send(h, 200, b"x" * 5000)

    with make(server, max_body_bytes=4999) as f:
        r = f.fetch(server.base + "/big")
    assert r.error == FetchErrorKind.TOO_LARGE and "Content-Length" in r.error_detail


@pytest.mark.parametrize(
    "length,error",
    [
        ("9" * 400, FetchErrorKind.TOO_LARGE),  # refused unread, whatever its size
        ("9" * 5000, FetchErrorKind.TOO_LARGE),  # past int()'s 4,300-digit limit
        ("\u00b2", None),  # not a number: the stream's end decides
    ],
    ids=["400-digits", "5000-digits", "superscript-two"],
)
def test_absurd_content_length_is_an_answer_not_an_exception(server, length, error):
    @server.route("/len")
    def _(h):
        h.send_response(200)
        h.send_header("Content-Length", length)
        h.end_headers()
        h.wfile.write(b"hello")
        h.close_connection = True

    with make(server, max_attempts=1) as f:
        r = f.fetch(server.base + "/len")
    assert r.status == 200 and r.error == error
    assert r.body == (b"hello" if error is None else b"")
    assert error is None or len(r.error_detail) < 200


def test_chunked_body_over_cap_is_too_large(server):
    @server.route("/chunks")
    def _(h):
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for _ in range(40):
            h.wfile.write(b"1000\r\n" + b"y" * 4096 + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")

    with make(server, max_body_bytes=100_000) as f:
        r = f.fetch(server.base + "/chunks")
        assert r.error == FetchErrorKind.TOO_LARGE
    with make(server, max_body_bytes=200_000) as f:
        r = f.fetch(server.base + "/chunks")
        assert r.ok and r.body == b"y" * 4096 * 40


# -- broken bodies ------------------------------------------------------------------------------------


def _short_body(h):
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    h.wfile.write(b"x" * 400)
    h.wfile.flush()
    h.close_connection = True


def test_body_shorter_than_content_length_is_truncated_and_retried(server):
    server.route("/short")(_short_body)
    clock = FakeClock()
    with make(server, clock, max_attempts=3) as f:
        r = f.fetch(server.base + "/short")
    assert r.error == FetchErrorKind.TRUNCATED and r.body == b"" and r.status == 200
    assert r.attempts == 3 and server.paths() == ["/short"] * 3
    assert clock.sleeps == [1.0, 2.0]  # backoff_base 1 s, doubled, jitter factor 1.0


def test_truncated_then_complete_succeeds(server):
    calls = []

    @server.route("/flaky")
    def _(h):
        calls.append(1)
        if len(calls) == 1:
            _short_body(h)
        else:
            send(h, 200, b"x" * 1000)

    with make(server) as f:
        r = f.fetch(server.base + "/flaky")
    assert r.ok and r.body == b"x" * 1000 and r.attempts == 2


def test_gzip_stream_cut_before_its_end_is_truncated(server):
    data = gzip.compress(TEXT)[:-30]  # consistent Content-Length, but the gzip trailer is missing

    @server.route("/cut")
    def _(h):
        send(h, 200, data, [("Content-Encoding", "gzip")])

    with make(server, max_attempts=1) as f:
        r = f.fetch(server.base + "/cut")
    assert r.error == FetchErrorKind.TRUNCATED and r.body == b""


def test_corrupt_gzip_is_truncated(server):
    data = bytearray(gzip.compress(TEXT))
    data[20:40] = b"\xff" * 20

    @server.route("/bad")
    def _(h):
        send(h, 200, bytes(data), [("Content-Encoding", "gzip")])

    with make(server, max_attempts=1) as f:
        r = f.fetch(server.base + "/bad")
    assert r.error == FetchErrorKind.TRUNCATED


def test_broken_chunked_stream_is_truncated(server):
    @server.route("/badchunk")
    def _(h):
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.wfile.write(b"10\r\n0123456789abcdef\r\nZZ\r\n")
        h.close_connection = True

    with make(server, max_attempts=1) as f:
        r = f.fetch(server.base + "/badchunk")
    assert r.error == FetchErrorKind.TRUNCATED


def test_connection_refused_is_an_error_with_attempts_counted():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    clock = FakeClock()
    f = Fetcher(
        FetchPolicy(user_agent=UA, allowed_hosts=("127.0.0.1",), delay=0, max_attempts=2, obey_robots=False),
        clock=clock,
        sleep=clock.sleep,
        rng=MidRng(),
    )
    r = f.fetch(f"http://127.0.0.1:{port}/x")
    f.close()
    assert r.error == FetchErrorKind.CONNECTION and r.status is None and r.attempts == 2
    assert r.body == b"" and clock.sleeps == [1.0]
    assert r.elapsed == pytest.approx(1.0)


def test_slow_headers_are_a_timeout(server):
    @server.route("/slow")
    def _(h):
        time.sleep(1.0)
        send(h, 200, b"late")

    with make(server, read_timeout=0.3, max_attempts=1) as f:
        r = f.fetch(server.base + "/slow")
    assert r.error == FetchErrorKind.TIMEOUT and r.status is None


@pytest.mark.slow
def test_dripping_body_is_cut_at_the_read_timeout(server):
    stop = threading.Event()

    @server.route("/drip")
    def _(h):
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(200):  # one byte every 0.05 s: never idle long enough for a socket timeout
            if stop.is_set():
                break
            h.wfile.write(b"d")
            h.wfile.flush()
            time.sleep(0.05)

    started = time.monotonic()
    with make(server, read_timeout=0.5, max_attempts=1) as f:
        r = f.fetch(server.base + "/drip")
    stop.set()
    assert r.error == FetchErrorKind.TIMEOUT and r.body == b""
    assert time.monotonic() - started < 5


# -- retries and Retry-After ------------------------------------------------------------------------------


def test_5xx_is_retried_with_exponential_backoff_until_it_works(server):
    calls = []

    @server.route("/e")
    def _(h):
        calls.append(1)
        send(h, 500 if len(calls) < 3 else 200, b"body")

    clock = FakeClock()
    with make(server, clock, max_attempts=4, backoff_base=1.5) as f:
        r = f.fetch(server.base + "/e")
    assert r.ok and r.attempts == 3
    assert clock.sleeps == [1.5, 3.0]
    assert r.elapsed == pytest.approx(4.5)


def test_backoff_is_capped_and_final_status_kept(server):
    @server.route("/down")
    def _(h):
        send(h, 502, b"bad gateway")

    clock = FakeClock()
    with make(server, clock, max_attempts=5, backoff_base=1.0, backoff_max=3.0) as f:
        r = f.fetch(server.base + "/down")
    assert r.status == 502 and r.error == FetchErrorKind.HTTP_STATUS and r.attempts == 5
    assert r.body == b"bad gateway"
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0]


def test_backoff_jitter_stays_within_half_to_one_and_a_half(server):
    import random

    @server.route("/j")
    def _(h):
        send(h, 503, b"")

    clock = FakeClock()
    policy = FetchPolicy(user_agent=UA, allowed_hosts=("127.0.0.1",), delay=0, max_attempts=4, obey_robots=False)
    with Fetcher(policy, clock=clock, sleep=clock.sleep, rng=random.Random(7)) as f:
        f.fetch(server.base + "/j")
    expected_rng = random.Random(7)
    expected = [min(60.0, 2**i * expected_rng.uniform(0.5, 1.5)) for i in range(3)]
    assert clock.sleeps == pytest.approx(expected)
    for i, s in enumerate(clock.sleeps):
        assert 0.5 * 2**i <= s <= 1.5 * 2**i


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_retried(server, status):
    calls = []

    @server.route("/t")
    def _(h):
        calls.append(1)
        send(h, status if len(calls) == 1 else 200, b"ok")

    with make(server) as f:
        r = f.fetch(server.base + "/t")
    assert r.ok and r.attempts == 2


def test_retry_after_seconds_is_honoured_over_a_shorter_backoff(server):
    calls = []

    @server.route("/ra")
    def _(h):
        calls.append(1)
        if len(calls) == 1:
            send(h, 503, b"busy", [("Retry-After", "17")])
        else:
            send(h, 200, b"ok")

    clock = FakeClock()
    with make(server, clock) as f:
        r = f.fetch(server.base + "/ra")
    assert r.ok and r.attempts == 2
    assert sum(clock.sleeps) == pytest.approx(17.0)


def test_retry_after_http_date_is_measured_against_the_date_header(server):
    @server.route("/date")
    def _(h):
        send(
            h,
            429,
            b"slow down",
            [("Date", "Wed, 21 Oct 2015 07:28:00 GMT"), ("Retry-After", "Wed, 21 Oct 2015 07:30:00 GMT")],
        )

    clock = FakeClock()
    with make(server, clock, max_attempts=2) as f:
        r = f.fetch(server.base + "/date")
    assert r.status == 429 and r.attempts == 2
    assert sum(clock.sleeps) == pytest.approx(120.0)


def test_retry_after_is_capped_by_retry_after_max(server):
    @server.route("/cap")
    def _(h):
        send(h, 503, b"", [("Retry-After", "86400")])

    clock = FakeClock()
    with make(server, clock, max_attempts=2, retry_after_max=300.0) as f:
        f.fetch(server.base + "/cap")
    assert sum(clock.sleeps) == pytest.approx(300.0)


@pytest.mark.parametrize(
    "value",
    ["9" * 400, "9" * 5000, "Wed, 21 Oct 99999999999999999999 07:30:00 GMT"],
    ids=["400-digits", "5000-digits", "20-digit-year"],
)
def test_absurd_retry_after_is_an_answer_not_an_exception(server, value):
    @server.route("/absurd")
    def _(h):
        send(h, 503, b"busy", [("Retry-After", value)])

    clock = FakeClock()
    with make(server, clock, max_attempts=2, retry_after_max=300.0) as f:
        r = f.fetch(server.base + "/absurd")
    assert r.status == 503 and r.error == FetchErrorKind.HTTP_STATUS and r.attempts == 2
    assert 0 < sum(clock.sleeps) <= 300.0  # a wait as long as the cap at most, never a crash


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_pauses_the_whole_host_for_the_next_url(server, status):
    @server.route("/first")
    def _(h):
        send(h, status, b"", [("Retry-After", "42")])

    @server.route("/second")
    def _(h):
        send(h, 200, b"ok")

    clock = FakeClock()
    with make(server, clock, max_attempts=1) as f:
        first = f.fetch(server.base + "/first")
        t_after_first = clock()
        second = f.fetch(server.base + "/second")
    assert first.status == status and first.attempts == 1
    assert second.ok
    assert clock.sleeps == [42.0]
    assert clock() - t_after_first == pytest.approx(42.0)


def test_retry_after_on_500_does_not_pause_other_urls(server):
    @server.route("/five")
    def _(h):
        send(h, 500, b"", [("Retry-After", "42")])

    @server.route("/other")
    def _(h):
        send(h, 200, b"ok")

    clock = FakeClock()
    with make(server, clock, max_attempts=1) as f:
        f.fetch(server.base + "/five")
        f.fetch(server.base + "/other")
    assert clock.sleeps == []


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

    with make(server) as f:
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

    with make(server) as f:
        r = f.fetch(server.base + "/away")
    assert r.error == FetchErrorKind.OFF_SITE_REDIRECT and r.status == 302
    assert r.final_url == "http://evil.example/steal" and r.body == b""
    assert r.redirects == [RedirectHop(server.base + "/away", 302, "http://evil.example/steal")]


def test_redirect_to_another_port_is_refused_when_the_port_is_pinned(server):
    @server.route("/port")
    def _(h):
        send(h, 307, b"", [("Location", "http://127.0.0.1:1/x")])

    with make(server, allowed_hosts=(server.host,)) as f:
        r = f.fetch(server.base + "/port")
    assert r.error == FetchErrorKind.OFF_SITE_REDIRECT and r.final_url == "http://127.0.0.1:1/x"


def test_redirect_loop_stops_at_max_redirects(server):
    @server.route("/loop")
    def _(h):
        send(h, 302, b"", [("Location", "/loop")])

    with make(server, max_redirects=3) as f:
        r = f.fetch(server.base + "/loop")
    assert r.error == FetchErrorKind.TOO_MANY_REDIRECTS
    assert len(r.redirects) == 4 and server.paths() == ["/loop"] * 4


def test_zero_redirects_allowed_means_none_followed(server):
    @server.route("/one")
    def _(h):
        send(h, 302, b"", [("Location", "/two")])

    with make(server, max_redirects=0) as f:
        r = f.fetch(server.base + "/one")
    assert r.error == FetchErrorKind.TOO_MANY_REDIRECTS and server.paths() == ["/one"]


# -- refusals without a request -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/x", "http:///nohost", "not a url", "http://127.0.0.1:99999/", "http://other.example/"],
)
def test_invalid_or_foreign_urls_are_refused_without_a_request(server, url):
    with make(server) as f:
        r = f.fetch(url)
    assert r.error == FetchErrorKind.INVALID_URL and r.attempts == 0 and r.status is None
    assert server.paths() == []


def test_fetcher_can_be_used_from_a_with_block_and_refuses_after_close(server):
    f = make(server)
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


@pytest.mark.slow
def test_retry_after_pauses_the_host_for_all_threads_in_real_time(server):
    """With real threads and clock: after a 429 with Retry-After: 1 is sent, only requests already
    in flight (at most concurrency - 1 others) may reach the server during the next second."""
    arrivals: list[float] = []
    sent_429: list[float] = []
    lock = threading.Lock()

    @server.route("/p")
    def _(h):
        now = time.monotonic()
        with lock:
            arrivals.append(now)
            first = not sent_429
            if first:
                sent_429.append(now)
        if first:
            send(h, 429, b"", [("Retry-After", "1")])
        else:
            time.sleep(0.01)
            send(h, 200, b"ok")

    policy = FetchPolicy(
        user_agent=UA, allowed_hosts=("127.0.0.1",), delay=0, concurrency_per_host=2, obey_robots=False
    )
    with Fetcher(policy) as f:
        threads = [threading.Thread(target=lambda: [f.fetch(server.base + "/p") for _ in range(3)]) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    t0 = sent_429[0]
    during_pause = [t for t in arrivals if t0 < t < t0 + 1.0]
    assert len(during_pause) <= 1  # concurrency 2: one other request may already have been on its way
    assert len(arrivals) == 13  # 12 fetches + the one retry of the 429
