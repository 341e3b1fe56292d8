"""Planning a crawl run: the run resumed or started, and the work items queued before anything is fetched.

A fresh run queues discovery seeds, the revisits the `[revisit] policy` (ncgh.revisit_rates) picks within the
budget, what failed in the previous run and would leave a gap, and for a full crawl every gone
article and the id walk; a snapshot run queues every known article instead of the revisits
(ncgh.snapshot). Everything goes into the archive's work queue at once, so a run killed
after planning resumes exactly this plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from zoneinfo import ZoneInfo

from archive.queue import ArticleState, WorkItem
from archive.store import Archive
from archive.vocab import ArticleStatus, RunMode, WorkKind
from ncgh.config import Config
from ncgh.discovery import Discovery
from ncgh.discovery_read import rebase
from ncgh.record_fields import iso_utc
from ncgh.report import Reporter
from ncgh.revisit_rates import choose_revisits
from ncgh.schedule import GONE_RECHECK, PRIORITY
from ncgh.snapshot import snapshot_items


@dataclass(frozen=True)
class RunStart:
    """The run an invocation works on: the archive's unfinished one, resumed, or a new one."""

    run_id: int
    mode: RunMode
    base_url: str
    started_at: str
    resumed: bool
    fresh: bool  # its plan is still to be queued (a new run, or one killed while planning)


def open_run(
    archive: Archive,
    config: Config,
    mode: RunMode,
    base_url: str,
    max_requests: int | None,
    delay: float | None,
    now: datetime,
    reporter: Reporter,
) -> RunStart:
    """Resume the archive's unfinished run (its mode and base URL win over the arguments), or start
    one at `now` recording the config and arguments it runs with."""
    run = archive.queue.unfinished_run()
    if run is not None:
        if mode != run.mode:
            # A warning, shown under --quiet too: a monthly `--mode full --quiet` cron line that meets an
            # interrupted daily run must not skip that month's full crawl without a word (found by review).
            reporter.warning(f"crawl: --mode {mode} not run: resuming the unfinished {run.mode} run {run.run_id}"
                             f" first; run `ncgh crawl --mode {mode}` again after it")
        base = base_url
        try:
            stored = json.loads(run.config_json)
            base = stored.get("base_url", base).rstrip("/")
        except (ValueError, AttributeError):
            pass
        fresh = not archive.queue.queue_counts(run.run_id)  # killed while planning: plan again
        return RunStart(run.run_id, RunMode(run.mode), base, run.started_at, resumed=True, fresh=fresh)
    run_config = json.loads(config.to_json())
    run_config.update({"base_url": base_url, "mode": mode, "max_requests": max_requests, "delay": delay})
    run_id = archive.queue.start_run(mode, iso_utc(now), json.dumps(run_config, ensure_ascii=False))
    started_at = archive.queue.run_info(run_id).started_at
    return RunStart(run_id, mode, base_url, started_at, resumed=False, fresh=True)


def failed_items_of_last_run(archive: Archive, base_url: str) -> list[WorkItem]:
    """Work that failed in the previous finished run and that no revisit would redo on its own.

    Pages of articles not yet archived and list pages leave a gap when their fetch fails; carrying
    them into the next run fills it (known articles are retried by the revisit schedule anyway).
    They are moved onto the current base URL, which may differ from the last run's.
    """
    return [
        WorkItem(rebase(w.url, base_url), w.kind, w.article_id, w.priority) for w in archive.queue.failed_of_last_run()
    ]


def plan_run(
    cfg: Config, archive: Archive, disc: Discovery, facts: list[ArticleState], run_id: int, mode: RunMode,
    now: datetime, base_url: str,
) -> int:
    """Queue a fresh run's whole plan (see the module docstring); returns the items added."""
    # Ids earlier full crawls found empty hold nothing but "this id did not exist then" (the run rows
    # keep the counts): forget them, keeping items with a capture and everything of this run.
    archive.queue.prune_probe_misses(run_id)
    # The stored hubs, those that last showed a new article first, at most hub_pages of them.
    items = disc.seeds(archive.hubs.hubs(cfg.site.name, limit=cfg.discovery.hub_pages))
    if mode == RunMode.SNAPSHOT:  # every known article once (ncgh.snapshot), instead of the revisits due
        items += snapshot_items(disc, facts)
    revisits = [] if mode == RunMode.SNAPSHOT else choose_revisits(
        archive.conn, cfg.site.name, facts, cfg.revisit, now, ZoneInfo(cfg.site.timezone),
        archive.queue.first_finished_at(),
    )
    for r in revisits:
        item = disc.article_item(r.article_id, priority=r.priority, kind=WorkKind.REVISIT)
        item.etag, item.last_modified = r.etag, r.last_modified
        items.append(item)
    items += failed_items_of_last_run(archive, base_url)
    if mode == RunMode.FULL:
        # A full crawl also rechecks every gone article: unlinked ones are restored silently.
        planned = {r.article_id for r in revisits}
        items += [
            disc.article_item(f.article_id, priority=PRIORITY[GONE_RECHECK], kind=WorkKind.REVISIT)
            for f in facts
            if f.status == ArticleStatus.GONE and f.article_id not in planned
        ]
        lo = cfg.discovery.id_range[0]
        # Streamed into the queue (still one transaction), never held as a list.
        probes = disc.iter_probes({f.article_id for f in facts}, lo, disc.probe_ceiling)
        return archive.queue.enqueue(run_id, chain(items, probes))
    # The frontier probe: the ids just above the highest seen (new articles no page links).
    items += disc.frontier_probes({f.article_id for f in facts})
    return archive.queue.enqueue(run_id, items)
