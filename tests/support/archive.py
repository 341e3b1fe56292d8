"""Builders for archive tests: realistic article pages and the captures a crawl would record of them.

The page generator mimics the site's current layout (nav, header line with the view counter, body,
footer) with deterministic pseudo-Chinese text, so compression numbers are not flattered by repetition.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from archive.model import ArticleContent, AssetRef, AssetText, CaptureIn, FooterContent
from archive.vocab import CaptureKind, Outcome

SITE = "ncgh"
T0 = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
# Common characters of the site's prose, so generated text has a realistic character distribution.
_CHARS = (
    "工会职工服务劳动模范全市总部门开展活动建设发展工作会议精神学习贯彻落实党的十九大新时代中国特色社会主义"
    "南昌江西省区县企业单位组织群众维权帮扶困难技能竞赛创新改革管理民主协商集体合同安全生产健康文化体育"
)
FOOTER = FooterContent(
    org="江西省南昌市总工会",
    icp="赣ICP备18016234号-1",
    phone="0791-83868027",
    email="ncghwlzx@163.com",
    address="南昌市红谷滩新区会展路29号",
    postcode="330038",
)


def at(day: int, minute: int = 0) -> str:
    return (T0 + timedelta(days=day, minutes=minute)).isoformat()


def prose(seed: int, paragraphs: int = 8, length: int = 220) -> str:
    rng = random.Random(seed)
    paras = []
    for _ in range(paragraphs):
        text = "".join(rng.choice(_CHARS) for _ in range(length))
        # punctuation every so often, like real sentences
        paras.append("，".join(text[i : i + 17] for i in range(0, len(text), 17)) + "。")
    return "\n\n".join(paras)


def content(
    seed: int = 1, title: str = "贯彻十九大精神 开创工会工作新局面", body: str | None = None, **changes
) -> ArticleContent:
    text = body if body is not None else prose(seed)
    html = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    base = ArticleContent(
        title=title,
        column=None,
        published_at="2018-10-12",
        source=None,
        author=None,
        body_text=text,
        body_html=html,
        images=(("http://www.ncgh.org.cn/upload/1.jpg", None),),
        attachments=(),
        signature="东湖区总工会",
    )
    return replace(base, **changes)


def page_html(c: ArticleContent, views: int, footer: FooterContent | None = FOOTER, nav_seed: int = 3) -> str:
    """A full article page in the site's current layout."""
    rng = random.Random(nav_seed)
    nav = "".join(
        f'<li><a href="/nczhghcms/category/{rng.randint(100, 999)}">{"".join(rng.choice(_CHARS) for _ in range(4))}</a></li>'
        for _ in range(40)
    )
    side = "".join(
        f'<li><a href="/nczhghcms/article/{rng.randint(900, 26000)}">{"".join(rng.choice(_CHARS) for _ in range(14))}</a>'
        f"<span>2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}</span></li>"
        for _ in range(30)
    )
    foot = ""
    if footer is not None:
        foot = (
            f'<div class="footer"><p>{footer.org} {footer.icp}</p>'
            f"<p>电话:{footer.phone} 邮箱:{footer.email}</p><p>地址:{footer.address} 邮编:{footer.postcode}</p></div>"
        )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
        + (c.title or "")
        + '</title><link rel="stylesheet" href="/static/css/main.css"><script src="/static/js/jquery.min.js">'
        "</script></head><body><div class=\"header\"><ul class=\"nav\">"
        + nav
        + '</ul></div><div class="detail-wrap"><h2 class="detail-title">'
        + (c.title or "")
        + f'</h2><div class="detail-info">发布时间:{c.published_at} 浏览量:{views}</div>'
        '<div class="detail-font">字体大小:【默认 大 中 小】</div><div id="zoom" class="detail-content">'
        + c.body_html
        + '</div><div class="detail-share">分享到:</div></div><div class="sidebar"><ul>'
        + side
        + "</ul></div>"
        + foot
        + "</body></html>"
    )


