"""Helpers of the end-to-end crawl tests: a small site's config, SQL rows of an archive, and a
snapshot of what an archive knows (to compare two crawls)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ncgh.config import Config, config_from_dict

ROOT = Path(__file__).resolve().parents[2]  # the checkout: crawls in a child process run from here
ID_RANGE = (800, 1200)
MISSING_REASON = {"404": "http_404", "not_exist_page": "not_exist_page", "redirect_home": "redirect_home"}


def crawl_config(**sections: dict) -> Config:
    data = {
        "fetch": {"delay": 0, "concurrency_per_host": 2},
        "discovery": {"id_range": list(ID_RANGE), "id_gap_tolerance": 30},
    }
    for section, values in sections.items():
        data.setdefault(section, {}).update(values)
    return config_from_dict(data)


def write_config(path: Path, fetch_extra: str = "") -> Path:
    path.write_text(
        "[fetch]\ndelay = 0\nconcurrency_per_host = 2\n" + fetch_extra +
        f"[discovery]\nid_range = [{ID_RANGE[0]}, {ID_RANGE[1]}]\nid_gap_tolerance = 30\n",
        encoding="utf-8",
    )
    return path


def rows(db: Path, sql: str, *args: object) -> list[tuple]:
    """The rows of one query on the archive file at `db` (its own connection, closed after)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def shown_title(column: str | None, title: str | None) -> str | None:
    return f"【{column}】{title}" if column else title


def snapshot(db: Path) -> dict:
    """Everything an archive knows about the site, without capture times and ids."""
    return {
        "articles": rows(db, "SELECT article_id, status, version, title, published_at FROM articles ORDER BY 1"),
        "versions": rows(db, "SELECT article_id, version, content_hash FROM versions ORDER BY 1, 2"),
        "events": rows(db, "SELECT article_id, event, version FROM events ORDER BY 1, 2, 3"),
        "footers": rows(db, "SELECT version, content_hash FROM footers ORDER BY 1"),
        "captures": rows(
            db, "SELECT kind, outcome, count(*) FROM captures WHERE kind = 'article' GROUP BY 1, 2 ORDER BY 1, 2"
        ),
    }
