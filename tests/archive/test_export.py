"""Exports read back: CSV and Parquet hold the same rows, JSONL real characters, WARC passes warcio."""

from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator

from archive import export as ex
from archive import output, warc
from archive.datasets import DatasetName
from archive.sql import open_readonly
from archive.store import Archive
from tests.support.query import BuiltArchive, build_archive


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    return build_archive(tmp_path_factory.mktemp("export") / "ncgh.db")


def expected_rows(built: BuiltArchive, versions: str = "all") -> list[dict]:
    conn = open_readonly(built.path)
    try:
        return [ex.row_to_json(r) for r in ex.iter_rows(conn, versions)]
    finally:
        conn.close()


def warcio_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from warcio.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_rows_latest_and_all(built: BuiltArchive) -> None:
    latest = expected_rows(built, "latest")
    assert [(r["article_id"], r["version"]) for r in latest] == [(1001, 3), (1002, 1), (1003, 1)]
    assert all(r["is_latest"] for r in latest)
    every = expected_rows(built, "all")
    assert [(r["article_id"], r["version"]) for r in every] == [(1001, 1), (1001, 2), (1001, 3), (1002, 1), (1003, 1)]
    # Each version carries the last view count seen while it was current.
    assert [r["views"] for r in every[:3]] == [650, 900, 1500]
    assert every[3]["status"] == "gone"


