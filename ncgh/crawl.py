"""The crawl engine behind `ncgh crawl`: plan a run, work through its queue, record every capture.

A run's whole plan lives in the archive's work queue (`work_items`), written before anything is
fetched; each capture is recorded in the same transaction as marking its item done (a group commit
holds up to [archive] commit_captures of them, docs/schema.md "Durability"). A crawl killed at any
point (kill -9 included) is therefore resumed by the next invocation, which finds the unfinished run
and continues its pending items; repeating the items of the group in flight cannot create a second
version because record_capture is idempotent and versions follow content.

Planning lives in ncgh.crawl_plan, the summary and exit codes in ncgh.crawl_summary, the
worker-thread half (fetch, parse, prepare) in ncgh.crawl_fetch, the error lines in
ncgh.crawl_complaints; this module runs the queue. Fetching uses a small thread pool (the fetcher
enforces the per-host delay and concurrency); parsing, and the capture's database-free recording work
(archive.prepare), happen in the fetching thread, or for article pages of a fast crawl in a parser
process (ncgh.parse_pool); SQLite is written from the calling thread only.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from datetime import UTC, datetime
from pathlib import Path

from archive.model import CaptureIn, CaptureResult
from archive.queue import WorkItem
from archive.store import Archive
from archive.vocab import (
    ARTICLE_WORK,
    ArticleStatus,
    Outcome,
    RunMode,
    RunStatus,
    WorkKind,
    WorkState,
)
from ncgh.assets import AssetWork
from ncgh.auto_calibrate import AutoCalibration
from ncgh.calibrate import active_profile
from ncgh.config import Config, to_block_rules, to_fetch_policy
from ncgh.crawl_actions import Action, action_for
from ncgh.crawl_blocks import BlockWatch
from ncgh.crawl_complaints import Complaints
from ncgh.crawl_end import close_invocation
from ncgh.crawl_fetch import Done, FetchWork
from ncgh.crawl_follow import DiscoveryFollow
from ncgh.crawl_missing import LIVE_OUTCOMES, MissingWatch
from ncgh.crawl_plan import open_run, plan_run
from ncgh.crawl_stop import stop_fetcher, stop_inflight
from ncgh.crawl_summary import CrawlSummary, change_messages
from ncgh.discovery import Discovery
from ncgh.discovery_read import ignore_answer
from ncgh.lock import CrawlLock
from ncgh.parse_pool import ParserProcesses
from ncgh.report import Reporter
from ncgh.source_health import SourceHealth
from ncgh.workers import DaemonPool
from scraper.fetch import Fetcher
from scraper.parse import parser_version_for

__all__ = ["MODES", "run_crawl"]

MODES = tuple(m.value for m in RunMode)  # the --mode choices

# A run whose first fetches all got no answer at all stops early: the site (or network) is down,
# and trying every queued page with retries and backoff would only take hours to say so.
UNREACHABLE_AFTER = 8
# A site that stops answering mid-run: after this many fetches in a row without any answer the run
# ends (exit 1) instead of spending hours on retries; its failures are carried into the next run.
LOST_AFTER = 30
REFILL = 64  # pending items read from the queue at a time


def _now() -> datetime:
    return datetime.now(UTC)


class _Crawl:
    """One invocation's state; run_crawl() is the public entry point."""

    def __init__(
        self,
        config: Config,
        archive: Archive,
        base_url: str,
        mode: RunMode,
        max_requests: int | None,
        delay: float | None,
        reporter: Reporter,
        now: datetime,
        fetcher_factory: Callable[..., Fetcher],
    ):
        self.cfg = config
        self.archive = archive
        self.base_url = base_url
        self.mode = mode
        self.max_requests = max_requests
        self.delay = delay
        self.reporter = reporter
        self.now = now
        self.fetcher_factory = fetcher_factory
        self.site = config.site.name
        self._start_profile = active_profile(config, archive.path)
        self.auto = AutoCalibration(config, archive, self._start_profile, reporter)
        self.block_watch = BlockWatch(config.blocks.stop_after)
        self.missing_watch: MissingWatch[tuple[Done, CaptureIn, Action]] = MissingWatch(config.archive.hold_missing_after)
        self.live_ids: set[int] = set()  # articles seen live at their last capture when the run was planned
        self.requests = 0
        self.responses = 0
        self.no_response_streak = 0
        self._marks: list[int] = []
        self.last_failure: str | None = None
        self.complaints = Complaints(reporter)  # held back while the site has not answered yet
        self._dirty = True

    # ---- planning ----
    def setup(self, run_id: int, run_started_at: str, fresh: bool) -> int:
        """Build discovery state; for a fresh run (or one killed while planning) queue the plan."""
        facts = list(self.archive.queue.article_states(self.site))  # what discovery and the schedule need
        all_ids = {f.article_id for f in facts}
        known = {f.article_id for f in facts if f.first_seen < run_started_at}
        gone = {f.article_id for f in facts if f.status == ArticleStatus.GONE}
        # Seen live at their last capture: an article already missing once is on its way to gone, and
        # its confirmations come in a row at the head of the plan (never a sign the site went wrong).
        self.live_ids = {f.article_id for f in facts if f.status == ArticleStatus.LIVE and not f.missing_streak}
        self.disc = Discovery(self.cfg, self.base_url, self.mode, known, gone)
        self.health = SourceHealth(self.mode, self.disc.sources)
        self.all_ids = all_ids
        self.disc.probe_ceiling = self.disc.initial_probe_ceiling(all_ids)
        self.follow = DiscoveryFollow(self.disc, self.health, self.archive.hubs, self.site, self.reporter, all_ids)
        policy = to_fetch_policy(self.cfg, self.base_url, delay=self.delay)
        self.assets = AssetWork(self.cfg.assets, self.archive, self.site, policy)
        self.fetching = FetchWork(
            self.site, self.base_url, tuple(self.cfg.site.article_paths), to_block_rules(self.cfg), self._start_profile,
            self.assets, stored_hubs={h.url for h in self.archive.hubs.hubs(self.site)},
            parsers=ParserProcesses(self.cfg.crawl.parser_processes, policy.delay),  # started lazily; closed by work()
            list_groups=self.disc.list_groups,
        )
        queued = plan_run(self.cfg, self.archive, self.disc, facts, run_id, self.mode, self.now, self.base_url) if fresh else 0
        # After the plan (an empty queue means "killed while planning"); on resuming too: idempotent.
        return queued + self.assets.plan(run_id, self.now)

    # ---- main thread ----
    def _handle(self, run_id: int, done: Done, summary: CrawlSummary) -> None:
        item, capture, fetch = done.item, done.capture, done.fetch
        if done.crash is not None or capture is None or fetch is None:
            self.archive.queue.mark(item.id, WorkState.FAILED)
            self.reporter.error(f"{item.url}: internal error: {done.crash}")
            self.reporter.done(item.url, "crash")
            return
        if capture.parser_version not in (None, parser_version_for(self.fetching.profile)):  # before a calibration
            capture = done.capture = self.fetching.reinterpret(done, run_id)
        if fetch.status is None:  # no answer at all (robots.txt unreachable counts: nothing may be fetched)
            self.no_response_streak += 1
            self.last_failure = f"{fetch.error}: {fetch.error_detail}"
        else:
            self.responses += 1
            self.no_response_streak = 0
            self.complaints.say_held()
            said = self.block_watch.answer(item.url, capture.outcome, capture.error_detail)
            if said is not None:
                self.reporter.warning(said)
        read = done.read
        if read is not None and (read.refused or read.absent):
            ignore_answer(self.archive.queue, self.health, self.reporter, item, read)
            return
        action = action_for(item.kind, capture.outcome, capture.error)
        if item.kind in ARTICLE_WORK and capture.outcome in LIVE_OUTCOMES:
            for held in self.missing_watch.live():  # a live article page: what was held were deletions
                self._record(run_id, *held, summary)
        children = self.follow.children(item, capture, read, action)
        if children:
            added = self.archive.queue.enqueue(run_id, children)
            if added:
                self._dirty = True
                self.reporter.queued(added)
        if not action.record:
            if action.mark == WorkState.MISSING:
                self._marks.append(item.id)  # batched: see _flush_marks
            elif action.mark is not None:
                self.archive.queue.mark(item.id, action.mark)
            self.complaints.say(item.url, capture, fetch, action.complaint, self.responses > 0)
            self.reporter.done(item.url, capture.outcome)
            return
        if item.kind in ARTICLE_WORK and self._held(done, capture, action):
            return
        self._record(run_id, done, capture, action, summary)

    def _held(self, done: Done, capture: CaptureIn, action: Action) -> bool:
        """Hold a live article's missing answer while the site as a whole may be saying missing
        (ncgh.crawl_missing); once the streak is too long, drop it and what was held."""
        watch = self.missing_watch
        if capture.outcome != Outcome.MISSING or capture.article_id not in self.live_ids:
            return False
        if not watch.hold(done.item.id, (done, capture, action), done.item.url, capture.missing_reason):
            return False
        for dropped, _, _ in watch.to_drop():
            self.archive.queue.mark(dropped.item.id, WorkState.FAILED)  # the next crawl asks again
            self.reporter.done(dropped.item.url, "held")
        return True

    def release_held(self, run_id: int, summary: CrawlSummary) -> None:
        """The end of the invocation: record the missing answers still held (their streak stayed short)."""
        for held in self.missing_watch.release():
            self._record(run_id, *held, summary)

    def _record(self, run_id: int, done: Done, capture: CaptureIn, action: Action, summary: CrawlSummary) -> None:
        item, fetch = done.item, done.fetch
        try:
            result = self.archive.record_capture(capture, done.prepared)
        except ValueError as exc:  # the archive refused this capture: say so, keep the rest going
            self.archive.queue.mark(item.id, WorkState.FAILED)
            self.reporter.error(f"{item.url}: not recorded: {exc}")
            self.reporter.done(item.url, "refused")
            return
        if action.mark is not None:
            self.archive.queue.mark(item.id, action.mark)
        learned = self.auto.after(capture)
        if learned is not None:
            self.fetching.profile = learned  # the rest of the run parses with what its first pages taught
        if self.assets.after_record(run_id, capture, result):
            self._dirty = True
        self.complaints.say(item.url, capture, fetch, action.complaint, self.responses > 0)
        self._report_change(capture, result, summary)
        self.reporter.done(item.url, capture.outcome)

    def _report_change(self, capture: CaptureIn, result: CaptureResult, summary: CrawlSummary) -> None:
        for message in change_messages(capture, result):
            summary.changes.append(message)
            self.reporter.change(message)

    def _flush_marks(self) -> None:
        """Mark the batched probe misses done, in one transaction (one fsync instead of hundreds).

        Losing a batch to a crash only means probing those ids again: a miss records nothing.
        """
        if not self._marks:
            return
        self.archive.queue.mark_many(self._marks, WorkState.MISSING)
        self._marks.clear()

    def _refill(self, run_id: int, inflight: dict[int, Future[Done]], buffer: deque[WorkItem]) -> None:
        self._flush_marks()
        buffer.clear()
        held = self.missing_watch.held_ids()  # answered, still pending in the queue: never asked twice
        for item in self.archive.queue.pending(run_id, limit=len(inflight) + len(held) + REFILL):
            if item.id not in inflight and item.id not in held:
                buffer.append(item)
        self._dirty = False

    def work(self, run_id: int, summary: CrawlSummary) -> RunStatus:
        """Fetch and record until the queue is empty; returns the invocation's status."""
        policy = to_fetch_policy(self.cfg, self.base_url, delay=self.delay)
        workers = max(1, self.cfg.fetch.concurrency_per_host)
        status = RunStatus.FINISHED
        inflight: dict[int, Future[Done]] = {}
        buffer: deque[WorkItem] = deque()
        self._dirty = True

        def limited() -> bool:
            return self.max_requests is not None and self.requests >= self.max_requests

        commits = self.archive.group_commits(self.cfg.archive.commit_captures, self.cfg.archive.commit_seconds)
        with self.fetcher_factory(policy) as fetcher, commits as group:
            pool = DaemonPool(workers, "ncgh-fetch")
            stopped = False
            try:
                while True:
                    while status == RunStatus.FINISHED and not limited() and len(inflight) < 2 * workers:
                        if self._dirty or not buffer:
                            self._refill(run_id, inflight, buffer)
                        if not buffer:
                            break
                        item = buffer.popleft()
                        if self.health.refused(WorkKind(item.kind)):  # its source needs a login this run
                            self.archive.queue.mark(item.id, WorkState.IGNORED)
                            continue
                        inflight[item.id] = pool.submit(self.fetching.run, fetcher, item, run_id)
                        self.requests += 1
                    if not inflight:
                        self.release_held(run_id, summary)  # the streak stayed short: those are the site's deletions
                        self._flush_marks()
                        if status == RunStatus.FINISHED and limited() and self.archive.queue.pending(run_id, limit=1):
                            status = RunStatus.PAUSED
                        break
                    # Wake up for the open group transaction's deadline too: it commits on time.
                    finished, _ = wait(list(inflight.values()), timeout=group.remaining(), return_when=FIRST_COMPLETED)
                    for future in finished:
                        done = future.result()
                        del inflight[done.item.id]
                        self._handle(run_id, done, summary)
                    if group.due():
                        group.commit()
                    if status == RunStatus.FINISHED and self.responses == 0 and self.no_response_streak >= UNREACHABLE_AFTER:
                        status = RunStatus.UNREACHABLE  # stop submitting; what is in flight is still recorded
                    elif status == RunStatus.FINISHED and self.no_response_streak >= LOST_AFTER:
                        status = RunStatus.LOST
                    elif status == RunStatus.FINISHED and self.block_watch.stop:
                        status = RunStatus.BLOCKED  # stop submitting, as above; the run stays open
            except KeyboardInterrupt:
                status, stopped = RunStatus.INTERRUPTED, True
                for done in stop_inflight(fetcher, inflight):
                    self._handle(run_id, done, summary)
                self._flush_marks()
            except BaseException:  # e.g. the archive cannot be written: end now, never wait on a worker
                stopped = True
                stop_fetcher(fetcher)
                raise
            finally:
                pool.shutdown(wait=not stopped)
                self.fetching.parsers.close()
        if self.missing_watch.tripped:
            summary.missing_held = self.missing_watch.dropped
            summary.warnings.append(self.missing_watch.warning())
            self.reporter.warning(self.missing_watch.warning())
        if status == RunStatus.FINISHED and self.requests > 0 and self.responses == 0:
            status = RunStatus.UNREACHABLE
        if status == RunStatus.UNREACHABLE:
            self.complaints.drop_held()
            kind = (self.last_failure or "no answer").split(":", 1)[0]
            self.reporter.error(
                f"the site could not be reached ({self.base_url}): none of {self.requests} requests got an answer"
                f" (last: {kind}); nothing was fetched, the next crawl tries again"
            )
        else:
            self.complaints.say_held()
        return status


