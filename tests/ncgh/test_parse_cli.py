"""`ncgh parse`: JSON lines in file order, errors as objects, exit code 1 when any page failed."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ncgh.cli import cli

HAND = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "hand"
KEYS = ["file", "url", "article_id", "title", "column", "published_at", "published_raw", "views", "source", "author",
        "body_text", "body_html", "images", "attachments", "signature", "footer", "encoding", "extractor",
        "warnings", "parser_version"]


def test_json_lines_in_order_with_every_key() -> None:
    files = [str(HAND / "navbar-2020.html"), str(HAND / "seed-current-gbk.html")]
    result = CliRunner().invoke(cli, ["parse", "--json", "--url", "https://ncgh.org.cn/nczhghcms/article/18804", *files])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["file"] for r in rows] == files
    assert list(rows[0]) == KEYS
    assert rows[0]["column"] == "女职工工作" and rows[0]["article_id"] == 18804
    assert rows[1]["title"] == "贯彻十九大精神,开创工会工作新局面" and rows[1]["encoding"] == "gb18030"
    assert "贯彻" in result.output  # ensure_ascii=False: Chinese is not \\u-escaped


def test_failures_are_objects_and_the_exit_code_says_so(tmp_path: Path) -> None:
    files = [str(HAND / "missing-200.html"), str(tmp_path / "absent.html"), str(HAND / "footer-only.html"),
             str(HAND / "no-header-line.html")]
    result = CliRunner().invoke(cli, ["parse", "--json", *files])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["file"] for r in rows] == files
    assert [r.get("error_kind") for r in rows] == ["article_missing", "unreadable", "parse_error", None]
    assert all(r["error"] for r in rows[:3]) and rows[3]["warnings"] == ["missing_date", "missing_views"]


def test_human_output_and_stdin() -> None:
    data = (HAND / "old-table-2012-gb2312.html").read_bytes()
    result = CliRunner().invoke(cli, ["parse", "-"], input=data)
    assert result.exit_code == 0, result.output
    assert "column:       基层工会动态" in result.output and "青山湖区总工会 葛文利" in result.output


def test_config_profile_is_used(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[parse]\ntitle_selectors = ["h1.nothing"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["parse", "--json", "--config", str(cfg), str(HAND / "navbar-2020.html")])
    assert json.loads(result.output)["extractor"] == "fallback"
    cfg.write_text('[parse]\ntitle_selectors = ["h1["]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["parse", "--config", str(cfg), str(HAND / "navbar-2020.html")])
    assert result.exit_code == 2 and "title_selectors" in result.output  # a config error: 2, as for every command
    cfg.write_text('[fetch]\ndelya = 1\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["parse", "--config", str(cfg), str(HAND / "navbar-2020.html")])
    assert result.exit_code == 2 and "delya" in result.output and result.output.count("\n") == 1


def test_config_article_paths_give_the_id(tmp_path: Path) -> None:
    """--config used its [parse] profile but the built-in article paths: article_id was None."""
    cfg = tmp_path / "c.toml"
    cfg.write_text('[site]\narticle_paths = ["/news/show-{id}.html"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["parse", "--json", "--config", str(cfg), "--url",
                                      "http://www.ncgh.org.cn/news/show-345.html", str(HAND / "navbar-2020.html")])
    assert json.loads(result.output)["article_id"] == 345
