"""The simulator's photo-sized images (`photo_bytes`): the placeholder image grown by metadata a
decoder skips, so a crawler meets photo-sized, incompressible image bodies that are still valid files."""

from __future__ import annotations

import struct
import zlib

import pytest
import zstandard

from simulator import SimConfig
from simulator.assets import jpeg_bytes, photo_bytes, photo_size, png_bytes
from simulator.site import SimSite


def _png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    kinds, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        kinds.append(kind)
        at += 12 + length
    return kinds


def _jpeg_markers(data: bytes) -> list[int]:
    """The markers up to the scan, walked by their length fields as a decoder walks them."""
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    markers, at = [], 2
    while True:
        assert data[at] == 0xFF, at
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        at += 2 + length


def test_zero_keeps_the_placeholders_byte_for_byte() -> None:
    path = "/nczhghcms/upload/images/201805/1234_1"
    assert photo_bytes(path + ".png", "png") == png_bytes(path + ".png")
    assert photo_bytes(path + ".jpg", "jpg", 0) == jpeg_bytes(path + ".jpg")


@pytest.mark.parametrize("ext", ["jpg", "png"])
@pytest.mark.parametrize("mean", [1_000, 300_000, 2_000_000])
def test_a_photo_is_sized_by_its_path_valid_and_incompressible(ext: str, mean: int) -> None:
    path = f"/nczhghcms/upload/images/201805/1234_1.{ext}"
    body = photo_bytes(path, ext, mean)
    assert len(body) == photo_size(path, mean) and mean // 2 <= len(body) <= mean * 3 // 2
    assert body == photo_bytes(path, ext, mean) and body != photo_bytes(path.replace("_1", "_2"), ext, mean)
    if ext == "png":
        assert _png_chunks(body) == [b"IHDR", b"prVt", b"IDAT", b"IEND"]
    else:
        markers = _jpeg_markers(body)
        assert markers[0] == 0xE0 and markers[-1] == 0xDA and 0xEF in markers and markers.count(0xE0) == 1
        small = jpeg_bytes(path)
        assert body.startswith(small[:20]) and body.endswith(small[20:])  # JFIF first, the image after the padding
    if mean >= 300_000:
        assert len(zstandard.ZstdCompressor(level=9).compress(body)) > 0.99 * len(body)


@pytest.mark.parametrize("ext", ["jpg", "png"])
def test_the_padding_framing_is_counted_in_the_size(ext: str) -> None:
    # A chunk's 12 bytes of framing, a segment's 4: the body is the size by its path, whatever that is
    # (sizes just past a whole number of JPEG segments included), never over one and a half times.
    mean = 3 * 65_537
    for n in range(300):
        path = f"/nczhghcms/upload/images/201805/{n}_1.{ext}"
        body = photo_bytes(path, ext, mean)
        assert len(body) == photo_size(path, mean) <= mean * 3 // 2, path


@pytest.mark.parametrize("ext", ["jpg", "png"])
def test_every_size_past_the_placeholder_is_met_exactly(ext: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Around whole numbers of full JPEG segments (65,537 bytes with their framing) the padding is
    # shared by one more segment; below a chunk's or segment's framing no padding fits.
    import simulator.assets as assets
    small = photo_bytes("/p." + ext, ext)
    framing = 12 if ext == "png" else 4
    for full in (0, 1, 2, 3):
        for extra in range(0, 9):
            room = full * 65_537 + extra
            monkeypatch.setattr(assets, "photo_size", lambda path, mean, room=room: len(small) + room)
            body = photo_bytes("/p." + ext, ext, 1_000)
            assert len(body) == (len(small) if room < framing else len(small) + room), room
            if ext == "png":
                assert _png_chunks(body)[-1] == b"IEND"
            else:
                assert _jpeg_markers(body)[-1] == 0xDA and body.endswith(small[20:])


@pytest.mark.parametrize("bad", [-1, 999, 64 * 2**20 + 1])
def test_photo_bytes_is_validated(bad: int) -> None:
    with pytest.raises(ValueError, match="photo_bytes"):
        SimConfig(photo_bytes=bad)


def test_the_site_serves_its_article_images_photo_sized_and_nothing_else_changes() -> None:
    small, big = SimSite(SimConfig(articles=40, seed=2)), SimSite(SimConfig(articles=40, seed=2, photo_bytes=200_000))
    article = next(a for a in small.state.articles.values() if a.images)
    path = article.images[0].path
    a, b = small.handle(path, {}), big.handle(path, {})
    assert a.status == b.status == 200 and len(a.body) < 2_000 and 100_000 <= len(b.body) <= 300_000
    page = f"/nczhghcms/article/{article.id}"
    assert small.handle(page, {}).body == big.handle(page, {}).body
    assert small.handle("/static/images/logo.png", {}).body == big.handle("/static/images/logo.png", {}).body


def test_article_pages_grow_to_their_size_and_say_the_same() -> None:
    # page_bytes: real CMS pages are 50-130 kB, mostly script and markup the parser skips.
    from ncgh.config import load_config, to_site_profile
    from scraper.parse import parse_article
    from simulator.assets import page_size

    profile = to_site_profile(load_config())
    small, big = SimSite(SimConfig(articles=30, seed=5)), SimSite(SimConfig(articles=30, seed=5, page_bytes=80_000))
    for article in list(small.state.articles.values())[:10]:
        path = f"/nczhghcms/article/{article.id}"
        a, b = small.handle(path, {}), big.handle(path, {})
        assert a.status == b.status
        if a.status != 200 or b"</head>" not in a.body:
            continue
        target = page_size(f"page/{article.id}", 80_000)
        assert 40_000 <= len(b.body) <= 120_000 and abs(len(b.body) - target) < 200
        assert b.body == big.handle(path, {}).body  # the same bytes on every request
        url = "http://www.ncgh.org.cn" + path
        assert parse_article(b.body, url, "text/html; charset=utf-8", profile=profile) == parse_article(
            a.body, url, "text/html; charset=utf-8", profile=profile)


@pytest.mark.parametrize("bad", [-1, 999, 4 * 2**20 + 1])
def test_page_bytes_is_validated(bad: int) -> None:
    with pytest.raises(ValueError, match="page_bytes"):
        SimConfig(page_bytes=bad)
