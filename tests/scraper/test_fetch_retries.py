"""Retries through the Fetcher over real HTTP on 127.0.0.1, timed exactly by a fake clock: what is
retried, exponential backoff with jitter, Retry-After (seconds or a date) capped and pausing the host."""

from __future__ import annotations

import threading
import time

import pytest

from scraper.fetch import Fetcher, FetchPolicy
from scraper.records import FetchErrorKind
from tests.support.fetch import UA, FakeClock, make_fetcher, send

# -- retries and Retry-After ------------------------------------------------------------------------------


def test_5xx_is_retried_with_exponential_backoff_until_it_works(server):
    calls = []

    @server.route("/e")
    def _(h):
        calls.append(1)
        send(h, 500 if len(calls) < 3 else 200, b"body")

    clock = FakeClock()
    with make_fetcher(server, clock, max_attempts=4, backoff_base=1.5) as f:
        r = f.fetch(server.base + "/e")
    assert r.ok and r.attempts == 3
    assert clock.sleeps == [1.5, 3.0]
    assert r.elapsed == pytest.approx(4.5)


def test_backoff_is_capped_and_final_status_kept(server):
    @server.route("/down")
    def _(h):
        send(h, 502, b"bad gateway")

    clock = FakeClock()
    with make_fetcher(server, clock, max_attempts=5, backoff_base=1.0, backoff_max=3.0) as f:
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

    with make_fetcher(server) as f:
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
    with make_fetcher(server, clock) as f:
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
    with make_fetcher(server, clock, max_attempts=2) as f:
        r = f.fetch(server.base + "/date")
    assert r.status == 429 and r.attempts == 2
    assert sum(clock.sleeps) == pytest.approx(120.0)


def test_retry_after_is_capped_by_retry_after_max(server):
    @server.route("/cap")
    def _(h):
        send(h, 503, b"", [("Retry-After", "86400")])

    clock = FakeClock()
    with make_fetcher(server, clock, max_attempts=2, retry_after_max=300.0) as f:
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
    with make_fetcher(server, clock, max_attempts=2, retry_after_max=300.0) as f:
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
    with make_fetcher(server, clock, max_attempts=1) as f:
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
    with make_fetcher(server, clock, max_attempts=1) as f:
        f.fetch(server.base + "/five")
        f.fetch(server.base + "/other")
    assert clock.sleeps == []


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
