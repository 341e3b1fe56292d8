"""`ncgh crawl --mode snapshot`: a complete snapshot now, before an expected redesign or takedown.

A snapshot run is an incremental run (lists and the API newest first, so new articles are archived
too) whose plan also holds every article the archive knows, live and gone, due or not, fetched once
without validators (a 304 would recapture nothing). The plan is written to the work queue before
anything is fetched, like every run's, so a killed or blocked snapshot resumes where it stopped and
never fetches an article twice; the fetcher's delay keeps it as polite as a daily crawl, only longer
(README: "A whole snapshot"). The revisit budget does not apply: the point is everything.

What a snapshot recaptures is the union of SOURCES; each takes the run's discovery (URLs, priorities)
and the archive's article states and yields work items. A kind of capture the archive gains later
(issue 17's page requisites and attachments) joins the snapshot by adding its source to SOURCES.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain

from archive.queue import ArticleState, WorkItem
from archive.vocab import ArticleStatus, WorkKind
from ncgh.discovery import Discovery

# After discovery (300) and newly found articles (150); live articles before gone ones, so a snapshot
# cut short holds what the site still shows first.
PRIORITY_SNAPSHOT_LIVE = 120
PRIORITY_SNAPSHOT_GONE = 110

SnapshotSource = Callable[[Discovery, list[ArticleState]], Iterable[WorkItem]]


def known_articles(disc: Discovery, facts: list[ArticleState]) -> Iterator[WorkItem]:
    """Every article the archive knows, live and gone, as one snapshot item each (no validators)."""
    for f in facts:
        live = f.status == ArticleStatus.LIVE
        yield disc.article_item(
            f.article_id,
            priority=PRIORITY_SNAPSHOT_LIVE if live else PRIORITY_SNAPSHOT_GONE,
            kind=WorkKind.SNAPSHOT,
        )


# What a snapshot recaptures; issue 17's assets add a source here (a callable of the same shape).
SOURCES: tuple[SnapshotSource, ...] = (known_articles,)


def snapshot_items(disc: Discovery, facts: list[ArticleState]) -> Iterator[WorkItem]:
    """The work a snapshot run adds to an incremental run's plan: every source's items, streamed."""
    return chain.from_iterable(source(disc, facts) for source in SOURCES)
