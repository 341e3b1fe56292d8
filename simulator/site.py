"""Routing of the simulated site: request (method, path, headers) -> Response, independent of sockets.

Rendered pages are cached per day (views change daily, content only on edits), so serving an article
is a dict lookup; the cache is dropped when the day advances.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

from simulator import assets, templates
from simulator.article import CATEGORIES, Article
from simulator.config import SimConfig
from simulator.content import SiteState
from simulator.families import CLASSIC, render_in_family
from simulator.templates import PageContext

ARTICLE_RE = re.compile(r"^/(?:nczhghcms/)?article/(\d+)/?$")
CATEGORY_RE = re.compile(r"^/nczhghcms/category/(\d+)/?$")
LIST_SHAPE_RE = re.compile(r"^/nczhghcms/list/(\d+)_(\d+)\.html$")
# getIdsList answers a category's child categories (as the real one most likely does: the mini-program
# takes data[0].id and lists that category); categories without children answer an empty list.
CHILDREN: dict[int, tuple[int, ...]] = {174: (175, 176)}
IMAGE_RE = re.compile(r"^/nczhghcms/upload/images/(\d{6})/(\d+)_(\d+)(?:_r(\d+))?\.(jpg|png)$")
VIDEO_RE = re.compile(r"^/nczhghcms/upload/video/(\d{6})/(\d+)\.mp4$")
FILE_RE = re.compile(r"^/nczhghcms/upload/files/(\d{6})/(\d+)_(\d+)\.(pdf|docx?|xlsx?)$")
VENDOR_PATH = "/plugin/gh/ghzx/pc_detail.php"
API_LIST = "/nczhgh.interface/api/cms/article/list"
API_IDS = "/nczhgh.interface/api/cms/article/getIdsList"
ROBOTS = b"User-agent: *\nDisallow: /nczhghcms/admin/\nDisallow: /nczhgh.interface/api/admin/\n"
OTHER_CHARSET = {"utf-8": "gbk", "gbk": "utf-8"}
SIDEBAR_SIZE = 8
MAX_CACHED = 4096  # rendered responses kept per day (about 20 KB each with gzip)


@dataclass
class Response:
    """A complete response; `body` is the identity-coded entity, gzip is derived on demand."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None  # HTTP date
    last_modified_ts: float | None = None
    compressible: bool = True
    _gz: bytes | None = None

    def gzipped(self) -> bytes:
        if self._gz is None:
            self._gz = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gz