def capture(
    article_id: int = 1001,
    day: int = 0,
    c: ArticleContent | None = None,
    views: int | None = 100,
    outcome: str = "ok",
    status: int | None = 200,
    url: str | None = None,
    footer: FooterContent | None = FOOTER,
    body: bytes | None = None,
    encoding: str = "utf-8",
    **extra,
) -> CaptureIn:
    """One capture of an article as the pipeline would hand it over."""
    url = url or f"http://www.ncgh.org.cn/nczhghcms/article/{article_id}"
    if outcome == "ok" and c is None:
        c = content()
    if body is None and outcome in ("ok", "parse_error", "missing") and status == 200:
        html = page_html(c or content(), views or 0, footer)
        body = html.encode("gb18030" if encoding.lower() in ("gbk", "gb18030", "gb2312") else "utf-8")
    return CaptureIn(
        site=SITE,
        url=url,
        final_url=extra.pop("final_url", url),
        fetched_at=at(day, extra.pop("minute", 0)),
        status=status,
        outcome=outcome,
        article_id=article_id,
        headers=extra.pop("headers", [("Content-Type", "text/html")]),
        body=body,
        encoding=encoding if body else None,
        content=c if outcome == "ok" else None,
        views=views if outcome == "ok" else None,
        footer=footer if outcome == "ok" else None,
        parser_version="test-1",
        **extra,
    )


def missing(article_id: int, day: int, reason: str = "http_404", **extra) -> CaptureIn:
    status = {"http_404": 404, "http_410": 410, "not_exist_page": 200, "redirect_home": 200}[reason]
    url = f"http://www.ncgh.org.cn/nczhghcms/article/{article_id}"
    final_url = "http://www.ncgh.org.cn/" if reason == "redirect_home" else url
    body = None
    if reason == "not_exist_page":
        body = '<html><body><div class="detail-wrap"><p class="no-article">该文章不存在或已被删除!</p></div></body></html>'.encode()
    elif reason == "redirect_home":
        body = "<html><body>首页</body></html>".encode()
    return CaptureIn(
        site=SITE,
        url=url,
        final_url=final_url,
        fetched_at=at(day, extra.pop("minute", 0)),
        status=status,
        outcome="missing",
        missing_reason=reason,
        article_id=article_id,
        body=body,
        redirects=[(url, 302, final_url)] if reason == "redirect_home" else [],
        **extra,
    )


def fetch_error(article_id: int, day: int, kind: str = "timeout", status: int | None = None) -> CaptureIn:
    url = f"http://www.ncgh.org.cn/nczhghcms/article/{article_id}"
    return CaptureIn(
        site=SITE,
        url=url,
        final_url=url,
        fetched_at=at(day),
        status=status,
        outcome="fetch_error",
        article_id=article_id,
        error=kind,
        error_detail="read timed out" if kind == "timeout" else f"HTTP {status}",
        attempts=4,
    )


DERIVED_TABLES = ("articles", "article_urls", "versions", "views", "footers", "events")


def snapshot(conn, tables=DERIVED_TABLES, with_captures: bool = True) -> dict[str, list[tuple]]:
    """Every row of the derived tables (and captures), for exact before/after comparisons."""
    out = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4").fetchall() for t in tables}
    if with_captures:
        out["captures"] = conn.execute("SELECT * FROM captures ORDER BY id").fetchall()
        out["bodies"] = conn.execute("SELECT sha256, size, codec, base_sha256, depth FROM bodies ORDER BY sha256").fetchall()
    out["fts"] = conn.execute("SELECT rowid FROM version_fts ORDER BY rowid").fetchall()
    return out


# ---- a tiny parser of page_html pages, so rebuild tests really re-parse stored bytes ----
_TITLE = re.compile(r'<h2 class="detail-title">(.*?)</h2>', re.S)
_INFO = re.compile(r"发布时间:(\S+) 浏览量:(\d+)")
_ZOOM = re.compile(r'<div id="zoom" class="detail-content">(.*?)</div>', re.S)
_FOOTER = re.compile(
    r'<div class="footer"><p>(\S+) (\S+)</p><p>电话:(\S+) 邮箱:(\S+)</p><p>地址:(\S+) 邮编:(\S+)</p></div>'
)


