"""Polite, retrying, size-capped HTTP fetcher: the only code that talks to the site.

Every fetch ends in a FetchResult, never an exception: an archive run must be able to record what went
wrong with one URL and carry on. The rules (see docs/fetching.md):
- per host: at most `concurrency_per_host` requests in flight and `delay * uniform(0.5, 1.5)` between
  request starts (scraper.politeness); a 429/503 Retry-After pauses the whole host;
- robots.txt is fetched once per origin per Fetcher and obeyed (scraper.robots);
- redirects are followed by hand, only to allowed hosts, each hop recorded;
- retries with exponential backoff and jitter on connection errors, timeouts, broken bodies, 408, 429
  and 5xx, honouring Retry-After up to `retry_after_max`;
- bodies are streamed and decompressed here with a hard cap, so a gzip bomb costs at most the cap; a
  body shorter than announced or a broken gzip stream is an error, never a silently short capture.

Each thread gets its own requests.Session (Session is not documented as thread-safe); cookies are not
kept, so every fetch is independent of which thread made it and of what was fetched before.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import http.cookiejar
import itertools
import os
import random
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from scraper.politeness import Politeness
from scraper.records import FetchErrorKind, FetchResult, RedirectHop
from scraper.robots import ROBOTS_MAX_BYTES, RobotsRules, rules_from_fetch

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))
HOST_PAUSE_STATUSES = frozenset({429, 503})  # their Retry-After pauses the whole host
DEFAULT_PORTS = {"http": 80, "https": 443}
ACCEPT_ENCODING = "gzip, deflate"  # only what _BodyDecoder undoes, with a bounded output
_CHUNK = 64 * 1024


@dataclass(frozen=True, kw_only=True)
class FetchPolicy:
    """The [fetch] section of config.toml plus the hosts we may contact. Durations in seconds."""

    user_agent: str
    allowed_hosts: tuple[str, ...]  # "host" (any port) or "host:port"; lower-cased on construction
    delay: float = 1.0
    concurrency_per_host: int = 1
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    retry_after_max: float = 300.0
    max_body_bytes: int = 10_000_000
    max_redirects: int = 5
    obey_robots: bool = True
    _allowed: tuple[tuple[str, int | None], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.user_agent, str) or not self.user_agent.strip():
            raise ValueError("FetchPolicy.user_agent must be a non-empty string (include a contact)")
        for name in ("delay", "backoff_base", "backoff_max", "retry_after_max"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ValueError(f"FetchPolicy.{name} must be a number >= 0, got {value!r}")
        for name in ("connect_timeout", "read_timeout"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"FetchPolicy.{name} must be a number > 0, got {value!r}")
        for name, low in (
            ("concurrency_per_host", 1),
            ("max_attempts", 1),
            ("max_body_bytes", 1),
            ("max_redirects", 0),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"FetchPolicy.{name} must be an integer >= {low}, got {value!r}")
        if not isinstance(self.obey_robots, bool):
            raise ValueError(f"FetchPolicy.obey_robots must be true or false, got {self.obey_robots!r}")
        if isinstance(self.allowed_hosts, str):
            raise ValueError("FetchPolicy.allowed_hosts must be a list of hosts, not one string")
        hosts = tuple(str(h).strip().lower() for h in self.allowed_hosts)
        if not hosts:
            raise ValueError("FetchPolicy.allowed_hosts must list at least one host (the site's host)")
        object.__setattr__(self, "allowed_hosts", hosts)
        object.__setattr__(self, "_allowed", tuple(_parse_host_entry(h) for h in hosts))

    def allows_url(self, url: str) -> bool:
        """True when the URL's host (and port, when the entry gives one) is in allowed_hosts."""
        try:
            host, port = url_host_port(url)
        except ValueError:
            return False
        return any(host == h and (p is None or p == port) for h, p in self._allowed)


def _parse_host_entry(entry: str) -> tuple[str, int | None]:
    """'host' or 'host:port' (IPv6 in brackets) -> (host, port or None); ValueError names the entry."""
    if not entry or any(c in entry for c in "/?#@ ") or "://" in entry:
        raise ValueError(f"FetchPolicy.allowed_hosts: {entry!r} is not 'host' or 'host:port'")
    try:
        parts = urlsplit("//" + entry)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ValueError(f"FetchPolicy.allowed_hosts: {entry!r} is not 'host' or 'host:port' ({exc})") from None
    if not host:
        raise ValueError(f"FetchPolicy.allowed_hosts: {entry!r} has no host")
    return host, port


