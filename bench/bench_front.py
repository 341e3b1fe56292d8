"""Time of the web UI's front page reads (webui/front.py: counts, latest changes, most-read,
fastest-growing, deleted) on a synthetic archive of ARTICLES articles read daily for DAYS days.

    PYTHONPATH=. python3 bench/bench_front.py [--articles 2000] [--days 7]

The archive is written through Archive.record_capture (small pages, a few edits and deletions), then
the front page's context is computed ROUNDS times on a read-only connection; prints the median.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.model import ArticleContent, CaptureIn
from archive.sql import open_readonly
from archive.store import Archive
from archive.vocab import MissingReason, Outcome
from webui.front import front_context

T0 = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
ROUNDS = 5


def build(db: Path, articles: int, days: int) -> float:
    started = time.perf_counter()
    with Archive(db) as archive:
        for day in range(days):
            with archive.atomic():
                for i in range(1, articles + 1):
                    at = (T0 + timedelta(days=day, seconds=i)).isoformat()
                    url = f"http://www.ncgh.org.cn/nczhghcms/article/{i}"
                    gone = i % 97 == 0 and day >= days - 2
                    title = f"第{i}篇文章" + ("(修订)" if i % 13 == 0 and day >= days // 2 else "")
                    body = f"<html><body><h2>{title}</h2><p>正文{i}。</p><p>{day if gone else ''}</p></body></html>"
                    archive.record_capture(CaptureIn(
                        site="ncgh", url=url, final_url=url, fetched_at=at, status=404 if gone else 200,
                        outcome=Outcome.MISSING if gone else Outcome.OK, article_id=i, body=body.encode(),
                        missing_reason=MissingReason.HTTP_404 if gone else None,
                        content=None if gone else ArticleContent(
                            title=title, column=None, published_at="2025-12-01", source=None, author=None,
                            body_text=f"正文{i}。", body_html=f"<p>正文{i}。</p>"),
                        views=None if gone else 100 + i % 500 + day * (i % 37)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ncgh.db"
        seconds = build(db, args.articles, args.days)
        conn = open_readonly(db)
        times = []
        for _ in range(ROUNDS):
            t = time.perf_counter()
            context = front_context(conn, 7)
            times.append(time.perf_counter() - t)
        conn.close()
        print(f"archive: {args.articles} articles x {args.days} daily readings (built in {seconds:.1f} s); "
              f"front page reads: median {statistics.median(times) * 1000:.0f} ms over {ROUNDS} rounds "
              f"({len(context['growing'])} growing, {len(context['deleted'])} deleted, {len(context['changes'])} changes listed)")


if __name__ == "__main__":
    main()
