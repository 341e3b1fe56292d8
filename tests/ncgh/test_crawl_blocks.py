"""The crawl's bookkeeping of block pages: the streak, the stop, what the summary and the queue say."""

from __future__ import annotations

from archive.model import CaptureIn
from archive.queue import WorkItem
from archive.store import Archive
from archive.vocab import Outcome, RunMode, RunStatus, WorkKind, WorkState
from ncgh.crawl_blocks import BlockWatch
from ncgh.crawl_summary import EXIT_BLOCKED, EXIT_ERRORS, EXIT_OK, CrawlSummary, conclude
from tests.support.archive import SITE, at

USED_EXIT_CODES = {0, 1, 2, 3, 65, 74, 75, 130}


def test_the_streak_stops_the_run_and_only_its_first_page_is_said():
    watch = BlockWatch(stop_after=3)
    said = [watch.answer(f"u{i}", Outcome.BLOCKED, "block_page (HTTP 429): 访问过于频繁") for i in range(2)]
    assert said[0] is not None and "u0" in said[0] and said[1] is None and not watch.stop
    assert watch.answer("ok", Outcome.OK, None) is None and watch.streak == 0  # an answer of the site resets it
    for i in range(3):
        watch.answer(f"v{i}", Outcome.BLOCKED, "cookie_challenge (HTTP 200): script")
    assert watch.stop and watch.seen == 5
    message = watch.message()
    assert "3 block pages in a row" in message and "stop_after = 3" in message
    assert "2 block_page" in message and "3 cookie_challenge" in message and "v2" in message


def test_exit_codes_of_blocked_runs():
    assert EXIT_BLOCKED not in USED_EXIT_CODES
    stopped = CrawlSummary(run_id=1, mode=RunMode.INCREMENTAL, status=RunStatus.RUNNING, blocked=20, pending=5)
    conclude(stopped, RunStatus.BLOCKED, "http://x", None, 0)
    assert stopped.exit_code == EXIT_BLOCKED
    assert "20 block pages from a WAF" in stopped.one_line() and "5 left for the next crawl" in stopped.one_line()
    left = CrawlSummary(run_id=1, mode=RunMode.INCREMENTAL, status=RunStatus.RUNNING, blocked=2, blocked_left=2)
    conclude(left, RunStatus.FINISHED, "http://x", None, 0)
    assert left.exit_code == EXIT_ERRORS and "(2 retried by the next crawl)" in left.one_line()
    resolved = CrawlSummary(run_id=1, mode=RunMode.INCREMENTAL, status=RunStatus.RUNNING, blocked=2)
    conclude(resolved, RunStatus.FINISHED, "http://x", None, 0)
    assert resolved.exit_code == EXIT_OK  # blocked once, fetched since: nothing is missing from the archive


def test_the_snapshot_line():
    s = CrawlSummary(run_id=1, mode=RunMode.SNAPSHOT, status=RunStatus.FINISHED, snapshot=30, snapshot_left=4)
    assert "snapshot: 26 of 30 known articles recaptured, 4 to go" in s.one_line()


def test_a_resumed_run_queues_its_blocked_items_again_and_a_finished_one_carries_them(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        q = archive.queue
        run = q.start_run(RunMode.INCREMENTAL, at(0), "{}")
        q.enqueue(run, [WorkItem(f"http://x/nczhghcms/article/{i}", WorkKind.ARTICLE, article_id=i) for i in (1, 2, 3)])
        one, two, three = q.pending(run)
        q.mark(one.id, WorkState.BLOCKED)
        # killed between recording the block page (which marks the item done) and marking it blocked
        archive.record_capture(CaptureIn(site=SITE, url=two.url, final_url=two.url, fetched_at=at(0, 1), status=403,
                                         outcome=Outcome.BLOCKED, article_id=2, run_id=run, work_item_id=two.id))
        assert [i.id for i in q.pending(run)] == [three.id]
        assert q.requeue_blocked(run) == 2
        assert {i.id for i in q.pending(run)} == {one.id, two.id, three.id}
        counts = q.run_counts(run)
        assert counts["blocked"] == 1 and counts["pending"] == 3
        q.mark(one.id, WorkState.BLOCKED)
        q.mark(two.id, WorkState.DONE)
        q.mark(three.id, WorkState.DONE)
        assert q.run_counts(run)["blocked_left"] == 1
        q.finish_run(run, at(0, 5), RunStatus.FINISHED, '{"blocked": 1}')
        assert [(w.url, w.kind) for w in q.failed_of_last_run()] == [(one.url, WorkKind.ARTICLE)]
