"""Crawls of small sites built the ways the simulator is not (the site-independence review), over
real HTTP: a home page that is only a frameset, friendly links to other sites' /article/N, and a site
whose article URLs have a form nobody configured. Each says what it found, or clearly that it found
nothing."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.fetch import LocalServer, send

HTML = [("Content-Type", "text/html; charset=utf-8")]
FOOT = '<div class="bottom">主办：江西省南昌市总工会 电话：0791-83868027 赣ICP备2025061944号-1</div>'


def _article(i: int) -> bytes:
    body = "".join(f"<p>第{i}篇第{k}段：会议指出，全市各级工会要坚持以职工为中心的工作导向，扎实做好维权服务各项工作。</p>"
                   for k in range(3))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>市总工会召开第{i}次会议_南昌市总工会</title></head>'
            f'<body><div class="art"><h3 class="t">市总工会召开第{i}次会议</h3><div class="i">发布时间:2024-03-05 浏览量:12</div>'
            f'<div class="c">{body}</div></div>{FOOT}</body></html>').encode()


def _page(links: str) -> bytes:
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>南昌市总工会</title></head><body>{links}{FOOT}</body></html>'.encode()


def _crawl(server: LocalServer, tmp_path: Path, name: str,
           discovery: str = 'sources = ["hubs"]\n') -> tuple[subprocess.CompletedProcess[str], dict, Path]:
    config = tmp_path / "c.toml"
    config.write_text('[fetch]\ndelay = 0\nmax_attempts = 1\n[discovery]\n' + discovery, encoding="utf-8")
    db = tmp_path / f"{name}.db"
    result = subprocess.run([sys.executable, "-m", "ncgh.cli", "crawl", "--config", str(config), "--db", str(db),
                             "--base-url", server.base, "--json"], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout.strip().splitlines()[-1]), db


def _ids(db: Path) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return sorted(r[0] for r in conn.execute("SELECT article_id FROM articles"))
    finally:
        conn.close()


def _serve(server: LocalServer, pages: dict[str, bytes]) -> None:
    for path, body in pages.items():
        server.route(path)(lambda h, body=body: send(h, 200, body, HTML))


def test_a_frameset_home_page_leads_to_the_articles(tmp_path: Path) -> None:
    """It found nothing and exited 0 without a word."""
    server = LocalServer()
    try:
        _serve(server, {
            "/": '<html><head><title>南昌市总工会</title></head><frameset rows="*"><frame src="/nczhghcms/index.html"></frameset></html>'.encode(),
            "/nczhghcms/index.html": _page('<ul><li><a href="/nczhghcms/article/9001">一</a></li>'
                                           '<li><a href="/nczhghcms/article/9002">二</a></li></ul>'),
            "/nczhghcms/article/9001": _article(9001), "/nczhghcms/article/9002": _article(9002),
        })
        result, summary, db = _crawl(server, tmp_path, "frames")
        assert result.returncode == 0 and _ids(db) == [9001, 9002], result.stderr
    finally:
        server.close()


def test_other_sites_article_links_are_never_asked_here(tmp_path: Path) -> None:
    server = LocalServer()
    try:
        _serve(server, {
            "/": _page('<a href="/nczhghcms/article/4001">文章</a><div>友情链接：<a href="http://www.jxgh.org.cn/article/88888">'
                       '江西省总工会</a><a href="https://www.workercn.cn/article/77777">中工网</a></div>'),
            "/nczhghcms/article/4001": _article(4001),
        })
        result, summary, db = _crawl(server, tmp_path, "foreign")
        assert result.returncode == 0 and _ids(db) == [4001], result.stderr
        asked = server.paths()
        assert not [p for p in asked if "88888" in p or "77777" in p], asked  # a missing capture each run before
    finally:
        server.close()


def test_a_site_whose_article_urls_nobody_configured_says_it_found_nothing(tmp_path: Path) -> None:
    """Exit 0 and no warning before: a first crawl that archived nothing looked like a success."""
    server = LocalServer()
    try:
        _serve(server, {
            "/": _page('<ul><li><a href="/news/show-345.html">一</a></li><li><a href="/news/show-346.html">二</a></li></ul>'),
            "/news/show-345.html": _article(345), "/news/show-346.html": _article(346),
        })
        result, summary, db = _crawl(server, tmp_path, "unknown")
        assert result.returncode == 1 and summary["no_articles"] is True
        warning = [line for line in result.stderr.splitlines() if "no article found" in line]
        assert warning and "article_paths" in warning[0] and "/nczhghcms/article/{id}" in warning[0], result.stderr
        assert _ids(db) == []
    finally:
        server.close()


def test_a_lists_last_page_gives_its_category_to_its_items_not_to_a_larger_sidebar(tmp_path: Path) -> None:
    server = LocalServer()
    try:
        side = "<div class='side'><ol>" + "".join(f'<li><a href="/nczhghcms/article/{i}">热点{i}</a></li>'
                                                  for i in range(100, 108)) + "</ol></div>"

        def list_page(ids: range, more: bool) -> bytes:
            rows = "".join(f'<li><a href="/nczhghcms/article/{i}">新闻{i}</a> 2024-03-01</li>' for i in ids)
            pager = '<a href="/list/3_2.html">下一页</a>' if more else ""
            return _page(f"<div class='main'><ul>{rows}</ul>{pager}</div>{side}")
        pages = {"/list/3_1.html": list_page(range(920, 900, -1), True), "/list/3_2.html": list_page(range(52, 49, -1), False)}
        for i in [*range(920, 900, -1), 52, 51, 50, *range(100, 108)]:
            pages[f"/nczhghcms/article/{i}"] = _article(i)
        _serve(server, pages)
        result, _, db = _crawl(server, tmp_path, "l", 'sources = ["list"]\nlist_url_template = "/list/{category}_{page}.html"\n'
                                                      "categories = [3]\n")
        assert result.returncode == 0, result.stderr
        conn = sqlite3.connect(db)
        try:
            category = dict(conn.execute("SELECT article_id, category_id FROM articles").fetchall())
        finally:
            conn.close()
        assert {i: category[i] for i in (52, 51, 50)} == {52: 3, 51: 3, 50: 3}  # the sidebar's items took 3 before
        assert {category[i] for i in range(100, 108)} == {None}
    finally:
        server.close()
