"""The WARC export on captures a real crawl makes (found by review): URLs with the site's own
characters, a page that changes back before a 304, and answers never received whole."""

from __future__ import annotations

from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive import warc
from archive.store import Archive
from tests.support.archive import capture

ARTICLE = "http://www.ncgh.org.cn/nczhghcms/article/1001"


def _records(path: Path) -> list:
    out = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            out.append((record.rec_type, dict(record.rec_headers.headers),
                        record.http_headers.protocol + " " + record.http_headers.statusline
                        if record.rec_type == "request" and record.http_headers else None))
    return out


def test_a_url_with_chinese_characters_and_a_space_is_written_percent_encoded(tmp_path: Path) -> None:
    url = "http://www.ncgh.org.cn/nczhghcms/article/1001?t=图 片"
    with Archive(tmp_path / "a.db") as archive:
        archive.record_capture(capture(url=url))
    out = tmp_path / "a.warc"
    summary = warc.export_warc(tmp_path / "a.db", out)  # raised UnicodeEncodeError before
    assert summary.responses == 1
    target = "http://www.ncgh.org.cn/nczhghcms/article/1001?t=%E5%9B%BE%20%E7%89%87"
    records = _records(out)
    assert {h["WARC-Target-URI"] for kind, h, _ in records if kind in ("response", "request")} == {target}
    assert [line for kind, _, line in records if kind == "request"] == ["GET /nczhghcms/article/1001?t=%E5%9B%BE%20%E7%89%87 HTTP/1.1"]


def test_a_304_refers_to_the_payload_its_url_showed_last(tmp_path: Path) -> None:
    first, other = "<html><body>正文</body></html>".encode(), "<html><body>另一段正文</body></html>".encode()
    with Archive(tmp_path / "a.db") as archive:
        archive.record_capture(capture(day=0, body=first))
        archive.record_capture(capture(day=1, body=other))
        archive.record_capture(capture(day=2, body=first))  # back as it was: a revisit of day 0's payload
        archive.record_capture(capture(day=3, status=304, outcome="not_modified", body=None))
    out = tmp_path / "a.warc"
    warc.export_warc(tmp_path / "a.db", out)
    records = [(kind, h) for kind, h, _ in _records(out) if kind in ("response", "revisit")]
    day0, day1, day2, day3 = (h for _, h in records)
    assert day2["WARC-Refers-To"] == day0["WARC-Record-ID"]
    assert day3["WARC-Refers-To"] == day0["WARC-Record-ID"] != day1["WARC-Record-ID"]  # it named day 1's


def test_an_answer_cut_short_is_left_out_not_written_as_an_empty_page(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.record_capture(capture(day=0))
        archive.record_capture(capture(day=1, outcome="fetch_error", status=200, body=None, error="truncated",
                                       error_detail="got 100 of 835 bytes"))
    out = tmp_path / "a.warc"
    summary = warc.export_warc(tmp_path / "a.db", out)
    assert (summary.responses, summary.skipped) == (1, 1)
    assert [kind for kind, _, _ in _records(out)].count("response") == 1


def test_a_non_ascii_header_is_written_as_the_bytes_the_server_sent(tmp_path: Path) -> None:
    sent = 'attachment; filename="通知.pdf"'.encode()
    received = sent.decode("latin-1")  # how http.client hands header bytes over, and the fetcher stores them
    with Archive(tmp_path / "a.db") as archive:
        archive.record_capture(capture(headers=[("Content-Type", "text/html"), ("Content-Disposition", received)]))
    out = tmp_path / "a.warc"
    warc.export_warc(tmp_path / "a.db", out)
    raw = out.read_bytes()
    assert b"Content-Disposition: " + sent + b"\r\n" in raw  # warcio percent-encoded the Latin-1 text as UTF-8
    with out.open("rb") as handle:  # and the digests still hold over those bytes
        for record in ArchiveIterator(handle, check_digests=True):
            record.content_stream().read()
            assert record.digest_checker.passed is not False
