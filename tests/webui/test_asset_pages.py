"""The web UI's archived copies: images in the body point at them, /-/asset/N serves the bytes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from archive.model import AssetRef
from archive.store import Archive
from archive.vocab import AssetRole
from tests.support.archive import asset_capture, capture, content

PDF = "http://www.ncgh.org.cn/upload/files/1001_1.pdf"


def test_webui_serves_archived_copies_and_rewrites_the_body(tmp_path: Path) -> None:
    from webui.app import build_datasette

    img = "http://www.ncgh.org.cn/upload/1.jpg"  # the image content() puts in the body
    c = content(body_html='<p>x</p><p><img src="http://www.ncgh.org.cn/upload/1.jpg"></p>')
    archive = Archive(tmp_path / "a.db")
    archive.record_capture(capture(1001, 0, c=c, requisites=(AssetRef(img, AssetRole.IMAGE), AssetRef(PDF, AssetRole.ATTACHMENT))))
    archive.record_capture(asset_capture(img, 0, body=b"\x89PNG fake"))
    archive.record_capture(asset_capture(PDF, 0))
    archive.close()
    ds = build_datasette(archive.path)

    async def go():
        page = await ds.client.get("/-/article/1001")
        image_id = sqlite3.connect(archive.path).execute("SELECT id FROM assets WHERE url = ?", (img,)).fetchone()[0]
        copy = await ds.client.get(f"/-/asset/{image_id}")
        return page, image_id, copy

    page, image_id, copy = asyncio.run(go())
    assert page.status_code == 200
    assert f'<img src="/-/asset/{image_id}">' in page.text and f'src="{img}"' not in page.text
    assert "img-src 'self' data:" in page.headers["content-security-policy"]
    assert f'<a href="/-/asset/{image_id}">archived copy</a>' in page.text and "ncgh-assets" in page.text
    assert copy.status_code == 200 and copy.content == b"\x89PNG fake"
    assert copy.headers["x-content-type-options"] == "nosniff"
