"""robots.txt: parsing, the RFC 9309 mapping of fetch outcomes, and how the Fetcher obeys it."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime

import pytest

from scraper.fetch import Fetcher, FetchPolicy
from scraper.records import FetchErrorKind, FetchResult
from scraper.robots import ROBOTS_MAX_BYTES, parse_robots, rules_from_fetch
from tests.support.fetch import FakeClock, LocalServer, MidRng, send

UA = "ncgh-archive/0.1 (+https://example.invalid; archive@example.invalid)"
SITE_ROBOTS = b"User-agent: *\nDisallow: /nczhghcms/admin/\n"


def test_most_specific_rule_wins_and_groups_match_our_product_token():
    rules = parse_robots(
        "http://h/robots.txt",
        b"User-agent: *\nDisallow: /\n\n"
        b"User-agent: ncgh-archive\nDisallow: /nczhghcms/\nAllow: /nczhghcms/article/\n"
        b"Disallow: /*.php$\n",
    )
    assert rules.allows("http://h/nczhghcms/article/868", UA)
    assert not rules.allows("http://h/nczhghcms/category/3?pageNum=1", UA)
    assert not rules.allows("http://h/x/list.php", UA)
    assert rules.allows("http://h/x/list.php?id=1", UA)
    assert rules.allows("http://h/other", UA)  # our group, not the * group, applies
    assert not rules.allows("http://h/other", "SomeoneElse/1.0")
    assert rules.allows("http://h/robots.txt", "SomeoneElse/1.0")


def test_bom_and_bad_utf8_do_not_break_parsing():
    rules = parse_robots("http://h/robots.txt", b"\xef\xbb\xbfUser-agent: *\nDisallow: /a\xff\nDisallow: /b\n")
    assert not rules.allows("http://h/b", UA)
    assert rules.allows("http://h/c", UA)


def test_crawl_delay_is_read():
    rules = parse_robots("http://h/robots.txt", b"User-agent: *\nCrawl-delay: 2.5\nDisallow:\n")
    assert rules.crawl_delay(UA) == 2.5


def _result(status, body=b"", error=None, final_url="http://h/robots.txt"):
    return FetchResult(
        url="http://h/robots.txt",
        final_url=final_url,
        status=status,
        headers=[],
        body=body,
        fetched_at=datetime.now(UTC),
        elapsed=0.0,
        attempts=1,
        error=error,
    )


@pytest.mark.parametrize(
    "status,error,mode",
    [
        (200, None, "parsed"),
        (404, FetchErrorKind.HTTP_STATUS, "allow_all"),
        (410, FetchErrorKind.HTTP_STATUS, "allow_all"),
        (401, FetchErrorKind.HTTP_STATUS, "allow_all"),
        (403, FetchErrorKind.HTTP_STATUS, "allow_all"),
        (429, FetchErrorKind.HTTP_STATUS, "disallow_all"),
        (500, FetchErrorKind.HTTP_STATUS, "disallow_all"),
        (503, FetchErrorKind.HTTP_STATUS, "disallow_all"),
        (None, FetchErrorKind.CONNECTION, "disallow_all"),
        (None, FetchErrorKind.TIMEOUT, "disallow_all"),
        (200, FetchErrorKind.TRUNCATED, "disallow_all"),
        (302, FetchErrorKind.TOO_MANY_REDIRECTS, "allow_all"),
        (302, FetchErrorKind.OFF_SITE_REDIRECT, "disallow_all"),
    ],
)
def test_fetch_outcomes_map_to_rfc9309_rules(status, error, mode):
    rules = rules_from_fetch(_result(status, SITE_ROBOTS if status == 200 else b"", error))
    assert rules.mode == mode
    expected_allowed = mode != "disallow_all"
    assert rules.allows("http://h/nczhghcms/article/1", UA) is expected_allowed


# -- the Fetcher obeying robots.txt --------------------------------------------------------------------


@pytest.fixture
def server():
    s = LocalServer()

    @s.route("/nczhghcms/article/1")
    def _(h):
        send(h, 200, b"article")

    @s.route("/nczhghcms/admin/panel")
    def _(h):
        send(h, 200, b"secret")

    yield s
    s.close()


def make(clock=None, **kw):
    clock = clock or FakeClock()
    values = dict(user_agent=UA, allowed_hosts=("127.0.0.1",), delay=0.0, max_attempts=3)
    values.update(kw)
    return Fetcher(FetchPolicy(**values), clock=clock, sleep=clock.sleep, rng=MidRng())


def test_disallowed_url_is_not_requested_and_robots_fetched_once(server):
    server.route("/robots.txt")(lambda h: send(h, 200, SITE_ROBOTS))
    with make() as f:
        ok = f.fetch(server.base + "/nczhghcms/article/1")
        refused = f.fetch(server.base + "/nczhghcms/admin/panel")
        again = f.fetch(server.base + "/nczhghcms/article/1")
    assert ok.ok and again.ok
    assert refused.error == FetchErrorKind.ROBOTS_DISALLOWED
    assert refused.attempts == 0 and refused.status is None and refused.body == b""
    assert "robots.txt" in refused.error_detail
    assert server.paths() == ["/robots.txt", "/nczhghcms/article/1", "/nczhghcms/article/1"]


def test_robots_is_fetched_once_even_when_threads_race(server):
    server.route("/robots.txt")(lambda h: send(h, 200, SITE_ROBOTS))
    policy = FetchPolicy(user_agent=UA, allowed_hosts=("127.0.0.1",), delay=0, concurrency_per_host=4)
    with Fetcher(policy) as f:
        threads = [
            threading.Thread(target=f.fetch, args=(server.base + "/nczhghcms/article/1",)) for _ in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert server.paths().count("/robots.txt") == 1
    assert server.paths().count("/nczhghcms/article/1") == 8


def test_missing_robots_allows_everything(server):
    with make() as f:  # LocalServer answers 404 for unrouted paths
        r = f.fetch(server.base + "/nczhghcms/admin/panel")
    assert r.ok and r.body == b"secret"


def test_robots_5xx_disallows_everything_after_retrying(server):
    server.route("/robots.txt")(lambda h: send(h, 503, b"down"))
    clock = FakeClock()
    with make(clock) as f:
        r = f.fetch(server.base + "/nczhghcms/article/1")
        r2 = f.fetch(server.base + "/nczhghcms/article/1")
    assert r.error == FetchErrorKind.ROBOTS_DISALLOWED and r2.error == FetchErrorKind.ROBOTS_DISALLOWED
    assert "503" in r.error_detail and "disallow all" in r.error_detail
    assert server.paths() == ["/robots.txt"] * 3  # retried like any fetch, then never asked again
    assert clock.sleeps == [1.0, 2.0]


def test_robots_txt_without_any_answer_is_reported_as_the_failure_it_is():
    # Nothing listens: nothing may be fetched (unreachable, RFC 9309), but the site did not disallow
    # anything, so the result says connection, not robots_disallowed, and the URL is never requested.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with make(FakeClock(), max_attempts=1) as f:
        r = f.fetch(f"http://127.0.0.1:{port}/nczhghcms/article/1")
    assert r.error == FetchErrorKind.CONNECTION and r.status is None and r.attempts == 0
    assert "robots.txt unreachable" in r.error_detail


def test_obey_robots_false_never_asks(server):
    server.route("/robots.txt")(lambda h: send(h, 200, b"User-agent: *\nDisallow: /\n"))
    with make(obey_robots=False) as f:
        r = f.fetch(server.base + "/nczhghcms/admin/panel")
    assert r.ok and server.paths() == ["/nczhghcms/admin/panel"]


def test_redirect_into_a_disallowed_path_is_refused_before_the_request(server):
    server.route("/robots.txt")(lambda h: send(h, 200, SITE_ROBOTS))
    server.route("/go")(lambda h: send(h, 302, b"", [("Location", "/nczhghcms/admin/panel")]))
    with make() as f:
        r = f.fetch(server.base + "/go")
    assert r.error == FetchErrorKind.ROBOTS_DISALLOWED
    assert r.final_url == server.base + "/nczhghcms/admin/panel" and len(r.redirects) == 1
    assert "/nczhghcms/admin/panel" not in server.paths()


def test_crawl_delay_raises_the_per_host_delay(server):
    server.route("/robots.txt")(lambda h: send(h, 200, b"User-agent: *\nCrawl-delay: 5\n"))
    clock = FakeClock()
    with make(clock, delay=1.0) as f:
        for _ in range(3):
            assert f.fetch(server.base + "/nczhghcms/article/1").ok
    # robots.txt itself started before the Crawl-delay was known: 1 s after it, then 5 s each
    assert clock.sleeps == [1.0, 5.0, 5.0]


def test_only_the_first_500_kib_of_robots_count(server):
    filler = b"# " + b"x" * 1000 + b"\n"
    body = b"User-agent: *\nDisallow: /nczhghcms/admin/\n" + filler * (ROBOTS_MAX_BYTES // len(filler) + 10)
    body += b"Disallow: /nczhghcms/article/\n"
    server.route("/robots.txt")(lambda h: send(h, 200, body))
    with make() as f:
        assert f.fetch(server.base + "/nczhghcms/article/1").ok
        assert f.fetch(server.base + "/nczhghcms/admin/panel").error == FetchErrorKind.ROBOTS_DISALLOWED


def test_robots_redirect_off_site_disallows_with_a_hint(server):
    server.route("/robots.txt")(lambda h: send(h, 301, b"", [("Location", "http://cdn.example/robots.txt")]))
    with make() as f:
        r = f.fetch(server.base + "/nczhghcms/article/1")
    assert r.error == FetchErrorKind.ROBOTS_DISALLOWED and "cdn.example" in r.error_detail
