"""Test helpers for the fetcher: a tiny routable HTTP server on 127.0.0.1, a fake clock, a fixed rng.

The server lets a test answer each path with exact bytes (duplicate headers, a short body, a broken
gzip stream, a Retry-After date), which a full site simulator would not offer so precisely.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable

from scraper.fetch import Fetcher, FetchPolicy

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]
UA = "ncgh-archive-test/1 (+mailto:test@example.invalid)"


class FakeClock:
    """Monotonic clock that only moves when the code under test sleeps; records every sleep."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


class MidRng:
    """uniform(a, b) always returns the midpoint, so every jitter factor is exactly 1.0."""

    def uniform(self, a: float, b: float) -> float:
        return (a + b) / 2


def send(
    h: http.server.BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
    content_length: bool = True,
) -> None:
    if any(key.lower() == "date" for key, _ in headers or []):
        h.send_response_only(status)  # the test sets its own Date
    else:
        h.send_response(status)
    for key, value in headers or []:
        h.send_header(key, value)
    if content_length:
        h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


class LocalServer:
    """HTTP/1.1 server whose paths are answered by per-test handlers; logs every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        outer = self

        class _H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with outer._lock:
                    outer.requests.append((self.path, dict(self.headers.items())))
                    outer.in_flight += 1
                    outer.max_in_flight = max(outer.max_in_flight, outer.in_flight)
                try:
                    handler = outer.routes.get(self.path.split("?")[0])
                    if handler is None:
                        send(self, 404, b"not found")
                    else:
                        handler(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with outer._lock:
                        outer.in_flight -= 1

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.host = f"127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def route(self, path: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.routes[path] = fn
            return fn

        return deco

    def paths(self) -> list[str]:
        with self._lock:
            return [p for p, _ in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def local_policy(**kw: object) -> FetchPolicy:
    """A FetchPolicy for the loopback host only, no delay, three attempts; `kw` overrides any field."""
    values: dict[str, object] = dict(
        user_agent=UA,
        allowed_hosts=("127.0.0.1",),
        delay=0.0,
        max_attempts=3,
        connect_timeout=2.0,
        read_timeout=5.0,
    )
    values.update(kw)
    return FetchPolicy(**values)


def make_fetcher(server: LocalServer, clock: FakeClock | None = None, **kw: object) -> Fetcher:
    """A Fetcher for `server` only, no delay, robots not asked, three attempts, on a fake clock;
    `kw` overrides any FetchPolicy field."""
    clock = clock or FakeClock()
    return Fetcher(local_policy(**{"obey_robots": False, **kw}), clock=clock, sleep=clock.sleep, rng=MidRng())