def _query(path: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(path)
    return parts.path, {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


class DayView:
    """Per-day derived data: category lists, neighbours, sidebar; built once per day."""

    def __init__(self, state: SiteState):
        self.listed = {c: state.listed(c) for c in CATEGORIES}
        self.position: dict[int, tuple[int, int]] = {}
        for c, arts in self.listed.items():
            for i, a in enumerate(arts):
                self.position[a.id] = (c, i)
        everything = sorted(
            (a for arts in self.listed.values() for a in arts), key=lambda a: (a.created, a.id), reverse=True
        )
        self.everything = everything  # every category's list at once (the API without categoryId)
        self.sidebar = everything[:SIDEBAR_SIZE]
        self.notices = self.listed[175][:6]


class SimSite:
    """The site at the current day; thread-safe."""

    def __init__(self, config: SimConfig):
        self.config = config
        self.state = SiteState(config.articles, config.seed, config.timeline)
        self._lock = threading.RLock()
        for _ in range(config.day):
            self.state.step()
        self._reset_caches()
        enc = config.encoding
        meta = OTHER_CHARSET[enc] if config.lie == "meta" else enc
        header = OTHER_CHARSET[enc] if config.lie == "header" else enc
        self.meta_charset: str | None = meta if config.meta_charset else None
        self.html_type = f"text/html; charset={header}" if config.charset_header else "text/html"

    def _reset_caches(self) -> None:
        self._cache: dict[object, Response] = {}
        self._view = DayView(self.state)

    # ------------------------------------------------------------ time

    def advance(self, n: int = 1) -> int:
        if n < 0:
            raise ValueError("days must be >= 0")
        with self._lock:
            for _ in range(n):
                self.state.step()
            self._reset_caches()
            return self.state.day

    def truth(self, base_url: str, full: bool = False) -> dict:
        with self._lock:
            state = self.state
            return {
                "day": state.day,
                "date": state.date.isoformat(),
                "markup": self.markup,
                "footer": state.footer.as_dict(),
                "articles": [self._truth_article(state.articles[i], base_url, full) for i in sorted(state.articles)],
            }

    def _truth_article(self, a: Article, base: str, full: bool) -> dict:
        out = {
            "id": a.id, "status": a.status, "title": a.title, "published": a.published.isoformat(),
            "created": a.created, "views": a.views, "edited_days": [e.day for e in a.edits],
            "edits": [{"day": e.day, "kind": e.kind} for e in a.edits], "deleted_days": list(a.deleted_days),
            "restored_days": list(a.restored_days), "deletion_kind": a.deletion_kind, "linked": a.linked,
            "category": a.category, "column": a.column, "source": a.source, "author": a.author,
            "signature": a.signature, "template": a.template, "header_line": a.header_line,
            "first_day": a.first_day, "quirk": a.quirk,
            "etag": self._etag(a), "url": base + templates.ARTICLE_PATH.format(id=a.id),
        }
        if full:
            out["body_text"] = a.body_text
            out["images"] = [{"src": base + i.path, "caption": i.caption} for i in a.images]
            out["attachments"] = [{"url": base + t.path, "name": t.name} for t in a.attachments]
            v = a.video
            out["video"] = None if v is None else {
                "url": base + v.path, "poster": base + v.poster,
                "player": v.player, "bytes": assets.video_size(v.path, self.config.video_bytes),
            }
        return out

    @property
    def markup(self) -> str:
        """Today's template family of article pages."""
        return self.config.markup_on(self.state.day)

    def _etag(self, a: Article) -> str:
        # A redesign changes every page's bytes, so it changes the ETag (the classic one keeps its form).
        family = "" if self.markup == CLASSIC else f"-{self.markup}"
        return f'"{a.content_key()[:20]}-{self.config.encoding}{family}"'

    # ------------------------------------------------------------ routing

    def handle(self, raw_path: str, headers: dict[str, str]) -> Response:
        path, q = _query(raw_path)
        m = ARTICLE_RE.match(path)
        if m:
            return self._conditional(self._article(int(m.group(1))), headers)
        if path == VENDOR_PATH:
            return self._vendor(_int(q.get("id"), -1))
        m = CATEGORY_RE.match(path)
        if m and self.config.list_shape == "query":
            return self._list_page(int(m.group(1)), _int(q.get("pageNum"), 1))
        m = LIST_SHAPE_RE.match(path)
        if m and self.config.list_shape == "path":
            return self._list_page(int(m.group(1)), int(m.group(2)))
        if path in (API_LIST, API_IDS) and self.config.api_login:
            return self._json(200, {"code": 401, "msg": "请先登录", "data": None})
        if path == API_LIST:
            return self._api_list(q)
        if path == API_IDS:
            return self._api_ids(q)
        m = IMAGE_RE.match(path)
        if m:
            return self._conditional(self._image(path, int(m.group(2)), m.group(5)), headers)
        m = FILE_RE.match(path)
        if m:
            return self._conditional(self._file(path, int(m.group(2))), headers)
        m = VIDEO_RE.match(path)
        if m:
            return self._conditional(self._video(path, int(m.group(2))), headers)
        if path in ("/", "/index.html", "/nczhghcms/", "/nczhghcms"):
            return self._home()
        if path == "/robots.txt":
            return Response(200, ROBOTS, "text/plain")
        if path.startswith("/nczhghcms/admin"):
            return self._html(200, templates.render_admin(self.meta_charset))
        if path.startswith("/static/"):
            return self._static(path)
        return self.not_found()

    def _html(self, status: int, text: str, **kw) -> Response:
        body = text.encode(self.config.encoding, errors="xmlcharrefreplace")
        return Response(status, body, self.html_type, **kw)

    def not_found(self) -> Response:
        return self._html(404, templates.render_not_found(self.meta_charset))

    def _ctx(self, a: Article | None) -> PageContext:
        view = self._view
        prev_a = next_a = None
        if a is not None and a.id in view.position:
            c, i = view.position[a.id]
            arts = view.listed[c]
            prev_a = arts[i - 1] if i > 0 else None
            next_a = arts[i + 1] if i + 1 < len(arts) else None
        return PageContext(
            charset=self.meta_charset, footer=self.state.footer, views=a.views if a else 0,
            prev_article=prev_a, next_article=next_a, sidebar=view.sidebar, notices=view.notices,
            list_path=templates.LIST_PATH_SHAPES[self.config.list_shape],
        )

    def _cached(self, key: object, build) -> Response:
        resp = self._cache.get(key)
        if resp is None:
            with self._lock:
                resp = self._cache.get(key)
                if resp is None:
                    resp = build()
                    if len(self._cache) >= MAX_CACHED:  # bounded memory for big corpora; renders are cheap
                        self._cache.clear()
                    self._cache[key] = resp
        return resp

    def _article(self, article_id: int) -> Response:
        return self._cached(("article", article_id), lambda: self._build_article(article_id))

    def _build_article(self, article_id: int) -> Response:
        a = self.state.articles.get(article_id)
        if a is None:
            return self.not_found()
        if a.status == "deleted":
            if a.deletion_kind == "404":
                return self.not_found()
            if a.deletion_kind == "redirect_home":
                return Response(302, b"", "text/html", headers=[("Location", "/")])
            return self._html(200, templates.render_not_exist(self._ctx(None)))
        ts = a.last_modified.timestamp()
        page = render_in_family(self.markup, a, self._ctx(a))
        if self.config.page_bytes:
            page = self._padded(page, a.id)
        return self._html(
            200, page, etag=self._etag(a),
            last_modified=formatdate(ts, usegmt=True), last_modified_ts=ts,
        )

    def _padded(self, page: str, article_id: int) -> str:
        """The page grown to its size (config.page_bytes) by an inline script in its head, the same
        script every day, so an edit changes the page as much as it would without it."""
        key = f"page/{article_id}"
        room = assets.page_size(key, self.config.page_bytes) - len(page.encode(self.config.encoding, "xmlcharrefreplace"))
        at = page.find("</head>")
        if room <= 0 or at < 0:
            return page
        return page[:at] + assets.page_script(key, room) + page[at:]

    def _vendor(self, article_id: int) -> Response:
        def build() -> Response:
            a = self.state.articles.get(article_id)
            if a is None or a.status != "live":
                return self.not_found()
            return self._html(200, templates.render_vendor(a, self._ctx(a)))

        return self._cached(("vendor", article_id), build)

    def _list_page(self, category: int, page: int) -> Response:
        if category not in CATEGORIES:
            return self.not_found()
        page = max(page, 1)

        def build() -> Response:
            arts = self._view.listed[category]
            size = templates.LIST_PAGE_SIZE
            last = max(1, -(-len(arts) // size))
            chunk = arts[(page - 1) * size : page * size]
            text = templates.render_list(category, page, chunk, page < last, last, self._ctx(None))
            return self._html(200, text)

        return self._cached(("list", category, page), build)

    def _home(self) -> Response:
        return self._cached(
            ("home",),
            lambda: self._html(200, templates.render_home({c: a[:8] for c, a in self._view.listed.items()},
                                                          self._ctx(None))),
        )

    def _json(self, status: int, obj: object) -> Response:
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return Response(status, body, "application/json;charset=UTF-8")

    def _api_list(self, q: dict[str, str]) -> Response:
        """article/list: one category's articles, or (without categoryId) every category's, newest first."""
        category = _int(q.get("categoryId"), -1) if q.get("categoryId") not in (None, "") else None
        if category is not None and category < 0:
            return self._json(400, {"code": 400, "msg": "categoryId is invalid", "data": None})
        page = max(_int(q.get("pageNum"), 1), 1)
        size = min(max(_int(q.get("pageSize"), 12), 1), 100)

        def build() -> Response:
            arts = self._view.listed.get(category, []) if category is not None else self._view.everything
            chunk = arts[(page - 1) * size : page * size]
            items = [{"id": a.id, "title": a.title, "created": a.created, "categoryId": a.category} for a in chunk]
            return self._json(200, {"code": 200, "msg": "success",
                                    "data": {"list": items, "total": len(arts), "pageNum": page, "pageSize": size}})

        return self._cached(("api_list", category, page, size), build)

    def _api_ids(self, q: dict[str, str]) -> Response:
        """getIdsList: the category's child categories (CHILDREN), as objects with `id` and `name`."""
        category = _int(q.get("categoryId"), -1)
        if category < 0:
            return self._json(400, {"code": "400", "msg": "categoryId is required", "data": None})

        def build() -> Response:
            children = [{"id": c, "name": CATEGORIES[c], "parentId": category} for c in CHILDREN.get(category, ())]
            return self._json(200, {"code": "200", "msg": "success", "data": children})

        return self._cached(("api_ids", category), build)

    def _image(self, path: str, article_id: int, ext: str) -> Response:
        if article_id not in self.state.articles:
            return self.not_found()
        body = assets.photo_bytes(path, ext, self.config.photo_bytes)
        return self._static_response(body, assets.CONTENT_TYPES[ext])

    def _file(self, path: str, article_id: int) -> Response:
        a = self.state.articles.get(article_id)
        att = next((t for t in a.attachments if t.path == path), None) if a else None
        if att is None or (att.deleted_day is not None and self.state.day >= att.deleted_day):
            return self.not_found()
        ext = path.rsplit(".", 1)[1]
        text = assets.attachment_text(path, att.name, att.rev)
        if ext == "docx":
            body = assets.docx_bytes(text)
        elif ext == "xlsx":
            body = assets.xlsx_bytes(text)
        elif ext == "pdf":
            body = assets.pdf_text_bytes(path, att.name, text)
        else:
            body = {"doc": assets.doc_bytes, "xls": assets.xls_bytes}[ext](path, text)
        resp = self._static_response(body, assets.CONTENT_TYPES[ext])
        resp.headers.append(("Content-Disposition", "inline"))
        return resp

    def _video(self, path: str, article_id: int) -> Response:
        """A video-lesson's MP4, built per request (never cached: videos are the big answers)."""
        a = self.state.articles.get(article_id)
        if a is None or a.video is None or a.video.path != path:
            return self.not_found()
        body = assets.mp4_bytes(path, assets.video_size(path, self.config.video_bytes))
        return self._static_response(body, assets.CONTENT_TYPES["mp4"])

    def _static(self, path: str) -> Response:
        ext = path.rsplit(".", 1)[-1]
        if ext == "css":
            return self._static_response(assets.STATIC_CSS, "text/css")
        if ext == "js":
            return self._static_response(assets.STATIC_JS, "application/javascript")
        if ext in ("png", "jpg"):
            body = assets.png_bytes(path) if ext == "png" else assets.jpeg_bytes(path)
            return self._static_response(body, assets.CONTENT_TYPES[ext])
        return self.not_found()

    @staticmethod
    def _static_response(body: bytes, content_type: str) -> Response:
        import hashlib

        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        compressible = not content_type.startswith(("image/", "video/")) and content_type != "application/pdf"
        return Response(200, body, content_type, etag=etag, last_modified="Mon, 01 Jan 2018 00:00:00 GMT",
                        last_modified_ts=1514764800.0, compressible=compressible)

    # ------------------------------------------------------------ conditional requests

    @staticmethod
    def _conditional(resp: Response, headers: dict[str, str]) -> Response:
        """304 when If-None-Match matches the ETag, or (without it) If-Modified-Since is not older."""
        if resp.status != 200 or resp.etag is None:
            return resp
        inm = headers.get("if-none-match")
        not_modified = False
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            not_modified = "*" in tags or resp.etag in tags
        else:
            ims = headers.get("if-modified-since")
            if ims and resp.last_modified_ts is not None:
                try:
                    since = parsedate_to_datetime(ims).timestamp()
                except (TypeError, ValueError, IndexError):
                    since = None
                not_modified = since is not None and int(resp.last_modified_ts) <= since
        if not not_modified:
            return resp
        return Response(304, b"", None, etag=resp.etag, last_modified=resp.last_modified,
                        last_modified_ts=resp.last_modified_ts)
