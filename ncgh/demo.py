"""`ncgh demo`: the whole pipeline in one command, offline, against the built-in simulator.

It starts the simulator in this process (no network), crawls it in full mode, advances the simulated
site day by day crawling after each day, and then reads the archive back to show what it learned:
new articles, edits (with a short diff), deletions and restorations, view-count growth and the
footer's own history, checked against the simulator's ground truth. Everything it prints comes from
the archive file it leaves behind, so the printed queries can be tried next.
"""

from __future__ import annotations

import difflib
import json
import shlex
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from functools import partial
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from archive.sql import open_readonly
from archive.vocab import ArticleStatus, EventKind, MissingReason, RunMode
from ncgh.config import Config, config_from_dict
from ncgh.crawl import run_crawl
from ncgh.crawl_summary import CrawlSummary
from scraper.fetch import Fetcher
from simulator import SimConfig, SimServer

# When on each simulated day the demo crawls (site time): after the simulator's edits (09:30).
CRAWL_TIME = dt_time(18, 0)
REASONS = {
    MissingReason.HTTP_404: "404",
    MissingReason.HTTP_410: "410",
    MissingReason.NOT_EXIST_PAGE: "'does not exist' page",
    MissingReason.REDIRECT_HOME: "redirect to the home page",
    MissingReason.REDIRECT_OTHER_ARTICLE: "redirect to another article",
}


@dataclass
class DemoResult:
    db_path: Path
    summaries: list[CrawlSummary]
    truth: dict
    seconds: float
    checks: dict[str, bool] = field(default_factory=dict)


def simulated_clock(day: date, timezone: str) -> Callable[[], datetime]:
    """A UTC clock that starts at CRAWL_TIME on `day` (site time) and runs at the real rate."""
    start = datetime.combine(day, CRAWL_TIME, ZoneInfo(timezone)).astimezone(UTC)
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def demo_config(articles: int) -> Config:
    """Crawl settings for the simulator: no delay, a compact id range, every article revisited daily.

    The real schedule revisits old articles every few weeks; over a five-day demo that would show
    nothing, so here every article is due every simulated day (edits and deletions are caught).
    """
    high = 800 + 12 * articles
    return config_from_dict(
        {
            "fetch": {"delay": 0, "concurrency_per_host": 4},
            "discovery": {"id_range": [800, high], "id_gap_tolerance": 50},
            "revisit": {"schedule": [[100000, 1]], "budget": 1_000_000, "gone_recheck_days": 1},
        },
        source="<demo settings>",
    )


def _q(conn: sqlite3.Connection, sql: str, *args: object) -> list[tuple]:
    return conn.execute(sql, args).fetchall()


def _short(text: str | None, width: int = 60) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def _version_lines(conn: sqlite3.Connection, article_id: int, version: int) -> list[str]:
    row = _q(
        conn,
        "SELECT title, body_text, images_json FROM versions WHERE article_id = ? AND version = ?",
        article_id,
        version,
    )[0]
    lines = [f"title: {row[0]}"]
    lines += [p for p in (row[1] or "").split("\n") if p.strip()]
    lines += [f"image: {src}" for src, _caption in json.loads(row[2] or "[]")]
    return lines


