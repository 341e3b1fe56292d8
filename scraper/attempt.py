"""One GET and its body, as an Attempt: the single exchange under the fetcher's retries and redirects.

Every way an exchange can fail (timeouts, resets, protocol errors, a body cut short or too large)
becomes an Attempt error here, so scraper.fetch only decides what to do about it.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import urllib3.exceptions

from scraper.connections import ConnectionPools
from scraper.deadline import Exchange
from scraper.http_body import describe, html_ends_early, read_body, received_headers
from scraper.records import FetchErrorKind


class Timeouts(Protocol):
    """The two timeouts of a FetchPolicy that one exchange uses, in seconds."""

    connect_timeout: float
    read_timeout: float


@dataclass
class Attempt:
    """One request/response exchange, internal to the fetcher."""

    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    error: FetchErrorKind | None = None
    detail: str | None = None
    fetched_at: datetime | None = None


def _failure(exc: BaseException, exchange: Exchange) -> tuple[FetchErrorKind, str]:
    """What went wrong with a GET that got no response (requests' adapter's reading of urllib3's
    exceptions: a connect timeout is a timeout, a refused or reset connection a connection error)."""
    late = f"response not complete within {exchange.seconds:g} s"
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        kind = FetchErrorKind.CONNECTION
    elif isinstance(exc, urllib3.exceptions.TimeoutError | TimeoutError):
        kind = FetchErrorKind.TIMEOUT
    elif isinstance(exc, urllib3.exceptions.InvalidHeader):
        return FetchErrorKind.PROTOCOL, describe(exc)  # read from the answer (conflicting Content-Length)
    elif isinstance(exc, urllib3.exceptions.LocationParseError | ValueError):
        return FetchErrorKind.INVALID_URL, describe(exc)  # a URL, or a header value HTTP forbids
    else:
        kind = FetchErrorKind.CONNECTION
    if exchange.expired.is_set():  # the watchdog cut a connect or a dripping status line/headers
        return FetchErrorKind.TIMEOUT, late
    return kind, describe(exc)


def send_get(
    pools: ConnectionPools,
    url: str,
    headers: list[tuple[str, str]],
    att: Attempt,
    exchange: Exchange,
    cap: int,
    keep_prefix: bool,
    policy: Timeouts,
) -> Attempt:
    """Send one GET through `pools` and read the body within `cap`, under `exchange`'s deadline;
    every failure is recorded on `att` (returned), nothing raises."""
    late = f"response not complete within {exchange.seconds:g} s"
    try:
        resp = pools.get(url, headers, policy.connect_timeout, policy.read_timeout)
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError) as exc:
        att.error, att.detail = _failure(exc, exchange)
        return att

    try:
        if exchange.expired.is_set():
            # Cut while the headers dripped: http.client takes the shut-down socket's end for the
            # end of the header section, so what it parsed is not the server's answer.
            att.error, att.detail = FetchErrorKind.TIMEOUT, late
            return att
        att.status = resp.status
        att.headers = received_headers(resp)
        att.body, att.error, att.detail = read_body(resp, cap, policy.read_timeout, keep_prefix, exchange)
        if att.error is None and 200 <= att.status < 300:
            cut_short = html_ends_early(resp.headers, att.body)
            if cut_short is not None:  # retried like any truncated body, never a short capture
                att.body, att.error, att.detail = b"", FetchErrorKind.TRUNCATED, cut_short
    finally:
        cut = exchange.finish()  # nothing is cut after this, so the connection may be reused
        if att.error is not None or cut:
            resp.close()  # drop a connection with unread or broken data
        resp.release_conn()
    return att
