"""The crawl's asset work: which images, stylesheets, scripts and attachments a run fetches, and how.

Assets are work items of kind `asset` in the run's resumable queue, so a crawl killed while fetching
them resumes like any other (kill -9 included): every capture is recorded in one transaction with
marking its item done. A new version's references are written with its capture (archive/assets.py)
before anything of them is fetched, so a crash between recording a page and queueing its assets
loses nothing: the next run's plan queues every asset never fetched. Rechecks are rare and
conditional ([assets] recheck_days, with the asset's ETag / Last-Modified).

Only allowed hosts are fetched (the fetcher refuses others anyway; they are not queued, and stay
recorded as URLs). Videos are recorded always and fetched only with [assets] download_videos.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from archive.assets import DueAsset, due_assets, pending_urls
from archive.model import CaptureIn, CaptureResult
from archive.queue import WorkItem
from archive.store import Archive
from archive.vocab import AssetRole, WorkKind
from ncgh.config import AssetsConfig
from ncgh.record_fields import iso_utc
from ncgh.schedule import SLACK_DAYS
from scraper.fetch import Fetcher, FetchPolicy
from scraper.records import FetchResult

__all__ = ["PRIORITY_FIRST_FETCH", "PRIORITY_RECHECK", "AssetWork"]

# After discovery, new articles and revisits (ncgh/discovery.py, ncgh/schedule.py): a run cut short by
# --max-requests spends its budget on pages first. A first fetch goes before the id walk's probes.
PRIORITY_FIRST_FETCH = 50
PRIORITY_RECHECK = 5
_VIDEO_PATH = re.compile(r"\.(?:mp4|m4v|webm|flv|mov|avi|wmv|m3u8)$", re.IGNORECASE)


class AssetWork:
    """One run's asset side: `plan` queues what is due, `fetch` fetches one item under the asset caps,
    `after_record` queues what a recorded capture newly references."""

    def __init__(self, cfg: AssetsConfig, archive: Archive, site: str, policy: FetchPolicy):
        self.cfg = cfg
        self.archive = archive
        self.site = site
        self.policy = policy
        self.roles = tuple(r for r in AssetRole if r != AssetRole.VIDEO or cfg.download_videos)
        self._videos: set[str] = set()  # URLs this run queued as videos: they alone get the video cap

    def _items(self, due: list[DueAsset], priority: int) -> list[WorkItem]:
        self._videos.update(d.url for d in due if d.role == AssetRole.VIDEO)
        return [
            WorkItem(d.url, WorkKind.ASSET, priority=priority, etag=d.etag, last_modified=d.last_modified)
            for d in due
            if d.role in self.roles and self.policy.allows_url(d.url)
        ]

    def plan(self, run_id: int, now: datetime) -> int:
        """Queue every asset never fetched and every one due for its recheck; returns how many."""
        if not self.cfg.enabled:
            return 0
        # Shortened like the page intervals: a daily cron job whose start drifts by minutes still
        # rechecks on the day it is due.
        before = iso_utc(now - timedelta(days=max(self.cfg.recheck_days - SLACK_DAYS, 0)))
        due = due_assets(self.archive.conn, self.site, before, self.roles)
        first = [d for d in due if d.etag is None and d.last_modified is None]
        again = [d for d in due if d.etag is not None or d.last_modified is not None]
        items = self._items(first, PRIORITY_FIRST_FETCH) + self._items(again, PRIORITY_RECHECK)
        return self.archive.queue.enqueue(run_id, items) if items else 0

    def fetch(self, fetcher: Fetcher, item: WorkItem) -> FetchResult:
        """Fetch one asset item: conditionally when validators are known, under the asset's size cap."""
        cap = self.cfg.video_max_bytes if self._is_video(item.url) else self.cfg.max_bytes
        return fetcher.fetch(item.url, etag=item.etag, last_modified=item.last_modified, max_bytes=cap)

    def _is_video(self, url: str) -> bool:
        """Whether `url` gets the video cap: only when videos are downloaded, and only for a URL
        queued as a video (or, queued by a killed run, whose path names a video file). A query string
        never decides: `/pic.jpg?v=.mp4` once got the 500 MB cap and was held whole in memory."""
        if not self.cfg.download_videos:
            return False
        return url in self._videos or bool(_VIDEO_PATH.search(urlsplit(url).path))

    def after_record(self, run_id: int, capture: CaptureIn, result: CaptureResult) -> int:
        """Queue the never-fetched assets a just-recorded capture references; returns how many."""
        if not self.cfg.enabled or result.duplicate or not capture.requisites:
            return 0
        pending = pending_urls(self.archive.conn, self.site, [r.url for r in capture.requisites])
        items = self._items(pending, PRIORITY_FIRST_FETCH)
        return self.archive.queue.enqueue(run_id, items) if items else 0
