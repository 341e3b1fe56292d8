"""Bodies through the Fetcher over real HTTP on 127.0.0.1: content codings removed under the cap,
and a body cut short, corrupt or dripping is an error (retried), never a short capture."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib

import pytest

from scraper.fetch import Fetcher, FetchPolicy
from scraper.records import FetchErrorKind
from tests.support.fetch import UA, FakeClock, MidRng, make_fetcher, send

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

    with make_fetcher(server) as f:
        r = f.fetch(server.base + "/z")
    assert r.error is None and r.body == TEXT


def test_unknown_content_coding_keeps_bytes_as_received(server):
    @server.route("/u")
    def _(h):
        send(h, 200, b"plain", [("Content-Encoding", "utf-8")])

    with make_fetcher(server) as f:
        r = f.fetch(server.base + "/u")
    assert r.ok and r.body == b"plain"


@pytest.mark.slow
def test_gzip_bomb_stops_at_the_cap(server):
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # ~50 KB on the wire

    @server.route("/bomb")
    def _(h):
        send(h, 200, bomb, [("Content-Encoding", "gzip")])

    with make_fetcher(server, max_body_bytes=1_000_000) as f:
        r = f.fetch(server.base + "/bomb")
    assert r.error == FetchErrorKind.TOO_LARGE and r.body == b"" and r.attempts == 1
    assert r.status == 200


def test_body_exactly_at_cap_is_kept(server):
    @server.route("/cap")
    def _(h):
        send(h, 200, gzip.compress(b"a" * 1000), [("Content-Encoding", "gzip")])

    with make_fetcher(server, max_body_bytes=1000) as f:
        assert f.fetch(server.base + "/cap").body == b"a" * 1000
    with make_fetcher(server, max_body_bytes=999) as f:
        assert f.fetch(server.base + "/cap").error == FetchErrorKind.TOO_LARGE


def test_declared_length_over_cap_is_refused_without_reading(server):
    @server.route("/big")
    def _(h):
        send(h, 200, b"x" * 5000)

    with make_fetcher(server, max_body_bytes=4999) as f:
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

    with make_fetcher(server, max_attempts=1) as f:
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

    with make_fetcher(server, max_body_bytes=100_000) as f:
        r = f.fetch(server.base + "/chunks")
        assert r.error == FetchErrorKind.TOO_LARGE
    with make_fetcher(server, max_body_bytes=200_000) as f:
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
    with make_fetcher(server, clock, max_attempts=3) as f:
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

    with make_fetcher(server) as f:
        r = f.fetch(server.base + "/flaky")
    assert r.ok and r.body == b"x" * 1000 and r.attempts == 2


def test_gzip_stream_cut_before_its_end_is_truncated(server):
    data = gzip.compress(TEXT)[:-30]  # consistent Content-Length, but the gzip trailer is missing

    @server.route("/cut")
    def _(h):
        send(h, 200, data, [("Content-Encoding", "gzip")])

    with make_fetcher(server, max_attempts=1) as f:
        r = f.fetch(server.base + "/cut")
    assert r.error == FetchErrorKind.TRUNCATED and r.body == b""


def test_corrupt_gzip_is_truncated(server):
    data = bytearray(gzip.compress(TEXT))
    data[20:40] = b"\xff" * 20

    @server.route("/bad")
    def _(h):
        send(h, 200, bytes(data), [("Content-Encoding", "gzip")])

    with make_fetcher(server, max_attempts=1) as f:
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

    with make_fetcher(server, max_attempts=1) as f:
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

    with make_fetcher(server, read_timeout=0.3, max_attempts=1) as f:
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
    with make_fetcher(server, read_timeout=0.5, max_attempts=1) as f:
        r = f.fetch(server.base + "/drip")
    stop.set()
    assert r.error == FetchErrorKind.TIMEOUT and r.body == b""
    assert time.monotonic() - started < 5
