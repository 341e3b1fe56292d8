"""The allow-list judges the host the HTTP client connects to, not a second reading of the URL text
(issue 13 item 2): `Location: http://OTHER\\@allowed/` once passed the check (urlsplit reads the host
after the last '@') while requests connected to OTHER."""

from __future__ import annotations

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.fetch import Fetcher, FetchPolicy
from scraper.hosts import client_target, join_link, parse_host_entry
from scraper.records import FetchErrorKind
from tests.support.fetch import UA, FakeClock, LocalServer, MidRng, send


@pytest.fixture
def two_servers():
    allowed, other = LocalServer(), LocalServer()
    yield allowed, other
    allowed.close()
    other.close()


def _fetcher(allowed_hosts: tuple[str, ...]) -> Fetcher:
    clock = FakeClock()
    policy = FetchPolicy(user_agent=UA, allowed_hosts=allowed_hosts, delay=0, max_attempts=1, obey_robots=False)
    return Fetcher(policy, clock=clock, sleep=clock.sleep, rng=MidRng())


@pytest.mark.parametrize(
    "location",
    [
        "http://{other}\\@{allowed}/",
        "http://{other}\\@{allowed}/x",
        "http://{other}/\\@{allowed}/",
        "\\\\{other}\\x",  # a browser reads this as //OTHER/x
        "http://u@{other}/",
        "http://{allowed_host}@{other}/",
        "http://{other}%40{allowed}/",
        "http://x@{allowed}/",  # userinfo is refused even towards the allowed host
    ],
)
def test_a_redirect_never_reaches_a_host_outside_the_allow_list(two_servers, location):
    """Two loopback servers: the allowed one redirects, the one playing OTHER (same address, another
    port, so only the port tells them apart) must receive no request."""
    allowed, other = two_servers
    target = location.format(other=other.host, allowed=allowed.host, allowed_host="127.0.0.1")

    @allowed.route("/go")
    def _(h):
        send(h, 302, b"", [("Location", target)])

    @other.route("/")
    def _(h):
        send(h, 200, b"stolen")

    @other.route("/x")
    def _(h):
        send(h, 200, b"stolen")

    with _fetcher((allowed.host,)) as f:
        r = f.fetch(allowed.base + "/go")
    assert other.requests == []
    assert r.error == FetchErrorKind.OFF_SITE_REDIRECT and r.status == 302 and r.body == b""
    assert allowed.paths() == ["/go"]


def test_a_redirect_with_a_backslash_is_followed_where_a_browser_would_go(two_servers):
    allowed, _ = two_servers

    @allowed.route("/go")
    def _(h):
        send(h, 302, b"", [("Location", "\\new\\page")])

    @allowed.route("/new/page")
    def _(h):
        send(h, 200, b"here")

    with _fetcher((allowed.host,)) as f:
        r = f.fetch(allowed.base + "/go")
    assert r.ok and r.body == b"here" and r.final_url == allowed.base + "/new/page"


@pytest.mark.parametrize(
    "url", ["http://user@127.0.0.1/", "http://a\\@127.0.0.1/", "http://127.0.0.1:1\\@127.0.0.1:2/"]
)
def test_urls_with_userinfo_or_a_hidden_host_are_refused_before_any_request(url):
    with _fetcher(("127.0.0.1:2",)) as f:
        r = f.fetch(url)
    assert r.error == FetchErrorKind.INVALID_URL and r.attempts == 0


@pytest.mark.parametrize(
    ("base", "ref", "expected"),
    [
        ("http://h/a/b", "c", "http://h/a/c"),
        ("http://h/a/b", "\\c\\d?x=\\y", "http://h/c/d?x=\\y"),  # the query keeps its backslashes
        ("http://h/a/b", " \t/c\n ", "http://h/c"),
        ("http://h/a/b", "http://o\\@h/", "http://o/@h/"),
        ("http://h/a/b", "http://u@h/", None),
        ("http://h/a/b", "javascript:void(0)", None),
        ("http://h/a/b", "http://h:99999/", None),
    ],
)
def test_join_link_reads_a_link_as_a_browser_does(base, ref, expected):
    assert join_link(base, ref) == expected


# -- property: "allowed" only when the client really connects to an allowed host:port ---------------

