"""When to try a request again and how long to wait: retryable answers, backoff, Retry-After.

Scrapy ignores Retry-After; a polite archiver must not. A server's Retry-After is honoured up to a
cap (a broken or hostile value must not stall a crawl for days) and never shortens our own backoff.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scraper.records import FetchErrorKind

RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))
HOST_PAUSE_STATUSES = frozenset({429, 503})  # their Retry-After pauses the whole host
# Failures worth another attempt: the next one may well succeed.
# A protocol error (two Content-Length values that disagree) is retried like a broken body: it is as
# often a proxy or a half-deployed server as a lasting fault, and the retries are bounded.
RETRY_ERRORS = frozenset(
    {FetchErrorKind.CONNECTION, FetchErrorKind.TIMEOUT, FetchErrorKind.TRUNCATED, FetchErrorKind.PROTOCOL}
)


def is_retryable(error: FetchErrorKind | None, status: int | None) -> bool:
    """A connection error, timeout, broken body or protocol error, or an answer with a retryable status."""
    return error in RETRY_ERRORS or (error is None and status in RETRY_STATUSES)


def backoff_wait(failure: int, base: float, cap: float, jitter: float, retry_after: float | None = None) -> float:
    """Seconds before attempt `failure + 1`: base * 2**(failure-1) times `jitter` (0.5-1.5), at most
    `cap`; never less than the server's (already capped) Retry-After."""
    backoff = min(cap, base * 2 ** (failure - 1))
    wait = min(cap, backoff * jitter)
    return wait if retry_after is None else max(wait, retry_after)


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
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if value.isdigit():
            return seconds  # delay-seconds; one too long for a float is inf, which the caller caps
        return seconds if 0 <= seconds < float("inf") else None  # not RFC, but seen in the wild ("1.5")
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: a year or hour of 20 digits
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now
    if date_header:
        try:
            reference = parsedate_to_datetime(date_header)
            if reference.tzinfo is None:
                reference = reference.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            reference = now
    return max(0.0, (when - reference).total_seconds())
