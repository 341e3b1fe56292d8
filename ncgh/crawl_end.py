"""How one `ncgh crawl` invocation ends: its summary filled in, stored in the run's row, alerts sent.

Split from ncgh.crawl (which runs the queue) because every way an invocation ends (finished, paused,
interrupted, unreachable, lost, blocked) goes through the same steps, in this order.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from archive.store import Archive
from archive.vocab import RunStatus
from ncgh.config import Config
from ncgh.crawl_blocks import BlockWatch
from ncgh.crawl_summary import CrawlSummary, add_discovery_counts, conclude, run_stats
from ncgh.discovery import Discovery
from ncgh.drift import add_extractor_counts
from ncgh.record_fields import iso_utc
from ncgh.report import Reporter
from ncgh.source_health import SourceHealth, end_of_run_health

# Statuses that end a run for good; any other leaves the run open for the next crawl to resume.
ENDED = (RunStatus.FINISHED, RunStatus.UNREACHABLE, RunStatus.LOST)


def close_invocation(
    config: Config,
    archive: Archive,
    summary: CrawlSummary,
    status: RunStatus,
    base_url: str,
    clock_start: datetime,
    elapsed: float,
    reporter: Reporter,
    *,
    discovery: tuple[Discovery, SourceHealth] | None,
    last_failure: str | None,
    no_response_streak: int,
    block_watch: BlockWatch,
) -> None:
    """Fill `summary` from the archive, store it in the run's row, warn about drift and failing sources,
    and send the alerts. `discovery` is None when the invocation stopped before it was planned."""
    run_id = summary.run_id
    for key, value in run_stats(archive, run_id).items():
        setattr(summary, key, value)
    drift = add_extractor_counts(summary, archive.conn, run_id, config.calibrate.drift_drop)
    if drift is not None and status != RunStatus.INTERRUPTED:
        reporter.warning(drift)
    if discovery is not None:
        disc, health = discovery
        add_discovery_counts(summary, disc)
        end_of_run_health(archive, run_id, health, config.discovery.source_warn_after, summary, reporter)
    if status == RunStatus.FINISHED and summary.requests and not archive.holds_articles(config.site.name):
        summary.no_articles = True
        summary.warnings.append(_found_nothing(config, summary))
        reporter.warning(summary.warnings[-1])
    summary.elapsed = round(elapsed, 3)
    summary.finished_at = iso_utc(clock_start + timedelta(seconds=summary.elapsed))
    conclude(summary, status, base_url, last_failure, no_response_streak)
    if status == RunStatus.BLOCKED:
        summary.message = block_watch.message()
    # Alerts: never raise, never change the exit code (ncgh/notify.py). Not while stopping on Ctrl-C /
    # SIGTERM: the run is resumed under its id, and its end queues all of its events then.
    alerts = bool(config.notify.urls) and status != RunStatus.INTERRUPTED
    _store(archive, summary, status, alerts, config, reporter)
    if alerts:
        from ncgh.notify import notify_after_run

        warnings = notify_after_run(config.notify, archive, config.site.name, reporter)
        if warnings:  # the stored summary says so too
            summary.warnings.extend(warnings)
            _store(archive, summary, status, False, config, reporter)


def _store(archive: Archive, summary: CrawlSummary, status: RunStatus, alerts: bool, config: Config,
           reporter: Reporter) -> None:
    """Store the summary in the run's row (an ended run's for good; a paused or interrupted run's so
    far: the row stays open, the resuming crawl counts on), and queue the run's alerts in the same
    transaction: a crawl killed between the two would otherwise end the run with its alerts unqueued,
    and no later crawl would send them."""
    def store() -> None:
        if status in ENDED:
            archive.queue.finish_run(summary.run_id, summary.finished_at, status, summary.to_json())
        else:
            archive.queue.stop_run(summary.run_id, status, summary.to_json())

    with archive.atomic():
        store()  # its own failure propagates, as any write's: the run stays open for the next crawl
        if not alerts:
            return
        from ncgh.notify import queue_run_alerts

        try:
            with archive.atomic():  # a savepoint: a queueing failure undoes the queueing alone
                queue_run_alerts(archive, config.notify, summary.run_id)
        except Exception as exc:  # an alert problem must not lose the run's summary
            summary.warnings.append(
                f"notify: this run's changes could not be queued ({type(exc).__name__}: {exc}); they will not be"
                f" sent: `ncgh changes --since {summary.started_at[:10]}` lists them"
            )
            reporter.warning(summary.warnings[-1])
            store()


def _found_nothing(config: Config, summary: CrawlSummary) -> str:
    """What to do when a finished crawl archived no article at all: the code found no way in."""
    sources = ", ".join(f"{r.source} {r.status} ({r.requests} requests)" for r in summary.sources) or "none"
    return (
        f"no article found: {summary.requests} requests ({sources}) and no page linked a URL of"
        f" [site] article_paths ({', '.join(config.site.article_paths)}). If the site's article URLs have"
        " another form, set article_paths; if its lists are not linked from the home page, add them to"
        " [discovery] roots; `ncgh crawl --mode full` walks [discovery] id_range"
    )
