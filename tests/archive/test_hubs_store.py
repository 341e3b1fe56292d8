"""archive.hubs: the site's hubs and each discovery source's health per run."""

from __future__ import annotations

import pytest

from archive.hubs import SourceRun
from archive.store import Archive
from archive.vocab import DiscoverySource, RunStatus, SourceStatus

T1, T2, T3 = "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"


def test_hubs_newest_new_first_keep_smallest_depth_and_last_new(tmp_path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        hubs = archive.hubs
        hubs.record_visit("ncgh", "http://h/a", 2, T1, 10, 3)
        hubs.record_visit("ncgh", "http://h/b", 1, T2, 5, 1)
        hubs.record_visit("ncgh", "http://h/c", 0, T2, 7, 0)
        hubs.record_visit("ncgh", "http://h/a", 1, T3, 11, 0)  # seen again, nothing new
        got = hubs.hubs("ncgh")
        assert [h.url for h in got] == ["http://h/b", "http://h/a", "http://h/c"]
        a = got[1]
        assert (a.depth, a.article_ids, a.new_ids, a.first_seen[:10], a.last_seen[:10]) == (1, 11, 0, "2026-01-01", "2026-01-03")
        assert a.last_new_at.startswith("2026-01-01")
        assert hubs.hubs("other") == [] and len(hubs.hubs("ncgh", limit=1)) == 1
        with pytest.raises(ValueError):
            hubs.record_visit("ncgh", "http://h/x", -1, T1, 1, 0)
        with pytest.raises(ValueError):
            hubs.record_visit("ncgh", "http://h/x", 0, "yesterday", 1, 0)


def test_source_rows_add_up_per_run_and_history_skips_open_runs(tmp_path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        q, hubs = archive.queue, archive.hubs
        runs = [q.start_run("incremental", T1, "{}") for _ in range(3)]
        for run_id in runs[:2]:
            q.finish_run(run_id, T2, RunStatus.FINISHED, "{}")
        hubs.record_sources(runs[0], [SourceRun(DiscoverySource.LIST, 1, 0, 0, 1, SourceStatus.FAILING)])
        hubs.record_sources(runs[1], [SourceRun(DiscoverySource.LIST, 1, 0, 0, 1, SourceStatus.FAILING),
                                      SourceRun(DiscoverySource.API, 2, 30, 4, 0, SourceStatus.OK)])
        hubs.record_sources(runs[1], [SourceRun(DiscoverySource.API, 1, 5, 1, 1, SourceStatus.NEEDS_LOGIN)])
        api = [r for r in hubs.sources_of_run(runs[1]) if r.source == DiscoverySource.API][0]
        assert (api.requests, api.found, api.new_ids, api.failures, api.status) == (3, 35, 5, 1, SourceStatus.NEEDS_LOGIN)
        hubs.record_sources(runs[2], [SourceRun(DiscoverySource.LIST, 1, 0, 0, 1, SourceStatus.FAILING)])
        assert hubs.recent_statuses(DiscoverySource.LIST, runs[2] + 1, 5) == [SourceStatus.FAILING] * 2  # run 3 open
        assert hubs.recent_statuses(DiscoverySource.HUBS, runs[2], 5) == []


def test_a_pending_item_takes_the_category_a_later_item_for_its_url_names(tmp_path) -> None:
    from archive.queue import WorkItem
    from archive.vocab import WorkKind, WorkState

    with Archive(tmp_path / "a.db") as archive:
        q = archive.queue
        run = q.start_run("incremental", T1, "{}")
        assert q.enqueue(run, [WorkItem("http://h/article/1", WorkKind.ARTICLE, 1),
                               WorkItem("http://h/article/2", WorkKind.ARTICLE, 2)]) == 2
        done = [i for i in q.pending(run) if i.article_id == 2][0]
        q.mark(done.id, WorkState.FAILED)
        again = [WorkItem("http://h/article/1", WorkKind.ARTICLE, 1, category_id=175),
                 WorkItem("http://h/article/2", WorkKind.ARTICLE, 2, category_id=175)]
        assert q.enqueue(run, iter(again)) == 0  # nothing added: the URLs are queued already
        got = dict(archive.conn.execute("SELECT article_id, category_id FROM work_items").fetchall())
        assert got == {1: 175, 2: None}  # only the pending one takes it
