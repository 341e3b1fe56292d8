"""An article's site section: category_id from the list that revealed it, category from its page's
breadcrumb; a revisit never erases them, and neither does `ncgh reparse` (Archive.rebuild)."""

from __future__ import annotations

from pathlib import Path

from archive.queue import WorkItem
from archive.store import Archive
from archive.vocab import RunStatus, WorkKind
from ncgh.pipeline import interpret_stored
from scraper.ids import DEFAULT_ARTICLE_PATHS
from scraper.profile import DEFAULT_PROFILE
from tests.support.archive import at, capture, content, page_html

URL = "http://www.ncgh.org.cn/nczhghcms/article/{}"


def crumbed(section: str | None, seed: int = 1, views: int = 100) -> bytes:
    html = page_html(content(seed, body="市总工会召开会议。\n\n会议部署了全年工作。"), views)
    if section is not None:
        html = html.replace('<div class="detail-wrap">',
                            f'<div class="location">当前位置:<a href="/">首页</a> &gt; <a href="/c">{section}</a> &gt; 正文</div>'
                            '<div class="detail-wrap">')
    return html.encode("utf-8")


def categories(archive: Archive) -> list[tuple]:
    return archive.conn.execute("SELECT article_id, category_id, category FROM articles ORDER BY article_id").fetchall()


def record(archive: Archive, article_id: int, day: int, body: bytes, work_item_id: int | None = None) -> None:
    """A capture as the crawl records it: interpreted by the pipeline from its body, completing its work item."""
    derived = interpret_stored(_Stored(capture(article_id, day, body=body, url=URL.format(article_id))),
                               body, DEFAULT_PROFILE, DEFAULT_ARTICLE_PATHS)
    derived.work_item_id = work_item_id  # as ncgh.pipeline.interpret sets it for a live fetch
    archive.record_capture(derived)


class _Stored:
    """The wire facts of a CaptureIn in the shape interpret_stored reads (as a StoredCapture has them)."""

    def __init__(self, c) -> None:
        self.site, self.url, self.final_url, self.fetched_at, self.status = c.site, c.url, c.final_url, c.fetched_at, c.status
        self.kind, self.headers, self.request_headers, self.redirects = c.kind, c.headers, [], []
        self.elapsed, self.attempts, self.error, self.error_detail = 0.0, 1, None, None
        self.run_id, self.article_id = None, c.article_id


def test_list_category_and_breadcrumb_are_kept_through_revisits_and_reparse(tmp_path: Path) -> None:
    with Archive(tmp_path / "ncgh.db") as archive:
        run = archive.queue.start_run("incremental", at(0), "{}")
        archive.queue.enqueue(run, [WorkItem(URL.format(1), WorkKind.ARTICLE, 1, category_id=174)])
        (item,) = archive.queue.pending(run)
        record(archive, 1, 0, crumbed("基层工会动态"), work_item_id=item.id)
        record(archive, 2, 0, crumbed(None, seed=2))  # found by the id walk, no breadcrumb: nothing known
        assert categories(archive) == [(1, 174, "基层工会动态"), (2, None, None)]
        record(archive, 1, 1, crumbed(None, views=120))  # a revisit of a page that lost its breadcrumb
        assert categories(archive)[0] == (1, 174, "基层工会动态")
        record(archive, 1, 2, crumbed("劳模风采", views=130))  # the site moved it
        assert categories(archive)[0] == (1, 174, "劳模风采")
        archive.queue.finish_run(run, at(3), RunStatus.FINISHED, "{}")
        archive.queue.prune_queue(run)  # the work list that carried category 174 is gone
        archive.rebuild(lambda stored, body: interpret_stored(stored, body, DEFAULT_PROFILE, DEFAULT_ARTICLE_PATHS))
        assert categories(archive) == [(1, 174, "劳模风采"), (2, None, None)]
