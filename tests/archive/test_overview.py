"""The front page's figures (archive/overview.py): growth inside a window that ends at the last reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import overview, stats
from archive.store import Archive
from archive.vocab import MissingReason
from tests.support.archive import capture, content


@pytest.fixture()
def archive(tmp_path: Path):
    with Archive(tmp_path / "ncgh.db") as a:
        yield a


def test_growth_counts_only_what_was_gained_inside_the_window(archive: Archive) -> None:
    rec = archive.record_capture
    for day, views in ((0, 100), (10, 5000), (11, 5010)):  # old and big: +4910 since before the window
        rec(capture(1, day, content(1, title="老文章"), views=views))
    for day, views in ((9, 10), (11, 600)):  # first seen inside the window: only what it gained while watched
        rec(capture(2, day, content(2, title="新文章"), views=views))
    rec(capture(3, 11, content(3, title="只读一次"), views=99999))  # one reading: nothing to compare
    for day, views in ((9, 70), (11, 70)):  # read twice, no gain
        rec(capture(4, day, content(4, title="不变"), views=views))
    got = overview.fastest_growing(archive.conn, days=7)
    assert [(g.article_id, g.views_from, g.views_to, g.gained) for g in got] == [(1, 100, 5010, 4910), (2, 10, 600, 590)]
    one_day = overview.fastest_growing(archive.conn, days=1)
    assert [(g.article_id, g.gained) for g in one_day] == [(2, 590), (1, 10)]
    assert [a.article_id for a in overview.most_read(archive.conn, limit=2)] == [3, 1]


def test_an_empty_archive_and_deleted_articles(archive: Archive) -> None:
    assert overview.fastest_growing(archive.conn) == [] and stats.counts(archive.conn).articles == 0
    archive.record_capture(capture(5, 0, content(5, title="将被删除")))
    for day in (1, 2):
        archive.record_capture(capture(5, day, outcome="missing", status=404, body=b"x",
                                       missing_reason=MissingReason.HTTP_404))
    (gone,) = overview.deleted(archive.conn)
    assert (gone.article_id, gone.title) == (5, "将被删除") and gone.at.startswith("2026-01-03")
    counts = stats.counts(archive.conn)
    assert (counts.articles, counts.live, counts.gone, counts.captures) == (1, 0, 1, 3)
