"""One wall-clock deadline over a whole HTTP exchange (connect, status line, headers, body).

requests' timeouts bound each socket read, so a server dripping its status line or headers a byte
at a time would hold a fetching thread for ever. An Exchange schedules its deadline on one shared
watchdog thread; the connection in use registers itself (the Deadline* connection classes, installed
by scraper.connections) and is shut down when the deadline passes or the fetcher is stopped.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Callable

import urllib3.connection
import urllib3.connectionpool


class Watchdog:
    """One daemon thread that runs callbacks at deadlines (real time): cheaper than a Timer thread
    per request, which costs a thread start on every fetch. Cancelled entries drop their callback at
    once (so finished responses are not kept alive) and the heap is compacted when mostly dead."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[list] = []  # [deadline, ticket, callback or None when cancelled]
        self._live: dict[int, list] = {}
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, seconds: float, fn: Callable[[], None]) -> int:
        ticket = next(self._seq)
        entry = [time.monotonic() + seconds, ticket, fn]
        with self._cond:
            heapq.heappush(self._heap, entry)
            self._live[ticket] = entry
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ncgh-fetch-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0] is entry:
                # Wake the thread only when it must wait less than it does now: every request has
                # the same timeout, so a new deadline is nearly always later than the first one, and
                # waking the watchdog (and handing it the GIL) on every request cost a fast crawl
                # about a quarter of its fetching threads' time.
                self._cond.notify()
        return ticket

    def cancel(self, ticket: int) -> None:
        with self._cond:
            entry = self._live.pop(ticket, None)
            if entry is not None:
                entry[2] = None
            if len(self._heap) > 1000 and len(self._heap) > 4 * len(self._live):
                self._heap = [e for e in self._heap if e[2] is not None]
                heapq.heapify(self._heap)

    def pending(self) -> int:
        """Callbacks still scheduled (for tests)."""
        with self._cond:
            return len(self._live)

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    while self._heap and self._heap[0][2] is None:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._cond.wait()
                        continue
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        entry = heapq.heappop(self._heap)
                        fn = entry[2]
                        self._live.pop(entry[1], None)
                        break
                    self._cond.wait(wait)
            with contextlib.suppress(Exception):  # a failing callback must not stop the watchdog
                fn()


WATCHDOG = Watchdog()

_CURRENT = threading.local()  # the Exchange the calling thread is running, if any


class Exchange:
    """One request's wall-clock deadline over the whole exchange: connect, status line, headers, body.

    requests' `timeout` bounds each socket read, so a server sending one byte of its status line every
    few seconds never trips it and holds the fetching thread (and a crawl's shutdown) for ever. The
    connection in use registers itself here (DeadlineHTTPConnection, installed by scraper.connections);
    when the deadline passes, the watchdog shuts its socket down, the blocked read returns at once,
    and the fetcher reports a timeout. cut_all() does the same on demand (a crawl being stopped).
    Used as a context manager in the fetching thread; finish() before the connection is reused.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = threading.Event()
        self._lock = threading.Lock()
        self._done = False
        self._cuts: list[Callable[[], None]] = []
        self._ticket: int | None = None

    def __enter__(self) -> Exchange:
        self._ticket = WATCHDOG.schedule(self.seconds, self._expire)
        _CURRENT.exchange = self
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()

    def attach(self, cut: Callable[[], None]) -> None:
        """Register how to cut the connection in use (called at once when already expired)."""
        with self._lock:
            if self._done:
                return
            if not self.expired.is_set():
                self._cuts.append(cut)
                return
        with contextlib.suppress(Exception):
            cut()

    def _expire(self) -> None:
        # The cuts run under the lock, so finish() waits for them: a cut reads the connection's
        # socket when it runs, and one that ran after finish() would shut down the socket the same
        # connection object opened for the next request (a retry failed as "Remote end closed").
        with self._lock:  # never cut a connection that is already finished (and maybe reused)
            if self._done:
                return
            self.expired.set()
            for cut in self._cuts:
                with contextlib.suppress(Exception):  # already closed: nothing left to cut
                    cut()

    def cut_all(self) -> None:
        """Expire now (a stop request): the blocked read returns, the fetch ends as a timeout."""
        self._expire()

    def finish(self) -> bool:
        """End the exchange: nothing is cut after this. True when it had expired (the connection
        may have been shut down and must not be reused)."""
        with self._lock:
            was_done, self._done = self._done, True
            self._cuts.clear()
        if not was_done:
            if self._ticket is not None:
                WATCHDOG.cancel(self._ticket)
            if getattr(_CURRENT, "exchange", None) is self:
                _CURRENT.exchange = None
        return self.expired.is_set()


def _attach_connection(conn: object) -> None:
    exchange = getattr(_CURRENT, "exchange", None)
    if exchange is None:
        return

    def cut() -> None:
        sock = getattr(conn, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    exchange.attach(cut)


class _Deadlined:
    """Mixed into urllib3's connections: register with the calling thread's Exchange on connect and
    on every request (a kept-alive connection is reused without a new connect)."""

    def connect(self) -> None:
        _attach_connection(self)
        super().connect()  # type: ignore[misc]
        _attach_connection(self)  # the socket exists now; cut at once if the deadline already passed

    def request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - urllib3's signature
        _attach_connection(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


class DeadlineHTTPConnection(_Deadlined, urllib3.connection.HTTPConnection):
    """urllib3's HTTP connection under the Exchange deadline."""


class DeadlineHTTPSConnection(_Deadlined, urllib3.connection.HTTPSConnection):
    """urllib3's HTTPS connection under the Exchange deadline."""


class DeadlineHTTPConnectionPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSConnectionPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


DEADLINE_POOL_CLASSES = {"http": DeadlineHTTPConnectionPool, "https": DeadlineHTTPSConnectionPool}
