"""`ncgh reparse` and `ncgh verify` end to end with the real parser and pipeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from click.testing import CliRunner

from archive.store import Archive
from ncgh.cli import cli
from tests.support.archive import FOOTER, SITE, T0, content, page_html, snapshot

pipeline = pytest.importorskip("ncgh.pipeline", reason="needs the orchestration layer")
from ncgh.config import load_config, to_site_profile  # noqa: E402
from scraper.records import FetchErrorKind, FetchResult, RedirectHop  # noqa: E402

BASE = "http://www.ncgh.org.cn"


def fetch(article_id: int, day: int, kind: str = "page", views: int = 100, c=None, charset: str = "utf-8") -> FetchResult:
    url = f"{BASE}/nczhghcms/article/{article_id}"
    when = T0 + timedelta(days=day, minutes=article_id % 60)
    common = dict(url=url, fetched_at=when, elapsed=0.2, attempts=1)
    if kind == "page":
        html = page_html(c or content(seed=article_id), views)
        if charset != "utf-8":
            html = html.replace('charset="utf-8"', f'charset="{charset}"')
        headers = [("Content-Type", f"text/html; charset={charset}"), ("ETag", f'"{article_id}-{day}"')]
        return FetchResult(final_url=url, status=200, headers=headers, body=html.encode(charset), **common)
    if kind == "404":
        return FetchResult(final_url=url, status=404, headers=[], body=b"", error=FetchErrorKind.HTTP_STATUS, **common)
    if kind == "timeout":
        return FetchResult(final_url=url, status=None, headers=[], body=b"", error=FetchErrorKind.TIMEOUT, **common)
    if kind == "deleted":
        html = page_html(content(seed=article_id), 0).replace(
            '<div class="detail-wrap">', '<div class="detail-wrap"><p class="no-article">该文章不存在或已被删除!</p>'
        )
        html = html[: html.index('<h2 class="detail-title">')] + html[html.index('<div class="sidebar">') :]
        return FetchResult(final_url=url, status=200, headers=[("Content-Type", "text/html")], body=html.encode(), **common)
    if kind == "home":
        return FetchResult(
            final_url=f"{BASE}/",
            status=200,
            headers=[("Content-Type", "text/html; charset=utf-8")],
            body="<html><body><h1>南昌市总工会</h1></body></html>".encode(),
            redirects=[RedirectHop(url, 302, f"{BASE}/")],
            **common,
        )
    raise ValueError(kind)


@pytest.fixture
def db(tmp_path):
    cfg = load_config()
    profile = to_site_profile(cfg)
    path = tmp_path / "e2e.db"
    edited = replace(content(seed=2), body_text=content(seed=2).body_text + "\n\n更正说明。")
    edited = replace(edited, body_html=edited.body_html + "<p>更正说明。</p>")
    plan = [
        (1, 0, "page", {}), (2, 0, "page", {}), (3, 0, "page", {}),
        (1, 1, "page", {"views": 130, "charset": "gbk"}), (2, 1, "page", {"c": edited}), (3, 1, "404", {}),
        (1, 2, "timeout", {}), (2, 2, "page", {"views": 300, "c": edited}), (3, 2, "deleted", {}),
        (1, 3, "page", {"views": 170}), (2, 3, "home", {}), (3, 3, "page", {}),
    ]  # fmt: skip
    with Archive(path) as archive:
        for article_id, day, kind, extra in plan:
            f = fetch(article_id, day, kind, **extra)
            archive.record_capture(pipeline.interpret(SITE, f.url, f, profile, cfg.site.article_paths))
    return path


def test_pipeline_history_is_archived_as_expected(db):
    with Archive(db) as archive:
        events = archive.conn.execute("SELECT article_id, event FROM events ORDER BY id").fetchall()
        assert events == [(1, "new"), (2, "new"), (3, "new"), (2, "edited"), (3, "gone"), (3, "restored")]
        outcomes = [r[0] for r in archive.conn.execute("SELECT outcome FROM captures ORDER BY fetched_at, id")]
        assert outcomes.count("ok") == 8 and outcomes.count("fetch_error") == 1 and outcomes.count("missing") == 3
        assert archive.conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 4  # the gbk page is no edit
        assert archive.conn.execute("SELECT count(*) FROM footers").fetchone()[0] == 1
        assert archive.conn.execute("SELECT org FROM footers").fetchone()[0] == FOOTER.org


@pytest.mark.slow
def test_reparse_with_the_same_parser_is_identical_and_verifies(db):
    with Archive(db) as archive:
        before = snapshot(archive.conn)
    runner = CliRunner()
    result = runner.invoke(cli, ["reparse", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "versions: 4 -> 4" in result.output and "captures replayed: 12" in result.output
    with Archive(db) as archive:
        assert snapshot(archive.conn) == before
    result = runner.invoke(cli, ["verify", "--db", str(db)])
    assert result.exit_code == 0, result.output


def test_reparse_without_an_archive_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["reparse", "--db", str(tmp_path / "missing.db")])
    assert result.exit_code != 0 and "no archive at" in result.output


def test_reparse_refuses_to_run_alongside_a_crawl(db):
    from ncgh.lock import CrawlLock

    with CrawlLock(db):
        result = CliRunner().invoke(cli, ["reparse", "--db", str(db)])
    assert result.exit_code != 0 and "another crawl" in result.output


def test_reparse_judges_block_pages_with_the_configs_blocks_rules(tmp_path):
    """A WAF page the default patterns missed (a parse error) becomes `blocked` when [blocks] learns
    its text, and reparse drops nothing it had learned from the site's own pages."""
    db = tmp_path / "a.db"
    cfg = load_config()
    profile, paths = to_site_profile(cfg), cfg.site.article_paths
    waf_page = "<html><head><title>请稍候</title></head><body><p>正在检测您的浏览器环境</p></body></html>".encode()
    with Archive(db) as archive:
        archive.record_capture(pipeline.interpret(SITE, f"{BASE}/nczhghcms/article/901", fetch(901, 0), profile, paths))
        odd = replace(fetch(901, 1), body=waf_page, headers=[("Content-Type", "text/html; charset=utf-8")])
        stored = archive.record_capture(pipeline.interpret(SITE, odd.url, odd, profile, paths))
        assert archive.conn.execute("SELECT outcome FROM captures WHERE id = ?", (stored.capture_id,)).fetchone() == (
            "parse_error",
        )
    config = tmp_path / "config.toml"
    config.write_text('[blocks]\npatterns = ["正在检测您的浏览器"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["reparse", "--db", str(db), "--config", str(config)])
    assert result.exit_code == 0, result.output
    with Archive(db) as archive:
        outcomes = [o for (o,) in archive.conn.execute("SELECT outcome FROM captures ORDER BY id")]
        assert outcomes == ["ok", "blocked"]
        assert archive.conn.execute("SELECT version, status FROM articles").fetchall() == [(1, "live")]
