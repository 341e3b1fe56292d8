"""Article pages interpreted in a parser process, so a fast crawl uses a second core.

A crawl's process is bound by Python's one lock (the GIL): fetching, parsing, preparing and the
writer's SQL take turns on one core. Interpreting an article page (ncgh.pipeline.interpret: the
block check, the parse, the requisites) and preparing its capture (archive.prepare) are pure
functions of the fetched answer and the site profile, about half the crawl's work, so the fetching
threads hand them to one child process and wait for its answer with the lock released. The answer
is the same objects the thread would have made (a test compares the archives page for page).

Only article pages with a 2xx answer go there (a new article, a revisit, an id probe that hit, a
snapshot): a 404, a 304 or a failed fetch is classified in the thread at once, and discovery pages
and assets (whose documents have their own reader process) stay in the threads. The child is started lazily, once a run has
interpreted `START_AFTER` article pages itself, and only where it can help (two or more CPUs, a
fetch delay under `MAX_DELAY`): a polite crawl parses one page a second in its threads, and a small
crawl or a test would pay the child's start (about 0.4 s of CPU) for nothing. Pages go on being
parsed in the threads until the child says it has imported the parser, so its start costs no wait.

The child is `python -m ncgh.parse_pool` started with the parent's own package on its path, not
multiprocessing: multiprocessing's children import the caller's main script again, so a script
calling run_crawl without an `if __name__ == "__main__"` guard would start a second crawl. Pages go
one at a time (a pickle each way, framed by its length and CRC-32, so a damaged message is a failed
child, never a wrong capture) behind a lock: the child is the one serial resource, and the threads
queue for it. The child answers on a copy of its stdout and points its own fd 1 at stderr, so a
library that prints cannot break the stream. A child that dies (a segfault in a C library on a hostile
page, the OOM killer, its 1 GiB memory cap) or takes over `CHILD_SECONDS` on a page is killed; the
page is tried once more in a fresh child, and a page that fails that one too is a parse error with
its bytes kept (never an edit, never a deletion; `ncgh reparse` judges it again later). The child
ends when the crawl closes it or when its stdin closes (the crawl was killed).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import select
import subprocess
import sys
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from archive.model import CaptureIn
from archive.prepare import PreparedCapture, prepare_capture
from archive.vocab import CaptureKind, WorkKind
from ncgh.crawl_actions import action_for
from ncgh.pipeline import interpret, unparsed
from scraper.blocks import BlockRules
from scraper.child_process import enter_child
from scraper.profile import SiteProfile
from scraper.records import FetchResult

__all__ = ["CHILD_PEAKS_KIB", "CHILD_SECONDS", "MAX_DELAY", "START_AFTER", "ParserChild", "ParserProcesses", "interpret_and_prepare"]

START_AFTER = 64  # article pages a run interprets in its threads before it starts the child
MAX_DELAY = 0.2  # seconds between requests above which a child buys nothing
CHILD_SECONDS = 60.0  # one page's interpretation in the child, at most
CHILD_MEMORY = 1 << 30  # the child's address space, at most (bytes)
_HEAD = 12  # before each pickle: its length (8 bytes) and its CRC-32 (4)
_READY = b"R"  # the child's first byte: imports done
_ROOT = str(Path(__file__).resolve().parents[1])  # the folder holding this very ncgh package

CHILD_PEAKS_KIB: list[int] = []  # each ended child's peak RSS (VmHWM), for the memory benchmarks

Answer = tuple[CaptureIn, "PreparedCapture | None"]


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def interpret_and_prepare(
    site: str,
    url: str,
    fetch: FetchResult,
    profile: SiteProfile,
    paths: tuple[str, ...],
    run_id: int | None,
    work_item_id: int | None,
    blocks: BlockRules,
    work_kind: WorkKind = WorkKind.ARTICLE,
) -> Answer:
    """One article page (fetched as `work_kind`: article, probe, revisit or snapshot): the capture the
    archive records and, when it is recorded, its prepared work.

    Returned together so that pickling keeps the prepared work's references to the capture's own
    body and content (PreparedCapture.fits compares by identity)."""
    capture = interpret(
        site, url, fetch, profile, paths, kind=CaptureKind.ARTICLE, run_id=run_id, work_item_id=work_item_id,
        blocks=blocks,
    )
    record = action_for(work_kind, capture.outcome, capture.error).record
    return capture, prepare_capture(capture) if record else None


class ChildFailed(Exception):
    """The child died, overran its time or answered nonsense; it has been killed."""


def frame(data: bytes) -> bytes:
    """One message: its length and CRC-32, then the pickle."""
    return len(data).to_bytes(8, "big") + zlib.crc32(data).to_bytes(4, "big") + data


def unframe_head(head: bytes) -> tuple[int, int]:
    """(length, CRC-32) from a message's head."""
    return int.from_bytes(head[:8], "big"), int.from_bytes(head[8:], "big")


