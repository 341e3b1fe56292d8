"""Video-lesson articles end to end over real HTTP: a crawl of the simulator archives the page like
any other and records its video with the version; the video's bytes are fetched only when
`[assets] download_videos` says so, and one over `video_max_bytes` is recorded as too large, never
truncated and never an error that fails the run."""

from __future__ import annotations

import hashlib
import sqlite3
import statistics
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.bodies import read_body
from ncgh.cli import cli
from simulator import SimServer
from tests.support.crawl import rows
from tests.support.days import crawl_day, daily_config

pytestmark = pytest.mark.slow


def video_articles(srv: SimServer) -> list[dict]:
    arts = [a for a in srv.truth(full=True)["articles"] if a["video"] and a["status"] == "live"]
    assert len(arts) >= 5, "the simulator's categories 175 and 176 are video lessons"
    return arts


def test_a_crawl_records_each_video_with_its_version_and_fetches_none_by_default(sim_factory, tmp_path: Path) -> None:
    srv: SimServer = sim_factory(articles=60, seed=1)
    db = tmp_path / "a.db"
    summary = crawl_day(daily_config(60), db, srv, full=True)
    assert summary.exit_code == 0
    videos = video_articles(srv)
    assert {a["video"]["player"] for a in videos} >= {"video_src", "video_source", "embed"}
    for a in videos:
        # The page is a normal version: title, date, the lead text as its body.
        got = rows(db, "SELECT title, published_at, body_text FROM versions WHERE article_id = ? ORDER BY version", a["id"])
        assert len(got) == 1, a["id"]
        title, published, body = got[0]
        core = a["title"].removeprefix(f"【{a['column']}】") if a["column"] else a["title"]  # the column is its own field
        assert title == core and body == a["body_text"] and "浏览器" not in body
        if a["header_line"]:
            assert published == a["published"]
        # Its video is recorded with the version, role video, never fetched.
        recorded = rows(db, "SELECT s.role, s.state, s.body_sha256 FROM version_assets va JOIN assets s ON s.id = va.asset_id"
                         " WHERE va.article_id = ? AND s.url = ?", a["id"], a["video"]["url"])
        assert recorded == [("video", "pending", None)], a["id"]
    assert not [p for _m, p, _s, _h in srv.request_log if p.endswith(".mp4")]
    assert rows(db, "SELECT count(*) FROM captures WHERE url LIKE '%.mp4'") == [(0,)]
    # `ncgh show` lists it as a video whose bytes are not held.
    a = videos[0]
    out = CliRunner().invoke(cli, ["show", str(a["id"]), "--db", str(db)])
    assert out.exit_code == 0, out.output
    line = next(x for x in out.output.splitlines() if x.rstrip().endswith(a["video"]["url"]))
    assert line.split()[:4] == ["video", "pending", "not", "held"]


def test_downloaded_videos_are_held_exactly_and_one_over_the_cap_is_recorded_too_large(
    sim_factory, tmp_path: Path
) -> None:
    srv: SimServer = sim_factory(articles=60, seed=1, video_bytes=40_000)
    videos = video_articles(srv)
    sizes = sorted(a["video"]["bytes"] for a in videos)
    cap = int(statistics.median(sizes))  # some videos under it, some over
    cfg = daily_config(60, assets={"download_videos": True, "video_max_bytes": cap})
    db = tmp_path / "a.db"
    summary = crawl_day(cfg, db, srv, full=True)
    assert summary.exit_code == 0 and summary.errors == 0
    conn = sqlite3.connect(db)
    try:
        under, over = 0, []
        for a in videos:
            url, size = a["video"]["url"], a["video"]["bytes"]
            state, sha, held = conn.execute("SELECT state, body_sha256, size FROM assets WHERE url = ?", (url,)).fetchone()
            if size <= cap:
                under += 1
                with urllib.request.urlopen(url) as r:
                    served = r.read()
                assert state == "held" and held == size == len(served)
                assert read_body(conn, sha) == served and hashlib.sha256(served).hexdigest() == sha
                assert served[4:12] == b"ftypisom"
            else:
                over.append(url.removeprefix(srv.url))
                assert (state, sha, held) == ("too_large", None, None), url
                err = conn.execute("SELECT outcome, error FROM captures WHERE url = ?", (url,)).fetchall()
                assert err == [("fetch_error", "too_large")]
        assert under and over
    finally:
        conn.close()
    # Each was asked once; the next day's crawl does not ask again for one over the cap (it waits
    # for its recheck, like any asset) and still exits 0.
    assert sorted(p for _m, p, _s, _h in srv.request_log if p in over) == sorted(over)
    srv.advance(1)
    assert crawl_day(cfg, db, srv).exit_code == 0
    assert sorted(p for _m, p, _s, _h in srv.request_log if p in over) == sorted(over)
