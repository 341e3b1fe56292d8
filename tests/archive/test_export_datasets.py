"""The export datasets (versions, events, views, footers) read back by pyarrow and DuckDB: typed
columns, the article's category and gone_at on every article row, and a join across two exports."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archive import export as ex
from archive import query as q
from archive.datasets import DATASETS, FIRST_VERSION, Selection, version_rows
from archive.output import ExportError
from archive.queue import WorkItem
from archive.resolve import ArticleRef
from archive.sql import open_readonly
from archive.store import Archive
from archive.vocab import MissingReason, WorkKind
from tests.support.archive import FOOTER, SITE, at, capture, content

duckdb = pytest.importorskip("duckdb")

# SQL words no column of an export may be named (`column` was one; it is `title_prefix`).
RESERVED = {"column", "select", "from", "where", "order", "group", "table", "user", "date", "time", "timestamp",
            "index", "key", "default", "references", "check", "values", "case", "end", "limit", "offset"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Article 1: found on list page of category 3, its page's breadcrumb says 工会新闻, edited once,
    views read on three days; article 2: found by a revisit (no list), gone on day 3; a footer change."""
    path = tmp_path_factory.mktemp("datasets") / "ncgh.db"
    with Archive(path) as archive:
        run = archive.queue.start_run("incremental", at(0), "{}")
        archive.queue.enqueue(run, [
            WorkItem("http://www.ncgh.org.cn/nczhghcms/article/1", WorkKind.ARTICLE, 1, category_id=3),
            WorkItem("http://www.ncgh.org.cn/nczhghcms/article/2", WorkKind.ARTICLE, 2),
        ])
        items = {w.article_id: w.id for w in archive.queue.pending(run)}
        first = content(1, title="职工代表大会召开", column="基层工会动态", published_at="2024-10-28")
        archive.record_capture(capture(1, 0, first, views=400, work_item_id=items[1], run_id=run, category="工会新闻"))
        archive.record_capture(capture(2, 0, content(2, title="送温暖"), views=50, work_item_id=items[2], run_id=run))
        archive.record_capture(capture(1, 1, replace(first, title="第二届职工代表大会召开"), views=420))
        archive.record_capture(capture(1, 2, replace(first, title="第二届职工代表大会召开"), views=470,
                                       footer=replace(FOOTER, icp="赣ICP备2025061944号-1")))
        for day in (2, 3):
            archive.record_capture(capture(2, day, outcome="missing", status=404, body=b"gone",
                                           missing_reason=MissingReason.HTTP_404))
    return path


def export(db: Path, tmp_path: Path, dataset: str, fmt: str = "parquet", **kw) -> Path:
    out = tmp_path / f"{dataset}.{fmt}"
    ex.export(fmt, db, out, dataset=dataset, **kw)
    return out


def test_every_dataset_has_typed_parquet_columns_and_no_reserved_names(db: Path, tmp_path: Path) -> None:
    for name, spec in DATASETS.items():
        schema = pq.read_schema(export(db, tmp_path, name))
        assert schema.equals(ex.parquet_schema(name)), name
        assert not {c.name for c in spec.columns} & RESERVED, name
        for column in ("first_seen", "last_seen", "at", "gone_at"):
            if column in schema.names:
                assert schema.field(column).type == pa.timestamp("us", tz="UTC"), (name, column)
        for column in ("article_id", "capture_id", "views", "category_id"):
            if column in schema.names:
                assert schema.field(column).type == pa.int64(), (name, column)
    versions = pq.read_schema(tmp_path / "versions.parquet")
    assert versions.field("published_at").type == pa.date32() and "title_prefix" in versions.names
    assert pq.read_schema(tmp_path / "views.parquet").field("day").type == pa.date32()


def test_article_rows_carry_category_status_and_gone_at(db: Path, tmp_path: Path) -> None:
    rows = pq.read_table(export(db, tmp_path, "versions", versions="all")).to_pylist()
    one = [r for r in rows if r["article_id"] == 1]
    assert [(r["category_id"], r["category"], r["status"], r["gone_at"]) for r in one] == [(3, "工会新闻", "live", None)] * 2
    assert one[0]["title_prefix"] == "基层工会动态" and one[0]["published_at"] == date(2024, 10, 28)
    assert [r["changed_fields"] for r in one] == [[FIRST_VERSION], ["title"]]
    gone = next(r for r in rows if r["article_id"] == 2)
    assert (gone["category_id"], gone["category"], gone["status"]) == (None, None, "gone")
    assert gone["gone_at"] == datetime.fromisoformat(at(3))  # the second 404 made it gone
    events = pq.read_table(export(db, tmp_path, "events")).to_pylist()
    assert [(e["article_id"], e["event"]) for e in events] == [(1, "new"), (2, "new"), (1, "edited"), (2, "gone")]
    assert events[0]["changed_fields"] == [FIRST_VERSION] and events[2]["changed_fields"] == ["title"]
    assert events[3]["reasons"] == ["http_404"] and events[3]["gone_at"] == events[3]["at"]
    assert {e["category"] for e in events if e["article_id"] == 1} == {"工会新闻"}
    # Each event names the title its version had, not the article's title today.
    assert [e["title"] for e in events] == ["职工代表大会召开", "送温暖", "第二届职工代表大会召开", "送温暖"]


