"""The crawl's fetching threads: daemon workers that can be abandoned, never joined by force."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


class DaemonPool:
    """A fixed set of daemon worker threads running submitted calls into Futures.

    Not a ThreadPoolExecutor: its workers are joined at interpreter exit, so one worker stuck in a
    read, a long backoff sleep or a pathological parse kept a stopped crawl alive for ever (and every
    later cron run then exited 75). Daemon workers never hold the process; they never touch SQLite
    (only the calling thread writes), so abandoning one loses nothing recorded.
    """

    def __init__(self, workers: int, name: str):
        self._tasks: queue.SimpleQueue[tuple[Future, Callable[..., object], tuple] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._run, name=f"{name}_{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        future: Future[T] = Future()
        self._tasks.put((future, fn, args))
        return future

    def _run(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            future, fn, args = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller through the Future
                future.set_exception(exc)

    def shutdown(self, wait: bool) -> None:
        """Let the workers end once the queue is drained; join them only when `wait`."""
        for _ in self._threads:
            self._tasks.put(None)
        if wait:
            for thread in self._threads:
                thread.join()