def short_diff(conn: sqlite3.Connection, article_id: int, version: int, max_lines: int = 4) -> list[str]:
    """The changed lines between version-1 and version, clipped for a terminal."""
    before = _version_lines(conn, article_id, version - 1)
    after = _version_lines(conn, article_id, version)
    out = []
    for line in difflib.unified_diff(before, after, lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        out.append(f"{line[0]} {_short(line[1:], 66)}")
    if len(out) > max_lines:
        out = out[:max_lines] + [f"  … {len(out) - max_lines} more changed line(s)"]
    return out


def _day_of_run(summaries: list[CrawlSummary]) -> dict[int, int]:
    return {s.run_id: day for day, s in enumerate(summaries)}


def report(conn: sqlite3.Connection, result: DemoResult, out: IO[str]) -> None:
    """Print what the archive learned, read back from the archive itself."""
    days = _day_of_run(result.summaries)

    def day_of(capture_id: int) -> int:
        run = _q(conn, "SELECT run_id FROM captures WHERE id = ?", capture_id)[0][0]
        return days.get(run, -1)

    def p(text: str = "") -> None:
        print(text, file=out)

    total, live, gone = _q(
        conn, "SELECT count(*), sum(status = ?), sum(status = ?) FROM articles", ArticleStatus.LIVE, ArticleStatus.GONE
    )[0]
    versions = _q(conn, "SELECT count(*) FROM versions")[0][0]
    captures = _q(conn, "SELECT count(*) FROM captures")[0][0]
    p()
    p("What the archive learned")
    p(f"  articles archived: {total} ({live} live, {gone} gone), {versions} versions, {captures} captures")
    unlinked = [a["id"] for a in result.truth["articles"] if not a["linked"]]
    found_unlinked = _q(
        conn, f"SELECT count(*) FROM articles WHERE article_id IN ({','.join(map(str, unlinked)) or 'NULL'})"
    )[0][0]
    p(f"  found only by the id walk (linked from no list): {found_unlinked}")

    new = _q(
        conn,
        "SELECT e.article_id, e.capture_id, a.title FROM events e JOIN articles a USING (site, article_id)"
        " JOIN captures c ON c.id = e.capture_id WHERE e.event = ? AND c.run_id != ? ORDER BY e.id",
        EventKind.NEW,
        result.summaries[0].run_id,
    )
    p(f"  new since the first crawl: {len(new)}")
    for article_id, capture_id, title in new[:3]:
        p(f"    day {day_of(capture_id)}  {article_id}  {_short(title)}")

    edits = _q(
        conn,
        "SELECT article_id, version, capture_id, detail FROM events WHERE event = ? ORDER BY id",
        EventKind.EDITED,
    )
    p(f"  edits: {len(edits)} (each one new version)")
    for article_id, version, capture_id, detail in edits[:2]:
        fields = ", ".join(json.loads(detail or "[]"))
        p(f"    day {day_of(capture_id)}  {article_id} v{version - 1} -> v{version}  changed: {fields}")
        for line in short_diff(conn, article_id, version):
            p(f"        {line}")

    events = "SELECT article_id, capture_id, detail FROM events WHERE event = ? ORDER BY id"
    gone_events = _q(conn, events, EventKind.GONE)
    p(f"  deleted (marked gone): {len(gone_events)}")
    for article_id, capture_id, detail in gone_events[:4]:
        reasons = detail or ""
        shown = next((text for key, text in REASONS.items() if key in reasons), reasons)
        p(f"    day {day_of(capture_id)}  {article_id}  {shown}")
    restored = [(a, c) for a, c, _ in _q(conn, events, EventKind.RESTORED)]
    p(f"  restored: {len(restored)}" + "".join(f"  [day {day_of(c)}: {a}]" for a, c in restored[:4]))

    growth = _q(
        conn,
        "SELECT v.article_id, min(v.views), max(v.views), a.title FROM views v JOIN articles a USING (site, article_id)"
        " GROUP BY v.article_id HAVING count(*) > 1 ORDER BY max(v.views) - min(v.views) DESC",
    )
    if growth:
        total_growth = sum(hi - lo for _, lo, hi, _ in growth)
        article_id, lo, hi, title = growth[0]
        p(f"  view counts: {len(growth)} articles grew by {total_growth:,} views in total (never a new version);")
        p(f"    most read: {article_id} {_short(title, 40)}  {lo:,} -> {hi:,}")

    footers = _q(conn, "SELECT version, capture_id, changed_fields, icp, police_record FROM footers ORDER BY version")
    p(f"  site footer: {len(footers)} version(s), stored apart from the articles")
    for version, capture_id, changed, icp, police in footers:
        if version == 1:
            p(f"    v1 day {day_of(capture_id)}: ICP {icp}")
        else:
            fields = json.loads(changed or "[]")
            values = {"icp": icp, "police_record": police}
            what = "; ".join(f"{f} -> {values.get(f, '?')}" for f in fields)
            p(f"    v{version} day {day_of(capture_id)}: {what}")

    held = _q(conn, "SELECT count(*), ifnull(sum(size), 0), sum(text IS NOT NULL) FROM assets WHERE body_sha256 IS NOT NULL")
    if held and held[0][0]:
        count, size, texts = held[0]
        moved = _q(conn, "SELECT event, count(*) FROM events WHERE event IN (?, ?) GROUP BY 1",
                   EventKind.ATTACHMENT_CHANGED, EventKind.ATTACHMENT_GONE)
        p(f"  assets: {count} images, stylesheets, scripts and attachments held once each ({size:,} bytes),"
          f" {texts or 0} attachments with searchable text"
          + "".join(f"; {n} {event}" for event, n in moved))

    checks = result.checks
    ok = all(checks.values())
    p(f"  checked against the simulator's ground truth: {'all match' if ok else 'MISMATCH'}"
      f" ({', '.join(k for k, v in checks.items() if v) or '-'}"
      + (f"; failed: {', '.join(k for k, v in checks.items() if not v)}" if not ok else "") + ")")

    db = shlex.quote(str(result.db_path))
    p()
    p(f"The archive is {result.db_path}. Try next:")
    p(f"  ncgh search 工会 --db {db}")
    p(f"  ncgh sql \"select article_id, version, title from articles where version > 1\" --db {db}")
    if edits:
        p(f"  ncgh diff {edits[0][0]} --db {db}")


def check_truth(conn: sqlite3.Connection, truth: dict) -> dict[str, bool]:
    """Does the archive agree with what the simulator says happened?"""
    archived = {aid: (status, version) for aid, status, version in _q(conn, "SELECT article_id, status, version FROM articles")}
    # Incremental crawls find linked articles; unlinked ones only the day-0 full crawl's id walk.
    live = [a for a in truth["articles"] if a["status"] == "live" and (a["linked"] or a["first_day"] == 0)]
    last_day = truth["day"]
    edited_ok = all(
        archived.get(a["id"], (None, None))[1] == 1 + len(a["edited_days"]) for a in truth["articles"] if a["id"] in archived
    )
    # A deletion is confirmed by a second missing capture ([archive] gone_after = 2): not yet on its last day.
    gone_ok = all(
        archived[a["id"]][0] == ArticleStatus.GONE
        for a in truth["articles"]
        if a["status"] != "live" and a["id"] in archived and a["deleted_days"][-1] < last_day
    )
    footer = _q(conn, "SELECT icp, police_record FROM footers ORDER BY version DESC LIMIT 1")
    return {
        "every live article": all(archived.get(a["id"], ("", 0))[0] == ArticleStatus.LIVE for a in live),
        "one version per edit": edited_ok,
        "deletions gone": gone_ok,
        "footer": bool(footer) and footer[0] == (truth["footer"]["icp"], truth["footer"]["police_record"]),
    }


def run_demo(
    db_path: str | Path | None = None,
    articles: int = 200,
    days: int = 5,
    seed: int = 1,
    out: IO[str] | None = None,
) -> DemoResult:
    """Run the demo; prints to `out` (stdout) and returns the crawl summaries and checks."""
    out = out or sys.stdout
    if articles < 1 or days < 1:
        raise ValueError("articles and days must be at least 1")
    if db_path is None:
        db = Path(tempfile.mkdtemp(prefix="ncgh-demo-")) / "demo.db"
    else:
        db = Path(db_path)
        if db.exists():
            raise FileExistsError(f"{db} already exists; the demo never writes into an existing archive")
        if not db.parent.is_dir():  # as `ncgh crawl`: a typo must not create folders (it made /nonexistent-dir)
            raise FileNotFoundError(f"the folder of {db} does not exist; create it first, or check the path")
    cfg = demo_config(articles)
    started = time.monotonic()
    summaries: list[CrawlSummary] = []
    sim_config = SimConfig(articles=articles, seed=seed, id_range=tuple(cfg.discovery.id_range))
    with SimServer(sim_config, port=0) as srv:
        print(f"ncgh demo: simulated ncgh.org.cn at {srv.url} ({articles} articles, seed {seed}); archive {db}",
              file=out)
        for day in range(days + 1):
            if day:
                srv.advance()
            mode = RunMode.FULL if day == 0 else RunMode.INCREMENTAL
            # One calendar: each crawl runs on the simulated day's date (the clock starts at
            # CRAWL_TIME, site time), so capture times, run times, revisit intervals and
            # `ncgh show ID --as-of DATE` all agree with the dates the simulated site shows.
            clock = simulated_clock(srv.state.date, cfg.site.timezone)
            summary = run_crawl(
                cfg,
                db,
                base_url=srv.url,
                mode=mode,
                now=clock(),
                fetcher_factory=partial(Fetcher, utcnow=clock),
            )
            summaries.append(summary)
            what = (
                f"{summary.new_articles} new articles"
                if day == 0
                else f"{summary.new_articles} new, {summary.new_versions} edited, {summary.gone} gone,"
                f" {summary.restored} restored, {summary.not_modified} not modified"
            )
            extra = ", footer changed" if summary.footer_changes else ""
            print(
                f"  day {day} ({srv.state.date.isoformat()}): {mode} crawl, {summary.requests} requests: {what}{extra}"
                f" [{summary.elapsed:.1f}s]",
                file=out,
            )
        truth = srv.truth()
    result = DemoResult(db, summaries, truth, time.monotonic() - started)
    conn = open_readonly(db)
    try:
        result.checks = check_truth(conn, truth)
        report(conn, result, out)
    finally:
        conn.close()
    print(f"(demo took {result.seconds:.1f}s)", file=out)
    return result