def test_views_and_footers_datasets(db: Path, tmp_path: Path) -> None:
    views = pq.read_table(export(db, tmp_path, "views")).to_pylist()
    assert [(v["article_id"], v["views"], v["version"]) for v in views] == [(1, 400, 1), (1, 420, 2), (1, 470, 2), (2, 50, 1)]
    assert views[0]["at"] == datetime(2026, 1, 1, 2, 0, tzinfo=UTC) and views[0]["day"] == date(2026, 1, 1)
    footers = pq.read_table(export(db, tmp_path, "footers")).to_pylist()
    assert [(f["version"], f["icp"], f["changed_fields"]) for f in footers] == [
        (1, "赣ICP备18016234号-1", [FIRST_VERSION]), (2, "赣ICP备2025061944号-1", ["icp"])]


def test_duckdb_reads_each_export_and_joins_versions_with_view_counts(db: Path, tmp_path: Path) -> None:
    for name in DATASETS:
        export(db, tmp_path, name, **({"versions": "all"} if name == "versions" else {}))
        export(db, tmp_path, name, "csv", **({"versions": "all"} if name == "versions" else {}))
    con = duckdb.connect()
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                             [str(tmp_path / "versions.parquet")]).fetchall())
    assert types["published_at"] == "DATE" and types["first_seen"] == "TIMESTAMP WITH TIME ZONE"
    assert types["views"] == "BIGINT" and types["version"] == "INTEGER" and types["changed_fields"] == "VARCHAR[]"
    joined = con.execute(
        """SELECT v.article_id, v.version, count(w.views), max(w.views)
           FROM read_parquet(?) v JOIN read_parquet(?) w ON w.article_id = v.article_id AND w.version = v.version
           GROUP BY ALL ORDER BY ALL""",
        [str(tmp_path / "versions.parquet"), str(tmp_path / "views.parquet")],
    ).fetchall()
    assert joined == [(1, 1, 1, 400), (1, 2, 2, 470), (2, 1, 1, 50)]
    # The CSV files hold the same rows, read with DuckDB's own type detection.
    for name in DATASETS:
        got = con.execute("SELECT count(*) FROM read_csv_auto(?)", [str(tmp_path / f"{name}.csv")]).fetchone()[0]
        assert got == pq.read_metadata(tmp_path / f"{name}.parquet").num_rows, name
    growth = con.execute("SELECT max(views) - min(views) FROM read_csv_auto(?) WHERE article_id = 1",
                         [str(tmp_path / "views.csv")]).fetchone()[0]
    assert growth == 70


def test_jsonl_and_csv_of_a_dataset_agree(db: Path, tmp_path: Path) -> None:
    lines = export(db, tmp_path, "events", "jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(x) for x in lines]
    with export(db, tmp_path, "events", "csv").open(encoding="utf-8", newline="") as handle:
        cells = list(csv.DictReader(handle))
    assert [r["event"] for r in records] == [c["event"] for c in cells]
    assert [json.loads(c["changed_fields"]) for c in cells] == [r["changed_fields"] for r in records]
    assert datetime.fromisoformat(records[-1]["at"]) == datetime.fromisoformat(at(3)) and cells[-1]["category"] == ""


def test_versions_option_and_warc_refuse_other_datasets(db: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="--versions only applies to the versions dataset"):
        ex.export("csv", db, tmp_path / "e.csv", dataset="events", versions="all")
    with pytest.raises(ExportError, match="warc holds the raw captures"):
        ex.export("warc", db, tmp_path / "e.warc.gz", dataset="views")
    with pytest.raises(ExportError, match="unknown dataset 'nope'"):
        ex.export("csv", db, tmp_path / "e.csv", dataset="nope")
    assert not list(tmp_path.iterdir())


def test_export_rows_and_show_read_a_version_the_same_way(db: Path) -> None:
    """One mapping of a stored version's JSON (issue 14): the export's row and `ncgh show`'s
    VersionInfo agree field by field, odd JSON included (a null caption, a missing name, not a list)."""
    conn = open_readonly(db)
    try:
        rows = list(version_rows(conn, Selection("all")))
        for row in rows:
            info = q.get_version(conn, ArticleRef(SITE, row.article_id), row.version)
            assert (row.title, row.title_prefix, row.published_at, row.body_text, row.images, row.attachments,
                    row.signature, row.content_hash, row.capture_id) == (
                info.title, info.column, info.published_at, info.body_text, info.images, info.attachments,
                info.signature, info.content_hash, info.capture_id)
    finally:
        conn.close()
    odd = {"images_json": '[["a.jpg", null], ["b.jpg"], "c.jpg", []]', "attachments_json": '[["f.doc"]]',
           "changed_fields": '{"x": 1}'}
    base = {c: None for c in q.VERSION_COLUMNS} | {"version": 1, "capture_id": 1, "body_text": "", "body_html": ""}
    info = q.version_info(base | odd)
    assert info.images == (("a.jpg", None), ("b.jpg", None)) and info.attachments == (("f.doc", ""),)
    assert info.changed_fields == ("x: 1",)
    assert q.version_info(base | {"images_json": "not json"}).images == ()
