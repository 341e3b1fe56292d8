"""A WARC export replays in pywb over loopback: each day's capture of an article comes back with its
images and styles, also on days the page answered 304, and an attachment downloads byte for byte."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.warc import export_warc
from bench.replay import Pywb, check_replay, exact_bytes, pywb_available
from tests.support.days import crawl_day, daily_config

pytestmark = pytest.mark.slow

_missing = pywb_available()


@pytest.mark.skipif(_missing is not None, reason=_missing or "")
def test_every_capture_replays_with_its_requisites(sim_factory, tmp_path: Path) -> None:
    srv = sim_factory(articles=25, seed=2, edit_rate=0.05, delete_rate=0.0, new_per_day=(0, 0))
    db = tmp_path / "a.db"
    cfg = daily_config(25)
    crawl_day(cfg, db, srv, full=True)
    for _ in range(2):
        srv.advance()
        crawl_day(cfg, db, srv)
    conn = sqlite3.connect(db)
    statuses = dict(conn.execute(
        "SELECT status, count(*) FROM captures WHERE kind = 'article' AND outcome IN ('ok', 'not_modified')"
        " GROUP BY 1").fetchall())
    assert statuses.get(304, 0) > 0 and statuses.get(200, 0) > 0  # days with 304s are part of the test
    warc = tmp_path / "a.warc.gz"
    summary = export_warc(db, warc)
    assert summary.not_modified == statuses[304]
    with Pywb(warc, tmp_path / "pywb") as pywb:
        report = check_replay(pywb, db)
        assert report.captures == statuses[200] + statuses[304]
        assert report.failures == [] and report.share == 1.0
        assert report.requisites_checked > report.captures  # every page has a stylesheet, scripts, images
        # An attachment downloads with exactly the stored bytes.
        url, fetched_at = conn.execute(
            "SELECT url, fetched_at FROM captures WHERE kind = 'asset' AND status = 200"
            " AND (url LIKE '%.pdf' OR url LIKE '%.docx' OR url LIKE '%.xlsx') LIMIT 1").fetchone()
        ts = fetched_at[:19].replace("-", "").replace(":", "").replace("T", "")
        assert exact_bytes(pywb, conn, url, ts)
    conn.close()
