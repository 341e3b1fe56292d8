"""Crawl runs and the resumable work queue."""

from __future__ import annotations

import json

import pytest

from archive.queue import RunInfo, WorkItem
from archive.store import Archive
from archive.vocab import WorkState
from tests.support.archive import capture


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "q.db") as a:
        yield a


def test_runs_start_resume_finish(archive):
    assert archive.queue.unfinished_run() is None
    run_id = archive.queue.start_run("incremental", "2026-01-01T02:00:00+00:00", json.dumps({"delay": 1.0}))
    info = archive.queue.unfinished_run()
    assert info == RunInfo(run_id, "incremental", "2026-01-01T02:00:00.000000+00:00", "running", '{"delay": 1.0}')
    summary = {"requests": 12, "fetched": 10, "not_modified": 1, "new_articles": 3, "new_versions": 4,
               "unchanged": 5, "gone": 1, "restored": 0, "errors": 1, "changes": ["new article 5"]}  # fmt: skip
    archive.queue.finish_run(run_id, "2026-01-01T02:10:00+00:00", "finished", json.dumps(summary))
    assert archive.queue.unfinished_run() is None
    row = archive.conn.execute(
        "SELECT status, finished_at, requests, fetched, not_modified, new_articles, new_versions, unchanged, gone,"
        " restored, errors, summary_json FROM runs WHERE id = ?",
        (run_id,),
    ).fetchone()
    assert row[:11] == ("finished", "2026-01-01T02:10:00.000000+00:00", 12, 10, 1, 3, 4, 5, 1, 0, 1)
    assert json.loads(row[11])["changes"] == ["new article 5"]
    with pytest.raises(ValueError, match="no run"):
        archive.queue.finish_run(999, "2026-01-01T02:10:00+00:00", "finished", "{}")
    with pytest.raises(json.JSONDecodeError):
        archive.queue.start_run("full", "2026-01-01T02:00:00+00:00", "{not json")


def test_enqueue_ignores_duplicates_and_orders_by_priority(archive):
    run_id = archive.queue.start_run("full", "2026-01-01T02:00:00+00:00", "{}")
    items = [
        WorkItem("http://h/list?page=1", "list", priority=10),
        WorkItem("http://h/article/1", "article", article_id=1, etag='"x"'),
        WorkItem("http://h/article/2", "article", article_id=2, priority=5),
    ]
    assert archive.queue.enqueue(run_id, items) == 3
    assert archive.queue.enqueue(run_id, [items[1], WorkItem("http://h/article/3", "article", article_id=3)]) == 1
    pending = archive.queue.pending(run_id)
    assert [i.url for i in pending] == [
        "http://h/list?page=1",
        "http://h/article/2",
        "http://h/article/1",
        "http://h/article/3",
    ]
    assert pending[2].etag == '"x"' and pending[2].state == "pending" and pending[2].id is not None
    assert [i.url for i in archive.queue.pending(run_id, limit=2)] == ["http://h/list?page=1", "http://h/article/2"]
    # the same URL in another run is other work
    other = archive.queue.start_run("full", "2026-01-02T02:00:00+00:00", "{}")
    assert archive.queue.enqueue(other, items) == 3


def test_mark_and_counts(archive):
    run_id = archive.queue.start_run("full", "2026-01-01T02:00:00+00:00", "{}")
    archive.queue.enqueue(run_id, [WorkItem(f"http://h/article/{i}", "article", article_id=i) for i in range(4)])
    first, second, *_ = archive.queue.pending(run_id)
    archive.queue.mark(first.id, WorkState.DONE)
    archive.queue.mark(second.id, WorkState.FAILED)
    assert archive.queue.queue_counts(run_id) == {"done": 1, "failed": 1, "pending": 2}
    assert len(archive.queue.pending(run_id)) == 2
    with pytest.raises(ValueError, match="no work item"):
        archive.queue.mark(12345, WorkState.DONE)


