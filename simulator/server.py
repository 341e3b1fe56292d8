"""The simulator's HTTP server: a ThreadingHTTPServer in a background thread, plus /__sim__/ hooks.

Responses are written with one sendall (headers and body together, TCP_NODELAY) so keep-alive
clients do not stall on Nagle/delayed-ACK; that and the per-day page cache give well over 500
article pages per second on two cores.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import struct
import sys
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from simulator.config import SimConfig
from simulator.content import SiteState
from simulator.faults import DRIP_INTERVAL, FaultPlan, parse_faults
from simulator.site import Response, SimSite
from simulator.waf import Waf

REASONS = {
    200: "OK", 302: "Found", 304: "Not Modified", 400: "Bad Request", 404: "Not Found",
    403: "Forbidden", 405: "Method Not Allowed", 429: "Too Many Requests", 500: "Internal Server Error",
    503: "Service Unavailable", 521: "Web Server Is Down",
}
SIM_PREFIX = "/__sim__/"
MAX_BIG = 200_000_000
MAX_LOG = 200_000  # request_log keeps at most this many entries (the newest)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True
    sim: SimServer

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-answer (a killed crawl, a timeout) is normal traffic, not a fault.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 60  # idle keep-alive connections end eventually
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.sim._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sim._track(self.connection, False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        pass

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._dispatch(head=False)

    def _dispatch(self, head: bool) -> None:
        sim = self.server.sim
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.startswith(("http://", "https://")):  # absolute-form request target (RFC 9112 3.2.2)
            rest = self.path.split("/", 3)
            self.path = "/" + (rest[3] if len(rest) > 3 else "")
        if self.path.startswith(SIM_PREFIX):
            resp = sim._sim_endpoint(self.command, self.path, headers)
            sim._log(self.command, self.path, resp.status, headers)  # logged before sending: no race for tests
            self._send(resp, headers, head)
            return
        if sim.waf is not None:
            blocked = sim.waf.answer(self.client_address[0])
            if blocked is not None:
                sim._log(self.command, self.path, blocked.status, headers)
                self._send(blocked, headers, head)
                return
        n, fault = sim.faults.next()
        if fault is not None:
            sim._record_fault(n, self.path, fault)
        if fault == "reset":
            sim._log(self.command, self.path, None, headers)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if fault == "timeout":
            sim._stopping.wait(sim.config.fault_timeout_seconds)
            fault = None
        if fault in ("500", "503", "429"):
            status = int(fault)
            body = f"<html><body><h1>{status} {REASONS[status]}</h1></body></html>\n".encode()
            resp = Response(status, body, "text/html")
            if status != 500:
                resp.headers.append(("Retry-After", str(sim.config.retry_after_seconds)))
        elif fault == "garbage":
            resp = Response(200, _garbage(sim.config.seed, n), "text/html", compressible=False)
        else:
            if self.command not in ("GET", "HEAD"):
                resp = Response(405, b"method not allowed\n", "text/plain", headers=[("Allow", "GET, HEAD")])
            else:
                resp = sim.site.handle(self.path, headers)
        sim._log(self.command, self.path, resp.status, headers)
        self._send(resp, headers, head, truncate=fault == "truncate", drip=fault == "drip")

    def _send(
        self, resp: Response, req_headers: dict[str, str], head: bool, truncate: bool = False, drip: bool = False
    ) -> None:
        body = resp.body
        lines = [f"HTTP/1.1 {resp.status} {REASONS.get(resp.status, 'Unknown')}",
                 f"Date: {formatdate(usegmt=True)}", "Server: nginx"]
        if resp.content_type:
            lines.append(f"Content-Type: {resp.content_type}")
        if resp.status != 304:
            if body and resp.compressible and "gzip" in req_headers.get("accept-encoding", ""):
                body = resp.gzipped()
                lines.append("Content-Encoding: gzip")
            if resp.compressible:
                lines.append("Vary: Accept-Encoding")
            lines.append(f"Content-Length: {len(body) + (max(len(body) // 2, 64) if truncate else 0)}")
        if resp.etag:
            lines.append(f"ETag: {resp.etag}")
        if resp.last_modified:
            lines.append(f"Last-Modified: {resp.last_modified}")
        lines.extend(f"{k}: {v}" for k, v in resp.headers)
        if truncate or self.close_connection:
            lines.append("Connection: close")
            self.close_connection = True
        else:
            lines.append("Connection: keep-alive")
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if head or resp.status == 304:
            payload = head_bytes
        elif truncate:
            payload = head_bytes + body[: len(body) // 2]
        else:
            payload = head_bytes + body
        try:
            if drip:  # the status line and headers one byte at a time, then the rest
                stopping = self.server.sim._stopping
                for i in range(len(head_bytes)):
                    self.wfile.write(head_bytes[i : i + 1])
                    if stopping.wait(DRIP_INTERVAL):
                        self.close_connection = True
                        return
                payload = payload[len(head_bytes) :]
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _garbage(seed: int, n: int) -> bytes:
    out = bytearray()
    block = hashlib.sha512(f"{seed}:garbage:{n}".encode()).digest()
    size = 512 + block[0] * 12
    while len(out) < size:
        block = hashlib.sha512(block).digest()
        out += block
    return bytes(out[:size])


class SimServer:
    """The simulated site over HTTP on a background thread; a context manager.

    >>> with SimServer(SimConfig(articles=60), port=0) as srv:  # doctest: +SKIP
    ...     requests.get(srv.url + "/robots.txt")
    """

    def __init__(self, config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0):
        self.config = config or SimConfig()
        self.site = SimSite(self.config)
        self.faults = FaultPlan(parse_faults(self.config.faults), self.config.seed)
        c = self.config
        self.waf = (
            Waf(c.waf_limit, c.waf_window_seconds, c.waf_block_seconds, c.waf_form_list, c.retry_after_seconds)
            if c.waf_limit > 0 else None
        )
        self.request_log: list[tuple[str, str, int | None, dict[str, str]]] = []
        self.fault_log: list[tuple[int, str, str]] = []  # (request number, path, fault kind)
        self._log_lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd = _Server((host, port), _Handler, bind_and_activate=True)
        self._httpd.sim = self
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def state(self) -> SiteState:
        return self.site.state

    def start(self) -> SimServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                            name=f"ncgh-sim-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        with self._log_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ test hooks

    def advance(self, n: int = 1) -> int:
        """Move the site n days forward; returns the new day."""
        return self.site.advance(n)

    def truth(self, full: bool = False) -> dict:
        return self.site.truth(self.url, full)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._log_lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _log(self, method: str, path: str, status: int | None, headers: dict[str, str]) -> None:
        with self._log_lock:
            self.request_log.append((method, path, status, headers))
            if len(self.request_log) > MAX_LOG:  # a long `ncgh sim` run must not grow without bound
                del self.request_log[: MAX_LOG // 2]

    def _record_fault(self, n: int, path: str, kind: str) -> None:
        with self._log_lock:
            self.fault_log.append((n, path, kind))

    def _sim_endpoint(self, method: str, raw_path: str, headers: dict[str, str]) -> Response:
        parts = urlsplit(raw_path)
        q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        name = parts.path[len(SIM_PREFIX):].strip("/")
        try:
            if name == "advance":
                if method != "POST":
                    return _json(405, {"error": "POST /__sim__/advance?days=N"})
                days = int(q.get("days", q.get("n", "1")))
                return _json(200, {"day": self.advance(days)})
            if name == "truth":
                host = headers.get("host") or f"{self._httpd.server_address[0]}:{self.port}"
                full = q.get("full", "0") not in ("0", "", "false")
                return _json(200, self.site.truth(f"http://{host}", full))
            if name == "redirect":
                status = int(q.get("status", "302"))
                return Response(status, b"", "text/html", headers=[("Location", q["to"])])
            if name == "big":
                size = int(q.get("bytes", "1000000"))
                if not 0 <= size <= MAX_BIG:
                    raise ValueError(f"bytes must be between 0 and {MAX_BIG}")
                return Response(200, _big_page(size), "text/html; charset=utf-8")
            if name == "slow":
                seconds = float(q.get("seconds", "1"))
                self._stopping.wait(max(0.0, min(seconds, 600.0)))
                return Response(200, b"<html><body><p>slow</p></body></html>\n", "text/html; charset=utf-8")
        except (KeyError, ValueError) as exc:
            return _json(400, {"error": f"bad parameter: {exc}"})
        return _json(404, {"error": f"unknown simulator endpoint {parts.path}"})


def _json(status: int, obj: object) -> Response:
    return Response(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")


def _big_page(size: int) -> bytes:
    head, tail = b"<html><body><p>", b"</p></body></html>\n"
    if size <= len(head) + len(tail):
        return (b"x" * size)
    filler = (b"0123456789abcdef" * (size // 16 + 1))[: size - len(head) - len(tail)]
    return head + filler + tail