ALLOWED = ("www.ncgh.org.cn", "ncgh.org.cn", "171.34.90.220:8081", "[::1]:8080", "中文.cn")
ALLOWED_PARSED = tuple(parse_host_entry(e) for e in ALLOWED)
ALLOWED_PAIRS = {(h, p) for h, p in ALLOWED_PARSED}

_hosts = st.sampled_from(
    ["www.ncgh.org.cn", "WWW.NCGH.ORG.CN", "ncgh.org.cn.", "evil.example", "171.34.90.220", "[::1]",
     "[::ffff:127.0.0.1]", "127.0.0.1", "中文.cn", "xn--fiq228c.cn", "ncgh.org.cn\t", "nc\ngh.org.cn", ""]
)
_ports = st.sampled_from(["", ":80", ":8081", ":8080", ":0080", ":", ":99999", ":x"])
_piece = st.sampled_from(["\\", "@", "%40", "/", "\t", "\n", ":", "#", "?", "%5C", "evil.example", "u:p"])


@st.composite
def hostile_urls(draw) -> str:
    parts = [draw(st.sampled_from(["http://", "https://", "HTTP://", "http:\\\\", "//", "ftp://"]))]
    for _ in range(draw(st.sampled_from([1, 1, 2, 3]))):
        if draw(st.booleans()):
            parts.append(draw(_piece))
        parts.append(draw(_hosts) + draw(_ports))
    parts.append(draw(st.sampled_from(["/", "/x", "\\x", "", "?q=@evil.example", "#@evil.example"])))
    return "".join(parts)


def _connects_to(url: str) -> tuple[str, int] | None:
    """The (host, port) requests' adapter really opens a pool for, asked of requests itself."""
    session = requests.Session()
    try:
        prepared = session.prepare_request(requests.Request("GET", url))
        pool = session.get_adapter(prepared.url).get_connection_with_tls_context(prepared, verify=True)
    except Exception:  # anything requests refuses is no connection at all
        return None
    finally:
        session.close()
    return pool.host.lower().strip("[]"), pool.port


def _allowed_pair(pair: tuple[str, int]) -> bool:
    host, port = pair
    return any(host == h and (p is None or p == port) for h, p in ALLOWED_PAIRS)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_urls(), st.sampled_from(["http://www.ncgh.org.cn/a/b", "http://[::1]:8080/x"]))
def test_allowed_only_when_the_client_connects_to_an_allowed_host(url, base):
    policy = FetchPolicy(user_agent=UA, allowed_hosts=ALLOWED)
    if policy.allows_url(url):
        real = _connects_to(url)
        assert real is not None and _allowed_pair(real), (url, real)
        target = client_target(url)
        assert (target.host, target.port) == real
    joined = join_link(base, url)
    if joined is not None and policy.allows_url(joined):
        real = _connects_to(joined)
        assert real is not None and _allowed_pair(real), (url, joined, real)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_judged_without_an_exception(text):
    policy = FetchPolicy(user_agent=UA, allowed_hosts=ALLOWED)
    if policy.allows_url(text):
        real = _connects_to(text)
        assert real is not None and _allowed_pair(real)
    join_link("http://www.ncgh.org.cn/", text)


# -- discovered links: the list page's next link is read by the same rule ----------------------------


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("?pageNum=3", "http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=3"),
        ("http://ncgh.org.cn/nczhghcms/category/3?pageNum=3", "http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=3"),
        ("http://u@www.ncgh.org.cn/nczhghcms/category/3?pageNum=3", None),
        ("http://u:p@ncgh.org.cn/nczhghcms/category/3?pageNum=3", None),
    ],
)
def test_a_list_pages_next_link_is_followed_only_when_unambiguous(href, expected):
    from archive.vocab import WorkKind
    from ncgh.config import load_config
    from ncgh.discovery import Discovery
    from scraper.hubs import parse_list_page

    url = "http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=2"
    html = f'<html><body><div class="pagination"><a class="next" href="{href}">下一页</a></div></body></html>'
    page = parse_list_page(html.encode(), url)
    discovery = Discovery(load_config(), "http://www.ncgh.org.cn", "full", set())
    outcome = discovery.after_page(WorkKind.LIST, url, page)
    queued = [item.url for item in outcome.items if item.kind == WorkKind.LIST]
    assert queued == ([expected] if expected else [])
    assert outcome.stopped == (expected is None)
