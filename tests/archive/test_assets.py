"""Assets as derived state of captures (archive/assets.py): stored once, linked to versions, events
when an attachment changes or goes, never touching the article's versions, and rebuilt identically."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.asset_export import export_assets, readable_path
from archive.asset_query import assets_of_version
from archive.model import AssetRef, AssetText
from archive.output import ExportError
from archive.search import count_matches, search
from archive.store import Archive
from archive.vocab import AssetRole, CaptureKind
from tests.support.archive import SITE, asset_capture, capture, content, prose

PDF = "http://www.ncgh.org.cn/upload/files/1001_1.pdf"
CSS = "http://www.ncgh.org.cn/static/css/common.css"
BG = "http://www.ncgh.org.cn/static/images/bg.png"
REFS = (AssetRef(CSS, AssetRole.STYLESHEET), AssetRef(PDF, AssetRole.ATTACHMENT))


def q(archive: Archive, sql: str, *args: object) -> list[tuple]:
    return archive.conn.execute(sql, args).fetchall()


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    with Archive(tmp_path / "a.db") as a:
        yield a


def test_version_links_assets_once_and_stylesheet_children(archive: Archive) -> None:
    archive.record_capture(capture(1001, 0, requisites=REFS))
    archive.record_capture(capture(1002, 0, c=content(seed=2), requisites=REFS))
    assert q(archive, "SELECT count(*) FROM assets") == [(2,)]  # one row per URL for both articles
    assert q(archive, "SELECT state FROM assets") == [("pending",), ("pending",)]
    archive.record_capture(asset_capture(CSS, 0, body=b".a{background:url(../images/bg.png)}", refs=(AssetRef(BG, AssetRole.IMAGE),)))
    archive.record_capture(asset_capture(PDF, 0, text="通知正文 关键词甲乙"))
    infos = assets_of_version(archive.conn, SITE, 1001, 1)
    assert [(a.url, a.role, a.state, a.via) for a in infos] == [
        (CSS, "stylesheet", "held", None), (BG, "image", "pending", CSS), (PDF, "attachment", "held", None)]
    assert infos[2].held and infos[2].size == len(b"%PDF-1.4 one") and infos[2].text_chars == len("通知正文 关键词甲乙")
    # A later capture of the same page with the same content links nothing new.
    archive.record_capture(capture(1001, 1, requisites=REFS))
    assert q(archive, "SELECT count(*) FROM version_assets") == [(4,)]


def test_attachment_changed_and_gone_are_events_on_the_articles(archive: Archive) -> None:
    archive.record_capture(capture(1001, 0, requisites=REFS))
    archive.record_capture(capture(1002, 0, c=content(seed=2), requisites=(AssetRef(PDF, AssetRole.ATTACHMENT),)))
    archive.record_capture(asset_capture(PDF, 0))
    archive.record_capture(asset_capture(PDF, 1, status=304))  # unchanged: nothing
    archive.record_capture(asset_capture(PDF, 2, body=b"%PDF-1.4 two"))
    archive.record_capture(asset_capture(PDF, 3, status=404))
    archive.record_capture(asset_capture(PDF, 4, status=404))  # still gone: no second event
    archive.record_capture(asset_capture(CSS, 2, body=b"a{}"))
    archive.record_capture(asset_capture(CSS, 3, body=b"b{}"))  # a stylesheet's change is no attachment event
    events = q(archive, "SELECT article_id, event, version, detail FROM events WHERE event LIKE 'attachment%'"
                        " ORDER BY at, article_id")
    assert events == [
        (1001, "attachment_changed", 1, PDF), (1002, "attachment_changed", 1, PDF),
        (1001, "attachment_gone", 1, PDF), (1002, "attachment_gone", 1, PDF),
    ]
    # The bytes held before the 404 stay; the articles keep their version and status.
    state, sha = q(archive, "SELECT state, body_sha256 FROM assets WHERE url = ?", PDF)[0]
    assert state == "gone" and archive.read_body(sha) == b"%PDF-1.4 two"
    assert q(archive, "SELECT article_id, status, version FROM articles ORDER BY 1") == [(1001, "live", 1), (1002, "live", 1)]
    # A fetch error never turns a held asset into anything else.
    archive.record_capture(asset_capture(CSS, 4, status=503))
    assert q(archive, "SELECT state FROM assets WHERE url = ?", CSS) == [("held",)]


def test_bytes_stored_once_however_many_captures(archive: Archive) -> None:
    archive.record_capture(capture(1001, 0, requisites=REFS))
    for day in range(3):
        archive.record_capture(asset_capture(CSS, day, body=b"body{margin:0}" * 50))
    shas = q(archive, "SELECT DISTINCT body_sha256 FROM captures WHERE kind = 'asset'")
    assert len(shas) == 1 and q(archive, "SELECT count(*) FROM bodies WHERE sha256 = ?", shas[0][0]) == [(1,)]


def test_search_finds_words_only_in_an_attachment(archive: Archive) -> None:
    archive.record_capture(capture(1001, 0, requisites=REFS))
    archive.record_capture(asset_capture(PDF, 0, text="报名表 截止日期 霁月光风"))
    hits = search(archive.conn, "霁月光风")
    assert [(h.article_id, h.attachment_url) for h in hits] == [(1001, PDF)]
    assert "[霁月光风]" in hits[0].snippet
    # New bytes with other text replace the old text in the index.
    archive.record_capture(asset_capture(PDF, 1, body=b"%PDF-1.4 new", text="另一份文件"))
    assert search(archive.conn, "霁月光风") == [] and len(search(archive.conn, "另一份")) == 1


def test_search_pages_concatenate_to_the_whole_result_with_attachment_hits(archive: Archive) -> None:
    # Articles that use a rare phrase in their body (some undated), and articles whose attachment alone says it,
    # one of them also in its body: every page of hits is a slice of one order, whatever the limit.
    for n in range(60):  # more body hits than a first page ranks (2 * limit + 10)
        pdf = f"http://www.ncgh.org.cn/upload/files/{n}.pdf"
        body = ("霁月光风 " * (1 + n % 3) + prose(n)) if n % 2 else prose(n)
        refs = (AssetRef(pdf, AssetRole.ATTACHMENT),)
        archive.record_capture(capture(2000 + n, 0, c=content(seed=n, body=body, published_at=None if n % 5 == 0 else
                                                                  f"2018-{1 + n % 12:02d}-{10 + n % 18}"), requisites=refs))
        archive.record_capture(asset_capture(pdf, 0, text=f"附件 {'霁月光风 ' * (n % 4)}第{n}号"))
    whole = [(h.article_id, h.attachment_url) for h in search(archive.conn, "霁月光风", limit=-1)]
    assert len(whole) == len(set(whole)) == count_matches(archive.conn, "霁月光风")
    for size in (1, 3, 5, 7):
        paged = [(h.article_id, h.attachment_url) for offset in range(0, len(whole), size)
                 for h in search(archive.conn, "霁月光风", limit=size, offset=offset)]
        assert paged == whole, size


def test_rebuild_rederives_assets_and_events(archive: Archive) -> None:
    archive.record_capture(capture(1001, 0, requisites=REFS))
    archive.record_capture(asset_capture(PDF, 0, text="甲乙丙丁"))
    archive.record_capture(asset_capture(PDF, 2, status=404))
    before = {t: q(archive, f"SELECT * FROM {t} ORDER BY 1, 2") for t in ("assets", "version_assets", "events")}

    def interpret(stored, body):
        c = stored.to_capture_in(body)
        if stored.kind == CaptureKind.ARTICLE:
            c.content, c.requisites = content(), REFS
        elif body:
            c.asset_text = AssetText("甲乙丙丁")
        return c

    archive.rebuild(interpret)
    after = {t: q(archive, f"SELECT * FROM {t} ORDER BY 1, 2") for t in ("assets", "version_assets", "events")}
    assert after == before
    assert len(search(archive.conn, "甲乙丙丁")) == 1


def test_export_assets_writes_held_bytes_under_readable_names(archive: Archive, tmp_path: Path) -> None:
    archive.record_capture(capture(1001, 0, requisites=REFS))
    archive.record_capture(asset_capture(PDF, 0))
    archive.record_capture(asset_capture(PDF, 1, status=404))  # gone, but its bytes are held: exported
    out = tmp_path / "out"
    done = export_assets(archive.path, out, site=SITE)
    assert done.files == 1
    assert (out / "www.ncgh.org.cn/upload/files/1001_1.pdf").read_bytes() == b"%PDF-1.4 one"
    manifest = (out / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert manifest[1].split(",")[:5] == ["www.ncgh.org.cn/upload/files/1001_1.pdf", PDF, "attachment", "gone", "12"]
    with pytest.raises(ExportError, match="not empty"):
        export_assets(archive.path, out, site=SITE)


@pytest.mark.parametrize("url, path", [
    ("http://h:8081/a/b.pdf", "h_8081/a/b.pdf"),
    ("http://h/../../etc/passwd", "h/_/_/etc/passwd"),
    ("http://h/%2e%2e/x", "h/_/x"),
    ("http://h/dir/", "h/dir/index"),
    ("http://h/get.php?id=1", None),
    ("http://h/upload/..%2F..%2F..%2F..%2Fescaped.pdf", "h/upload/.._.._.._.._escaped.pdf"),
    ("http://h/%2Ftmp%2Fabs.jpg", "h/_tmp_abs.jpg"),
    ("http://h/%2e%2e%2f%2e%2e%2fx", "h/.._.._x"),
    ("http://%2F%2E%2E/x", "_../x"),
])
def test_readable_path_stays_inside(url: str, path: str | None) -> None:
    rel = readable_path(url)
    assert not rel.is_absolute() and ".." not in rel.parts
    if path is not None:
        assert rel.as_posix() == path
    else:
        assert rel.name.startswith("get_") and rel.name.endswith(".php")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["..", ".", "%2F", "%2f", "%5C", "/", "\\", "%2e", "%00", "a", "~", ":"]), max_size=12))
def test_readable_path_of_any_escaped_path_stays_inside(pieces: list[str]) -> None:
    rel = readable_path("http://h/" + "".join(pieces))
    assert not rel.is_absolute() and ".." not in rel.parts
    assert (Path("/out") / rel).resolve().is_relative_to(Path("/out"))


def test_export_assets_never_writes_outside_its_folder(archive: Archive, tmp_path: Path) -> None:
    hostile = "http://www.ncgh.org.cn/upload/..%2F..%2F..%2Fescaped.pdf"
    archive.record_capture(capture(1001, 0, requisites=(AssetRef(hostile, AssetRole.ATTACHMENT),)))
    archive.record_capture(asset_capture(hostile, 0))
    out = tmp_path / "a" / "b" / "out"
    assert export_assets(archive.path, out, site=SITE).files == 1
    assert [p for p in tmp_path.rglob("escaped.pdf")] == []
    assert (out / "www.ncgh.org.cn/upload/.._.._.._escaped.pdf").read_bytes().startswith(b"%PDF")


def test_export_assets_writes_a_long_chinese_name_and_a_file_where_a_folder_was(archive: Archive, tmp_path: Path) -> None:
    long_name = "http://www.ncgh.org.cn/upload/" + "关于开展职工技能竞赛活动的通知" * 7 + ".pdf"  # 105 characters, 315 bytes
    folder_first = "http://www.ncgh.org.cn/upload/x/y.pdf"
    file_after = "http://www.ncgh.org.cn/upload/x"
    urls = (long_name, folder_first, file_after)
    archive.record_capture(capture(1001, 0, requisites=tuple(AssetRef(u, AssetRole.ATTACHMENT) for u in urls)))
    for i, url in enumerate(urls):
        archive.record_capture(asset_capture(url, 0, body=b"%PDF-1.4 " + bytes([48 + i])))
    out = tmp_path / "out"
    done = export_assets(archive.path, out, site=SITE)  # OSError (name too long, is a directory) before: exit 74
    assert done.files == 3
    rows = (out / "manifest.csv").read_text(encoding="utf-8").splitlines()[1:]
    written = {row.split(",")[1]: out / row.split(",")[0] for row in rows}
    assert {url: written[url].read_bytes()[-1:] for url in urls} == {long_name: b"0", folder_first: b"1", file_after: b"2"}
    assert written[long_name].suffix == ".pdf" and len(written[long_name].name.encode()) <= 200


def test_export_assets_writes_a_folder_where_a_file_was(archive: Archive, tmp_path: Path) -> None:
    """A file first, then a URL that needs it as a folder: the export looped for ever (found by review)."""
    urls = ("http://www.ncgh.org.cn/upload/x", "http://www.ncgh.org.cn/upload/x/y.pdf", "http://www.ncgh.org.cn/upload/x/z/w.pdf")
    archive.record_capture(capture(1001, 0, requisites=tuple(AssetRef(u, AssetRole.ATTACHMENT) for u in urls)))
    for i, url in enumerate(urls):
        archive.record_capture(asset_capture(url, 0, body=b"%PDF-1.4 " + bytes([48 + i])))
    out = tmp_path / "out"
    assert export_assets(archive.path, out, site=SITE).files == 3
    rows = (out / "manifest.csv").read_text(encoding="utf-8").splitlines()[1:]
    written = {row.split(",")[1]: out / row.split(",")[0] for row in rows}
    assert {url: written[url].read_bytes()[-1:] for url in urls} == {urls[0]: b"0", urls[1]: b"1", urls[2]: b"2"}


def test_two_long_names_that_share_a_beginning_stay_two_files() -> None:
    a, b = ("http://h/" + "通知" * 100 + tail for tail in ("甲.pdf", "乙.pdf"))
    assert readable_path(a) != readable_path(b)
    assert all(len(readable_path(u).name.encode()) <= 200 for u in (a, b))


def test_export_assets_refuses_a_symlink_out_of_a_forced_folder(archive: Archive, tmp_path: Path) -> None:
    archive.record_capture(capture(1001, 0, requisites=REFS))
    archive.record_capture(asset_capture(PDF, 0))
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "www.ncgh.org.cn").symlink_to(elsewhere)
    with pytest.raises(ExportError, match="outside"):
        export_assets(archive.path, out, site=SITE, force=True)
    assert list(elsewhere.rglob("*")) == []


def test_changes_list_attachment_events_once_per_article_with_the_file(archive: Archive) -> None:
    from archive.changes import changes
    from archive.vocab import ChangeKind

    archive.record_capture(capture(1001, 0, requisites=REFS))
    archive.record_capture(capture(1002, 0, c=content(seed=2), requisites=REFS))
    archive.record_capture(asset_capture(PDF, 0))
    archive.record_capture(asset_capture(PDF, 1, status=404))
    found = changes(archive.conn, kinds=(ChangeKind.ATTACHMENT_GONE,))
    assert sorted(c.article_id for c in found) == [1001, 1002]
    assert len({c.key for c in found}) == 2  # feed entry ids stay unique
    assert all(c.diff == (f"attachment: {PDF}",) for c in found)


def test_first_seen_is_the_earliest_capture_whatever_the_recording_order(archive: Archive) -> None:
    # A crawl records captures as they complete: a later-fetched page may be recorded first.
    archive.record_capture(capture(1002, 1, c=content(seed=2), requisites=REFS))
    archive.record_capture(capture(1001, 0, requisites=REFS))
    day0 = q(archive, "SELECT fetched_at FROM captures WHERE article_id = 1001")[0][0]
    assert day0 < q(archive, "SELECT fetched_at FROM captures WHERE article_id = 1002")[0][0]
    assert {u: f for u, f in q(archive, "SELECT url, first_seen FROM assets")} == {CSS: day0, PDF: day0}


def test_a_video_over_its_cap_is_too_large_and_no_run_error(archive: Archive) -> None:
    import dataclasses

    mp4 = "http://www.ncgh.org.cn/nczhghcms/upload/video/201904/1105.mp4"
    archive.record_capture(capture(1001, 0, requisites=(AssetRef(mp4, AssetRole.VIDEO),)))
    run_id = archive.queue.start_run("incremental", "2024-10-29T00:00:00+00:00", "{}")
    over = dataclasses.replace(asset_capture(mp4, 1, status=200, body=None), outcome="fetch_error",
                               error="too_large", error_detail="Content-Length 9000000 > cap 500", run_id=run_id)
    archive.record_capture(over)
    assert q(archive, "SELECT state, body_sha256, size FROM assets WHERE url = ?", mp4) == [("too_large", None, None)]
    timeout = dataclasses.replace(asset_capture(BG, 1, status=200, body=None), outcome="fetch_error",
                                  error="timeout", run_id=run_id)
    archive.record_capture(timeout)  # any other asset error still counts
    counts = archive.queue.run_counts(run_id)
    assert counts["fetch_errors"] == counts["errors"] == 1


def test_the_events_dataset_names_the_attachment_of_an_attachment_event(archive: Archive) -> None:
    """Found by review: the export dropped the URL that `ncgh changes` shows."""
    from archive.datasets import Selection, event_rows

    archive.record_capture(capture(1001, 0, requisites=REFS))
    archive.record_capture(asset_capture(PDF, 0))
    archive.record_capture(asset_capture(PDF, 1, status=404))
    rows = [r for r in event_rows(archive.conn, Selection()) if r.event == "attachment_gone"]
    assert [(r.article_id, r.attachment, r.reasons) for r in rows] == [(1001, PDF, ())]
    assert all(r.attachment is None for r in event_rows(archive.conn, Selection()) if r.event == "new")
