"""The Fetcher against the site simulator over real HTTP, faults switched on.

Backoff and Retry-After waits go to a fake clock, so these tests are exact and fast; only genuine
network timeouts (the simulator's "timeout" fault, /__sim__/slow) take real time, kept short.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import pytest

from scraper.fetch import Fetcher, FetchPolicy
from scraper.hosts import host_key
from scraper.records import FetchErrorKind
from tests.support.fetch import FakeClock, MidRng, local_policy

FAULTS = "500=0.05,503=0.02,429=0.02,timeout=0.01,reset=0.01,truncate=0.01,garbage=0.005"


def policy(**kw: object) -> FetchPolicy:
    """Six attempts and short reads against the faulty simulator; robots.txt obeyed."""
    return local_policy(**{"max_attempts": 6, "read_timeout": 0.4, **kw})


def expected_body(sim, url: str) -> bytes:
    """What the simulator serves for `url` when no fault strikes (identity-coded)."""
    path = url[len(sim.url) :]
    return sim.site.handle(path, {}).body


@pytest.mark.slow
def test_every_article_is_fetched_exactly_despite_faults(sim_factory):
    # Faults are a deterministic function of (seed, request number); with this seed and size every
    # kind of fault strikes at least once during the run.
    sim = sim_factory(articles=150, seed=4, faults=FAULTS, fault_timeout_seconds=1.0)
    urls = [a["url"] for a in sim.truth()["articles"] if a["status"] == "live"]
    clock = FakeClock()
    results = {}
    with Fetcher(policy(), clock=clock, sleep=clock.sleep, rng=MidRng()) as f:
        for url in urls:
            # A "garbage" fault is a well-formed 200 with random bytes: only the parser can tell, so
            # the crawler fetches again; do the same here, a bounded number of times.
            for _ in range(3):
                r = f.fetch(url)
                if r.ok and r.body == expected_body(sim, url):
                    break
            results[url] = r
    bad = {u: (r.status, r.error, r.error_detail) for u, r in results.items() if not r.ok}
    assert not bad
    assert all(r.body == expected_body(sim, u) for u, r in results.items())
    kinds = {kind for _, _, kind in sim.fault_log}
    assert kinds == {"500", "503", "429", "timeout", "reset", "truncate", "garbage"}  # they happened ...
    assert sum(r.attempts for r in results.values()) > len(urls)  # ... and were retried


@pytest.mark.slow
def test_retry_after_delays_the_next_request_to_the_host(sim_factory):
    sim = sim_factory(articles=40, seed=5, faults="429=0.15,503=0.15", retry_after_seconds=7)
    urls = [a["url"] for a in sim.truth()["articles"]]
    clock = FakeClock()
    with Fetcher(policy(max_attempts=10), clock=clock, sleep=clock.sleep, rng=MidRng(), record_starts=True) as f:
        results = [f.fetch(u) for u in urls]
        starts = f.politeness.starts(host_key(sim.url))
    assert all(r.ok for r in results)
    log = [(path, status) for _, path, status, _ in sim.request_log]
    assert len(log) == len(starts)  # one start per request the simulator saw (robots.txt included)
    paused = [i for i, (_, status) in enumerate(log) if status in (429, 503)]
    assert len(paused) >= 5
    for i in paused:
        if i + 1 < len(starts):  # the fake clock stands still during a request: start == answer time
            assert starts[i + 1] - starts[i] >= 7.0, (i, log[i], log[i + 1])
    calm = [i for i, (_, status) in enumerate(log[:-1]) if status == 200]
    assert all(starts[i + 1] == starts[i] for i in calm)  # delay 0: no wait without a reason


def test_robots_is_obeyed(sim):
    with Fetcher(policy()) as f:
        admin = f.fetch(sim.url + "/nczhghcms/admin/login")
        article = f.fetch(sim.truth()["articles"][0]["url"])
    assert admin.error == FetchErrorKind.ROBOTS_DISALLOWED and admin.attempts == 0
    assert article.ok
    paths = [p for _, p, _, _ in sim.request_log]
    assert paths.count("/robots.txt") == 1
    assert not any(p.startswith("/nczhghcms/admin") for p in paths)


def test_off_site_redirect_is_not_followed_and_on_site_one_is(sim):
    article = sim.truth()["articles"][0]["url"]
    with Fetcher(policy()) as f:
        away = f.fetch(sim.url + "/__sim__/redirect?to=" + quote("http://evil.example/x", safe=""))
        home = f.fetch(sim.url + "/__sim__/redirect?status=301&to=" + quote(article, safe=""))
    assert away.error == FetchErrorKind.OFF_SITE_REDIRECT and away.status == 302
    assert away.final_url == "http://evil.example/x" and away.body == b""
    assert home.ok and home.final_url == article and [h.status for h in home.redirects] == [301]
    assert home.body == expected_body(sim, article)


def test_oversized_body_is_an_error(sim):
    with Fetcher(policy(max_body_bytes=1_000_000)) as f:
        big = f.fetch(sim.url + "/__sim__/big?bytes=3000000")  # gzip-coded on the wire: ~30 KB
        fits = f.fetch(sim.url + "/__sim__/big?bytes=900000")
    assert big.error == FetchErrorKind.TOO_LARGE and big.body == b"" and big.attempts == 1
    assert fits.ok and len(fits.body) == 900_000


def test_slow_response_is_a_timeout(sim):
    with Fetcher(policy(read_timeout=0.3, max_attempts=1)) as f:
        r = f.fetch(sim.url + "/__sim__/slow?seconds=2")
    assert r.error == FetchErrorKind.TIMEOUT and r.status is None


def test_conditional_fetch_of_an_article_gives_304(sim):
    url = sim.truth()["articles"][0]["url"]
    with Fetcher(policy()) as f:
        first = f.fetch(url)
        again = f.fetch(url, etag=first.header("ETag"), last_modified=first.header("Last-Modified"))
    assert first.ok and first.header("ETag")
    assert again.status == 304 and again.body == b"" and again.not_modified


def test_per_host_concurrency_is_never_exceeded(sim_factory):
    sim = sim_factory(articles=60, seed=2)
    urls = [a["url"] for a in sim.truth()["articles"]]
    lock = threading.Lock()
    now = [0]
    peak = [0]
    handle = sim.site.handle

    def counting(path, headers):  # server side: requests being answered at once
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        try:
            time.sleep(0.005)  # widen the window so overlap would show
            return handle(path, headers)
        finally:
            with lock:
                now[0] -= 1

    sim.site.handle = counting
    results = []
    with Fetcher(policy(concurrency_per_host=3)) as f:

        def worker(part):
            results.extend(f.fetch(u) for u in part)

        threads = [threading.Thread(target=worker, args=(urls[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        client_peak = f.politeness.max_in_flight(host_key(sim.url))
    assert len(results) == len(urls) and all(r.ok for r in results)
    assert 1 <= peak[0] <= 3 and client_peak <= 3


@pytest.mark.slow
def test_the_simulators_drip_fault_is_cut_by_the_exchange_deadline(sim_factory):
    """A "drip" fault sends the head one byte per 0.25 s: no read waits long enough for the 0.4 s
    read timeout, so only the whole-exchange deadline (connect + read timeout) ends it."""
    sim = sim_factory(articles=20, faults="drip=1.0")
    url = sim.truth()["articles"][0]["url"]
    clock = FakeClock()
    with Fetcher(policy(connect_timeout=0.4, max_attempts=2, obey_robots=False), clock=clock, sleep=clock.sleep,
                 rng=MidRng()) as f:
        r = f.fetch(url)
    assert r.error == FetchErrorKind.TIMEOUT and r.status is None and r.attempts == 2
    assert [kind for _, _, kind in sim.fault_log] == ["drip", "drip"]
