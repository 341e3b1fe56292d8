"""An answer whose framing HTTP forbids is a protocol error of its own, not `invalid_url` (issue 13,
item 13): two Content-Length headers that disagree leave no way to know where the body ends
(RFC 9112 6.3: the client must discard such a response and close the connection)."""

from __future__ import annotations

from scraper.fetch import Fetcher, FetchPolicy
from scraper.records import FetchErrorKind
from tests.support.fetch import UA, FakeClock, MidRng


def _conflicting_lengths(h) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "5")
    h.send_header("Content-Length", "7")
    h.end_headers()
    h.wfile.write(b"hello!!")
    h.close_connection = True


def test_conflicting_content_lengths_are_a_retried_protocol_error(server):
    server.route("/cl")(_conflicting_lengths)
    clock = FakeClock()
    policy = FetchPolicy(user_agent=UA, allowed_hosts=("127.0.0.1",), delay=0, max_attempts=3, obey_robots=False)
    with Fetcher(policy, clock=clock, sleep=clock.sleep, rng=MidRng()) as f:
        r = f.fetch(server.base + "/cl")
    assert r.error == FetchErrorKind.PROTOCOL and r.body == b""
    assert "Content-Length" in (r.error_detail or "")
    assert r.attempts == 3 and server.paths() == ["/cl"] * 3  # retried like a broken body
    assert clock.sleeps == [1.0, 2.0]


def test_a_bad_request_header_of_our_own_is_not_blamed_on_the_server(server):
    """requests raises the same InvalidHeader for a header we would send; that is our configuration,
    so it stays invalid_url-like (no request is made), never a protocol error of the site."""
    clock = FakeClock()
    policy = FetchPolicy(user_agent="bad\nagent", allowed_hosts=("127.0.0.1",), delay=0, max_attempts=1,
                         obey_robots=False)
    with Fetcher(policy, clock=clock, sleep=clock.sleep, rng=MidRng()) as f:
        r = f.fetch(server.base + "/x")
    assert r.error != FetchErrorKind.PROTOCOL and server.paths() == []
