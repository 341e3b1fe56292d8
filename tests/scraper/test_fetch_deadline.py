"""One wall-clock deadline per request over the whole exchange (issue 13 item 3): a server that
drips its status line or headers one byte at a time never trips requests' per-read timeout, and used
to hold a fetching thread (and a crawl's shutdown) for ever."""

from __future__ import annotations

import threading
import time

import pytest

from scraper.fetch import Fetcher, FetchPolicy
from scraper.records import FetchErrorKind
from tests.support.fetch import UA, FakeClock, LocalServer, MidRng

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nX-Padding: " + b"p" * 400 + b"\r\n\r\nok"


class Dripper:
    """A route that sends HEAD one byte every `interval` seconds (for at most `limit` seconds) and
    records whether the client closed the connection while it was still dripping."""

    def __init__(self, server: LocalServer, path: str, start_at: int = 0, interval: float = 0.05, limit: float = 60):
        self.closed_by_client = threading.Event()
        self.finished = threading.Event()
        self.connections = 0
        self.head_sent = False  # the whole status line and header section went out

        @server.route(path)
        def _(h):
            self.connections += 1
            try:
                h.wfile.write(HEAD[:start_at])
                h.wfile.flush()
                end = time.monotonic() + limit
                for i in range(start_at, len(HEAD)):
                    if time.monotonic() > end:
                        break
                    if HEAD[i - 3 : i + 1] == b"\r\n\r\n":
                        self.head_sent = True
                    h.wfile.write(HEAD[i : i + 1])
                    h.wfile.flush()
                    time.sleep(interval)
            except OSError:  # BrokenPipe / ConnectionReset: the client hung up
                self.closed_by_client.set()
            finally:
                self.finished.set()
            h.close_connection = True


def _fetcher(**kw) -> Fetcher:
    clock = FakeClock()
    values = dict(user_agent=UA, allowed_hosts=("127.0.0.1",), delay=0, max_attempts=1, obey_robots=False,
                  connect_timeout=0.5, read_timeout=0.5)
    values.update(kw)
    return Fetcher(FetchPolicy(**values), clock=clock, sleep=clock.sleep, rng=MidRng())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("what", "start_at"),
    [("status line", 0), ("headers", HEAD.index(b"X-Padding"))],
)
def test_a_dripping_status_line_or_header_section_is_a_timeout(server, what, start_at):
    drip = Dripper(server, "/drip", start_at=start_at)
    with _fetcher() as f:
        r = f.fetch(server.base + "/drip")
    assert r.error == FetchErrorKind.TIMEOUT and r.status is None and r.body == b"", what
    assert "not complete within 1 s" in (r.error_detail or "")
    assert drip.finished.wait(30)  # the server's handler ended ...
    assert drip.closed_by_client.is_set()  # ... because we closed the connection, not because it finished
    assert not drip.head_sent  # and we did so while the head was still dripping


@pytest.mark.slow
def test_a_dripping_header_section_is_retried_like_any_timeout(server):
    drip = Dripper(server, "/drip", start_at=HEAD.index(b"X-Padding"))
    with _fetcher(max_attempts=2) as f:
        r = f.fetch(server.base + "/drip")
    assert r.error == FetchErrorKind.TIMEOUT and r.attempts == 2
    assert drip.finished.wait(30) and drip.connections == 2


def test_stop_cuts_a_fetch_blocked_on_a_dripping_server_and_refuses_the_rest(server):
    drip = Dripper(server, "/drip", interval=0.05)
    results = []
    with _fetcher(read_timeout=60, connect_timeout=60, max_attempts=4) as f:
        worker = threading.Thread(target=lambda: results.append(f.fetch(server.base + "/drip")), daemon=True)
        worker.start()
        while drip.connections == 0:
            time.sleep(0.01)
        f.stop()
        worker.join(30)
        assert not worker.is_alive()
        later = f.fetch(server.base + "/drip")
    assert [r.error for r in results] == [FetchErrorKind.STOPPED]
    assert results[0].attempts == 1  # the cut attempt is not retried
    assert later.error == FetchErrorKind.STOPPED and later.attempts == 0
    assert drip.finished.wait(30) and drip.closed_by_client.is_set() and not drip.head_sent
    assert drip.connections == 1


@pytest.mark.slow
def test_the_deadline_holds_through_an_http_proxy(server, monkeypatch):
    """The proxy's connection pools are the deadline's too: a proxy that drips the answer is cut,
    and a proxy that answers is used."""
    monkeypatch.setenv("http_proxy", server.base)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    drip = Dripper(server, "http://site.example/drip")

    @server.route("http://site.example/ok")
    def _(h):
        h.send_response(200)
        h.send_header("Content-Length", "2")
        h.end_headers()
        h.wfile.write(b"ok")

    with _fetcher(allowed_hosts=("site.example",)) as f:
        ok = f.fetch("http://site.example/ok")
        cut = f.fetch("http://site.example/drip")
    assert ok.ok and ok.body == b"ok"
    assert cut.error == FetchErrorKind.TIMEOUT and cut.status is None
    assert drip.finished.wait(30) and drip.closed_by_client.is_set() and not drip.head_sent


def test_the_watchdog_is_woken_only_by_a_deadline_earlier_than_its_first():
    """Waking the watchdog thread on every request (each one's deadline is later than the first)
    handed it the GIL once per fetch; an earlier deadline must still wake it and fire on time."""
    from scraper.deadline import Watchdog

    dog = Watchdog()
    first = dog.schedule(60, lambda: None)
    wakes: list[int] = []
    notify = dog._cond.notify
    dog._cond.notify = lambda *a: (wakes.append(1), notify(*a))  # type: ignore[method-assign]
    later = [dog.schedule(60, lambda: None) for _ in range(20)]
    assert wakes == []
    fired = threading.Event()
    dog.schedule(0.05, fired.set)
    assert wakes == [1]
    assert fired.wait(5), "an earlier deadline fired on time"
    for ticket in [first, *later]:
        dog.cancel(ticket)
    assert dog.pending() == 0


def test_no_cut_runs_after_the_exchange_finished():
    """The watchdog's cuts read the connection's socket when they run; one that ran after finish()
    shut down the socket the same connection opened for a retry (seen as a flaky "Remote end closed
    connection without response" on the second attempt under load). finish() waits for them."""
    from scraper.deadline import Exchange

    exchange = Exchange(60)
    first_running = threading.Event()
    finished = threading.Event()
    cut_after_finish = []

    def slow_cut() -> None:
        first_running.set()
        time.sleep(0.3)  # the watchdog thread descheduled between two cuts

    exchange.attach(slow_cut)
    exchange.attach(lambda: cut_after_finish.append(finished.is_set()))
    with exchange:
        watchdog = threading.Thread(target=exchange.cut_all)
        watchdog.start()
        assert first_running.wait(5)
    finished.set()  # __exit__ (finish) returned: the connection may be reused now
    watchdog.join(5)
    assert cut_after_finish == [False]
