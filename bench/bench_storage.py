"""Storage cost of revisits and write speed of the archive.

Scenario of the issue: articles captured once a day for 30 days where only the view counter changes.
Prints, relative to what day 1 took:
- body bytes (the compressed raw bodies, what the delta coding is about), and
- database bytes (file pages in use: capture rows, indexes, view points included).
Then captures written per second through Archive.record_capture (one transaction each): first captures of
new articles (what a full crawl writes) and revisits, with the CPU time per capture (less noisy than wall
time on a shared machine; the difference is mostly waiting for the disk).

    python3 bench/bench_storage.py [--articles 50] [--days 30] [--writes 1000]

The page is the seed article's text (../shared/seed, read in place) in the site's page chrome when
available, otherwise generated text of the same length.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.model import ArticleContent, CaptureIn, FooterContent
from archive.store import Archive
from archive.vocab import Outcome
from scraper.records import EncodingSource, Extractor

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "article-2018-10-12.txt"
CHARS = "工会职工服务劳动模范全市总部门开展活动建设发展工作会议精神学习贯彻落实党的十九大新时代中国特色社会主义南昌江西省"
FOOTER = FooterContent(
    org="江西省南昌市总工会",
    icp="赣ICP备18016234号-1",
    phone="0791-83868027",
    email="ncghwlzx@163.com",
    address="南昌市红谷滩新区会展路29号",
    postcode="330038",
)
T0 = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
# Real article pages of other Chinese sites (read in place, never copied): their sizes are what zstd costs.
REALPAGES = Path(__file__).resolve().parents[2] / "shared" / "realpages"


def article_text(article: int) -> tuple[str, str]:
    """(title, body) of one article: the seed page when present, else generated prose of its size."""
    if SEED.exists():
        lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
        paras = [line for line in lines[4:] if line and not line.startswith(("江西省", "电话", "地址"))]
        # Each simulated article differs (rotate paragraphs, number the title) so they do not share bytes.
        k = article % max(1, len(paras))
        return f"{lines[0]}({article})", "\n\n".join(paras[k:] + paras[:k])
    rng = random.Random(article)
    paras = ["".join(rng.choice(CHARS) for _ in range(500)) for _ in range(7)]
    return f"工会新闻 {article}", "\n\n".join(paras)


def page(title: str, body: str, views: int) -> bytes:
    rng = random.Random(1)
    nav = "".join(f'<li><a href="/nczhghcms/category/{100 + i}">栏目{i}</a></li>' for i in range(30))
    side = "".join(
        f'<li><a href="/nczhghcms/article/{rng.randint(900, 26000)}">{"".join(rng.choice(CHARS) for _ in range(16))}</a></li>'
        for _ in range(20)
    )
    paras = "".join(f"<p>{p}</p>\n" for p in body.split("\n\n"))
    html = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
        '<link rel="stylesheet" href="/static/css/style.css"></head><body>'
        f'<div class="header"><ul class="nav">{nav}</ul></div><div class="detail-wrap">'
        f'<h2 class="detail-title">{title}</h2><div class="detail-info">发布时间:2018-10-12 浏览量:{views}</div>'
        f'<div class="detail-font">字体大小:【默认 大 中 小】</div><div id="zoom" class="detail-content">{paras}</div>'
        f'<div class="detail-share">分享到:</div><div class="detail-prevnext">上一篇 下一篇</div></div>'
        f'<div class="sidebar"><ul>{side}</ul></div><div class="footer"><p>{FOOTER.org} {FOOTER.icp}</p>'
        f"<p>电话:{FOOTER.phone} 邮箱:{FOOTER.email}</p><p>地址:{FOOTER.address} 邮编:{FOOTER.postcode}</p></div>"
        "</body></html>"
    )
    return html.encode("utf-8")


def capture(article: int, day: int, views: int, second: int = 0) -> CaptureIn:
    title, body = article_text(article)
    url = f"http://www.ncgh.org.cn/nczhghcms/article/{article}"
    content = ArticleContent(
        title=title,
        column=None,
        published_at="2018-10-12",
        source=None,
        author=None,
        body_text=body,
        body_html="".join(f"<p>{p}</p>" for p in body.split("\n\n")),
    )
    headers = [
        ("Server", "nginx"),
        ("Date", (T0 + timedelta(days=day)).strftime("%a, %d %b %Y %H:%M:%S GMT")),
        ("Content-Type", "text/html;charset=UTF-8"),
        ("Transfer-Encoding", "chunked"),
        ("Connection", "keep-alive"),
    ]
    return CaptureIn(
        site="ncgh",
        url=url,
        final_url=url,
        fetched_at=(T0 + timedelta(days=day, seconds=second)).isoformat(),
        status=200,
        outcome=Outcome.OK,
        article_id=article,
        headers=headers,
        request_headers=[("User-Agent", "ncgh-archive/0.1"), ("Accept-Encoding", "gzip, deflate")],
        body=page(title, body, views),
        elapsed=0.21,
        encoding="utf-8",
        encoding_source=EncodingSource.HTTP,
        parser_version="bench",
        extractor=Extractor.PROFILE,
        content=content,
        views=views,
        footer=FOOTER,
    )


def used_bytes(path: Path) -> int:
    """Bytes of database pages in use (the file after a checkpoint, minus free pages)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0] - conn.execute("PRAGMA freelist_count").fetchone()[0]
    conn.close()
    return pages * page_size


