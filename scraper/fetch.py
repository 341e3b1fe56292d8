"""Polite, retrying, size-capped HTTP fetcher: the only code that talks to the site.

Every fetch ends in a FetchResult, never an exception: an archive run must be able to record what went
wrong with one URL and carry on. The rules (see docs/fetching.md):
- per host: at most `concurrency_per_host` requests in flight and `delay * uniform(0.5, 1.5)` between
  request starts (scraper.politeness); a 429/503 Retry-After pauses the whole host;
- robots.txt is fetched once per origin per Fetcher and obeyed (scraper.robots);
- redirects are followed by hand, only to allowed hosts, each hop recorded;
- retries with exponential backoff and jitter on connection errors, timeouts, broken bodies, 408, 429
  and 5xx, honouring Retry-After up to `retry_after_max` (scraper.retry);
- bodies are streamed and decompressed with a hard cap under a whole-body deadline
  (scraper.http_body), so a gzip bomb costs at most the cap; a body shorter than announced or a
  broken gzip stream is an error, never a silently short capture; one request and its body is
  scraper.attempt.

Host and origin helpers live in scraper.hosts, Retry-After parsing in scraper.retry.

Requests go out through urllib3's pools the way requests' adapter sends them, without a Session
(scraper.connections: it cost a third of a fast crawl's CPU per request); no cookies are kept, so
every fetch is independent of which thread made it and of what was fetched before.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scraper.attempt import Attempt, send_get
from scraper.connections import ConnectionPools
from scraper.deadline import Exchange
from scraper.hosts import (
    host_allowed,
    host_key,
    join_link,
    origin_of,
    parse_host_entry,
    url_host_port,
)
from scraper.http_body import ACCEPT_ENCODING
from scraper.politeness import Politeness
from scraper.records import FetchErrorKind, FetchResult, RedirectHop, header_value
from scraper.retry import HOST_PAUSE_STATUSES, RETRY_STATUSES, backoff_wait, is_retryable, parse_retry_after
from scraper.robots import ROBOTS_MAX_BYTES, RobotsMode, RobotsRules, rules_from_fetch
from scraper.settings import FetchSettings

__all__ = ["FetchPolicy", "Fetcher"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, kw_only=True)
class FetchPolicy(FetchSettings):
    """The [fetch] settings (scraper.settings: their defaults and checks) plus the hosts we may contact."""

    allowed_hosts: tuple[str, ...]  # "host" (any port) or "host:port"; lower-cased on construction
    _allowed: tuple[tuple[str, int | None], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.allowed_hosts, str):
            raise ValueError("FetchPolicy.allowed_hosts must be a list of hosts, not one string")
        hosts = tuple(str(h).strip().lower() for h in self.allowed_hosts)
        if not hosts:
            raise ValueError("FetchPolicy.allowed_hosts must list at least one host (the site's host)")
        object.__setattr__(self, "allowed_hosts", hosts)
        object.__setattr__(self, "_allowed", tuple(parse_host_entry(h) for h in hosts))

    def allows_url(self, url: str) -> bool:
        """True when the host (and port, when the entry gives one) the HTTP client will connect to for
        this URL is in allowed_hosts; False for userinfo, ambiguous or non-http(s) URLs
        (scraper.hosts.client_target)."""
        return host_allowed(url, self._allowed)


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
        # The headers every request sends, before its conditional ones; fixed for the Fetcher's life.
        self._headers = (
            ("User-Agent", policy.user_agent),
            ("Accept-Encoding", ACCEPT_ENCODING),
            ("Accept", "*/*"),
            ("Connection", "keep-alive"),
        )
        self._pool = ConnectionPools(maxsize=max(4, policy.concurrency_per_host))
        self._robots: dict[str, RobotsRules] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._robots_lock = threading.Lock()
        self._stopped = threading.Event()
        self._live: set[Exchange] = set()  # exchanges in flight, cut by stop()
        self._live_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every thread's connection pool; the Fetcher cannot be used afterwards."""
        self._pool.close()

    def stop(self) -> None:
        """Stop from any thread (SIGTERM/Ctrl-C): every exchange in flight is cut at once and every
        fetch still running or started later ends as a `stopped` result without another request, so
        no fetching thread stays blocked on a server. The Fetcher stays stopped."""
        self._stopped.set()
        with self._live_lock:
            live = list(self._live)
        for exchange in live:
            exchange.cut_all()

    def _uniform(self, low: float, high: float) -> float:
        with self._rng_lock:
            return self._rng.uniform(low, high)

    # -- public ----------------------------------------------------------------------------------

    def fetch(
        self, url: str, etag: str | None = None, last_modified: str | None = None, max_bytes: int | None = None
    ) -> FetchResult:
        """GET `url` (conditionally when etag/last_modified are given) and describe what happened.

        `max_bytes` replaces the policy's max_body_bytes for this fetch (assets have their own cap).
        """
        if self._pool.closed:
            raise RuntimeError("Fetcher is closed")
        extra: list[tuple[str, str]] = []
        if etag:
            extra.append(("If-None-Match", etag))
        if last_modified:
            extra.append(("If-Modified-Since", last_modified))
        return self._fetch(url, extra, check_robots=self.policy.obey_robots, body_cap=max_bytes)

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
            if result.error == FetchErrorKind.STOPPED:
                return rules  # says nothing about the site: not kept
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

        def result(
            current: str, att: Attempt | None, error: FetchErrorKind | None = None, detail: str | None = None
        ) -> FetchResult:
            a = att or Attempt()
            error = error if error is not None else a.error
            return FetchResult(
                url=url,
                final_url=current,
                status=a.status,
                headers=a.headers,
                body=a.body if error in (None, FetchErrorKind.HTTP_STATUS) else b"",  # a 404 page is kept
                fetched_at=a.fetched_at or self._utcnow(),
                elapsed=max(0.0, self._clock() - start),
                attempts=attempts,
                request_headers=a.request_headers,
                redirects=list(redirects),
                error=error,
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
                refusal = self._robots_refusal(current)
                if refusal is not None:
                    return result(current, None, *refusal)
            att, attempts = self._with_retries(
                current, extra, attempts, body_cap or policy.max_body_bytes, keep_prefix
            )
            if att.error is not None:
                return result(current, att)
            status = att.status or 0
            location = header_value(att.headers, "Location") if status in REDIRECT_STATUSES else None
            if location is not None:
                current, refusal = self._redirect(current, status, location, redirects)
                if refusal is not None:
                    return result(current, att, *refusal)
                continue
            if status == 304:
                att.body = b""
                return result(current, att)
            if 200 <= status < 300:
                return result(current, att)
            what = "redirect without Location" if 300 <= status < 400 else f"HTTP {status}"
            return result(current, att, FetchErrorKind.HTTP_STATUS, what)

    def _robots_refusal(self, url: str) -> tuple[FetchErrorKind, str] | None:
        """Why `url` may not be requested under robots.txt (or because the fetcher stopped, or robots.txt
        got no answer); None when it may."""
        rules = self.robots_rules(url)
        if self._stopped.is_set():
            return FetchErrorKind.STOPPED, "the fetcher was stopped"
        if rules.allows(url, self.policy.user_agent):
            return None
        if rules.no_answer is not None:  # nothing fetched, but because the site did not answer
            return rules.no_answer, f"{rules.robots_url}: {rules.reason}"
        if rules.mode == RobotsMode.PARSED:
            return FetchErrorKind.ROBOTS_DISALLOWED, f"{rules.robots_url} disallows it for our user agent"
        return FetchErrorKind.ROBOTS_DISALLOWED, f"{rules.robots_url}: {rules.reason}"

    def _redirect(
        self, current: str, status: int, location: str, redirects: list[RedirectHop]
    ) -> tuple[str, tuple[FetchErrorKind, str] | None]:
        """One redirect answer: the hop appended to `redirects`, its target, and why it may not be
        followed (None when it may).

        The Location is read as a browser reads it (backslashes, tabs) and judged by the host the
        client will connect to; a target with userinfo or an ambiguous host is refused, and so is a
        hop beyond `max_redirects`.
        """
        joined = join_link(current, location)
        target = joined if joined is not None else location
        redirects.append(RedirectHop(url=current, status=status, location=target))
        if joined is None or not self.policy.allows_url(joined):
            why = "a host not allowed" if joined is not None else "an unusable URL (userinfo, ambiguous host)"
            return target, (FetchErrorKind.OFF_SITE_REDIRECT, f"redirect to {why}: {target}")
        if len(redirects) > self.policy.max_redirects:
            return target, (FetchErrorKind.TOO_MANY_REDIRECTS, f"more than {self.policy.max_redirects} redirects")
        return target, None

    def _with_retries(
        self, url: str, extra: list[tuple[str, str]], attempts: int, cap: int, keep_prefix: bool
    ) -> tuple[Attempt, int]:
        """One URL (one redirect hop): request, retrying what is worth retrying."""
        policy = self.policy
        host = host_key(url)
        not_before = float("-inf")
        for failure in range(1, policy.max_attempts + 1):
            self.politeness.wait_until(not_before)
            if self._stopped.is_set():
                return Attempt(error=FetchErrorKind.STOPPED, detail="the fetcher was stopped"), attempts
            with self.politeness.slot(host):
                attempts += 1
                att = self._request(url, host, extra, cap, keep_prefix)
            if self._stopped.is_set():
                return Attempt(error=FetchErrorKind.STOPPED, detail="the fetcher was stopped"), attempts
            retryable = is_retryable(att.error, att.status)
            retry_after = None
            if att.status is not None and att.status in RETRY_STATUSES:
                raw = parse_retry_after(
                    header_value(att.headers, "Retry-After"), header_value(att.headers, "Date"), self._utcnow()
                )
                if raw is not None:
                    retry_after = min(raw, policy.retry_after_max)
                    if att.status in HOST_PAUSE_STATUSES:
                        self.politeness.defer(host, self._clock() + retry_after)
            if not retryable or failure == policy.max_attempts:
                return att, attempts
            wait = backoff_wait(
                failure, policy.backoff_base, policy.backoff_max, self._uniform(0.5, 1.5), retry_after
            )
            not_before = self._clock() + wait
        raise AssertionError("unreachable")  # pragma: no cover

    def _request(
        self, url: str, host: str, extra: list[tuple[str, str]], cap: int, keep_prefix: bool
    ) -> Attempt:
        """Send one GET to `url` (whose host_key is `host`) and read the body within the cap; every
        failure becomes an Attempt error."""
        policy = self.policy
        headers = [*self._headers, *extra]
        att = Attempt(request_headers=[("Host", host), *headers], fetched_at=self._utcnow())
        # One wall-clock bound for the whole exchange (connect, status line, headers, body): requests'
        # timeouts are per socket read, and a server dripping its headers would otherwise never end.
        exchange = Exchange(policy.connect_timeout + policy.read_timeout)
        with self._live_lock:
            self._live.add(exchange)
        try:
            with exchange:
                if self._stopped.is_set():
                    exchange.cut_all()
                att = send_get(self._pool, url, headers, att, exchange, cap, keep_prefix, policy)
        finally:
            with self._live_lock:
                self._live.discard(exchange)
        return att