def run_crawl(
    config: Config,
    db_path: str | Path,
    base_url: str | None = None,
    mode: RunMode = RunMode.INCREMENTAL,
    max_requests: int | None = None,
    delay: float | None = None,
    reporter: Reporter | None = None,
    now: datetime | None = None,
    fetcher_factory: Callable[..., Fetcher] = Fetcher,
) -> CrawlSummary:
    """Crawl `config`'s site (or `base_url`) into the archive at `db_path`; never two at once.

    Resumes the archive's unfinished run if there is one (its mode and base URL win). `now` (default:
    the real time) is the run's start time and the moment the revisit schedule plans for; captures
    carry the fetcher's time, so a simulated timeline passes a fetcher_factory whose Fetcher has a
    matching `utcnow` (see ncgh.demo). Raises ncgh.lock.LockHeld when another crawl holds the archive.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    mode = RunMode(mode)
    if max_requests is not None and max_requests < 0:
        raise ValueError("max_requests must be >= 0")
    reporter = reporter or Reporter()
    started = time.monotonic()
    clock_start = now or _now()
    base = (base_url or config.site.base_url).rstrip("/")
    with CrawlLock(db_path), Archive(db_path, gone_after=config.archive.gone_after) as archive:
        run = open_run(archive, config, mode, base, max_requests, delay, clock_start, reporter)
        run_id, mode, base, run_started_at, resumed = run.run_id, run.mode, run.base_url, run.started_at, run.resumed
        crawl = _Crawl(
            config, archive, base, mode, max_requests, delay, reporter, clock_start, fetcher_factory
        )
        summary = CrawlSummary(run_id=run_id, mode=mode, status=RunStatus.RUNNING, resumed=resumed, started_at=run_started_at)
        if resumed:
            archive.queue.reopen_run(run_id)
            archive.queue.requeue_blocked(run_id)  # a block page said nothing: that work is still to do
        try:
            crawl.setup(run_id, run_started_at, run.fresh)
            counts = archive.queue.queue_counts(run_id)
            reporter.start(run_id, mode, resumed, counts.get(WorkState.PENDING, 0))
            status = crawl.work(run_id, summary)
        except KeyboardInterrupt:  # Ctrl-C / SIGTERM while planning: the next crawl plans the run again
            status = RunStatus.INTERRUPTED
        finally:
            reporter.close()
        close_invocation(
            config, archive, summary, status, base, clock_start, time.monotonic() - started, reporter,
            discovery=(crawl.disc, crawl.health) if hasattr(crawl, "disc") else None,
            last_failure=crawl.last_failure, no_response_streak=crawl.no_response_streak,
            block_watch=crawl.block_watch,
        )
        reporter.finish(summary)
        return summary