def body_bytes(archive: Archive) -> int:
    return archive.conn.execute("SELECT ifnull(sum(stored_size), 0) FROM bodies").fetchone()[0]


def storage(articles: int, days: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        with Archive(path) as archive:
            empty_db = used_bytes(path)
            raw_day1 = 0
            for a in range(articles):
                c = capture(1000 + a, 0, 40000 + a)
                raw_day1 += len(c.body or b"")
                archive.record_capture(c)
            day1_db = used_bytes(path) - empty_db
            day1_bodies = body_bytes(archive)
            raw_later = 0
            for day in range(1, days + 1):
                for a in range(articles):
                    c = capture(1000 + a, day, 40000 + a + day * 17)
                    raw_later += len(c.body or b"")
                    archive.record_capture(c)
            total_db = used_bytes(path) - empty_db
            total_bodies = body_bytes(archive)
            versions = archive.conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    print(f"storage: {articles} articles x (1 + {days}) daily captures, only the view counter changes")
    print(f"  raw page size                     {raw_day1 / articles:10.0f} bytes per capture")
    print(f"  versions stored                   {versions:10d} (one per article)")
    print(f"  day 1 bodies (compressed)         {day1_bodies:10d} bytes")
    print(
        f"  days 2-{days + 1} bodies added            {total_bodies - day1_bodies:10d} bytes"
        f" = {(total_bodies - day1_bodies) / day1_bodies:6.2%} of day 1"
        f"  ({(total_bodies - day1_bodies) / (articles * days):.1f} bytes per capture; raw {raw_later} bytes)"
    )
    print(f"  day 1 database                    {day1_db:10d} bytes")
    print(
        f"  days 2-{days + 1} database added          {total_db - day1_db:10d} bytes"
        f" = {(total_db - day1_db) / day1_db:6.2%} of day 1  ({(total_db - day1_db) / (articles * days):.0f} bytes per capture)"
    )


def _write_all(archive: Archive, captures: list[CaptureIn]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to record `captures` one transaction each."""
    wall, cpu = time.perf_counter(), time.process_time()
    for c in captures:
        archive.record_capture(c)
    return time.perf_counter() - wall, time.process_time() - cpu


def speed(writes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speed.db"
        with Archive(path) as archive:
            # a full crawl: the first capture of every article (every body compressed from scratch)
            first = [capture(5000 + i, 0, 100 + i, second=i) for i in range(writes)]
            first_wall, first_cpu = _write_all(archive, first)
            # a daily revisit of the same articles (view count changed: a patch against the last body)
            again = [capture(5000 + i, 1, 200 + i, second=i) for i in range(writes)]
            again_wall, again_cpu = _write_all(archive, again)
            start = time.perf_counter()
            for c in first[: writes // 4]:
                assert archive.record_capture(c).duplicate
            dup_elapsed = time.perf_counter() - start
    real = sorted(REALPAGES.rglob("*.htm*")) if REALPAGES.is_dir() else []
    if real:
        with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "real.db") as archive:
            pages = [f.read_bytes() for f in real]
            # one first capture per real page body (the parse result is the seed text: only the body differs)
            first_real = [replace(capture(9000 + i, 0, 1, second=i), body=pages[i % len(pages)] + b"<!-- %d -->" % i) for i in range(min(writes, 300))]
            real_wall, real_cpu = _write_all(archive, first_real)
        n_real = len(first_real)
        mean = sum(len(c.body or b"") for c in first_real) / n_real
        print(f"speed: {n_real} first captures with the bodies of {len(pages)} real pages ({mean / 1000:.0f} kB mean)")
        print(f"  first captures per second         {n_real / real_wall:10.1f}  ({real_cpu / n_real * 1000:.2f} ms CPU each)")
    print(f"speed: {writes} first captures of new articles, then {writes} revisits; one transaction each")
    print(f"  first captures per second         {writes / first_wall:10.1f}  ({first_cpu / writes * 1000:.2f} ms CPU each)")
    print(f"  revisits per second               {writes / again_wall:10.1f}  ({again_cpu / writes * 1000:.2f} ms CPU each)")
    print(f"  duplicate captures per second     {(writes // 4) / dup_elapsed:10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--writes", type=int, default=1000)
    args = parser.parse_args()
    print(f"page text: {'seed article (' + str(SEED) + ')' if SEED.exists() else 'generated'}")
    storage(1, args.days)
    storage(args.articles, args.days)
    speed(args.writes)


if __name__ == "__main__":
    main()