def parse_page(body: bytes, column_from_title: bool = False) -> tuple[ArticleContent | None, int | None, FooterContent | None, str]:
    """(content, views, footer, encoding) of a page made by page_html; content None when unparsable."""
    try:
        html, encoding = body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        html, encoding = body.decode("gb18030"), "gbk"
    title_m, info_m, zoom_m, foot_m = _TITLE.search(html), _INFO.search(html), _ZOOM.search(html), _FOOTER.search(html)
    footer = FooterContent(
        org=foot_m[1], icp=foot_m[2], phone=foot_m[3], email=foot_m[4], address=foot_m[5], postcode=foot_m[6]
    ) if foot_m else None
    if not title_m and not zoom_m:
        return None, None, footer, encoding
    paras = re.findall(r"<p>(.*?)</p>", zoom_m[1]) if zoom_m else []
    title = (title_m[1] if title_m else "") or None
    column = None
    if column_from_title and title and title.startswith("【") and "】" in title:
        column, title = title[1 : title.index("】")], title[title.index("】") + 1 :]
    c = ArticleContent(
        title=title,
        column=column,
        published_at=info_m[1] if info_m else None,
        source=None,
        author=None,
        body_text="\n\n".join(paras),
        body_html="".join(f"<p>{p}</p>" for p in paras),
        images=(),
        attachments=(),
        signature=None,
    )
    return c, int(info_m[2]) if info_m else None, footer, encoding


def make_interpret(parser_version: str = "test-1", column_from_title: bool = False):
    """An interpret(stored, body) in the manner of ncgh.pipeline.interpret_stored, over parse_page."""

    def interpret(stored, body: bytes | None) -> CaptureIn:
        c = stored.to_capture_in(body)
        c.content = c.footer = c.views = c.missing_reason = c.parse_error = None
        c.encoding = c.parser_version = None
        c.outcome = "fetch_error"
        if stored.status in (404, 410) and stored.kind == "article":
            c.outcome, c.missing_reason = "missing", "http_404" if stored.status == 404 else "http_410"
        elif stored.error is not None or stored.status is None:
            c.outcome = "fetch_error"
        elif stored.status == 304:
            c.outcome = "not_modified"
        elif stored.kind != "article":
            c.outcome = "ok"
        elif stored.final_url != stored.url and "/article/" not in stored.final_url:
            c.outcome, c.missing_reason = "missing", "redirect_home"
        elif body is not None and b"no-article" in body:
            c.outcome, c.missing_reason = "missing", "not_exist_page"
        else:
            content, views, footer, encoding = parse_page(body or b"", column_from_title)
            c.encoding, c.parser_version = encoding, parser_version
            if content is None:
                c.outcome, c.parse_error = "parse_error", "no title or body element"
            else:
                c.outcome, c.content, c.views, c.footer = "ok", content, views, footer
        return c

    return interpret


def asset_capture(url: str, day: int, status: int = 200, body: bytes | None = b"%PDF-1.4 one", text: str | None = None,
          refs: tuple[AssetRef, ...] = (), minute: int = 30) -> CaptureIn:
    """One capture of an asset (image, stylesheet, attachment) as the crawl would record it."""
    outcome = {200: Outcome.OK, 304: Outcome.NOT_MODIFIED, 404: Outcome.MISSING}.get(status, Outcome.FETCH_ERROR)
    return CaptureIn(
        site=SITE, url=url, final_url=url, fetched_at=at(day, minute), status=status, outcome=outcome,
        article_id=None, kind=CaptureKind.ASSET,
        headers=[("Content-Type", "text/css" if url.endswith(".css") else "application/pdf"), ("ETag", f'"{day}"')],
        body=body if status == 200 else None, requisites=refs,
        asset_text=AssetText(text) if text else None,
    )


def damage(path: str | os.PathLike, *statements: str) -> None:
    """Change an archive file behind the Archive's back (no checks, no foreign keys): what a bug, a
    hand-edit or another program could leave, for the integrity check to find."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
