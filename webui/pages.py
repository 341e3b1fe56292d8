"""The web UI's own pages: an article (a version rendered from its sanitised body_html, the versions, a
diff between two, the view counts and events), search, and the Atom feed of changes.

Each reads the archive through archive/ on a read-only connection (mode=ro, no write canned
queries), so browsing never touches the crawler's writes.
"""

from __future__ import annotations

import html
import re
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from archive import diff as diffs
from archive import query as q
from archive.resolve import SITE_TIMEZONE, QueryError, checked_article_id, resolve_article, version_number
from archive.search import count_matches
from archive.search import search as search_versions
from archive.vocab import ArticleStatus, EventKind
from webui.assets import local_body
from webui.chart import Reading, view_chart

SEARCH_PAGE = 50  # hits per page of /-/search; the page says how many match in all and links the next
DB_NAME = "ncgh"  # the database's name in Datasette URLs; metadata.json is keyed by it

# The article body is the site's HTML (sanitised by the parser); this keeps any script that slipped
# through from running, and the page from loading anything from elsewhere: images come from the
# archive's own copies (an image never archived shows as missing, never hot-linked from the site).
ARTICLE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-src 'none'; form-action 'self'"

_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"


def archive_db_name(datasette) -> str:
    """The archive's database: the one named DB_NAME, else the first file-backed database."""
    names = [name for name, db in datasette.databases.items() if not db.is_memory and name != "_internal"]
    if DB_NAME in names:
        return DB_NAME
    return names[0] if names else DB_NAME


PLUGIN_NAME = "ncgh-archive"  # the entry point's name; its settings are metadata's plugins.ncgh-archive


def site_timezone(datasette) -> str:
    """The calendar a bare date in `since=` is read on: `[site] timezone` as `ncgh serve --config`
    passed it (webui.app.build_datasette), Asia/Shanghai otherwise (plain `datasette`)."""
    return (datasette.plugin_config(PLUGIN_NAME) or {}).get("timezone") or SITE_TIMEZONE


@dataclass(frozen=True)
class BodyDiffBlock:
    tag: str  # equal | insert | delete | replace (whole paragraphs) | changed (one paragraph, marked inside)
    old_html: str
    new_html: str
    paragraphs: int = 1  # how many paragraphs the block spans (equal runs are shown folded)


def _char_diff_html(old: str, new: str) -> tuple[str, str]:
    old_parts, new_parts = [], []
    for tag, text in diffs.char_diff(old, new):
        escaped = html.escape(text)
        if tag == "equal":
            old_parts.append(escaped)
            new_parts.append(escaped)
        elif tag == "delete":
            old_parts.append(f"<del>{escaped}</del>")
        else:
            new_parts.append(f"<ins>{escaped}</ins>")
    return "".join(old_parts), "".join(new_parts)


def body_diff_blocks(diff: diffs.VersionDiff) -> list[BodyDiffBlock]:
    """Paragraph blocks for the page; a replaced paragraph pair is diffed character by character."""
    blocks: list[BodyDiffBlock] = []
    for op in diff.body_ops:
        if op.tag == "replace" and len(op.old) == len(op.new):
            for a, b in zip(op.old, op.new, strict=True):
                old_html, new_html = _char_diff_html(a, b)
                blocks.append(BodyDiffBlock("changed", old_html, new_html))
        else:
            blocks.append(
                BodyDiffBlock(
                    op.tag,
                    "".join(f"<p>{html.escape(p)}</p>" for p in op.old),
                    "".join(f"<p>{html.escape(p)}</p>" for p in op.new),
                    max(len(op.old), len(op.new)),
                )
            )
    return blocks


