"""Per-host politeness and the small pure helpers of scraper.fetch, with a fake clock."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.fetch import FetchPolicy
from scraper.hosts import host_key, origin_of
from scraper.http_body import BodyBroken, BodyDecoder, BodyTooLarge
from scraper.politeness import Politeness
from scraper.retry import parse_retry_after
from tests.support.fetch import FakeClock


def politeness(delay=1.0, concurrency=1, clock=None):
    clock = clock or FakeClock()
    return Politeness(delay, concurrency, clock, clock.sleep, lambda: 1.0, record_starts=True), clock


def test_starts_to_one_host_are_spaced_by_the_delay():
    p, clock = politeness(delay=2.0)
    for _ in range(3):
        with p.slot("a"):
            pass
    assert p.starts("a") == [1000.0, 1002.0, 1004.0]
    assert clock.sleeps == [2.0, 2.0]


def test_time_spent_in_the_request_counts_towards_the_delay():
    p, clock = politeness(delay=2.0)
    with p.slot("a"):
        clock.now += 1.5  # the request itself took 1.5 s
    with p.slot("a"):
        pass
    assert clock.sleeps == [0.5]


def test_hosts_are_independent():
    p, clock = politeness(delay=2.0)
    with p.slot("a"):
        pass
    with p.slot("b"):
        pass
    assert clock.sleeps == []


def test_defer_pauses_the_host_and_combines_with_the_delay():
    p, clock = politeness(delay=1.0)
    with p.slot("a"):
        pass
    p.defer("a", clock() + 30.0)
    p.defer("a", clock() + 10.0)  # an earlier deadline never shortens a pause
    with p.slot("a"):
        pass
    assert p.starts("a") == [1000.0, 1030.0]
    with p.slot("a"):
        pass
    assert p.starts("a")[-1] == 1031.0


def test_min_delay_from_crawl_delay_raises_but_never_lowers():
    p, clock = politeness(delay=1.0)
    p.set_min_delay("a", 4.0)
    p.set_min_delay("a", 0.5)
    for _ in range(2):
        with p.slot("a"):
            pass
    assert clock.sleeps == [4.0]


def test_wait_until_sleeps_only_for_the_future():
    p, clock = politeness()
    p.wait_until(999.0)
    p.wait_until(1003.0)
    assert clock.sleeps == [3.0]


def test_jitter_factor_scales_each_gap():
    clock = FakeClock()
    factors = iter([0.5, 1.5, 1.0])
    p = Politeness(2.0, 1, clock, clock.sleep, lambda: next(factors))
    for _ in range(3):
        with p.slot("a"):
            pass
    assert clock.sleeps == [1.0, 3.0]


def test_semaphore_bounds_requests_in_flight_across_threads():
    p = Politeness(0.0, 3, time.monotonic, time.sleep, lambda: 1.0)
    seen = []
    lock = threading.Lock()
    current = [0]

    def work():
        for _ in range(5):
            with p.slot("a"):
                with lock:
                    current[0] += 1
                    seen.append(current[0])
                time.sleep(0.005)
                with lock:
                    current[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(seen) <= 3 and p.max_in_flight("a") <= 3 and len(seen) == 40


def test_slot_is_released_when_the_request_raises():
    p, _ = politeness(delay=0.0)
    with pytest.raises(KeyError), p.slot("a"):
        raise KeyError("boom")
    with p.slot("a"):  # would block for ever if the slot had leaked
        pass


# -- helpers ------------------------------------------------------------------------------------------

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value,date,expected",
    [
        ("120", None, 120.0),
        (" 0 ", None, 0.0),
        ("1.5", None, 1.5),
        ("Mon, 01 Jan 2024 12:01:00 GMT", None, 60.0),
        ("Mon, 01 Jan 2024 12:01:00 GMT", "Mon, 01 Jan 2024 11:59:00 GMT", 120.0),
        ("Mon, 01 Jan 2024 11:00:00 GMT", None, 0.0),  # in the past: no wait
        ("Monday, 01-Jan-24 12:00:30 GMT", None, 30.0),  # RFC 850 form
        ("soon", None, None),
        ("-5", None, None),
        ("", None, None),
        (None, None, None),
        ("9" * 400, None, float("inf")),  # delay-seconds past a float: wait as long as the cap allows
        ("9" * 5000, None, float("inf")),  # past int()'s 4,300-digit limit too
        ("\u00b2", None, None),  # a digit to str.isdigit, not a number
        ("Mon, 01 Jan 99999999999999999999 12:01:00 GMT", None, None),
        ("Mon, 01 Jan 2024 12:01:00 GMT", "Mon, 01 Jan 2024 99999999999999999999:00:00 GMT", 60.0),  # bad Date: now
    ],
)
def test_parse_retry_after(value, date, expected):
    assert parse_retry_after(value, date, NOW) == expected


def test_allowed_hosts_with_and_without_port():
    p = FetchPolicy(user_agent="x", allowed_hosts=("WWW.ncgh.org.cn", "171.34.90.220:8081"))
    assert p.allowed_hosts == ("www.ncgh.org.cn", "171.34.90.220:8081")
    assert p.allows_url("http://www.ncgh.org.cn/nczhghcms/article/1")
    assert p.allows_url("https://WWW.NCGH.ORG.CN:8443/x")  # no port given: any port of that host
    assert p.allows_url("http://171.34.90.220:8081/article/1")
    assert not p.allows_url("http://171.34.90.220/article/1")
    assert not p.allows_url("http://ncgh.org.cn/")
    assert not p.allows_url("http://www.ncgh.org.cn.evil.example/")
    assert not p.allows_url("http://evil.example/?www.ncgh.org.cn")
    assert not p.allows_url("ftp://www.ncgh.org.cn/")


@pytest.mark.parametrize(
    "kw,word",
    [
        ({"allowed_hosts": ()}, "allowed_hosts"),
        ({"allowed_hosts": "www.ncgh.org.cn"}, "allowed_hosts"),
        ({"allowed_hosts": ("http://www.ncgh.org.cn",)}, "allowed_hosts"),
        ({"allowed_hosts": ("h:notaport",)}, "allowed_hosts"),
        ({"user_agent": ""}, "user_agent"),
        ({"delay": -1}, "delay"),
        ({"concurrency_per_host": 0}, "concurrency_per_host"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"read_timeout": 0}, "read_timeout"),
        ({"max_body_bytes": 1.5}, "max_body_bytes"),
        ({"obey_robots": "yes"}, "obey_robots"),
    ],
)
def test_policy_rejects_bad_values_naming_the_field(kw, word):
    values = {"user_agent": "x", "allowed_hosts": ("h",)} | kw
    with pytest.raises(ValueError, match=word):
        FetchPolicy(**values)


def test_host_key_and_origin():
    assert host_key("http://WWW.ncgh.org.cn:80/a") == "www.ncgh.org.cn"
    assert host_key("https://www.ncgh.org.cn/a") == "www.ncgh.org.cn"
    assert host_key("http://171.34.90.220:8081/a") == "171.34.90.220:8081"
    assert host_key("http://[::1]:8080/") == "[::1]:8080"
    assert origin_of("HTTPS://www.ncgh.org.cn:443/a?b") == "https://www.ncgh.org.cn"


# -- hostile input --------------------------------------------------------------------------------------

@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.from_regex(r"[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{1,6} \d\d:\d\d:\d\d GMT")))
def test_retry_after_never_raises_and_is_never_negative(value):
    got = parse_retry_after(value, value, NOW)
    assert got is None or got >= 0


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["gzip", "deflate", "identity", "br"]),
    st.lists(st.binary(max_size=200), max_size=5),
    st.booleans(),
)
def test_body_decoder_only_ever_gives_bytes_or_its_own_errors(coding, chunks, real):
    import gzip as _gzip

    original = b"".join(chunks)
    real = real and coding == "gzip"
    if real:
        chunks = [_gzip.compress(original)[i : i + 7] for i in range(0, 2000, 7)]
    decoder = BodyDecoder(coding, limit=500)
    try:
        for chunk in chunks:
            decoder.feed(chunk)
        body = decoder.finish()
    except BodyTooLarge:
        assert not real or len(original) > 500
        return
    except BodyBroken:
        assert not real, "a whole gzip stream is never broken"
        return
    assert isinstance(body, bytes) and len(body) <= 500
    if real or coding == "identity":
        assert body == original  # what was sent, split anywhere, comes back whole


def test_backoff_doubles_jitters_caps_and_never_undercuts_retry_after():
    from scraper.records import FetchErrorKind
    from scraper.retry import backoff_wait, is_retryable

    assert [backoff_wait(n, 1.0, 60.0, 1.0) for n in (1, 2, 3, 7, 8)] == [1.0, 2.0, 4.0, 60.0, 60.0]
    assert backoff_wait(2, 1.0, 60.0, 0.5) == 1.0 and backoff_wait(2, 1.0, 60.0, 1.5) == 3.0
    assert backoff_wait(1, 1.0, 60.0, 1.0, retry_after=30.0) == 30.0  # the server's wait wins
    assert backoff_wait(6, 1.0, 60.0, 1.5, retry_after=5.0) == 48.0
    assert backoff_wait(7, 1.0, 60.0, 1.5) == 60.0  # jitter never passes the cap
    assert is_retryable(FetchErrorKind.TIMEOUT, None) and is_retryable(None, 503) and is_retryable(None, 429)
    assert not is_retryable(None, 404) and not is_retryable(FetchErrorKind.TOO_LARGE, None)
    assert not is_retryable(FetchErrorKind.HTTP_STATUS, 503)  # an error already decided is final