def test_record_capture_completes_its_work_item_in_the_same_transaction(archive):
    run_id = archive.queue.start_run("full", "2026-01-01T02:00:00+00:00", "{}")
    archive.queue.enqueue(run_id, [WorkItem("http://www.ncgh.org.cn/nczhghcms/article/1001", "article", article_id=1001)])
    [item] = archive.queue.pending(run_id)
    result = archive.record_capture(capture(day=0, run_id=run_id, work_item_id=item.id))
    assert archive.queue.pending(run_id) == []
    assert archive.conn.execute("SELECT state, capture_id FROM work_items").fetchone() == ("done", result.capture_id)
    assert archive.stored_capture(result.capture_id).run_id == run_id


def test_queue_survives_reopening(tmp_path):
    path = tmp_path / "resume.db"
    with Archive(path) as archive:
        run_id = archive.queue.start_run("full", "2026-01-01T02:00:00+00:00", "{}")
        archive.queue.enqueue(run_id, [WorkItem(f"http://h/article/{i}", "article", article_id=i) for i in range(3)])
        archive.queue.mark(archive.queue.pending(run_id)[0].id, WorkState.DONE)
    with Archive(path) as archive:
        assert archive.queue.unfinished_run().run_id == run_id
        assert [i.article_id for i in archive.queue.pending(run_id)] == [1, 2]


def test_prune_queue_only_for_finished_runs(archive):
    run_id = archive.queue.start_run("full", "2026-01-01T02:00:00+00:00", "{}")
    archive.queue.enqueue(run_id, [WorkItem(f"http://h/article/{i}", "article", article_id=i) for i in range(5)])
    with pytest.raises(ValueError, match="still running"):
        archive.queue.prune_queue(run_id)
    archive.queue.finish_run(run_id, "2026-01-01T03:00:00+00:00", "finished", "{}")
    assert archive.queue.prune_queue(run_id) == 5
    assert archive.queue.queue_counts(run_id) == {}
    with pytest.raises(ValueError, match="no run"):
        archive.queue.prune_queue(run_id + 1)


def test_previous_runs_failures_probe_misses_and_many_marks(archive):
    assert archive.queue.failed_of_last_run() == [] and archive.queue.first_finished_at() is None
    old = archive.queue.start_run("full", "2026-01-01T02:00:00+00:00", "{}")
    archive.queue.enqueue(old, [WorkItem("http://h/article/1", "article", 1, 5), WorkItem("http://h/list", "list"),
                          WorkItem("http://h/article/2", "probe", 2), WorkItem("http://h/article/3", "probe", 3)])
    ids = {w.url: w.id for w in archive.queue.pending(old)}
    archive.queue.mark(ids["http://h/article/1"], WorkState.FAILED)
    archive.queue.mark_many([ids["http://h/article/2"], ids["http://h/article/3"]], WorkState.MISSING)
    assert archive.queue.queue_counts(old) == {"failed": 1, "missing": 2, "pending": 1}
    with pytest.raises(ValueError, match="no work item"):
        archive.queue.mark_many([ids["http://h/list"], 999_999], WorkState.DONE)  # one transaction: nothing marked
    assert archive.queue.queue_counts(old)["pending"] == 1
    archive.queue.finish_run(old, "2026-01-01T03:00:00+00:00", "finished", "{}")
    assert archive.queue.first_finished_at() == "2026-01-01T03:00:00.000000+00:00"
    assert archive.queue.failed_of_last_run() == [WorkItem("http://h/article/1", "article", 1, 5)]
    new = archive.queue.start_run("incremental", "2026-01-02T02:00:00+00:00", "{}")
    archive.queue.enqueue(new, [WorkItem("http://h/article/4", "probe", 4)])
    archive.queue.mark(archive.queue.pending(new)[0].id, WorkState.MISSING)
    assert archive.queue.prune_probe_misses(new) == 2  # the old run's two misses; the running run's is kept
    assert archive.queue.queue_counts(old) == {"failed": 1, "pending": 1} and archive.queue.queue_counts(new) == {"missing": 1}
