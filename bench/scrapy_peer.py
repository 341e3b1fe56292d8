"""The peer of issue 19's throughput target: a plain Scrapy spider over the simulated site.

What a Scrapy user would write for this site: start at the home page, follow the menu's category
lists and their "next page" links, follow every article link on a list page, take the title, the
publication date, the view count and the body text with XPath (both article layouts the site has),
and store the items with an SQLite item pipeline that commits every 100 items. Scrapy's defaults
otherwise (16 requests at once, 8 per host, robots.txt obeyed, duplicate URLs filtered), with the
download delay 0 that the ncgh side of the benchmark uses too. It stores no versions, no raw bodies,
no index and no headers: one row per article.

Run by bench/bench_vs_scrapy.py with a Python that has Scrapy (the `bench` extra):

    python3 bench/scrapy_peer.py --base-url http://127.0.0.1:8000 --db /tmp/scrapy.db --hwm /tmp/scrapy.hwm

It prints one JSON line: {"articles": N, "requests": N, "seconds": S}; with --hwm it writes the
process's own peak RSS (VmHWM, KiB) to that file at exit.
"""

from __future__ import annotations

import argparse
import atexit
import json
import re
import sqlite3
import time
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

COMMIT_EVERY = 100
_DATE = re.compile(r"发布时间[:：]\s*(\d{4}-\d{2}-\d{2})")
_VIEWS = re.compile(r"浏览量[:：]\s*(\d+)")


class ArticleSpider(scrapy.Spider):
    name = "ncgh_articles"

    def __init__(self, base_url: str, **kwargs: object):
        super().__init__(**kwargs)
        self.start_urls = [base_url.rstrip("/") + "/"]

    def parse(self, response: scrapy.http.Response):
        """The home page: every category list in the menu."""
        for href in response.xpath('//div[@class="menu"]//a[contains(@href, "category")]/@href').getall():
            yield response.follow(href, callback=self.parse_list)

    def parse_list(self, response: scrapy.http.Response):
        for href in response.xpath('//ul[@class="news-list"]/li/a/@href').getall():
            yield response.follow(href, callback=self.parse_article)
        next_page = response.xpath('//div[@class="pagination"]/a[@class="next"]/@href').get()
        if next_page:
            yield response.follow(next_page, callback=self.parse_list)

    def parse_article(self, response: scrapy.http.Response):
        title = response.xpath(
            'normalize-space(//h2[@class="detail-title"] | //td[@class="art-title"])'
        ).get()
        info = " ".join(response.xpath('//*[@class="detail-info" or @class="art-info"]//text()').getall())
        date = _DATE.search(info)
        views = _VIEWS.search(info)
        body = "\n".join(
            t.strip() for t in response.xpath('//*[@id="zoom"]//text()[not(ancestor::script)]').getall() if t.strip()
        )
        if not title and not body:
            return
        yield {
            "url": response.url,
            "title": title,
            "published": date.group(1) if date else None,
            "views": int(views.group(1)) if views else None,
            "body": body,
        }


class SQLitePipeline:
    """One row per article; a commit every COMMIT_EVERY items and at the end."""

    def __init__(self, path: str):
        self.path = path
        self.pending = 0
        self.stored = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("PEER_DB"))

    def open_spider(self, spider=None):
        self.conn = sqlite3.connect(self.path)
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, title TEXT, published TEXT,"
            " views INTEGER, body TEXT)"
        )

    def process_item(self, item, spider=None):
        self.conn.execute(
            "INSERT OR REPLACE INTO articles (url, title, published, views, body) VALUES (?, ?, ?, ?, ?)",
            (item["url"], item["title"], item["published"], item["views"], item["body"]),
        )
        self.pending += 1
        self.stored += 1
        if self.pending >= COMMIT_EVERY:
            self.conn.commit()
            self.pending = 0
        return item

    def close_spider(self, spider=None):
        self.conn.commit()
        self.conn.close()


def _report_hwm(path: Path) -> None:
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    path.write_text(peak.split()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--hwm", type=Path, help="Write this process's peak RSS (KiB) here at exit.")
    args = parser.parse_args()
    if args.hwm is not None:
        atexit.register(_report_hwm, args.hwm)
    started = time.monotonic()
    process = CrawlerProcess(
        settings={
            "ITEM_PIPELINES": {f"{__name__}.SQLitePipeline": 300},
            "PEER_DB": args.db,
            "DOWNLOAD_DELAY": 0,
            "ROBOTSTXT_OBEY": True,
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
        }
    )
    crawler = process.create_crawler(ArticleSpider)
    process.crawl(crawler, base_url=args.base_url)
    process.start()
    stats = crawler.stats.get_stats()
    conn = sqlite3.connect(args.db)
    try:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()
    print(json.dumps({
        "articles": articles,
        "requests": stats.get("downloader/request_count", 0),
        "seconds": round(time.monotonic() - started, 3),
    }))


if __name__ == "__main__":
    main()