def _read_exact(fd: int, n: int, deadline: float) -> bytes:
    parts: list[bytes] = []
    while n > 0:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise ChildFailed("a page took the parser process too long")
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise ChildFailed("the parser process died")
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def _peak_kib(pid: int) -> int:
    """A live process's peak RSS (VmHWM, KiB); 0 where /proc does not say."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except (OSError, ValueError, IndexError):
        return 0


class _Generation:
    """One child process and the pages sent to it, answered in order by its reader thread."""

    def __init__(self, command: list[str], seconds: float, on_end: Callable[[_Generation], None]):
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.seconds = seconds
        self.pending: deque[Future[Answer]] = deque()
        self.lock = threading.Lock()  # guards pending and dead; never held while the pipe may block
        # Orders the writes to stdin with their futures. A write blocks while the child is busy; the
        # reader must still be able to take `lock` meanwhile, or a child blocked on writing its answer
        # (a real page's answer is larger than the pipe) and a thread blocked on writing the next page
        # wait for each other for ever.
        self.write_lock = threading.Lock()
        self.dead = False
        self.head_since = time.monotonic()  # when the page at the head of `pending` could start
        self.ready = threading.Event()  # the child has imported the parser and waits for pages
        self._on_end = on_end
        threading.Thread(target=self._read, name="ncgh-parser-reader", daemon=True).start()

    def send(self, payload: bytes) -> Future[Answer]:
        future: Future[Answer] = Future()
        with self.write_lock:
            with self.lock:
                if self.dead:
                    future.set_exception(ChildFailed("the parser process died"))
                    return future
                if not self.pending:
                    self.head_since = time.monotonic()
                self.pending.append(future)
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(frame(payload))
                self.proc.stdin.flush()
            except (OSError, ValueError):  # ValueError: end() closed the pipe meanwhile
                pass  # the reader sees the child's end and fails every page in it
        return future

    def _read(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        try:
            if _read_exact(fd, 1, time.monotonic() + self.seconds) != _READY:
                raise ChildFailed("the parser process did not start")
            with self.lock:
                self.head_since = time.monotonic()
            self.ready.set()
            while True:
                if not select.select([fd], [], [], 0.5)[0]:
                    with self.lock:
                        late = bool(self.pending) and time.monotonic() - self.head_since > self.seconds
                    if late:
                        raise ChildFailed(f"a page took the parser process over {self.seconds:g} s")
                    continue
                deadline = self.head_since + self.seconds
                size, crc = unframe_head(_read_exact(fd, _HEAD, deadline))
                data = _read_exact(fd, size, deadline)
                if zlib.crc32(data) != crc:
                    raise ChildFailed("the parser process's answer was damaged on its way")
                ok, answer = pickle.loads(data)
                with self.lock:
                    future = self.pending.popleft()
                    self.head_since = time.monotonic()  # the next page's time starts now
                if ok:
                    future.set_result(answer)
                else:  # a bug in the child: this item fails, the run goes on
                    future.set_exception(RuntimeError(f"in the parser process: {answer}"))
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, this child's pages must not wait forever
            self.end(exc if isinstance(exc, ChildFailed) else ChildFailed(f"{type(exc).__name__}: {exc}"[:300]))

    def end(self, why: ChildFailed) -> None:
        """Kill the child; every page still in it fails with `why`. Once: the reader thread and close()
        may both get here."""
        with self.lock:
            if self.dead:
                return
            self.dead = True
            pending, self.pending = list(self.pending), deque()
        peak = _peak_kib(self.proc.pid)
        if peak:
            CHILD_PEAKS_KIB.append(peak)
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.proc.wait(5)
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        for future in pending:
            future.set_exception(why)
        self._on_end(self)


class ParserChild:
    """One long-lived parser child fed by every fetching thread at once (see the module docstring).

    Pages are written to the child as they come and answered in order by a reader thread, so the
    child never waits for a fetching thread to get the GIL back. `command` is what starts the child;
    tests pass one whose child dies on a chosen page.
    """

    def __init__(self, command: list[str] | None = None, seconds: float = CHILD_SECONDS):
        self.command = command or [
            sys.executable, "-c", f"import sys; sys.path.insert(0, {_ROOT!r}); import ncgh.parse_pool as p; p.serve()",
        ]
        self.seconds = seconds
        self._lock = threading.Lock()
        self._retry_lock = threading.Lock()  # pages of a dead child are tried again one at a time
        self._gen: _Generation | None = None
        self._closed = False
        self.restarts = 0  # children that died or overran (for tests)

    def _generation(self) -> _Generation:
        with self._lock:
            if self._closed:
                raise RuntimeError("the parser process is closed")
            if self._gen is None or self._gen.dead:
                self._gen = _Generation(self.command, self.seconds, self._ended)
            return self._gen

    def warm(self) -> None:
        """Start the child now, so its imports (about 0.4 s) overlap the pages parsed in the threads."""
        self._generation()

    @property
    def ready(self) -> bool:
        """The child has started and waits for pages (a page sent before would wait for its imports)."""
        gen = self._gen
        return gen is not None and gen.ready.is_set() and not gen.dead

    def _ended(self, gen: _Generation) -> None:
        if not self._closed:
            with self._lock:
                self.restarts += 1

    def _ask(self, payload: bytes) -> Answer:
        return self._generation().send(payload).result()

    def interpret(self, *args: object) -> Answer:
        """interpret_and_prepare(*args) in the child; a page the child cannot survive twice is a parse error."""
        payload = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            return self._ask(payload)
        except ChildFailed:
            pass
        with self._retry_lock:
            try:
                return self._ask(payload)  # in a fresh child
            except ChildFailed as exc:
                reason = exc
        site, url, fetch, profile, paths, run_id, work_item_id = args[:7]
        capture = unparsed(site, url, fetch, profile, paths, f"the parser process failed on this page twice ({reason})",
                           run_id=run_id, work_item_id=work_item_id)
        return capture, prepare_capture(capture)

    def close(self) -> None:
        """Stop the child; a thread still waiting for it gets a closed error (its item fails)."""
        with self._lock:
            self._closed = True
            gen, self._gen = self._gen, None
        if gen is not None:
            gen.end(ChildFailed("the crawl closed the parser process"))


class ParserProcesses:
    """One crawl invocation's parser child: whether it gets one, and the child once started."""

    def __init__(self, processes: int, delay: float, start_after: int | None = None):
        # One core stays the crawl's own (fetching and the writer's SQL).
        self.enabled = processes >= 1 and usable_cpus() >= 2 and delay < MAX_DELAY
        self.start_after = START_AFTER if start_after is None else start_after
        self._lock = threading.Lock()
        self._seen = 0  # article pages asked about before the child started
        self._child: ParserChild | None = None

    def child(self) -> ParserChild | None:
        """The child for the next article page, or None: interpret it in the calling thread."""
        if not self.enabled:
            return None
        with self._lock:
            if self._child is None:
                self._seen += 1
                if self._seen <= self.start_after:
                    return None
                self._child = ParserChild()
                self._child.warm()
                atexit.register(self._child.close)
            child = self._child
        # Until the child has imported the parser, pages are parsed here rather than queued behind
        # its start; once it is up, a dead child is restarted by the child itself (ParserChild).
        return child if child.ready or child.restarts else None

    def close(self) -> None:
        with self._lock:
            child, self._child = self._child, None
            self.enabled = False
        if child is not None:
            child.close()
            atexit.unregister(child.close)


def serve(work=interpret_and_prepare) -> None:  # noqa: ANN001 - a test passes its own callable
    """The child's loop: framed pickled args in on stdin, framed (ok, answer) out on stdout."""
    sink = enter_child(CHILD_MEMORY)  # the answers' own stdout; what else is printed goes to stderr
    source = sys.stdin.buffer
    sink.write(_READY)
    sink.flush()
    while True:
        head = source.read(_HEAD)
        if len(head) < _HEAD:
            return  # the crawl closed the pipe (or died)
        size, crc = unframe_head(head)
        data = source.read(size)
        if len(data) < size or zlib.crc32(data) != crc:
            return  # a cut or damaged request: the crawl sees this child end and tries the page again
        args = pickle.loads(data)
        try:
            answer: tuple[bool, object] = (True, work(*args))
        except MemoryError:
            answer = (False, "MemoryError")
        except Exception as exc:  # noqa: BLE001 - reported to the crawl, which fails the item
            answer = (False, f"{type(exc).__name__}: {exc}"[:500])
        out = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        sink.write(frame(out))
        sink.flush()
