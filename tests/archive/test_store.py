"""Archive rules: versions only on real edits, views series, footers, events, deletion and restore."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace

import pytest

from archive.model import CaptureIn
from archive.store import Archive
from tests.support.archive import FOOTER, SITE, at, capture, content, fetch_error, missing, snapshot


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "a.db") as a:
        yield a


def count(archive: Archive, table: str, where: str = "1") -> int:
    return archive.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def events(archive: Archive, article_id: int = 1001) -> list[str]:
    return [r[0] for r in archive.conn.execute("SELECT event FROM events WHERE article_id = ? ORDER BY id", (article_id,))]


def test_first_capture_creates_article_version_event(archive):
    result = archive.record_capture(capture(day=0))
    assert (result.event, result.version, result.duplicate) == ("new", 1, False)
    assert result.changed_fields == ("title", "published_at", "body_text", "signature", "images")
    state = archive.queue.article_state(SITE, 1001)
    assert state.status == "live" and state.version == 1 and state.missing_streak == 0
    assert state.first_seen == state.last_seen == state.last_change_at == at(0).replace("+00:00", ".000000+00:00")
    assert state.published_at == "2018-10-12"
    assert archive.queue.known_article_ids(SITE) == {1001}
    assert events(archive) == ["new"]


def test_view_counter_only_change_is_not_a_version(archive):
    archive.record_capture(capture(day=0, views=100))
    second = capture(day=1, views=137)
    result = archive.record_capture(second)
    assert result.event is None and result.version == 1 and result.changed_fields == ()
    assert count(archive, "versions") == 1
    assert count(archive, "bodies") == 2  # the bytes differ and both are kept
    series = archive.conn.execute("SELECT at, views FROM views WHERE article_id = 1001 ORDER BY at").fetchall()
    assert [v for _, v in series] == [100, 137]
    row = archive.conn.execute("SELECT last_seen, last_capture_id FROM versions").fetchone()
    assert row == (archive.queue.article_state(SITE, 1001).last_seen, result.capture_id)


def test_whitespace_nfc_and_layout_never_make_a_version(archive):
    c = content()
    archive.record_capture(capture(day=0, c=c))
    reformatted = replace(
        c,
        title="  " + unicodedata.normalize("NFD", c.title).replace(" ", "\u3000 ") + "\n",
        body_text="\n\n\n".join("    " + p + "  " for p in c.body_text.split("\n\n")),
        body_html="<div class='new-layout'>" + c.body_html + "</div>",
        signature=" 东湖区总工会 ",
        images=(("https://ncgh.org.cn/upload/1.jpg", None),),  # same image on another host alias
    )
    result = archive.record_capture(capture(day=1, c=reformatted))
    assert result.event is None and count(archive, "versions") == 1


def test_encoding_flip_is_not_a_version(archive):
    archive.record_capture(capture(day=0, encoding="utf-8"))
    result = archive.record_capture(capture(day=1, encoding="gbk"))
    assert result.event is None and count(archive, "versions") == 1
    encodings = [r[0] for r in archive.conn.execute("SELECT encoding FROM captures ORDER BY id")]
    assert encodings == ["utf-8", "gbk"]
    first, second = (archive.stored_capture(i) for i in (1, 2))
    assert first.body_sha256 != second.body_sha256
    assert archive.read_body(second.body_sha256).decode("gb18030") == archive.read_body(first.body_sha256).decode()


def test_footer_change_alone_is_not_a_version_but_a_footer_version(archive):
    # The first footer seen is what the site showed, not a change (the crawl said "site footer changed").
    assert not archive.record_capture(capture(day=0)).footer_changed
    result = archive.record_capture(capture(day=1, footer=replace(FOOTER, icp="赣ICP备2025061944号-1")))
    assert result.event is None and result.footer_changed
    assert count(archive, "versions") == 1
    rows = archive.conn.execute("SELECT version, icp, changed_fields FROM footers ORDER BY version").fetchall()
    assert rows == [
        (1, "赣ICP备18016234号-1", json.dumps(["org", "icp", "phone", "email", "address", "postcode"], separators=(",", ":"))),
        (2, "赣ICP备2025061944号-1", '["icp"]'),
    ]


def test_footer_same_or_absent_creates_no_footer_version(archive):
    archive.record_capture(capture(day=0))
    assert not archive.record_capture(capture(day=1, footer=replace(FOOTER, org=" 江西省南昌市总工会 "))).footer_changed
    assert not archive.record_capture(capture(day=2, footer=None)).footer_changed
    assert count(archive, "footers") == 1
    footer_versions = [r[0] for r in archive.conn.execute("SELECT footer_version FROM captures ORDER BY id")]
    assert footer_versions == [1, 1, None]
    assert archive.conn.execute("SELECT last_seen FROM footers").fetchone()[0].startswith("2026-01-02")


def test_edit_creates_version_with_changed_fields(archive):
    c = content()
    archive.record_capture(capture(day=0, c=c))
    edited = replace(c, body_text=c.body_text + "\n\n补充一段新的内容。", title=c.title + "(更新)")
    result = archive.record_capture(capture(day=1, c=edited))
    assert (result.event, result.version, result.changed_fields) == ("edited", 2, ("title", "body_text"))
    assert archive.queue.article_state(SITE, 1001).last_change_at.startswith("2026-01-02")
    assert events(archive) == ["new", "edited"]
    assert json.loads(archive.conn.execute("SELECT changed_fields FROM versions WHERE version = 2").fetchone()[0]) == [
        "title",
        "body_text",
    ]
    # back to the old text is an edit too (a new version, never a rewind)
    result = archive.record_capture(capture(day=2, c=c))
    assert (result.event, result.version) == ("edited", 3)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("published_at", "2018-10-13"),
        ("source", "南昌日报"),
        ("author", "李志晴"),
        ("images", (("http://www.ncgh.org.cn/upload/2.jpg", None),)),
        ("attachments", (("http://www.ncgh.org.cn/upload/a.doc", "通知.doc"),)),
        ("column", "基层工会动态"),
    ],
)
def test_each_compared_field_is_an_edit(archive, field, value):
    c = content()
    archive.record_capture(capture(day=0, c=c))
    result = archive.record_capture(capture(day=1, c=replace(c, **{field: value})))
    assert result.event == "edited" and result.changed_fields == (field,)


def test_parse_failure_is_a_capture_without_version(archive):
    archive.record_capture(capture(day=0))
    failed = capture(day=1, outcome="parse_error", parse_error="no title or body element")
    result = archive.record_capture(failed)
    assert result.event is None and result.version is None
    row = archive.conn.execute("SELECT outcome, parse_error, version FROM captures WHERE id = ?", (result.capture_id,))
    assert row.fetchone() == ("parse_error", "no title or body element", None)
    assert count(archive, "versions") == 1
    assert archive.queue.article_state(SITE, 1001).status == "live"
    # the next good capture with the same text is still version 1
    assert archive.record_capture(capture(day=2)).event is None


@pytest.mark.parametrize("missing_field", ["title", "body_text"])
def test_partial_parse_after_full_parse_is_a_parse_failure(archive, missing_field):
    c = content()
    archive.record_capture(capture(day=0, c=c))
    broken = replace(c, **{missing_field: None if missing_field == "title" else ""})
    result = archive.record_capture(capture(day=1, c=broken))
    assert result.event is None and result.version is None
    outcome, error = archive.conn.execute(
        "SELECT outcome, parse_error FROM captures WHERE id = ?", (result.capture_id,)
    ).fetchone()
    assert outcome == "parse_error" and "previous version had both" in error
    assert count(archive, "versions") == 1


def test_article_without_title_from_the_start_is_versioned(archive):
    c = replace(content(), title=None)
    result = archive.record_capture(capture(day=0, c=c))
    assert result.event == "new"
    assert archive.record_capture(capture(day=1, c=c)).event is None


def test_blank_parse_is_a_parse_failure(archive):
    result = archive.record_capture(capture(day=0, c=replace(content(), title=" ", body_text="\n \n")))
    assert result.version is None and count(archive, "versions") == 0
    assert archive.stored_capture(result.capture_id).outcome == "parse_error"
    # the page exists: the article is known, without a version yet
    state = archive.queue.article_state(SITE, 1001)
    assert state.version is None and state.status == "live"
    assert archive.record_capture(capture(day=1)).event == "new"


@pytest.mark.parametrize("reason", ["http_404", "http_410", "not_exist_page", "redirect_home"])
def test_each_kind_of_deletion_makes_the_article_gone_after_two_captures(archive, reason):
    archive.record_capture(capture(day=0))
    first = archive.record_capture(missing(1001, 1, reason))
    assert first.event is None
    state = archive.queue.article_state(SITE, 1001)
    assert state.status == "live" and state.missing_streak == 1
    second = archive.record_capture(missing(1001, 2, reason))
    assert second.event == "gone"
    state = archive.queue.article_state(SITE, 1001)
    assert state.status == "gone" and state.missing_streak == 2 and state.version == 1
    assert archive.conn.execute("SELECT detail FROM events WHERE event = 'gone'").fetchone()[0] == reason
    # further misses add no more events
    assert archive.record_capture(missing(1001, 3, reason)).event is None
    assert events(archive) == ["new", "gone"]
    reasons = [r[0] for r in archive.conn.execute("SELECT missing_reason FROM captures WHERE outcome = 'missing'")]
    assert reasons == [reason] * 3


def test_gone_after_is_configurable(tmp_path):
    with Archive(tmp_path / "g.db", gone_after=3) as archive:
        archive.record_capture(capture(day=0))
        assert [archive.record_capture(missing(1001, d)).event for d in (1, 2, 3)] == [None, None, "gone"]


def test_fetch_errors_never_count_as_missing_nor_break_the_streak(archive):
    archive.record_capture(capture(day=0))
    for day in range(1, 6):
        archive.record_capture(fetch_error(1001, day, "timeout" if day % 2 else "http_status", 503 if day % 2 == 0 else None))
    assert archive.queue.article_state(SITE, 1001).status == "live"
    assert archive.queue.article_state(SITE, 1001).missing_streak == 0
    assert archive.record_capture(missing(1001, 6)).event is None
    archive.record_capture(fetch_error(1001, 7, "http_status", 503))
    archive.record_capture(fetch_error(1001, 8, "connection"))
    assert archive.record_capture(missing(1001, 9)).event == "gone"
    assert archive.queue.article_state(SITE, 1001).last_seen.startswith("2026-01-01")


def test_a_single_miss_then_present_resets_the_streak(archive):
    archive.record_capture(capture(day=0))
    archive.record_capture(missing(1001, 1))
    archive.record_capture(capture(day=2))
    assert archive.queue.article_state(SITE, 1001).missing_streak == 0
    assert archive.record_capture(missing(1001, 3)).event is None
    assert events(archive) == ["new"]


def test_restored_when_it_comes_back(archive):
    archive.record_capture(capture(day=0))
    archive.record_capture(missing(1001, 1, "not_exist_page"))
    archive.record_capture(missing(1001, 2, "not_exist_page"))
    result = archive.record_capture(capture(day=3, views=150))
    assert (result.event, result.version) == ("restored", 1)
    state = archive.queue.article_state(SITE, 1001)
    assert state.status == "live" and state.missing_streak == 0
    assert events(archive) == ["new", "gone", "restored"]
    assert count(archive, "versions") == 1


def test_restored_with_new_text_is_also_an_edit(archive):
    c = content()
    archive.record_capture(capture(day=0, c=c))
    archive.record_capture(missing(1001, 1))
    archive.record_capture(missing(1001, 2))
    result = archive.record_capture(capture(day=3, c=replace(c, body_text=c.body_text + "\n\n更正。")))
    assert (result.event, result.version, result.changed_fields) == ("restored", 2, ("body_text",))
    assert events(archive) == ["new", "gone", "restored", "edited"]


def test_not_modified_keeps_version_and_counts_as_present(archive):
    archive.record_capture(capture(day=0, headers=[("ETag", '"v1"'), ("Last-Modified", "Fri, 12 Oct 2018 01:00:00 GMT")]))
    archive.record_capture(missing(1001, 1))
    nm = CaptureIn(
        site=SITE,
        url="http://www.ncgh.org.cn/nczhghcms/article/1001",
        final_url="http://www.ncgh.org.cn/nczhghcms/article/1001",
        fetched_at=at(2),
        status=304,
        outcome="not_modified",
        article_id=1001,
        request_headers=[("If-None-Match", '"v1"')],
    )
    result = archive.record_capture(nm)
    assert (result.event, result.version) == (None, 1)
    state = archive.queue.article_state(SITE, 1001)
    assert state.missing_streak == 0 and state.last_seen.startswith("2026-01-03")
    assert (state.etag, state.last_modified) == ('"v1"', "Fri, 12 Oct 2018 01:00:00 GMT")
    assert archive.conn.execute("SELECT last_seen FROM versions").fetchone()[0].startswith("2026-01-03")


def test_validators_follow_the_latest_200(archive):
    archive.record_capture(capture(day=0, headers=[("ETag", '"a"')]))
    archive.record_capture(capture(day=1, headers=[("etag", '"b"')]))
    assert archive.queue.article_state(SITE, 1001).etag == '"b"'
    archive.record_capture(capture(day=2, headers=[]))
    assert archive.queue.article_state(SITE, 1001).etag is None


def test_unknown_article_that_is_missing_gets_no_article_row(archive):
    result = archive.record_capture(missing(4242, 0))
    assert result.event is None
    assert archive.queue.article_state(SITE, 4242) is None
    assert count(archive, "captures") == 1


def test_many_urls_one_article(archive):
    archive.record_capture(capture(day=0, url="http://www.ncgh.org.cn/nczhghcms/article/1001"))
    archive.record_capture(capture(day=1, url="http://171.34.90.220:8081/article/1001"))
    archive.record_capture(
        capture(day=2, url="http://ncgh.org.cn/article/1001", final_url="https://ncgh.org.cn/article/1001")
    )
    assert count(archive, "articles") == 1 and count(archive, "versions") == 1
    urls = {r[0] for r in archive.conn.execute("SELECT url FROM article_urls WHERE article_id = 1001")}
    assert urls == {
        "http://www.ncgh.org.cn/nczhghcms/article/1001",
        "http://171.34.90.220:8081/article/1001",
        "http://ncgh.org.cn/article/1001",
        "https://ncgh.org.cn/article/1001",
    }
    assert archive.queue.article_state(SITE, 1001).last_url == "https://ncgh.org.cn/article/1001"


def test_same_capture_twice_changes_nothing(archive):
    c = capture(day=0)
    first = archive.record_capture(c)
    before = snapshot(archive.conn)
    again = archive.record_capture(capture(day=0))
    assert again.duplicate and again.capture_id == first.capture_id and again.version == 1
    assert again.event is None
    assert snapshot(archive.conn) == before
    # fetched_at written differently but the same instant is the same capture
    same_instant = capture(day=0)
    same_instant.fetched_at = same_instant.fetched_at.replace("+00:00", "Z")
    assert archive.record_capture(same_instant).duplicate
    # errors are idempotent too
    archive.record_capture(fetch_error(1001, 1))
    assert archive.record_capture(fetch_error(1001, 1)).duplicate
    # a different body at the same time is a different capture
    other = capture(day=0, views=999)
    assert not archive.record_capture(other).duplicate


def test_list_page_captures_are_stored_without_article_logic(archive):
    page = CaptureIn(
        site=SITE,
        url="http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=1",
        final_url="http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=1",
        fetched_at=at(0),
        status=200,
        outcome="ok",
        kind="list",
        body=b"<ul class='news-list'></ul>",
    )
    result = archive.record_capture(page)
    assert result.version is None and result.event is None
    assert count(archive, "articles") == 0
    assert archive.stored_capture(result.capture_id).kind == "list"


def test_bad_input_is_refused_clearly_and_stores_nothing(archive):
    bad = capture(day=0)
    bad.fetched_at = "2026-01-01T02:00:00"  # no offset
    with pytest.raises(ValueError, match="UTC offset"):
        archive.record_capture(bad)
    bad = capture(day=0)
    bad.outcome = "fine"
    with pytest.raises(ValueError, match="outcome"):
        archive.record_capture(bad)
    bad = capture(day=0)
    bad.content = None
    with pytest.raises(ValueError, match="needs content"):
        archive.record_capture(bad)
    bad = capture(day=0, work_item_id=77)
    with pytest.raises(ValueError, match="work_item_id"):
        archive.record_capture(bad)
    bad = capture(day=0, run_id=5)
    with pytest.raises(ValueError, match="run_id"):
        archive.record_capture(bad)
    assert count(archive, "captures") == 0 and count(archive, "bodies") == 0


def test_failure_inside_the_transaction_leaves_nothing(archive, monkeypatch):
    archive.record_capture(capture(day=0))
    before = snapshot(archive.conn)
    import archive.search as search_module

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(search_module, "add_to_index", boom)
    with pytest.raises(RuntimeError):
        archive.record_capture(capture(day=1, c=replace(content(), title="新标题")))
    assert snapshot(archive.conn) == before
    monkeypatch.undo()
    assert archive.record_capture(capture(day=1, c=replace(content(), title="新标题"))).event == "edited"


def test_article_states_for_planning(archive):
    archive.record_capture(capture(article_id=1, day=0))
    archive.record_capture(capture(article_id=2, day=0))
    archive.record_capture(missing(2, 1))
    archive.record_capture(missing(2, 2))
    states = {s.article_id: s for s in archive.queue.article_states(SITE)}
    assert set(states) == {1, 2}
    assert states[1].status == "live" and states[2].status == "gone"
    assert archive.queue.article_states("other-site") is not None and list(archive.queue.article_states("other-site")) == []


def test_a_304_refreshes_only_the_validators_it_carries(archive):
    archive.record_capture(capture(day=0, headers=[("ETag", '"a"'), ("Last-Modified", "Mon, 01 Jan 2026 00:00:00 GMT")]))
    url = "http://www.ncgh.org.cn/nczhghcms/article/1001"
    nm = CaptureIn(site=SITE, url=url, final_url=url, fetched_at=at(1), status=304, outcome="not_modified",
                   article_id=1001, headers=[("ETag", '"b"')])  # fmt: skip
    archive.record_capture(nm)
    state = archive.queue.article_state(SITE, 1001)
    assert (state.etag, state.last_modified) == ('"b"', "Mon, 01 Jan 2026 00:00:00 GMT")
