"""Assets end to end over real HTTP: a crawl of the simulator keeps what pages reference, once per URL,
rechecks them rarely and conditionally, and tells attachment changes as events on the articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.search import search
from simulator import SimServer
from simulator.content import SiteState
from tests.support.crawl import rows
from tests.support.days import crawl_day, daily_config

pytestmark = pytest.mark.slow


def test_first_crawl_keeps_requisites_once_and_attachment_text(sim_factory, tmp_path: Path) -> None:
    srv: SimServer = sim_factory(articles=60, seed=1)
    db = tmp_path / "a.db"
    cfg = daily_config(60)
    assert crawl_day(cfg, db, srv, full=True).exit_code == 0
    truth = srv.truth(full=True)["articles"]
    # Every image and attachment of every live article is held, byte for byte what the site serves.
    want = {srv.url + x["url"].removeprefix(srv.url) for a in truth for x in a["attachments"]}
    want |= {srv.url + x["src"].removeprefix(srv.url) for a in truth for x in a["images"]}
    held = {u for (u,) in rows(db, "SELECT url FROM assets WHERE state = 'held'")}
    assert want and want <= held
    # The site's stylesheet is one asset and one capture however many pages link it, and the
    # images its url(...) names are held too, linked to it.
    css = rows(db, "SELECT id, url FROM assets WHERE role = 'stylesheet'")
    assert len(css) == 1 and css[0][1].endswith("/static/css/common.css")
    assert rows(db, "SELECT count(*) FROM captures WHERE kind = 'asset' AND url = ?", css[0][1]) == [(1,)]
    children = rows(db, "SELECT a.url, a.state FROM asset_links l JOIN assets a ON a.id = l.child_id WHERE l.asset_id = ?",
                 css[0][0])
    assert sorted(u.rsplit("/", 1)[1] for u, _ in children) == ["arrow.jpg", "nav-bg.png"]
    assert {s for _, s in children} == {"held"}
    # Versions say what they reference; off-site URLs are never fetched.
    linked = rows(db, "SELECT count(DISTINCT article_id) FROM version_assets WHERE role = 'stylesheet'")[0][0]
    assert linked == rows(db, "SELECT count(*) FROM articles")[0][0]
    assert rows(db, "SELECT count(*) FROM captures WHERE kind = 'asset' AND url NOT LIKE ?", srv.url + "%") == [(0,)]
    # Office and PDF attachments have their text, searchable by a word found only there.
    docx = rows(db, "SELECT url, text FROM assets WHERE url LIKE '%.docx' AND text IS NOT NULL")
    assert docx, "the simulator serves .docx attachments"
    url, text = docx[0]
    code = "ncghatt" + url.rsplit("/", 1)[1].rsplit(".", 1)[0].replace("_", "x")
    assert code in text
    hits = search(db, code)
    assert len(hits) == 1 and hits[0].attachment_url == url and code in hits[0].snippet.replace("[", "").replace("]", "")
    article_id = int(url.rsplit("/", 1)[1].split("_")[0])
    assert hits[0].article_id == article_id


def test_daily_crawls_recheck_rarely_and_tell_attachment_changes(sim_factory, tmp_path: Path) -> None:
    # Replacements and deletions on most days, so a short run meets both.
    srv: SimServer = sim_factory(articles=80, seed=3, attachment_replace_rate=0.25, attachment_delete_rate=0.25,
                                 edit_rate=0.0, delete_rate=0.0, new_per_day=(0, 0))
    db = tmp_path / "a.db"
    cfg = daily_config(80, assets={"recheck_days": 2})
    crawl_day(cfg, db, srv, full=True)
    first = rows(db, "SELECT count(*) FROM captures WHERE kind = 'asset'")[0][0]
    srv.advance()
    crawl_day(cfg, db, srv)
    # Day 1: no asset is due yet (rechecked every 2 days) and no new version referenced a new one.
    assert rows(db, "SELECT count(*) FROM captures WHERE kind = 'asset'")[0][0] == first
    srv.advance()
    crawl_day(cfg, db, srv)
    # Day 2: every held asset is asked again, conditionally: unchanged ones answer 304.
    day2 = dict(rows(db, "SELECT outcome, count(*) FROM captures WHERE kind = 'asset'"
                      " AND run_id = (SELECT max(id) FROM runs) GROUP BY 1"))
    assert sum(day2.values()) == first  # each asset once
    assert day2.get("not_modified", 0) > day2.get("ok", 0) > 0 and day2.get("missing", 0) > 0, day2
    conditional = rows(db, "SELECT h.headers_json FROM captures c JOIN header_sets h ON h.id = c.request_headers_id"
                        " WHERE c.kind = 'asset' AND c.outcome = 'not_modified'")
    assert conditional and all("If-None-Match" in h for (h,) in conditional)
    state: SiteState = srv.state
    replaced = {srv.url + t.path for a in state.articles.values() for t in a.attachments if t.rev and t.deleted_day is None}
    deleted = {srv.url + t.path for a in state.articles.values() for t in a.attachments if t.deleted_day is not None}
    assert replaced and deleted
    events = rows(db, "SELECT event, detail, article_id FROM events WHERE event LIKE 'attachment%'")
    assert {d for e, d, _ in events if e == "attachment_changed"} == replaced
    assert {d for e, d, _ in events if e == "attachment_gone"} == deleted
    for _, url, article_id in events:
        assert url.rsplit("/", 1)[1].startswith(f"{article_id}_")
    # A gone attachment keeps its bytes; the article's status and version are untouched.
    marks = ",".join("?" * len(deleted))
    gone = rows(db, f"SELECT state, body_sha256 IS NOT NULL FROM assets WHERE url IN ({marks})", *deleted)
    assert gone and all(row == ("gone", 1) for row in gone)
    assert rows(db, "SELECT count(*) FROM articles WHERE version != 1 OR status != 'live'") == [(0,)]
