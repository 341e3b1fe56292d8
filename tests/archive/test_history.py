"""archive.history: the intervals between captures that change-rate estimates are made of."""

from __future__ import annotations

from archive.captures import utc
from archive.history import gone_since, observations
from archive.store import Archive
from tests.support.archive import SITE, capture, content, fetch_error, missing
from tests.support.archive import at as day_at


def at(day: int) -> str:
    """The stored form of a capture time (UTC, microseconds)."""
    return utc(day_at(day), "at")


def test_intervals_between_content_captures_say_whether_the_content_changed(tmp_path):
    with Archive(tmp_path / "a.db", gone_after=2) as archive:
        archive.record_capture(capture(1001, day=0))
        archive.record_capture(capture(1001, day=2, c=content(), views=120))  # same content
        archive.record_capture(fetch_error(1001, day=3))  # saw nothing: no interval ends here
        archive.record_capture(capture(1001, day=5, c=content(title="更正后的标题")))  # edited
        archive.record_capture(capture(1002, day=1))
        obs = list(observations(archive.conn, SITE, at(0)))
    assert [(o.article_id, o.start, o.end, o.changed) for o in obs] == [
        (1001, at(0), at(2), False),
        (1001, at(2), at(5), True),
    ]
    assert obs[1].start_version == 1 and obs[1].start_version_since == at(0)


def test_a_missing_capture_ends_the_interval_and_since_bounds_the_window(tmp_path):
    with Archive(tmp_path / "a.db", gone_after=2) as archive:
        archive.record_capture(capture(1001, day=0))
        archive.record_capture(capture(1001, day=1))
        archive.record_capture(missing(1001, day=2))
        archive.record_capture(missing(1001, day=3))  # gone
        archive.record_capture(capture(1001, day=9))  # restored: no interval across the deletion
        archive.record_capture(capture(1001, day=10))
        obs = [(o.start, o.end) for o in observations(archive.conn, SITE, at(0))]
        late = [(o.start, o.end) for o in observations(archive.conn, SITE, at(5))]
        assert gone_since(archive.conn, SITE) == {1001: at(3)}
    assert obs == [(at(0), at(1)), (at(9), at(10))]
    assert late == [(at(9), at(10))]
