"""`ncgh reparse` repairs an archive built by the parser that corrupted character references (issue 13).

The archive is built with the old behaviour put back (its regex, which ate the first digits of every
numeric reference, and its version string), then re-parsed with today's parser: the stored bodies
were always intact, so every corrupted title and body comes back whole, and `verify` still passes.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from test_parse import P1, P2, page

import scraper.htmltree
import scraper.parse
from archive.store import Archive
from ncgh.cli import cli
from tests.support.archive import SITE, T0

pipeline = pytest.importorskip("ncgh.pipeline", reason="needs the orchestration layer")
from ncgh.config import load_config, to_site_profile  # noqa: E402
from scraper.records import FetchResult  # noqa: E402

BASE = "http://www.ncgh.org.cn"
TITLE = "&#8220;职工之家&#8221;建设&#x4E2D;期&#12288;推进会"
BODY = f"<p>&#12288;&#12288;{P1}&#8220;安康杯&#8221;</p><p>{P2}&#8212;&#8212;</p>"
# The regex of parser 1.0.0 (scraper/htmltree.py before the fix), applied to the page's bytes as it was.
OLD_CONTROL_REF = re.compile(
    rb"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45]|57344)|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF]|[eE]000));?"
)
OLD_VERSION = "1.0.0+d88ab7e740"


def fetch(article_id: int) -> FetchResult:
    url = f"{BASE}/nczhghcms/article/{article_id}"
    return FetchResult(url=url, fetched_at=T0 + timedelta(minutes=article_id), elapsed=0.2, attempts=1,
                       final_url=url, status=200, headers=[("Content-Type", "text/html; charset=utf-8")],
                       body=page(BODY, title=f"{TITLE}{article_id}"))


def versions(path) -> list[tuple[str, str, str]]:
    with Archive(path) as archive:
        return archive.conn.execute("SELECT title, body_text, parser_version FROM versions ORDER BY article_id").fetchall()


def test_reparse_repairs_text_corrupted_by_the_old_reference_regex(tmp_path, monkeypatch) -> None:
    cfg = load_config()
    profile = to_site_profile(cfg)
    path = tmp_path / "old.db"
    old_utf8_bytes = scraper.htmltree.utf8_bytes
    with monkeypatch.context() as old:
        old.setattr(scraper.parse, "utf8_bytes", lambda decoded: OLD_CONTROL_REF.sub(b"", old_utf8_bytes(decoded)))
        old.setattr(scraper.parse, "parser_version_for", lambda profile: OLD_VERSION)
        old.setattr(pipeline, "parser_version_for", lambda profile: OLD_VERSION)
        with Archive(path) as archive:
            for article_id in (1, 2):
                f = fetch(article_id)
                archive.record_capture(pipeline.interpret(SITE, f.url, f, profile, cfg.site.article_paths))
    corrupted = versions(path)
    assert [row[0] for row in corrupted] == ["220;职工之家221;建设E2D;期2288;推进会1", "220;职工之家221;建设E2D;期2288;推进会2"]
    assert all(row[2] == OLD_VERSION and "220;安康杯221;" in row[1] for row in corrupted)

    runner = CliRunner()
    result = runner.invoke(cli, ["reparse", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "versions: 2 -> 2" in result.output
    repaired = versions(path)
    assert [row[0] for row in repaired] == ["“职工之家”建设中期 推进会1", "“职工之家”建设中期 推进会2"]
    for _title, body_text, version in repaired:
        assert body_text == f"{P1}“安康杯”\n\n{P2}——"
        assert version == scraper.parse.PARSER_VERSION != OLD_VERSION
    result = runner.invoke(cli, ["verify", "--db", str(path)])
    assert result.exit_code == 0, result.output
