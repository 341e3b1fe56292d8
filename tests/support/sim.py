"""Helpers for the simulator's tests: read what the simulator's own templates put on a page.

These extractors know the simulator's exact markup (they are not the project's parser); they exist to
prove that truth?full=1 describes the served bytes.
"""

from __future__ import annotations

import re

import lxml.html
import requests

NBSP = "\xa0"


def get(url: str, **kw) -> requests.Response:
    return requests.get(url, timeout=10, **kw)


def page_tree(resp: requests.Response, encoding: str = "utf-8") -> lxml.html.HtmlElement:
    return lxml.html.fromstring(resp.content.decode(encoding))


def text_of(el: lxml.html.HtmlElement) -> str:
    return el.text_content().replace(NBSP, " ").strip()


def article_fields(tree: lxml.html.HtmlElement) -> dict:
    """Title, info line, body paragraphs, signature lines, images, attachments, a video lesson's
    player (video and poster URLs), footer lines."""
    title = tree.cssselect("h2.detail-title, td.art-title")
    info = tree.cssselect(".detail-info, td.art-info")
    zoom = tree.cssselect("#zoom")[0]
    videos = [el.get("src") for el in zoom.cssselect("video[src], source[src], embed[src]")]
    posters = [el.get("poster") for el in zoom.cssselect("video[poster]")]
    for player in zoom.cssselect("video, embed"):  # a player's fallback sentence is no paragraph
        player.drop_tree()
    images = [img.get("src") for img in zoom.iter("img")]
    captions = [text_of(c) for c in zoom.cssselect(".img-caption")]
    attachments = [(a.get("href"), text_of(a)) for a in zoom.cssselect("a")]
    paragraphs: list[str] = []
    signature: list[str] = []
    if zoom.tag == "td":  # old layout: <br>-separated lines
        for el in zoom.cssselect(".img-caption, a"):
            el.drop_tree()
        html = lxml.html.tostring(zoom, encoding="unicode")
        inner = re.sub(r"^<td[^>]*>|</td>\s*$", "", html.strip())
        for raw in re.split(r"<br\s*/?>", inner):
            line_el = lxml.html.fragment_fromstring(f"<div>{raw}</div>")
            text = line_el.text_content().replace(NBSP, " ").lstrip("\r\n")
            stripped = text.strip()
            if not stripped or stripped.startswith("附件:") or stripped == "附件:":
                continue
            if text.startswith(" " * 24):
                signature.append(stripped)
            else:
                paragraphs.append(stripped)
    else:
        for p in zoom.findall("p"):
            cls = p.get("class") or ""
            text = text_of(p)
            if not text or cls in ("img-caption", "attachment"):
                continue
            if "text-align: right" in (p.get("style") or ""):
                signature.append(text)
            else:
                paragraphs.append(text)
    return {
        "title": text_of(title[0]) if title else None,
        "info": info[0].text_content() if info else None,
        "paragraphs": paragraphs,
        "signature": signature,
        "images": images,
        "captions": captions,
        "attachments": attachments,
        "videos": videos,
        "posters": posters,
        "footer": [text_of(p) for p in tree.cssselect("div.footer p")],
    }


def walk_list(base: str, category: int, max_pages: int = 100) -> list[tuple[int, str, str]]:
    """(id, title, date) for every item of a category's HTML list, following a.next."""
    out: list[tuple[int, str, str]] = []
    url = f"{base}/nczhghcms/category/{category}?pageNum=1"
    for _ in range(max_pages):
        tree = page_tree(get(url))
        for li in tree.cssselect("ul.news-list > li"):
            a = li.cssselect("a")[0]
            article_id = int(a.get("href").rsplit("/", 1)[1])
            out.append((article_id, text_of(a), text_of(li.cssselect("span.date")[0])))
        nxt = tree.cssselect("div.pagination a.next")
        if not nxt:
            return out
        url = base + nxt[0].get("href")
    raise AssertionError("list pagination did not end")


def listed_truth(truth: dict, category: int) -> list[dict]:
    """Truth's view of a category list: live, linked, newest first."""
    arts = [a for a in truth["articles"] if a["category"] == category and a["linked"] and a["status"] == "live"]
    arts.sort(key=lambda a: (a["created"], a["id"]), reverse=True)
    return arts
