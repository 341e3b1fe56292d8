"""The archive's vocabularies (archive/vocab.py): every word stored is a member of its enum, and the
crawler hands the archive members, not look-alike strings."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from archive.vocab import (
    ARTICLE_WORK,
    STORED_ARTICLE_STATUSES,
    ArticleStatus,
    BodyCodec,
    CaptureKind,
    EventKind,
    MissingReason,
    Outcome,
    RunMode,
    RunStatus,
    WorkKind,
    WorkState,
    sql_values,
)
from ncgh.demo import run_demo
from scraper.records import EncodingSource, Extractor, FetchErrorKind, ParseWarning


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """A small multi-day archive with new, edited and gone articles (ncgh demo's timeline)."""
    db = tmp_path_factory.mktemp("vocab") / "demo.db"
    run_demo(db, articles=40, days=4, out=io.StringIO())
    return db


def distinct(db: Path, table: str, column: str) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")}
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("table", "column", "vocabulary"),
    [
        ("captures", "outcome", Outcome),
        ("captures", "missing_reason", MissingReason),
        ("captures", "kind", CaptureKind),
        ("captures", "error", FetchErrorKind),
        ("captures", "encoding_source", EncodingSource),
        ("captures", "extractor", Extractor),
        ("events", "event", EventKind),
        ("articles", "status", STORED_ARTICLE_STATUSES),
        ("bodies", "codec", BodyCodec),
        ("runs", "status", RunStatus),
        ("runs", "mode", RunMode),
        ("work_items", "kind", WorkKind),
        ("work_items", "state", WorkState),
    ],
)
def test_every_stored_word_is_a_member(demo_db, table, column, vocabulary):
    assert distinct(demo_db, table, column) <= {v.value for v in vocabulary}


def test_the_timeline_meets_most_of_the_vocabularies(demo_db):
    assert distinct(demo_db, "events", "event") >= {EventKind.NEW, EventKind.EDITED, EventKind.GONE}
    assert {Outcome.OK, Outcome.MISSING} <= distinct(demo_db, "captures", "outcome")
    assert distinct(demo_db, "captures", "kind") >= {CaptureKind.ARTICLE, CaptureKind.HUB}


def test_stored_warnings_are_parse_warnings(demo_db):
    conn = sqlite3.connect(demo_db)
    try:
        warnings = {w for (w,) in conn.execute("SELECT DISTINCT j.value FROM captures, json_each(warnings_json) j")}
    finally:
        conn.close()
    assert warnings <= {w.value for w in ParseWarning}


def test_check_constraints_follow_the_enums(tmp_path):
    """The CHECKs refuse a word outside the vocabulary and accept each member."""
    from archive.ddl import SCHEMA

    ddl = "\n".join(SCHEMA)
    for column, vocabulary in (
        ("outcome", Outcome),
        ("status", STORED_ARTICLE_STATUSES),
        ("event", EventKind),
        ("codec", BodyCodec),
    ):
        assert f"CHECK ({column} IN {sql_values(vocabulary)})" in ddl, column


def test_work_kinds_map_to_capture_kinds():
    for kind in WorkKind:
        expected = CaptureKind.ARTICLE if kind in ARTICLE_WORK else CaptureKind(kind.value.removesuffix("_page"))
        assert kind.capture_kind is expected
    assert ArticleStatus.UNSEEN not in STORED_ARTICLE_STATUSES


def test_pipeline_hands_the_archive_members(tmp_path):
    """A live classification gives the enum members themselves (typed), equal to the stored strings."""
    from datetime import UTC, datetime

    from ncgh.pipeline import interpret
    from scraper.profile import DEFAULT_PROFILE
    from scraper.records import FetchResult

    paths = ("/nczhghcms/article/{id}",)
    url = "http://www.ncgh.org.cn/nczhghcms/article/5"
    gone = FetchResult(url, url, 404, [], b"", datetime.now(UTC), 0.1, 1, error=FetchErrorKind.HTTP_STATUS)
    capture = interpret("ncgh", url, gone, DEFAULT_PROFILE, paths)
    assert type(capture.outcome) is Outcome and capture.outcome == "missing"
    assert type(capture.missing_reason) is MissingReason and capture.missing_reason == "http_404"
    assert type(capture.kind) is CaptureKind


def test_change_kinds_are_the_event_kinds_and_footer():
    from archive.vocab import ChangeKind

    assert {(k.name, k.value) for k in ChangeKind} == {(e.name, e.value) for e in EventKind} | {("FOOTER", "footer")}
