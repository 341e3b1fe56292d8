"""Per-host politeness: how many requests a host sees at once and how closely they follow each other.

Kept apart from the HTTP code so the rules can be tested exactly with a fake clock and sleep: nothing
here touches the network or reads the real time except through the callables it is given.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _HostState:
    semaphore: threading.BoundedSemaphore
    next_start: float = float("-inf")  # earliest start allowed by the minimum delay
    not_before: float = float("-inf")  # earliest start the server asked for (Retry-After)
    min_delay: float = 0.0  # floor on the delay from robots.txt Crawl-delay
    in_flight: int = 0
    max_in_flight: int = 0
    starts: list[float] = field(default_factory=list)


class Politeness:
    """Per-host concurrency limit and minimum, jittered delay between request starts.

    A request to a host takes one of `concurrency` slots for as long as it is in flight (body read
    included), and may start only when both
    - the jittered delay since the previous start to that host has passed (delay * uniform(0.5, 1.5),
      drawn when the previous request started), and
    - any host-wide pause the server asked for (429/503 Retry-After, see `defer`) is over.
    Waits for a caller's own backoff happen before a slot is taken, so one URL's backoff never holds up
    other URLs to the same host.
    """

    def __init__(
        self,
        delay: float,
        concurrency: int,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        jitter: Callable[[], float],
        record_starts: bool = False,
    ):
        self._delay = delay
        self._concurrency = concurrency
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter  # returns a factor in [0.5, 1.5]
        self._record_starts = record_starts
        self._lock = threading.Lock()
        self._hosts: dict[str, _HostState] = {}

    def _state(self, host: str) -> _HostState:
        with self._lock:
            state = self._hosts.get(host)
            if state is None:
                state = _HostState(threading.BoundedSemaphore(self._concurrency))
                self._hosts[host] = state
            return state

    def wait_until(self, when: float) -> None:
        """Sleep until the clock reaches `when` (a caller's own backoff); no slot is held meanwhile."""
        now = self._clock()
        if when > now:
            self._sleep(when - now)

    @contextmanager
    def slot(self, host: str) -> Iterator[float]:
        """Hold one of the host's slots, entered only once the host may see a new request.

        Yields the clock time at which the request may start. The slot is released on exit, so the
        body must be read inside the `with` block.
        """
        state = self._state(host)
        state.semaphore.acquire()
        entered = False
        try:
            while True:
                with self._lock:
                    now = self._clock()
                    start = max(state.next_start, state.not_before)
                    if start <= now:
                        delay = max(self._delay, state.min_delay)
                        state.next_start = now + (delay * self._jitter() if delay > 0 else 0.0)
                        state.in_flight += 1
                        entered = True
                        state.max_in_flight = max(state.max_in_flight, state.in_flight)
                        if self._record_starts:
                            state.starts.append(now)
                        break
                    wait = start - now
                # Re-check after sleeping: a Retry-After may have pushed the start further meanwhile.
                self._sleep(wait)
            yield now
        finally:
            if entered:
                with self._lock:
                    state.in_flight -= 1
            state.semaphore.release()

    def defer(self, host: str, until: float) -> None:
        """No new request to `host` starts before clock time `until` (the server said Retry-After)."""
        state = self._state(host)
        with self._lock:
            state.not_before = max(state.not_before, until)

    def set_min_delay(self, host: str, delay: float) -> None:
        """Raise the host's delay to at least `delay` (robots.txt Crawl-delay)."""
        state = self._state(host)
        with self._lock:
            state.min_delay = max(state.min_delay, delay)

    def max_in_flight(self, host: str) -> int:
        """Most requests this host ever had in flight at once (for tests and diagnostics)."""
        with self._lock:
            state = self._hosts.get(host)
            return state.max_in_flight if state else 0

    def starts(self, host: str) -> list[float]:
        """Clock times at which requests to `host` started (only when record_starts is on)."""
        with self._lock:
            state = self._hosts.get(host)
            return list(state.starts) if state else []
