"""Random capture histories against a model of the rules, then verify and rebuild identity."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.store import Archive
from archive.verify import verify
from tests.support.archive import SITE, capture, content, fetch_error, make_interpret, missing, snapshot

VARIANTS = [content(seed=s, images=(), signature=None) for s in (1, 2, 3)]

op = st.one_of(
    st.tuples(st.just("ok"), st.integers(0, 2), st.integers(0, 99999)),
    st.tuples(st.just("missing"), st.sampled_from(["http_404", "http_410", "not_exist_page", "redirect_home"])),
    st.tuples(st.just("fetch_error"), st.sampled_from(["timeout", "connection"])),
    st.tuples(st.just("parse_error")),
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, min_size=1, max_size=14), st.integers(1, 3))
def test_random_histories_follow_the_rules(ops, gone_after):
    with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "p.db", gone_after=gone_after) as archive:
        exists, status, streak, current, versions = False, None, 0, None, 0
        for day, o in enumerate(ops):
            kind = o[0]
            if kind == "ok":
                result = archive.record_capture(capture(7, day, VARIANTS[o[1]], views=o[2]))
                expected_event = "restored" if status == "gone" else None
                if current != o[1]:
                    versions += 1
                    expected_event = expected_event or ("new" if versions == 1 else "edited")
                exists, status, streak, current = True, "live", 0, o[1]
                assert (result.event, result.version) == (expected_event, versions)
            elif kind == "missing":
                result = archive.record_capture(missing(7, day, o[1]))
                expected_event = None
                if exists:
                    streak += 1
                    if status == "live" and streak >= gone_after:
                        status, expected_event = "gone", "gone"
                assert result.event == expected_event and result.version is None
            elif kind == "fetch_error":
                result = archive.record_capture(fetch_error(7, day, o[1]))
                assert result.event is None
            else:
                broken = b"<html><body>proxy error page</body></html>"
                result = archive.record_capture(
                    capture(7, day, outcome="parse_error", body=broken, parse_error="no title or body element")
                )
                assert result.event is None and result.version is None
                if not exists:
                    exists, status = True, "live"
            state = archive.queue.article_state(SITE, 7)
            if not exists:
                assert state is None
            else:
                assert (state.status, state.missing_streak, state.version or 0) == (status, streak, versions)
        assert archive.conn.execute("SELECT count(*) FROM versions").fetchone()[0] == versions
        report = verify(archive.path)
        assert report.ok, report.problems
        before = snapshot(archive.conn)
        archive.rebuild(make_interpret())
        assert snapshot(archive.conn) == before
