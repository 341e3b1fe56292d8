"""`ncgh changes` and its Atom feed: the site-wide change listing (archive/changes.py, archive/feed.py)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.changes import ALL_KINDS, changes, inline_diff, parse_kinds, parse_when
from archive.feed import atom_feed, entry_id
from archive.resolve import QueryError
from archive.sql import open_readonly
from archive.vocab import ChangeKind
from ncgh.cli import cli
from tests.support.query import build_archive
from webui.app import build_datasette

# The archive of tests/support/query.py, as events (newest first): 1002 gone (404), 1001 edited to v3
# (body), 1001 edited to v2 (title), then the three articles new.
EXPECTED = [
    ("2026-11-24T02:00:05.000000+00:00", "gone", 1002, 1),
    ("2026-11-24T02:00:00.000000+00:00", "edited", 1001, 3),
    ("2026-11-22T02:00:00.000000+00:00", "edited", 1001, 2),
    ("2026-11-20T02:00:03.000000+00:00", "new", 1003, 1),
    ("2026-11-20T02:00:02.000000+00:00", "new", 1002, 1),
    ("2026-11-20T02:00:01.250000+00:00", "new", 1001, 1),
]
EVERYTHING = "2000-01-01"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("changes") / "ncgh.db").path


@pytest.fixture
def conn(db: Path):
    c = open_readonly(db)
    yield c
    c.close()


def run(*args: str):
    return CliRunner().invoke(cli, ["changes", *args], catch_exceptions=False)


def test_changes_lists_every_event_newest_first_with_titles_fields_and_diffs(conn) -> None:
    found = changes(conn, parse_when(EVERYTHING))
    assert [(c.at, c.kind.value, c.article_id, c.version) for c in found] == EXPECTED
    gone, body_edit, title_edit = found[0], found[1], found[2]
    assert gone.reasons == ("http_404",) and gone.title == "送温暖活动"
    assert body_edit.changed_fields == ("body_text",)
    assert body_edit.title == "南昌市总工会召开职工代表大会"
    assert body_edit.diff == ("body: 南昌市总工会召开{+第二届+}职工代表大会。", "body + 会后举行了表彰仪式。")
    assert title_edit.changed_fields == ("title",)
    assert title_edit.title == "南昌市总工会召开职工代表大会"  # the title of v2, not of the article now
    assert title_edit.diff == ("title: {+南昌+}市总工会召开职工代表大会",)
    assert {c.key for c in found} == {f"{c.capture_id}/{c.kind.value}" for c in found}


def test_changes_period_and_kinds(conn) -> None:
    since = parse_when("2026-11-22T00:00:00Z")
    until = parse_when("2026-11-24T02:00:01Z")
    assert [(c.kind.value, c.version) for c in changes(conn, since, until)] == [("edited", 3), ("edited", 2)]
    assert [c.kind for c in changes(conn, parse_when(EVERYTHING), kinds=parse_kinds("gone,new"))] == [
        ChangeKind.GONE, ChangeKind.NEW, ChangeKind.NEW, ChangeKind.NEW]
    assert changes(conn, parse_when(EVERYTHING), kinds=()) == []
    assert len(changes(conn, parse_when(EVERYTHING), limit=2)) == 2


def test_parse_when_reads_dates_on_the_sites_calendar() -> None:
    # 2024-10-01 in Asia/Shanghai starts at 16:00 UTC the day before; --until takes the whole day.
    assert parse_when("2024-10-01") == "2024-09-30T16:00:00.000000+00:00"
    assert parse_when("2024-10-01", end=True) == "2024-10-01T16:00:00.000000+00:00"
    assert parse_when("2024-10-01", tz="UTC") == "2024-10-01T00:00:00.000000+00:00"
    from datetime import UTC, datetime

    now = datetime(2024, 10, 8, 12, 0, tzinfo=UTC)
    assert parse_when("7d", now=now) == "2024-10-01T12:00:00.000000+00:00"
    assert parse_when("12h", now=now) == "2024-10-08T00:00:00.000000+00:00"
    assert parse_when("2w", now=now) == "2024-09-24T12:00:00.000000+00:00"
    assert parse_when("2024-10-01T08:00:00+08:00") == "2024-10-01T00:00:00.000000+00:00"
    for bad in ("yesterday", "2024-13-01", "7x", "-7d", "", "999999w"):
        with pytest.raises(QueryError):
            parse_when(bad)


def test_parse_kinds() -> None:
    assert parse_kinds(None) == ALL_KINDS and parse_kinds("") == ALL_KINDS
    assert parse_kinds(" Edited , gone,edited") == (ChangeKind.EDITED, ChangeKind.GONE)
    with pytest.raises(QueryError, match="unknown kind 'deleted'"):
        parse_kinds("new,deleted")


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="工会职工大会abc\n", max_size=30), st.text(alphabet="工会职工大会abc\n", max_size=30))
def test_inline_diff_holds_both_texts(old: str, new: str) -> None:
    """With enough context the inline diff is lossless: drop insertions to get the old text back,
    drop deletions to get the new one."""
    line = inline_diff(old, new, context=100)
    as_old = re.sub(r"\{\+.*?\+\}", "", line, flags=re.S)
    as_new = re.sub(r"\[-.*?-\]", "", line, flags=re.S)
    unmark = lambda s: re.sub(r"\[-(.*?)-\]|\{\+(.*?)\+\}", lambda m: m.group(1) or m.group(2) or "", s, flags=re.S)  # noqa: E731
    assert unmark(as_old) == old.replace("\n", "⏎")
    assert unmark(as_new) == new.replace("\n", "⏎")


def test_cli_listing_and_json(db: Path) -> None:
    result = run("--db", str(db), "--since", EVERYTHING)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2026-11-24 02:00 UTC  gone") and "1002" in lines[0] and "送温暖活动" in lines[0]
    assert "    why: http_404" in lines
    assert "    body: 南昌市总工会召开{+第二届+}职工代表大会。" in lines
    assert "    changed: title" in lines
    result = run("--db", str(db), "--since", EVERYTHING, "--kind", "edited", "--json")
    data = json.loads(result.output)
    assert [(d["kind"], d["version"], d["changed_fields"]) for d in data] == [
        ("edited", 3, ["body_text"]), ("edited", 2, ["title"])]
    assert data[0]["at"] == "2026-11-24T02:00:00.000000+00:00" and data[0]["diff"][1] == "body + 会后举行了表彰仪式。"
    # A date on the site's calendar: 2026-11-24 in Shanghai is 2026-11-23T16:00Z onwards.
    result = run("--db", str(db), "--since", "2026-11-24", "--json")
    assert [(d["kind"], d["article_id"]) for d in json.loads(result.output)] == [("gone", 1002), ("edited", 1001)]
    result = run("--db", str(db), "--since", "2026-11-19", "--until", "2026-11-20", "--json")
    assert len(json.loads(result.output)) == 3  # the 02:00 UTC captures are 10:00 on the 20th in Shanghai
    result = run("--db", str(db), "--since", "2026-12-01")
    assert result.exit_code == 0 and result.output.startswith("no changes since 2026-11-30 16:00 UTC")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # The line names the option, as `show --as-of` and `export --since` do.
        (["--kind", "new,deleted"], "--kind: unknown kind 'deleted'"),
        (["--since", "last week"], "--since: 'last week' is not a period"),
        (["--until", "2026-02-30"], "--until: '2026-02-30' is not a date"),
        (["--since", "2026-11-24", "--until", "2026-11-20"], "is not after --since"),
        (["--atom", "--json"], "not both"),
        (["-o", "x.xml"], "-o/--output is for --atom"),
        (["--atom", "--web-url", "archive.example"], "--web-url must be an http:// or https:// URL"),
    ],
)
def test_cli_bad_input_is_one_error_line_and_exit_2(db: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["changes", "--db", str(db), *args])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ") and message in result.output


def test_cli_without_archive_is_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["changes", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and result.output.startswith("Error: no archive at")


def check_feed(data: bytes, base: str) -> feedparser.FeedParserDict:
    """Parse an Atom document back and check it holds EXPECTED, entry by entry."""
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [e.title.split(":")[0] for e in feed.entries] == [kind for _, kind, _, _ in EXPECTED]
    assert len({e.id for e in feed.entries}) == len(EXPECTED)
    for entry, (at, kind, article_id, version) in zip(feed.entries, EXPECTED, strict=True):
        assert entry.id.startswith("tag:ncgh-archive.invalid,2024:ncgh/event/") and entry.id.endswith("/" + kind)
        link = f"{base}/-/article/{article_id}?version={version}"
        if kind == "edited":
            link += f"&compare={version - 1}"
        assert entry.link == link
        assert entry.updated == at.replace(".000000", "")
        assert entry.updated_parsed[:6] == tuple(int(x) for x in re.findall(r"\d+", at)[:6])
        assert entry.tags[0].term == kind
    body_edit = feed.entries[1]
    assert "南昌市总工会召开{+第二届+}职工代表大会。" in body_edit.content[0].value
    return feed


def test_atom_feed_parses_back_with_stable_ids(conn) -> None:
    found = changes(conn, parse_when(EVERYTHING))
    data = atom_feed(found, "http://archive.example:8001/")
    feed = check_feed(data, "http://archive.example:8001")
    assert feed.feed.links[0].href == "http://archive.example:8001/-/changes.atom"
    # The same events give the same ids on every run (feed readers show no duplicates).
    assert [e.id for e in feed.entries] == [entry_id(c) for c in changes(conn, parse_when(EVERYTHING))]
    assert feedparser.parse(atom_feed([], "http://x")).entries == []


def test_cli_atom_to_file_and_stdout(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "changes.atom"
    result = run("--db", str(db), "--since", EVERYTHING, "--atom", "-o", str(out), "--web-url", "http://h:9/")
    assert result.exit_code == 0 and result.output == ""
    check_feed(out.read_bytes(), "http://h:9")
    result = CliRunner().invoke(cli, ["changes", "--db", str(db), "--since", EVERYTHING, "--atom", "-o", "-"])
    assert result.exit_code == 0
    check_feed(result.stdout_bytes, "http://127.0.0.1:8001")


@pytest.mark.slow
def test_serve_serves_the_feed(db: Path) -> None:
    ds = build_datasette(db)

    async def fetch(path: str):
        return await ds.client.get(path)

    response = asyncio.run(fetch("/-/changes.atom?since=" + EVERYTHING))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    check_feed(response.content, "http://localhost")
    response = asyncio.run(fetch("/-/changes.atom?since=2000-01-01&kind=gone"))
    assert [e.title for e in feedparser.parse(response.content).entries] == ["gone: 1002 送温暖活动"]
    response = asyncio.run(fetch("/-/changes.atom?kind=deleted"))
    assert response.status_code == 400 and "unknown kind" in response.text


@pytest.mark.slow
def test_served_feed_reads_dates_on_the_configured_calendar_and_takes_until(db: Path) -> None:
    """`ncgh serve --config` with `[site] timezone`: the feed's `since=`/`until=` dates are that
    calendar's days, as `ncgh changes` reads them (the feed read them on Shanghai's and ignored until)."""
    def titles(ds, query: str) -> list[str]:
        response = asyncio.run(ds.client.get("/-/changes.atom?" + query))
        assert response.status_code == 200, response.text
        return [e.title.split(":")[0] for e in feedparser.parse(response.content).entries]

    shanghai, los_angeles = build_datasette(db), build_datasette(db, timezone="America/Los_Angeles")
    # The gone and the last edit are at 02:00 UTC on 11-24: 10:00 that day in Shanghai, 18:00 the day
    # before in Los Angeles.
    assert titles(shanghai, "since=2026-11-24") == ["gone", "edited"]
    assert titles(los_angeles, "since=2026-11-24") == []
    assert titles(los_angeles, "since=2026-11-23") == ["gone", "edited"]
    assert titles(los_angeles, f"since={EVERYTHING}&until=2026-11-22") == ["edited", "new", "new", "new"]
    assert titles(shanghai, f"since={EVERYTHING}&until=2026-11-22") == ["edited", "new", "new", "new"]
    assert titles(shanghai, f"since={EVERYTHING}&until=2026-11-21") == ["new", "new", "new"]
    backwards = asyncio.run(shanghai.client.get("/-/changes.atom?since=2020-01-01&until=2019-01-01"))
    assert backwards.status_code == 400 and "is not after since" in backwards.text  # as `ncgh changes`


def test_footer_changes_are_listed_and_fed(tmp_path: Path) -> None:
    """A footer version after the first is a `footer` change: listed with its inline diff, in the
    feed linking to its `footers` row; the first footer seen is no change."""
    from archive.model import CaptureIn, FooterContent
    from archive.store import Archive
    from archive.vocab import Outcome
    from tests.support.query import FOOTER, P3, REQUEST_HEADERS, content, page

    db = build_archive(tmp_path / "f.db").path
    body = page("Python workshop 培训", 30, P3)
    with Archive(db) as archive:
        archive.record_capture(CaptureIn(
            site="ncgh", url="http://ncgh.org.cn/article/1003", final_url="http://ncgh.org.cn/article/1003",
            fetched_at="2026-11-25T03:00:00+00:00", status=200, outcome=Outcome.OK, article_id=1003,
            request_headers=REQUEST_HEADERS, body=body, encoding="utf-8", parser_version="test-1",
            content=content("Python workshop 培训", P3), views=30,
            footer=FooterContent(org=FOOTER.org, icp="赣ICP备2025061944号-1", phone=FOOTER.phone),
        ))
    conn = open_readonly(db)
    try:
        found = changes(conn, parse_when(EVERYTHING))
        assert [(c.kind.value, c.article_id) for c in found][:2] == [("footer", None), ("gone", 1002)]
        footer = found[0]
        assert footer.changed_fields == ("icp",) and footer.version == 2 and footer.title == "site footer"
        assert footer.diff == ("icp: 赣ICP备[-1801623-]{+202506194+}4号-1",)
        assert [c.kind for c in changes(conn, parse_when(EVERYTHING), kinds=parse_kinds("footer"))] == [
            ChangeKind.FOOTER]
        assert ChangeKind.FOOTER not in {c.kind for c in changes(conn, parse_when(EVERYTHING), kinds=parse_kinds("edited,gone"))}
        entry = feedparser.parse(atom_feed(found, "http://h")).entries[0]
        assert entry.title == "footer: site footer v2 (icp)"
        assert entry.link == f"http://h/ncgh/footers/{footer.event_id}"
        assert entry.id.endswith(f"/event/{footer.capture_id}/footer")
    finally:
        conn.close()
    result = run("--db", str(db), "--since", EVERYTHING, "--kind", "footer")
    assert result.output.splitlines() == [
        "2026-11-25 03:00 UTC  footer    - v2  site footer", "    changed: icp",
        "    icp: 赣ICP备[-1801623-]{+202506194+}4号-1"]


def test_inline_diff_folds_short_common_stretches() -> None:
    assert inline_diff("赣ICP备18016234号-1", "赣ICP备2025061944号-1") == "赣ICP备[-1801623-]{+202506194+}4号-1"
    assert inline_diff("abc", "xyz") == "[-abc-]{+xyz+}"
    assert inline_diff("南昌市总工会召开职工代表大会。", "南昌市总工会召开第二届职工代表大会。") == (
        "南昌市总工会召开{+第二届+}职工代表大会。")
    # Unchanged text beyond 12 characters of a change is cut.
    long_text = "一二三四五六七八九十甲乙丙丁戊己"
    assert inline_diff(long_text + "。", long_text + "!") == "…五六七八九十甲乙丙丁戊己[-。-]{+!+}"


def test_feed_survives_text_xml_cannot_hold(conn) -> None:
    """Archived text is stored exactly; characters XML 1.0 cannot carry are dropped from the feed only."""
    import dataclasses

    found = changes(conn, parse_when(EVERYTHING))
    odd = dataclasses.replace(found[0], title="送\x01温暖\ud800活动\x1b", diff=("body + a\x0bb",))
    feed = feedparser.parse(atom_feed([odd], "http://h"))
    assert not feed.bozo and feed.entries[0].title == "gone: 1002 送温暖活动"
    assert "body + ab" in feed.entries[0].content[0].value


def test_kinds_none_means_every_kind(conn) -> None:
    """The Python API as documented, `changes(conn, since, until, kinds)`, with kinds None (a TypeError before)."""
    since = parse_when(EVERYTHING)
    assert [c.key for c in changes(conn, since, None, None)] == [c.key for c in changes(conn, since)]
