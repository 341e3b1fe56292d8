"""The archived copies of an article's images and attachments in the web UI.

`/-/asset/N` serves asset N's held bytes (read from `bodies`, verified against their hash). Only
images, PDFs and plain stylesheets are shown inline; anything else (Office files, archives, HTML,
SVG, scripts) is a download, and every answer carries nosniff and a sandboxing CSP, so archived bytes
never run as the UI's own page. `local_body` points the body's image sources and attachment links at
those copies, so the archived page never hot-links the live site.
"""

from __future__ import annotations

import html
import sqlite3
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from archive.asset_query import AssetInfo
from archive.bodies import BodyIntegrityError, read_body

_INLINE = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "application/pdf", "text/css")
ASSET_CSP = "default-src 'none'; img-src 'self'; style-src 'self'; sandbox"


def asset_path(base: str, asset: AssetInfo) -> str:
    """The UI path of an asset's archived copy."""
    return f"{base}/-/asset/{asset.asset_id}"


def local_body(body_html: str, assets: tuple[AssetInfo, ...], base: str) -> str:
    """body_html with every held asset's URL (as an attribute value) replaced by its archived copy."""
    for asset in assets:
        if not asset.held:
            continue
        local = html.escape(asset_path(base, asset), quote=True)
        for quote_char in ('"', "'"):
            body_html = body_html.replace(
                f"={quote_char}{html.escape(asset.url, quote=True)}{quote_char}", f"={quote_char}{local}{quote_char}"
            )
            if "&" in asset.url:  # a body written with the raw "&" of a query string
                body_html = body_html.replace(f"={quote_char}{asset.url}{quote_char}", f"={quote_char}{local}{quote_char}")
    return body_html


def asset_answer(conn: sqlite3.Connection, asset_id: int) -> tuple[int, bytes, dict[str, str]]:
    """(status, body, headers) of /-/asset/N: the held bytes, or a 404 line saying why not."""
    row = conn.execute("SELECT url, body_sha256, content_type FROM assets WHERE id = ?", (asset_id,)).fetchone()
    if row is None:
        return 404, b"no such asset\n", {"content-type": "text/plain; charset=utf-8"}
    url, sha, content_type = row
    if sha is None:
        return 404, f"the archive does not hold the bytes of {url}\n".encode(), {"content-type": "text/plain; charset=utf-8"}
    try:
        data = read_body(conn, sha)
    except BodyIntegrityError as exc:
        return 500, f"stored bytes damaged: {exc}\n".encode(), {"content-type": "text/plain; charset=utf-8"}
    mime = (content_type or "application/octet-stream").split(";", 1)[0].strip().lower()
    name = PurePosixPath(urlsplit(url).path).name or "asset"
    disposition = "inline" if mime in _INLINE else "attachment"
    headers = {
        "content-type": mime if mime in _INLINE else "application/octet-stream",
        "content-disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
        "x-content-type-options": "nosniff",
        "content-security-policy": ASSET_CSP,
        "cache-control": "public, max-age=86400",
    }
    return 200, data, headers


async def asset_route(datasette, request):
    from datasette.utils.asgi import Response

    from webui.pages import archive_db_name

    db = datasette.get_database(archive_db_name(datasette))
    raw = request.url_vars["asset_id"]
    if not raw.isdigit() or len(raw) > 18:
        return Response.text("no such asset\n", status=404)
    status, body, headers = await db.execute_fn(lambda conn: asset_answer(conn, int(raw)))
    return Response(body, status=status, headers=headers, content_type=headers.pop("content-type"))
