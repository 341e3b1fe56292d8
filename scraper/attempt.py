"""One GET and its body, as an Attempt: the single exchange under the fetcher's retries and redirects.

Every way an exchange can fail (timeouts, resets, protocol errors, a body cut short or too large)
becomes an Attempt error here, so scraper.fetch only decides what to do about it.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import requests
import urllib3.exceptions

from scraper.deadline import Exchange
from scraper.http_body import describe, html_ends_early, read_body, received_headers
from scraper.records import FetchErrorKind
from scraper.sessions import SessionPool


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


def send_get(
    pool: SessionPool,
    url: str,
    headers: list[tuple[str, str]],
    att: Attempt,
    exchange: Exchange,
    cap: int,
    keep_prefix: bool,
    policy: Timeouts,
) -> Attempt:
    """Send one GET through this thread's session of `pool` and read the body within `cap`, under
    `exchange`'s deadline; every failure is recorded on `att` (returned), nothing raises."""
    late = f"response not complete within {exchange.seconds:g} s"
    try:
        resp = pool.get().get(
            url,
            headers=dict(headers),
            allow_redirects=False,
            stream=True,
            proxies=pool.proxies_for(url),
            timeout=(policy.connect_timeout, policy.read_timeout),
        )
    except requests.exceptions.Timeout as exc:
        att.error, att.detail = FetchErrorKind.TIMEOUT, describe(exc)
        return att
    except requests.exceptions.InvalidHeader as exc:
        if exc.args and isinstance(exc.args[0], urllib3.exceptions.InvalidHeader):
            # Raised while reading the answer (conflicting Content-Length): the server's fault.
            att.error, att.detail = FetchErrorKind.PROTOCOL, describe(exc)
        else:  # a request header of ours that HTTP forbids (configuration)
            att.error, att.detail = FetchErrorKind.INVALID_URL, describe(exc)
        return att
    except (
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
        urllib3.exceptions.LocationParseError,
        UnicodeError,
    ) as exc:
        att.error, att.detail = FetchErrorKind.INVALID_URL, describe(exc)
        return att
    except (
        requests.exceptions.RequestException,
        urllib3.exceptions.HTTPError,
        http.client.HTTPException,
        OSError,
    ) as exc:
        if exchange.expired.is_set():  # the watchdog cut a connect or a dripping status line/headers
            att.error, att.detail = FetchErrorKind.TIMEOUT, late
        else:
            att.error, att.detail = FetchErrorKind.CONNECTION, describe(exc)
        return att

    try:
        att.request_headers = [("Host", att.request_headers[0][1]), *resp.request.headers.items()]
        if exchange.expired.is_set():
            # Cut while the headers dripped: http.client takes the shut-down socket's end for the
            # end of the header section, so what it parsed is not the server's answer.
            att.error, att.detail = FetchErrorKind.TIMEOUT, late
            return att
        att.status = resp.status_code
        att.headers = received_headers(resp.raw)
        att.body, att.error, att.detail = read_body(resp.raw, cap, policy.read_timeout, keep_prefix, exchange)
        if att.error is None and 200 <= att.status < 300:
            cut_short = html_ends_early(resp.raw.headers, att.body)
            if cut_short is not None:  # retried like any truncated body, never a short capture
                att.body, att.error, att.detail = b"", FetchErrorKind.TRUNCATED, cut_short
    finally:
        cut = exchange.finish()  # nothing is cut after this, so the connection may be reused
        if att.error is None and not cut:
            resp.raw.release_conn()
        else:
            resp.close()  # drop a connection with unread or broken data
    return att