def _int_arg(request, name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    return version_number(raw, name)


def _article_ref(conn, article_id: int, site: str | None):
    """The article named by id (and ?site= when an archive holds several sites; else its first site)."""
    if site is None:
        row = conn.execute("SELECT site FROM articles WHERE article_id = ? ORDER BY site LIMIT 1", (article_id,)).fetchone()
        site = row[0] if row else ""
    return resolve_article(conn, article_id, site)


def article_context(conn, article_id: int, site: str | None, version: int | None, compare: int | None) -> dict[str, Any]:
    """Everything the article page shows, read in one go on one connection."""
    ref = _article_ref(conn, article_id, site)
    hist = q.history(conn, ref)
    view = q.show(conn, ref, version=version)
    diff = None
    blocks: list[BodyDiffBlock] = []
    if view.version is not None and len(hist.versions) > 1:
        new = view.version.version
        old = compare if compare is not None else (new - 1 if new > 1 else None)
        if old is not None and old != new:
            # The versions were read with the history; get_version only answers (with its error) for
            # a `compare` number the article does not have.
            by_number = {v.version: v for v in hist.versions}
            older = by_number[old] if old in by_number else q.get_version(conn, ref, old)
            diff = diffs.VersionDiff(hist.article, older, view.version, *diffs.diff_versions(older, view.version))
            blocks = body_diff_blocks(diff)
    return {
        "ref": ref,
        "article": hist.article,
        "history": hist,
        "view": view,
        "current": view.version,
        "diff": diff,
        "diff_blocks": blocks,
        "short_changes": [c for c in diff.changes if c.field != "body_text"] if diff else [],
        "body_changed": bool(diff and any(c.field == "body_text" for c in diff.changes)),
        "chart": view_chart([Reading(p.at, p.views) for p in hist.views]),
        "gone_event": next((e for e in reversed(hist.events) if e.event == EventKind.GONE), None)
        if hist.article.status == ArticleStatus.GONE
        else None,
        "show_signature": bool(
            view.version and view.version.signature and not signature_in_body(view.version.signature, view.version.body_html)
        ),
    }


async def views_chart(datasette, request):
    """/-/article/ID/views.svg: the article's view-count chart alone, to embed in a report or story."""
    from datasette.utils.asgi import Response

    db = datasette.get_database(archive_db_name(datasette))
    try:
        article_id = checked_article_id(request.url_vars["article_id"])

        def read(conn) -> str:
            points = q.history(conn, _article_ref(conn, article_id, request.args.get("site"))).views
            return view_chart([Reading(p.at, p.views) for p in points])

        svg = await db.execute_fn(read)
    except QueryError as exc:
        return Response.text(f"Error: {exc}\n", status=404)
    if not svg:
        return Response.text("No view counts seen.\n", status=404)
    return Response(svg, content_type="image/svg+xml; charset=utf-8")


async def article_page(datasette, request):
    from datasette.utils.asgi import Response

    name = archive_db_name(datasette)
    db = datasette.get_database(name)
    try:
        article_id = checked_article_id(request.url_vars["article_id"])
        version = _int_arg(request, "version")
        compare = _int_arg(request, "compare")
        context = await db.execute_fn(
            lambda conn: article_context(conn, article_id, request.args.get("site"), version, compare)
        )
    except QueryError as exc:
        body = await datasette.render_template(
            "ncgh_error.html", {"message": str(exc), "database": name}, request=request
        )
        return Response.html(body, status=404)
    context["database"] = name
    # Held images and attachments point at their archived copies (webui/assets.py), never the live site.
    body = context["current"].body_html if context["current"] else ""
    base = datasette.urls.path("").rstrip("/")
    context["body_html"] = _body_markup(local_body(body, context["view"].assets, base))
    context["asset_base"] = base
    body = await datasette.render_template("ncgh_article.html", context, request=request)
    response = Response.html(body)
    response.headers["Content-Security-Policy"] = ARTICLE_CSP
    return response


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")  # str.split's whitespace: spaces, newlines, U+00A0, U+3000


def signature_in_body(signature: str, body_html: str) -> bool:
    """Whether the body as shown already holds the signature, so the page shows it once.

    body_html usually keeps the signature's paragraphs; the stored signature joins its lines with a
    newline (unit and name, then a date line), which the body's text holds as two paragraphs, so
    both are compared without any whitespace.
    """
    shown = _SPACE.sub("", html.unescape(_TAG.sub("", body_html)))
    return _SPACE.sub("", signature) in shown


def _body_markup(body_html: str):
    from markupsafe import Markup

    return Markup(body_html)


async def search_page(datasette, request):
    from datasette.utils.asgi import Response
    from markupsafe import Markup

    name = archive_db_name(datasette)
    db = datasette.get_database(name)
    text = (request.args.get("q") or "").strip()
    all_versions = request.args.get("all") == "1"
    offset = _page_offset(request.args.get("offset"))
    hits = []
    total = 0
    if text:
        def page(conn: sqlite3.Connection) -> tuple[list, int]:
            found = search_versions(conn, text, limit=SEARCH_PAGE, all_versions=all_versions, offset=offset,
                                    marks=(_MARK_OPEN, _MARK_CLOSE))
            return found, count_matches(conn, text, all_versions=all_versions)

        found, total = await db.execute_fn(page)
        for hit in found:
            snippet = html.escape(hit.snippet).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")
            hits.append({"hit": hit, "snippet": Markup(snippet)})

    def page_url(at: int) -> str:
        args = {"q": text, **({"all": "1"} if all_versions else {}), **({"offset": str(at)} if at else {})}
        return datasette.urls.path("/-/search") + "?" + urlencode(args)

    body = await datasette.render_template(
        "ncgh_search.html",
        {
            "q": text, "all_versions": all_versions, "hits": hits, "database": name, "searched": bool(text),
            "total": total, "first": offset + 1, "last": offset + len(hits),
            # From past the end, "previous" is the last page there is.
            "previous_url": page_url(max(0, min(offset, (total - 1) // SEARCH_PAGE * SEARCH_PAGE + SEARCH_PAGE)
                                         - SEARCH_PAGE)) if text and offset > 0 else None,
            "next_url": page_url(offset + SEARCH_PAGE) if offset + SEARCH_PAGE < total else None,
        },
        request=request,
    )
    return Response.html(body)


def _page_offset(value: str | None) -> int:
    """?offset= as a count of hits to skip; anything else (missing, negative, not a number) is 0."""
    if value is None or not value.isascii() or not value.isdigit():
        return 0
    return min(int(value), 10**9)


# The feed's window: a reader polling daily or weekly sees every change, and a page stays small.
FEED_DAYS = "30d"
FEED_MAX_ENTRIES = 500


async def changes_feed(datasette, request):
    """/-/changes.atom[?since=7d&until=2026-12-01&kind=edited,gone]: the site's changes as Atom
    (archive/feed.py); dates on the site's calendar, as `ncgh changes` reads them."""
    from datasette.utils.asgi import Response

    from archive.changes import changes, parse_kinds, parse_when
    from archive.feed import atom_feed

    db = datasette.get_database(archive_db_name(datasette))
    try:
        kinds = parse_kinds(request.args.get("kind"))
        tz = site_timezone(datasette)
        since = parse_when(request.args.get("since") or FEED_DAYS, tz=tz)
        until = parse_when(request.args["until"], end=True, tz=tz) if request.args.get("until") else None
    except QueryError as exc:
        return Response.text(f"Error: {exc}\n", status=400)
    if until is not None and until <= since:  # as `ncgh changes` refuses it
        return Response.text(f"Error: until={request.args['until']} is not after since\n", status=400)
    found = await db.execute_fn(lambda conn: changes(conn, since, until, kinds, limit=FEED_MAX_ENTRIES))
    base = f"{request.scheme}://{request.host}" + datasette.urls.path("/").rstrip("/")
    feed_url = f"{request.scheme}://{request.host}{request.full_path}"
    return Response(atom_feed(found, base, feed_url=feed_url), content_type="application/atom+xml; charset=utf-8")
