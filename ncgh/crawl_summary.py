"""What a crawl run reports: its status, exit code, counters and the one-line summary.

The counters are read back from what the archive stores for the run (captures, events, the work
queue), not counted in memory, so the summary of a run resumed after kill -9 covers all its parts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from archive.model import CaptureIn, CaptureResult
from archive.store import Archive
from archive.vocab import EventKind, RunMode, RunStatus
from ncgh.discovery import Discovery
from ncgh.source_health import SourceReport
from scraper.records import Extractor

EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_BLOCKED = 69  # EX_UNAVAILABLE: a WAF answers with block pages; the next crawl resumes the run
EXIT_LOCKED = 75
EXIT_INTERRUPTED = 130

@dataclass
class CrawlSummary:
    """The outcome of one invocation; counters cover the whole run (earlier, killed parts included)."""

    run_id: int | None
    mode: str
    status: RunStatus
    resumed: bool = False
    requests: int = 0  # work items fetched (each one fetch, retries inside it not counted)
    fetched: int = 0  # answers 2xx
    not_modified: int = 0
    new_articles: int = 0
    new_versions: int = 0  # later versions of known articles (edits); new articles not included
    unchanged: int = 0  # article captures that matched the current version
    gone: int = 0
    restored: int = 0
    missing: int = 0  # article captures showing the article missing (gone after a streak)
    errors: int = 0  # fetch_errors + parse_errors
    fetch_errors: int = 0
    parse_errors: int = 0
    blocked: int = 0  # captures that were a WAF's block page (never missing, never a version)
    blocked_left: int = 0  # work items whose answer was a block page, not fetched since: the next crawl retries them
    # Missing answers of live articles not recorded: the site as a whole said missing (ncgh.crawl_missing).
    missing_held: int = 0
    # The run finished and the archive holds no article of the site: discovery found its way to none.
    no_articles: bool = False
    footer_changes: int = 0
    discovered: int = 0  # new article ids found by lists, the API and the id walk
    revisits: int = 0  # known articles planned for a revisit
    probes: int = 0  # ids probed by the id walk
    snapshot: int = 0  # known articles planned for recapture by --mode snapshot
    snapshot_left: int = 0  # of those, not recaptured yet (pending or blocked): the next crawl resumes them
    pending: int = 0  # work items left (non-zero only for a paused or interrupted run)
    # Counted by this invocation's discovery (not read back from the archive: a resumed run counts
    # only its own pages): numbers on list/API pages that are no article id (2**63, 10**40 ...).
    skipped_ids: int = 0
    capped_pages: int = 0  # pages that showed more than [discovery] max_new_per_page articles to queue
    capped_ids: int = 0  # the articles those pages showed beyond it, left for the next run
    # Each discovery source's health in this invocation (ncgh/source_health.py; table run_sources).
    sources: list[SourceReport] = field(default_factory=list)
    # Errors of sources failing `source_warn_after` runs in a row: warned about, not counted in the exit code.
    source_errors_ignored: int = 0
    warnings: list[str] = field(default_factory=list)
    started_at: str = ""
    finished_at: str = ""
    elapsed: float = 0.0
    exit_code: int = 0
    message: str | None = None
    # Article pages parsed by each extractor and the warnings they gave (ncgh.drift), the profile's
    # share of them, and the warning a drop of that share below the previous runs' gave.
    by_extractor: dict[str, int] = field(default_factory=dict)
    by_warning: dict[str, int] = field(default_factory=dict)
    profile_share: float | None = None
    drift_warning: str | None = None
    changes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("changes")
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def one_line(self) -> str:
        text = (
            f"crawl: run {self.run_id} {self.mode} {self.status}: {self.requests} requests, "
            f"{self.fetched} fetched, {self.not_modified} not modified, {self.new_articles} new, "
            f"{self.new_versions} edited, {self.unchanged} unchanged, {self.gone} gone, "
            f"{self.restored} restored, {self.errors} errors"
        )
        if self.blocked:
            text += f", {self.blocked} block pages from a WAF"
            if self.blocked_left and self.status not in (RunStatus.PAUSED, RunStatus.INTERRUPTED, RunStatus.BLOCKED):
                text += f" ({self.blocked_left} retried by the next crawl)"
        if self.missing_held:
            text += f", {self.missing_held} missing answers of live articles not recorded (the site as a whole said missing)"
        if self.no_articles:
            text += ", no article found (see the warning)"
        if self.footer_changes:
            text += f", footer changed {self.footer_changes}x"
        if self.by_extractor.get(Extractor.FALLBACK):
            text += f", {self.by_extractor[Extractor.FALLBACK]} article pages parsed by the fallback"
        if self.skipped_ids:
            text += f", {self.skipped_ids} ids out of range skipped"
        if self.capped_ids:
            text += f", {self.capped_ids} ids over max_new_per_page left for the next run ({self.capped_pages} pages)"
        if self.sources:
            text += ", sources: " + ", ".join(
                f"{r.source} {r.status} ({r.found} ids, {r.new_ids} new, {r.failures} failed)" for r in self.sources
            )
        if self.mode == RunMode.SNAPSHOT:
            text += f"; snapshot: {self.snapshot - self.snapshot_left} of {self.snapshot} known articles recaptured"
            if self.snapshot_left:
                text += f", {self.snapshot_left} to go"
        if self.pending and self.status in (RunStatus.PAUSED, RunStatus.INTERRUPTED, RunStatus.BLOCKED):
            text += f", {self.pending} left for the next crawl"
        text += f" ({self.elapsed:.1f}s)"
        if self.message:
            text += f" - {self.message}"
        return text


def run_stats(archive: Archive, run_id: int) -> dict[str, int]:
    """The run's counters from what is stored, so a resumed run's summary covers all its parts."""
    return archive.queue.run_counts(run_id)


def add_discovery_counts(summary: CrawlSummary, disc: Discovery) -> None:
    """Copy what discovery counted in this invocation (ids skipped ...) into the summary."""
    summary.skipped_ids = disc.skipped_ids
    summary.capped_pages = disc.capped_pages
    summary.capped_ids = disc.capped_ids


def conclude(summary: CrawlSummary, status: RunStatus, base_url: str, last_failure: str | None, silent_streak: int) -> None:
    """Set the summary's status, exit code and message once the run's counters are in."""
    summary.status = status
    if status == RunStatus.UNREACHABLE:
        summary.exit_code = EXIT_UNREACHABLE
        summary.message = f"the site could not be reached ({base_url}); last error: {last_failure}"
    elif status == RunStatus.INTERRUPTED:
        summary.exit_code = EXIT_INTERRUPTED
        summary.message = "interrupted; the next crawl resumes this run"
    elif status == RunStatus.BLOCKED:
        summary.exit_code = EXIT_BLOCKED  # the message (what was seen) is the crawl's BlockWatch's
    else:
        # pages still blocked at the end are retried next run, but were not archived: say so
        failed = summary.errors > summary.source_errors_ignored
        trouble = failed or summary.blocked_left or summary.missing_held or summary.no_articles
        summary.exit_code = EXIT_ERRORS if trouble else EXIT_OK
        if status == RunStatus.PAUSED:
            summary.message = "--max-requests reached; the next crawl resumes this run"
    if status == RunStatus.LOST:
        summary.message = (
            f"the site stopped answering ({silent_streak} requests in a row without an answer);"
            f" last error: {last_failure}"
        )


def change_messages(capture: CaptureIn, result: CaptureResult) -> list[str]:
    """The lines a recorded capture adds to the run's changes: its article event, a footer change."""
    if result.duplicate:
        return []
    messages: list[str] = []
    title = capture.content.title if capture.content is not None else None
    aid = capture.article_id
    message = None
    if result.event == EventKind.NEW:
        message = f"new article {aid}: {title}"
    elif result.event == EventKind.EDITED:
        message = f"edited article {aid} (v{result.version}): {', '.join(result.changed_fields)}"
    elif result.event == EventKind.GONE:
        message = f"article {aid} gone ({capture.missing_reason})"
    elif result.event == EventKind.RESTORED:
        message = f"article {aid} restored"
        if result.changed_fields:
            message += f" and edited (v{result.version}): {', '.join(result.changed_fields)}"
    if message:
        messages.append(message)
    if result.footer_changed:
        messages.append(f"site footer changed (seen on {capture.url})")
    return messages
