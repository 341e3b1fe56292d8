"""Planning a crawl run: the work items queued before anything is fetched.

A fresh run queues discovery seeds, the revisits the schedule (ncgh.schedule) picks within the
budget, what failed in the previous run and would leave a gap, and for a full crawl every gone
article and the id walk. Everything goes into the archive's work queue at once, so a run killed
after planning resumes exactly this plan.
"""

from __future__ import annotations

from datetime import datetime
from itertools import chain
from zoneinfo import ZoneInfo

from archive.store import Archive, ArticleState, WorkItem
from ncgh.config import Config
from ncgh.discovery import KIND_REVISIT, Discovery, rebase
from ncgh.schedule import GONE_RECHECK, PRIORITY, plan_revisits


def failed_items_of_last_run(archive: Archive, base_url: str) -> list[WorkItem]:
    """Work that failed in the previous finished run and that no revisit would redo on its own.

    Pages of articles not yet archived and list pages leave a gap when their fetch fails; carrying
    them into the next run fills it (known articles are retried by the revisit schedule anyway).
    They are moved onto the current base URL, which may differ from the last run's.
    """
    row = archive.conn.execute(
        "SELECT id FROM runs WHERE status != 'running' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return []
    rows = archive.conn.execute(
        "SELECT url, kind, article_id, priority FROM work_items WHERE run_id = ? AND state = 'failed'",
        (row[0],),
    ).fetchall()
    return [WorkItem(rebase(url, base_url), kind, article_id, priority) for url, kind, article_id, priority in rows]


def prune_probe_misses(archive: Archive, run_id: int) -> None:
    """Forget the ids earlier full crawls found empty (tens of thousands of rows per full crawl).

    They hold nothing but "this id did not exist then"; the run rows keep the counts. Items with a
    capture, and everything of the current run, are kept.
    """
    conn = archive.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "DELETE FROM work_items WHERE state = 'missing' AND capture_id IS NULL AND run_id != ?"
            " AND run_id IN (SELECT id FROM runs WHERE status != 'running')",
            (run_id,),
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (disk full): keep the first error
            conn.execute("ROLLBACK")
        raise


def plan_run(
    cfg: Config, archive: Archive, disc: Discovery, facts: list[ArticleState], run_id: int, mode: str,
    now: datetime, base_url: str,
) -> int:
    """Queue a fresh run's whole plan (see the module docstring); returns the items added."""
    prune_probe_misses(archive, run_id)
    items = disc.seeds()
    first_run = archive.conn.execute(
        "SELECT finished_at FROM runs WHERE finished_at IS NOT NULL ORDER BY id LIMIT 1"
    ).fetchone()
    revisits = plan_revisits(
        facts, cfg.revisit, now, ZoneInfo(cfg.site.timezone), first_run[0] if first_run else None
    )
    for r in revisits:
        item = disc.article_item(r.article_id, priority=r.priority, kind=KIND_REVISIT)
        item.etag, item.last_modified = r.etag, r.last_modified
        items.append(item)
    items += failed_items_of_last_run(archive, base_url)
    if mode == "full":
        # A full crawl also rechecks every gone article: unlinked ones are restored silently.
        planned = {r.article_id for r in revisits}
        items += [
            disc.article_item(f.article_id, priority=PRIORITY[GONE_RECHECK], kind=KIND_REVISIT)
            for f in facts
            if f.status == "gone" and f.article_id not in planned
        ]
        lo = cfg.discovery.id_range[0]
        # Streamed into the queue (still one transaction), never held as a list.
        probes = disc.iter_probes({f.article_id for f in facts}, lo, disc.probe_ceiling)
        return archive.enqueue(run_id, chain(items, probes))
    return archive.enqueue(run_id, items)
