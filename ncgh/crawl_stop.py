"""SIGTERM/Ctrl-C in the middle of a crawl: keep what is already fetched, abandon the rest, within seconds.

The fetcher is stopped first, so every exchange in flight is cut and no retry or backoff starts; a fetch
that ends `stopped` (or does not end within STOP_GRACE: a worker in a parse or a DNS lookup) is not
recorded and its item stays pending, so the next crawl resumes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, wait
from typing import Protocol, TypeVar

from scraper.records import FetchErrorKind, FetchResult

# How long fetches already past their last byte may take to be handed over and recorded; whatever is
# still running then is abandoned (its item stays pending for the next crawl).
STOP_GRACE = 2.0


class _Fetched(Protocol):
    fetch: FetchResult | None


T = TypeVar("T", bound=_Fetched)


def stop_fetcher(fetcher: object) -> None:
    """Fetcher.stop() when the fetcher has one (a test's stand-in may not)."""
    stop = getattr(fetcher, "stop", None)
    if callable(stop):
        stop()


def stop_inflight(fetcher: object, inflight: dict[int, Future[T]]) -> Iterator[T]:
    """Cancel what has not started, cut what is running, and yield what finished with an answer to record."""
    for future in inflight.values():
        future.cancel()
    stop_fetcher(fetcher)
    running = [f for f in inflight.values() if not f.cancelled()]
    if running:
        wait(running, timeout=STOP_GRACE)
    for future in running:
        if not future.done():
            continue
        try:
            done = future.result(timeout=0)
        except BaseException:  # noqa: BLE001 - a worker's failure while stopping: leave it pending
            continue
        if done.fetch is not None and done.fetch.error == FetchErrorKind.STOPPED:
            continue
        yield done
