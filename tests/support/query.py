"""A small archive built through the store's own API, for the query, export, serve and CLI tests.

What it holds (site "ncgh", capture times in November 2026):
- article 1001: three versions (title edit, then a body edit), view counts rising, fetched under two
  host aliases and both path forms; its first response was gzip-coded and chunked, so the WARC
  export has headers to fix; an unchanged re-fetch repeats the exact bytes of an earlier one (a revisit);
- article 1002: one version, then 404 twice: gone;
- article 1003: one version with a Latin-script word, fetched once through a redirect, then a 304;
- a list page capture, a robots.txt capture, and a fetch error (no response at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archive.model import ArticleContent, CaptureIn, FooterContent
from archive.store import Archive
from archive.vocab import MissingReason, Outcome

SITE = "ncgh"
FOOTER = FooterContent(org="江西省南昌市总工会", icp="赣ICP备18016234号-1", phone="0791-83868027")
REQUEST_HEADERS = [
    ("User-Agent", "ncgh-archive/0.1 (+test)"),
    ("Accept-Encoding", "gzip, deflate"),
    ("Accept", "*/*"),
    ("Connection", "keep-alive"),
]


def page(title: str, views: int, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>' + title + "</title></head><body>"
        f'<h2 class="detail-title">{title}</h2><div class="detail-info">发布时间:2026-11-20 浏览量:{views}</div>'
        f'<div id="zoom" class="detail-content">{body}</div>'
        '<div class="footer"><p>江西省南昌市总工会 赣ICP备18016234号-1</p></div></body></html>'
    )
    return html.encode("utf-8")


def content(title: str, paragraphs: list[str], published: str = "2026-11-20") -> ArticleContent:
    return ArticleContent(
        title=title,
        column=None,
        published_at=published,
        source="南昌市总工会",
        author=None,
        body_text="\n\n".join(paragraphs),
        body_html="".join(f"<p>{p}</p>" for p in paragraphs),
        images=(("http://www.ncgh.org.cn/upload/a.jpg", "会议现场"),),
    )


def _headers(body: bytes, *, gzip: bool = False, chunked: bool = False) -> list[tuple[str, str]]:
    headers = [("Server", "nginx"), ("Content-Type", "text/html;charset=UTF-8"), ("Date", "Fri, 20 Nov 2026 01:00:00 GMT")]
    if gzip:
        headers.append(("Content-Encoding", "gzip"))
    if chunked:
        headers.append(("Transfer-Encoding", "chunked"))
    else:
        headers.append(("Content-Length", str(len(body) if not gzip else len(body) // 3)))
    headers.append(("Set-Cookie", "JSESSIONID=abc; Path=/"))
    return headers


@dataclass
class BuiltArchive:
    path: Path
    bodies: dict[int, bytes]  # capture id -> exact body bytes recorded
    capture_ids: list[int]


P1 = ["南昌市总工会召开职工代表大会。", "会议审议通过了工作报告。", "与会代表一致表示要做好职工服务工作。"]
P1_EDIT = ["南昌市总工会召开第二届职工代表大会。", "会议审议通过了工作报告。", "与会代表一致表示要做好职工服务工作。", "会后举行了表彰仪式。"]
P2 = ["青山湖区总工会开展送温暖活动。", "为困难职工送去慰问金。"]
P3 = ["The union held a Python workshop for 职工 members.", "培训内容包括数据分析。"]


def build_archive(path: Path) -> BuiltArchive:
    """Write the archive described in the module docstring through Archive.record_capture."""
    bodies: dict[int, bytes] = {}
    ids: list[int] = []
    with Archive(path) as archive:

        def rec(c: CaptureIn) -> None:
            result = archive.record_capture(c)
            ids.append(result.capture_id)
            if c.body is not None:
                bodies[result.capture_id] = c.body

        def article(aid: int, url: str, at: str, title: str, views: int, paras: list[str], **kw) -> CaptureIn:
            body = page(title, views, paras)
            return CaptureIn(
                site=SITE,
                url=url,
                final_url=url,
                fetched_at=at,
                status=200,
                outcome=Outcome.OK,
                article_id=aid,
                headers=_headers(body, **kw),
                request_headers=REQUEST_HEADERS,
                body=body,
                encoding="utf-8",
                encoding_source="http",
                parser_version="test-1",
                extractor="profile",
                content=content(title, paras),
                views=views,
                footer=FOOTER,
            )

        rec(
            CaptureIn(
                site=SITE,
                url="http://www.ncgh.org.cn/robots.txt",
                final_url="http://www.ncgh.org.cn/robots.txt",
                fetched_at="2026-11-20T01:59:00+00:00",
                status=200,
                outcome=Outcome.OK,
                kind="robots",
                headers=[("Content-Type", "text/plain"), ("Content-Length", "25")],
                request_headers=REQUEST_HEADERS,
                body=b"User-agent: *\nDisallow:\n\n",
            )
        )
        listing = "<ul class='news-list'><li><a href='/nczhghcms/article/1001'>职工代表大会</a></li></ul>".encode()
        rec(
            CaptureIn(
                site=SITE,
                url="http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=1",
                final_url="http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=1",
                fetched_at="2026-11-20T02:00:00+00:00",
                status=200,
                outcome=Outcome.OK,
                kind="list",
                headers=_headers(listing),
                request_headers=REQUEST_HEADERS,
                body=listing,
            )
        )
        u1 = "http://www.ncgh.org.cn/nczhghcms/article/1001"
        rec(article(1001, u1, "2026-11-20T02:00:01.250000+00:00", "市总工会召开职工代表大会", 400, P1, gzip=True, chunked=True))
        rec(article(1002, "http://www.ncgh.org.cn/nczhghcms/article/1002", "2026-11-20T02:00:02+00:00", "送温暖活动", 90, P2))
        # Requested on one alias, redirected to another: the WARC tells the hop in a metadata record.
        redirected = article(1003, "http://ncgh.org.cn/article/1003", "2026-11-20T02:00:03+00:00", "Python workshop 培训", 12, P3)
        redirected.url = "http://171.34.90.220:8081/article/1003"
        redirected.redirects = [("http://171.34.90.220:8081/article/1003", 302, "http://ncgh.org.cn/article/1003")]
        rec(redirected)
        rec(article(1001, "http://ncgh.org.cn/article/1001", "2026-11-21T02:00:00+00:00", "市总工会召开职工代表大会", 650, P1))
        rec(article(1001, u1, "2026-11-22T02:00:00+00:00", "南昌市总工会召开职工代表大会", 900, P1))
        # The same bytes again a day later (the page did not change, counter included): a WARC revisit.
        rec(article(1001, u1, "2026-11-23T02:00:00+00:00", "南昌市总工会召开职工代表大会", 900, P1))
        rec(article(1001, u1, "2026-11-24T02:00:00+00:00", "南昌市总工会召开职工代表大会", 1500, P1_EDIT))
        for day in ("2026-11-23T02:00:05+00:00", "2026-11-24T02:00:05+00:00"):
            body = b"<html><body>404 Not Found</body></html>"
            rec(
                CaptureIn(
                    site=SITE,
                    url="http://www.ncgh.org.cn/nczhghcms/article/1002",
                    final_url="http://www.ncgh.org.cn/nczhghcms/article/1002",
                    fetched_at=day,
                    status=404,
                    outcome=Outcome.MISSING,
                    article_id=1002,
                    headers=_headers(body),
                    request_headers=REQUEST_HEADERS,
                    body=body,
                    missing_reason=MissingReason.HTTP_404,
                )
            )
        rec(
            CaptureIn(
                site=SITE,
                url="http://ncgh.org.cn/article/1003",
                final_url="http://ncgh.org.cn/article/1003",
                fetched_at="2026-11-24T02:00:06+00:00",
                status=304,
                outcome=Outcome.NOT_MODIFIED,
                article_id=1003,
                headers=[("Server", "nginx"), ("ETag", '"abc"')],
                request_headers=REQUEST_HEADERS + [("If-None-Match", '"abc"')],
                body=None,
            )
        )
        rec(
            CaptureIn(
                site=SITE,
                url="http://www.ncgh.org.cn/nczhghcms/article/1004",
                final_url="http://www.ncgh.org.cn/nczhghcms/article/1004",
                fetched_at="2026-11-24T02:00:07+00:00",
                status=None,
                outcome=Outcome.FETCH_ERROR,
                article_id=1004,
                request_headers=REQUEST_HEADERS,
                error="timeout",
                error_detail="read timed out",
            )
        )
    return BuiltArchive(path, bodies, ids)