def url_host_port(url: str) -> tuple[str, int]:
    """(lower-case host, port with the scheme's default filled in); ValueError for non-HTTP URLs."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    port = parts.port  # raises ValueError for a bad port
    return host, port if port is not None else DEFAULT_PORTS[scheme]


def host_key(url: str) -> str:
    """'host' or 'host:port' (port only when not the scheme's default): the unit of politeness."""
    host, port = url_host_port(url)
    scheme = urlsplit(url).scheme.lower()
    shown = f"[{host}]" if ":" in host else host
    return shown if DEFAULT_PORTS[scheme] == port else f"{shown}:{port}"


def origin_of(url: str) -> str:
    """scheme://host[:port]: the unit robots.txt applies to (RFC 9309 2.3)."""
    return f"{urlsplit(url).scheme.lower()}://{host_key(url)}"


def parse_retry_after(value: str | None, date_header: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (delay-seconds or HTTP-date), or None if unusable.

    An HTTP-date is measured against the response's own Date header when there is one, so a wrong
    clock on either side does not matter; otherwise against `now` (UTC).
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    try:
        seconds = float(value)  # not RFC, but seen in the wild ("1.5")
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now
    if date_header:
        try:
            reference = parsedate_to_datetime(date_header)
            if reference.tzinfo is None:
                reference = reference.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError):
            reference = now
    return max(0.0, (when - reference).total_seconds())


class _BodyTooLarge(Exception):
    pass


class _BodyBroken(Exception):
    pass


class _BodyDecoder:
    """Undo a gzip/deflate content-coding with the output bounded by `limit` bytes.

    Our own decoder rather than urllib3's so that (a) the output of every step is bounded (a gzip bomb
    never inflates past the cap) and (b) a gzip stream that stops before its end-of-stream marker is
    detected as truncated instead of yielding a silently short body. Unknown codings are kept as
    received (the header still says what they are); servers sometimes send nonsense like "utf-8".
    """

    def __init__(self, content_encoding: str | None, limit: int):
        coding = (content_encoding or "").strip().lower()
        self.coding = coding
        self.limit = limit
        self.out = bytearray()
        self._obj = None
        self._pending_deflate = b""  # first bytes of a deflate body, to tell zlib from raw deflate
        self._finished = False  # saw end of stream of the (last) gzip member
        self._fed = 0  # encoded bytes seen; an empty body is empty whatever the header says
        if coding in ("gzip", "x-gzip"):
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            self._obj = None  # chosen on the first two bytes
        else:
            self.coding = "identity" if coding in ("", "identity") else f"unknown:{coding}"

    def _emit(self, data: bytes) -> None:
        self.out += data
        if len(self.out) > self.limit:
            raise _BodyTooLarge

    def _inflate(self, data: bytes) -> None:
        obj = self._obj
        while True:
            room = self.limit - len(self.out) + 1  # one byte more than allowed proves "too large"
            chunk = obj.decompress(data, room)
            self._emit(chunk)
            if obj.eof:
                rest = obj.unused_data
                if self.coding in ("gzip", "x-gzip") and rest.startswith(b"\x1f\x8b"):
                    obj = self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)  # next member
                    data = rest
                    continue
                self._finished = True  # anything after the last member is ignored, like browsers do
                return
            if not obj.unconsumed_tail:
                return
            data = obj.unconsumed_tail

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self._fed += len(data)
        if self.coding in ("gzip", "x-gzip"):
            if self._finished:
                return
            self._feed_zlib(data)
        elif self.coding == "deflate":
            if self._obj is None:
                self._pending_deflate += data
                if len(self._pending_deflate) < 2:
                    return
                head = self._pending_deflate
                self._pending_deflate = b""
                is_zlib = (head[0] & 0x0F) == 8 and ((head[0] << 8) | head[1]) % 31 == 0
                self._obj = zlib.decompressobj(zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS)
                data = head
            if self._finished:
                return
            self._feed_zlib(data)
        else:
            self._emit(data)

    def _feed_zlib(self, data: bytes) -> None:
        try:
            self._inflate(data)
        except zlib.error as exc:
            raise _BodyBroken(f"broken {self.coding} stream: {exc}") from None

    def finish(self) -> bytes:
        """The decoded body; _BodyBroken when a compressed stream ended early."""
        if self.coding in ("gzip", "x-gzip", "deflate") and self._fed:
            started = self._obj is not None or self._pending_deflate
            if self._pending_deflate:
                raise _BodyBroken(f"{self.coding} stream of {len(self._pending_deflate)} byte ends early")
            if started and not self._finished:
                raise _BodyBroken(f"{self.coding} stream ends before its end marker")
        return bytes(self.out)