def test_since_keeps_versions_first_seen_after(built: BuiltArchive, tmp_path: Path) -> None:
    summary = ex.export_jsonl(built.path, tmp_path / "s.jsonl", versions="all", since="2026-11-22T00:00:00+00:00")
    lines = (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()
    assert summary.rows == 2
    assert [(json.loads(x)["article_id"], json.loads(x)["version"]) for x in lines] == [(1001, 2), (1001, 3)]


@pytest.mark.parametrize("since", ["2026-11-22T08:00:00+08:00", "2026-11-22T00:00:00Z", "2026-11-22T00:00:00"])
def test_since_from_python_is_read_as_a_moment_not_compared_as_text(built: BuiltArchive, tmp_path: Path, since: str) -> None:
    ex.export_jsonl(built.path, tmp_path / "s.jsonl", versions="all", since=since)
    lines = (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()
    assert [(json.loads(x)["article_id"], json.loads(x)["version"]) for x in lines] == [(1001, 2), (1001, 3)]
    conn = open_readonly(built.path)
    try:
        shown = [r.fetched_at for r in warc.capture_rows(conn, since=since)]
        every = [r.fetched_at for r in warc.capture_rows(conn)]
    finally:
        conn.close()
    assert shown == [t for t in every if t >= "2026-11-22T00:00:00"] and 0 < len(shown) < len(every)


def test_a_bad_since_from_python_is_an_export_error(built: BuiltArchive, tmp_path: Path) -> None:
    with pytest.raises(output.ExportError, match="since: 'yesterday' is not a date"):
        ex.export_csv(built.path, tmp_path / "s.csv", since="yesterday")
    assert not (tmp_path / "s.csv").exists()


def test_csv_reads_back_same_rows(built: BuiltArchive, tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    summary = ex.export_csv(built.path, out, versions="all")
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "南昌市总工会".encode() in raw
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = expected_rows(built)
    assert summary.rows == len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        assert list(got) == list(ex.COLUMNS)
        assert got["body_text"] == want["body_text"]  # multi-line cells survive
        assert got["title"] == (want["title"] or "")
        assert int(got["article_id"]) == want["article_id"] and int(got["version"]) == want["version"]
        assert json.loads(got["images"]) == want["images"]
        assert got["is_latest"] == ("true" if want["is_latest"] else "false")


def test_csv_bom_for_spreadsheets(built: BuiltArchive, tmp_path: Path) -> None:
    out = tmp_path / "bom.csv"
    ex.export_csv(built.path, out, bom=True)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfsite,article_id,")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle))[0] == "site"


def test_jsonl_real_characters(built: BuiltArchive, tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    ex.export_jsonl(built.path, out, versions="all")
    text = out.read_text(encoding="utf-8")
    assert "\\u" not in text and "职工代表大会" in text
    records = [json.loads(line) for line in text.splitlines()]
    assert records == json.loads(json.dumps(expected_rows(built)))
    assert records[0]["images"] == [{"src": "http://www.ncgh.org.cn/upload/a.jpg", "caption": "会议现场"}]


def test_parquet_reads_back_same_rows(built: BuiltArchive, tmp_path: Path) -> None:
    out = tmp_path / "a.parquet"
    ex.export_parquet(built.path, out, versions="all", batch_rows=2)  # several row batches
    table = pq.read_table(out)
    assert table.schema.equals(ex.parquet_schema())
    got = table.to_pylist()
    expected = expected_rows(built)
    assert len(got) == len(expected)
    for g, w in zip(got, expected, strict=True):
        assert g["first_seen"] == datetime.fromisoformat(w["first_seen"])
        assert g["last_seen"] == datetime.fromisoformat(w["last_seen"])
        assert g["published_at"] == date.fromisoformat(w["published_at"])
        for key in ex.COLUMNS:
            if key not in ("first_seen", "last_seen", "published_at", "gone_at"):
                assert g[key] == w[key], key
        assert g["gone_at"] == (datetime.fromisoformat(w["gone_at"]) if w["gone_at"] else None)


def test_never_overwrites_without_force(built: BuiltArchive, tmp_path: Path) -> None:
    out = tmp_path / "keep.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    with pytest.raises(output.ExportError, match="already exists; pass --force"):
        ex.export_jsonl(built.path, out)
    assert out.read_text(encoding="utf-8") == "precious\n"
    ex.export_jsonl(built.path, out, force=True)
    assert out.read_text(encoding="utf-8").count("\n") == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.jsonl"]  # no temp file left


def test_failed_export_leaves_old_file_and_no_temp(built: BuiltArchive, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "x.csv"
    out.write_text("old\n", encoding="utf-8")

    def boom(*args, **kwargs):
        yield from ()
        raise RuntimeError("disk on fire")

    versions = ex.DATASETS[DatasetName.VERSIONS]
    monkeypatch.setitem(ex.DATASETS, DatasetName.VERSIONS, dataclasses.replace(versions, rows=boom))
    with pytest.raises(RuntimeError):
        ex.export_csv(built.path, out, force=True)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_replay_headers_fix_coding_and_length() -> None:
    headers = [
        ("Content-Type", "text/html"),
        ("Content-Encoding", "gzip"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Length", "99"),
    ]
    assert warc.replay_headers(headers, 250, 200) == [
        ("Content-Type", "text/html"),
        ("X-Archive-Orig-Content-Encoding", "gzip"),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"),
        ("X-Archive-Orig-Content-Length", "99"),
        ("Content-Length", "250"),
    ]
    assert warc.replay_headers([("Content-Length", "5")], 5, 200) == [("Content-Length", "5")]
    assert warc.replay_headers([("ETag", '"a"')], 0, 304) == [("ETag", '"a"')]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["a.warc.gz", "a.warc"])
def test_warc_round_trip(built: BuiltArchive, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    summary = warc.export_warc(built.path, out)
    # 12 captures with a response (one fetch error has none): 9 distinct payloads, 2 repeats and a 304,
    # which is a revisit (server-not-modified) of its URL's 200, never a 304 response record.
    assert (summary.responses, summary.revisits, summary.requests, summary.skipped) == (9, 3, 12, 1)
    assert summary.not_modified == 1
    assert summary.metadata == 1  # the redirected capture

    check = warcio_cli("check", "-v", str(out))
    assert check.returncode == 0, check.stdout + check.stderr
    # Every record but the 2 identical-payload revisits (payload elsewhere); the 304 revisit has an empty
    # block, whose digest passes.
    assert check.stdout.count("digest pass") == 23

    index = warcio_cli("index", "-f", "warc-type,warc-target-uri,http:status,warc-date", str(out))
    assert index.returncode == 0, index.stderr
    entries = [json.loads(line) for line in index.stdout.splitlines()]
    assert [e["warc-type"] for e in entries].count("response") == 9
    assert [e["warc-type"] for e in entries].count("revisit") == 3
    assert all(e.get("http:status") != "304" for e in entries)
    assert [e["warc-type"] for e in entries].count("request") == 12
    assert [e["warc-type"] for e in entries].count("metadata") == 1
    assert entries[0]["warc-type"] == "warcinfo"
    first_article = next(e for e in entries if e.get("warc-target-uri", "").endswith("/article/1001"))
    assert first_article["warc-date"] == "2026-11-20T02:00:01.250000Z"  # the capture time

    # Payloads read back byte for byte equal the stored bodies; revisits point at an equal payload.
    by_capture: dict[int, bytes] = {}
    records = {}
    payload_lengths: dict[str, int] = {}  # response record id -> payload length
    with out.open("rb") as handle:
        for record in ArchiveIterator(handle):
            headers = record.rec_headers
            records[headers.get_header("WARC-Record-ID")] = record.rec_type
            if record.rec_type == "response":
                payload = record.content_stream().read()
                by_capture[int(headers.get_header("X-Ncgh-Capture-ID"))] = payload
                payload_lengths[headers.get_header("WARC-Record-ID")] = len(payload)
                assert headers.get_header("WARC-Payload-Digest") == warc.sha1_payload_digest(payload)
                assert record.http_headers.get_header("Content-Encoding") is None
                assert record.http_headers.get_header("Transfer-Encoding") is None
            elif record.rec_type == "metadata":
                assert record.content_stream().read().decode().splitlines() == [
                    "via: http://171.34.90.220:8081/article/1003",
                    "redirect: 302 http://171.34.90.220:8081/article/1003 -> http://ncgh.org.cn/article/1003",
                ]
                assert records[headers.get_header("WARC-Concurrent-To")] == "response"
                assert headers.get_header("WARC-Target-URI") == "http://ncgh.org.cn/article/1003"
            elif record.rec_type == "revisit" and headers.get_header("WARC-Profile").endswith("/server-not-modified"):
                # A 304: no HTTP headers of its own (the replayer serves the referred 200 with its
                # headers), referring to the last 200 of the same URL.
                assert record.http_headers is None
                assert records[headers.get_header("WARC-Refers-To")] == "response"
                assert headers.get_header("WARC-Refers-To-Target-URI") == headers.get_header("WARC-Target-URI")
                cid = int(headers.get_header("X-Ncgh-Capture-ID"))
                assert archive_status(built.path, cid) == 304
            elif record.rec_type == "revisit":
                assert headers.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
                assert records[headers.get_header("WARC-Refers-To")] == "response"
                # The replayed headers announce the length of the payload the revisit stands for.
                referred_length = payload_lengths[headers.get_header("WARC-Refers-To")]
                assert record.http_headers.get_header("Content-Length") == str(referred_length)
                cid = int(headers.get_header("X-Ncgh-Capture-ID"))
                by_capture[cid] = None  # checked below against the referred payload
    with Archive(built.path) as archive:
        for cid, body in by_capture.items():
            stored = archive.stored_capture(cid)
            if body is None:
                assert stored.body_sha256 in {archive.stored_capture(c).body_sha256 for c, b in by_capture.items() if b}
                continue
            assert body == (archive.read_body(stored.body_sha256) if stored.body_sha256 else b"")
            assert body == built.bodies.get(cid, b"")
    gz = by_capture[3]
    assert gz == built.bodies[3]  # the gzip+chunked capture, replayed decoded with a fixed length


def archive_status(path: Path, capture_id: int) -> int | None:
    with Archive(path) as archive:
        return archive.stored_capture(capture_id).status


def test_warc_original_headers_kept(built: BuiltArchive, tmp_path: Path) -> None:
    out = tmp_path / "h.warc.gz"
    warc.export_warc(built.path, out)
    with out.open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response" and record.rec_headers.get_header("X-Ncgh-Capture-ID") == "3":
                h = record.http_headers
                assert h.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
                assert h.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
                assert h.get_header("Content-Length") == str(len(built.bodies[3]))
                assert h.get_header("Set-Cookie") == "JSESSIONID=abc; Path=/"
                assert h.get_statuscode() == "200"
            if record.rec_type == "request" and record.rec_headers.get_header("WARC-Target-URI").endswith("1003"):
                assert str(record.http_headers).startswith("GET /article/1003 HTTP/1.1\r\n")
                assert record.http_headers.get_header("Host") == "ncgh.org.cn"
                assert record.http_headers.get_header("User-Agent") == "ncgh-archive/0.1 (+test)"


def test_warc_latest_keeps_last_capture_per_url(built: BuiltArchive, tmp_path: Path) -> None:
    out = tmp_path / "l.warc.gz"
    summary = warc.export_warc(built.path, out, versions="latest")
    with out.open("rb") as handle:
        uris = [
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(handle)
            if r.rec_type in ("response", "revisit")
        ]
    assert len(uris) == len(set(uris)) == summary.responses + summary.revisits == 6


def test_warc_refuses_damaged_body_and_writes_nothing(built: BuiltArchive, tmp_path: Path) -> None:
    import sqlite3

    damaged = tmp_path / "damaged.db"
    source = sqlite3.connect(built.path)
    source.backup(target := sqlite3.connect(damaged))
    source.close()
    sha = target.execute("SELECT body_sha256 FROM captures WHERE id = 3").fetchone()[0]
    target.execute("UPDATE bodies SET data = ? WHERE sha256 = ?", (b"\x00" * 16, sha))
    target.commit()
    target.close()
    out = tmp_path / "out" / "d.warc.gz"
    out.parent.mkdir()
    from archive.bodies import BodyIntegrityError

    with pytest.raises(BodyIntegrityError, match=r"^capture 3 \("):  # the command makes it exit 65
        warc.export_warc(damaged, out)
    assert list(out.parent.iterdir()) == []


def test_parquet_of_a_hand_edited_date_is_one_error_line(built: BuiltArchive, tmp_path: Path) -> None:
    import sqlite3

    edited = tmp_path / "edited.db"
    source = sqlite3.connect(built.path)
    source.backup(target := sqlite3.connect(edited))
    source.close()
    target.execute("UPDATE versions SET published_at = '2024年3月5日' WHERE rowid = 1")
    target.commit()
    target.close()
    result = subprocess.run([sys.executable, "-m", "ncgh.cli", "export", "parquet", "-o", str(tmp_path / "o.parquet"),
                             "--versions", "all", "--db", str(edited)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr  # a ValueError traceback before
    assert result.stderr.strip() == ("Error: column published_at holds '2024年3月5日', not an ISO 8601 date;"
                                     " parquet types it, csv and jsonl export it as it is")
    assert not (tmp_path / "o.parquet").exists()