class _Watchdog:
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


_WATCHDOG = _Watchdog()


@dataclass
class _Attempt:
    """One request/response exchange, internal to the fetcher."""

    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    error: FetchErrorKind | None = None
    detail: str | None = None
    fetched_at: datetime | None = None


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie, request):  # noqa: D102 - stdlib signature
        return False

    def return_ok(self, cookie, request):  # noqa: D102
        return False


class Fetcher:
    """Fetch URLs politely; thread-safe; `fetch` never raises for network or HTTP trouble.

    clock/sleep/rng (and utcnow for fetched_at) are injectable so politeness, backoff and Retry-After
    can be tested exactly with a fake clock.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        utcnow: Callable[[], datetime] | None = None,
        record_starts: bool = False,
    ):
        self.policy = policy
        self._clock = clock
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._rng_lock = threading.Lock()
        self._utcnow = utcnow or (lambda: datetime.now(UTC))
        self.politeness = Politeness(
            policy.delay,
            policy.concurrency_per_host,
            clock,
            sleep,
            lambda: self._uniform(0.5, 1.5),
            record_starts=record_starts,
        )
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self._robots: dict[str, RobotsRules] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._robots_lock = threading.Lock()
        self._closed = False
        self._proxies: dict[str, dict[str, str]] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every thread's connection pool; the Fetcher cannot be used afterwards."""
        with self._sessions_lock:
            self._closed = True
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.clear()  # we send exactly the headers we record
            # Environment proxies and CA bundle are read once per origin / once (see _proxies_for)
            # instead of on every request, which costs more than the request itself on loopback.
            session.trust_env = False
            session.verify = _env_ca_bundle()
            session.cookies.set_policy(_NoCookies())
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=4, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            with self._sessions_lock:
                if self._closed:
                    session.close()
                    raise RuntimeError("Fetcher is closed")
                self._sessions.append(session)
            self._local.session = session
        return session

    def _proxies_for(self, url: str) -> dict[str, str]:
        """The environment's proxies for this origin (honours no_proxy), cached per origin."""
        origin = origin_of(url)
        proxies = self._proxies.get(origin)
        if proxies is None:
            proxies = dict(requests.utils.get_environ_proxies(origin + "/"))
            self._proxies[origin] = proxies
        return proxies

    def _uniform(self, low: float, high: float) -> float:
        with self._rng_lock:
            return self._rng.uniform(low, high)

    # -- public ----------------------------------------------------------------------------------

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET `url` (conditionally when etag/last_modified are given) and describe what happened."""
        if self._closed:
            raise RuntimeError("Fetcher is closed")
        extra: list[tuple[str, str]] = []
        if etag:
            extra.append(("If-None-Match", etag))
        if last_modified:
            extra.append(("If-Modified-Since", last_modified))
        return self._fetch(url, extra, check_robots=self.policy.obey_robots)

    def robots_rules(self, url: str) -> RobotsRules:
        """The robots.txt rules for the URL's origin (fetched on first use, then cached)."""
        origin = origin_of(url)
        with self._robots_lock:
            rules = self._robots.get(origin)
            if rules is not None:
                return rules
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:  # one fetch per origin even when many threads arrive at once
            with self._robots_lock:
                rules = self._robots.get(origin)
            if rules is not None:
                return rules
            result = self._fetch(
                origin + "/robots.txt", [], check_robots=False, body_cap=ROBOTS_MAX_BYTES, keep_prefix=True
            )
            rules = rules_from_fetch(result)
            delay = rules.crawl_delay(self.policy.user_agent)
            if delay:
                # A server-requested wait, so capped like Retry-After.
                self.politeness.set_min_delay(host_key(url), min(delay, self.policy.retry_after_max))
            with self._robots_lock:
                self._robots[origin] = rules
            return rules

    # -- internals -------------------------------------------------------------------------------

    def _fetch(
        self,
        url: str,
        extra: list[tuple[str, str]],
        check_robots: bool,
        body_cap: int | None = None,
        keep_prefix: bool = False,
    ) -> FetchResult:
        start = self._clock()
        policy = self.policy
        redirects: list[RedirectHop] = []
        attempts = 0

        def result(current: str, att: _Attempt | None, error=None, detail=None, status=None) -> FetchResult:
            a = att or _Attempt()
            return FetchResult(
                url=url,
                final_url=current,
                status=status if status is not None else a.status,
                headers=a.headers,
                body=a.body if (error or a.error) is None or error == FetchErrorKind.HTTP_STATUS else b"",
                fetched_at=a.fetched_at or self._utcnow(),
                elapsed=max(0.0, self._clock() - start),
                attempts=attempts,
                request_headers=a.request_headers,
                redirects=list(redirects),
                error=error if error is not None else a.error,
                error_detail=detail if detail is not None else a.detail,
            )

        try:
            url_host_port(url)
        except ValueError as exc:
            return result(url, None, FetchErrorKind.INVALID_URL, str(exc))
        if not policy.allows_url(url):
            return result(url, None, FetchErrorKind.INVALID_URL, f"host of {url} is not in allowed_hosts")

        current = url
        while True:
            if check_robots:
                rules = self.robots_rules(current)
                if not rules.allows(current, policy.user_agent):
                    why = (
                        f"{rules.robots_url} disallows it for our user agent"
                        if rules.mode == "parsed"
                        else f"{rules.robots_url}: {rules.reason}"
                    )
                    return result(current, None, FetchErrorKind.ROBOTS_DISALLOWED, why)
            att, attempts = self._with_retries(
                current, extra, attempts, body_cap or policy.max_body_bytes, keep_prefix
            )
            if att.error is not None:
                return result(current, att)
            status = att.status or 0
            location = _header(att.headers, "Location") if status in REDIRECT_STATUSES else None
            if location is not None:
                try:
                    target = urljoin(current, location.strip())
                    target_ok = policy.allows_url(target)
                except ValueError:
                    target, target_ok = location, False
                redirects.append(RedirectHop(url=current, status=status, location=target))
                if not target_ok:
                    att.body = b""
                    return result(
                        target, att, FetchErrorKind.OFF_SITE_REDIRECT, f"redirect to a host not allowed: {target}"
                    )
                if len(redirects) > policy.max_redirects:
                    att.body = b""
                    return result(
                        target,
                        att,
                        FetchErrorKind.TOO_MANY_REDIRECTS,
                        f"more than {policy.max_redirects} redirects",
                    )
                current = target
                continue
            if status == 304:
                att.body = b""
                return result(current, att)
            if 200 <= status < 300:
                return result(current, att)
            what = "redirect without Location" if 300 <= status < 400 else f"HTTP {status}"
            return result(current, att, FetchErrorKind.HTTP_STATUS, what)

    def _with_retries(
        self, url: str, extra: list[tuple[str, str]], attempts: int, cap: int, keep_prefix: bool
    ) -> tuple[_Attempt, int]:
        """One URL (one redirect hop): request, retrying what is worth retrying."""
        policy = self.policy
        host = host_key(url)
        not_before = float("-inf")
        for failure in range(1, policy.max_attempts + 1):
            self.politeness.wait_until(not_before)
            with self.politeness.slot(host):
                attempts += 1
                att = self._request(url, extra, cap, keep_prefix)
            retryable = att.error in (
                FetchErrorKind.CONNECTION,
                FetchErrorKind.TIMEOUT,
                FetchErrorKind.TRUNCATED,
            ) or (att.error is None and att.status in RETRY_STATUSES)
            retry_after = None
            if att.status is not None and att.status in RETRY_STATUSES:
                raw = parse_retry_after(
                    _header(att.headers, "Retry-After"), _header(att.headers, "Date"), self._utcnow()
                )
                if raw is not None:
                    retry_after = min(raw, policy.retry_after_max)
                    if att.status in HOST_PAUSE_STATUSES:
                        self.politeness.defer(host, self._clock() + retry_after)
            if not retryable or failure == policy.max_attempts:
                return att, attempts
            backoff = min(policy.backoff_max, policy.backoff_base * 2 ** (failure - 1))
            wait = min(policy.backoff_max, backoff * self._uniform(0.5, 1.5))
            if retry_after is not None:
                wait = max(wait, retry_after)
            not_before = self._clock() + wait
        raise AssertionError("unreachable")  # pragma: no cover

    def _request(self, url: str, extra: list[tuple[str, str]], cap: int, keep_prefix: bool) -> _Attempt:
        """Send one GET and read the body within the cap; every failure becomes an _Attempt error."""
        policy = self.policy
        headers = [
            ("User-Agent", policy.user_agent),
            ("Accept-Encoding", ACCEPT_ENCODING),
            ("Accept", "*/*"),
            ("Connection", "keep-alive"),
            *extra,
        ]
        att = _Attempt(request_headers=[("Host", host_key(url)), *headers], fetched_at=self._utcnow())
        try:
            resp = self._session().get(
                url,
                headers=dict(headers),
                allow_redirects=False,
                stream=True,
                proxies=self._proxies_for(url),
                timeout=(policy.connect_timeout, policy.read_timeout),
            )
        except requests.exceptions.Timeout as exc:
            att.error, att.detail = FetchErrorKind.TIMEOUT, _describe(exc)
            return att
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
            requests.exceptions.InvalidHeader,
            urllib3.exceptions.LocationParseError,
            UnicodeError,
        ) as exc:
            att.error, att.detail = FetchErrorKind.INVALID_URL, _describe(exc)
            return att
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            att.error, att.detail = FetchErrorKind.CONNECTION, _describe(exc)
            return att
        except http.client.HTTPException as exc:
            att.error, att.detail = FetchErrorKind.CONNECTION, _describe(exc)
            return att

        try:
            att.request_headers = [("Host", host_key(url)), *resp.request.headers.items()]
            att.status = resp.status_code
            att.headers = _received_headers(resp.raw)
            att.body, att.error, att.detail = self._read_body(resp, cap, keep_prefix)
        finally:
            if att.error is None:
                resp.raw.release_conn()
            else:
                resp.close()  # drop a connection with unread or broken data
        return att

    def _read_body(
        self, resp: requests.Response, cap: int, keep_prefix: bool = False
    ) -> tuple[bytes, FetchErrorKind | None, str | None]:
        """Stream the body through the bounded decoder under a whole-body deadline.

        keep_prefix (robots.txt only): a body over the cap is cut to the cap instead of refused.
        """
        raw = resp.raw
        decoder = _BodyDecoder(raw.headers.get("Content-Encoding"), cap)
        length = raw.headers.get("Content-Length")
        if not keep_prefix and decoder.coding == "identity" and length and length.strip().isdigit() and int(length) > cap:
            return b"", FetchErrorKind.TOO_LARGE, f"Content-Length {int(length)} > cap {cap}"
        # read_timeout bounds each wait for data (urllib3) and, here, the whole body: a server that
        # drips one byte at a time would otherwise hold the connection for ever.
        expired = threading.Event()
        done_lock = threading.Lock()
        done = False

        def expire() -> None:
            with done_lock:  # never cut a connection that is already finished (and maybe reused)
                if done:
                    return
                expired.set()
                with contextlib.suppress(Exception):  # already closed: nothing left to cut
                    raw.shutdown()

        ticket = _WATCHDOG.schedule(self.policy.read_timeout, expire)
        try:
            for chunk in raw.stream(_CHUNK, decode_content=False):
                decoder.feed(chunk)
                if expired.is_set():
                    break
            if expired.is_set():
                return b"", FetchErrorKind.TIMEOUT, f"body not complete within {self.policy.read_timeout} s"
            body = decoder.finish()
        except _BodyTooLarge:
            if keep_prefix:
                return bytes(decoder.out[:cap]), None, None
            return b"", FetchErrorKind.TOO_LARGE, f"body larger than {cap} bytes (after decoding)"
        except _BodyBroken as exc:
            return b"", FetchErrorKind.TRUNCATED, str(exc)
        except urllib3.exceptions.ReadTimeoutError as exc:
            return b"", FetchErrorKind.TIMEOUT, _describe(exc)
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
            if expired.is_set():
                return b"", FetchErrorKind.TIMEOUT, f"body not complete within {self.policy.read_timeout} s"
            return b"", FetchErrorKind.TRUNCATED, _describe(exc)
        finally:
            with done_lock:
                done = True
            _WATCHDOG.cancel(ticket)
        return body, None, None


def _received_headers(raw) -> list[tuple[str, str]]:
    """Response headers exactly as received: wire order, duplicates and name casing kept.

    urllib3's HTTPHeaderDict groups repeated names together (A:1, B:2, A:3 comes back as A:1, A:3,
    B:2), so the http.client message underneath it is read when there is one; an archive that exports
    WARC records wants the order the server sent.
    """
    original = getattr(raw, "_original_response", None)
    msg = getattr(original, "msg", None)
    if msg is not None and hasattr(msg, "raw_items"):
        return [(str(k), str(v)) for k, v in msg.raw_items()]
    return [(str(k), str(v)) for k, v in raw.headers.items()]


def _env_ca_bundle() -> str | bool:
    """requests' own rule for a CA bundle from the environment (it is skipped with trust_env off)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    low = name.lower()
    for key, value in headers:
        if key.lower() == low:
            return value
    return None


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:500]
