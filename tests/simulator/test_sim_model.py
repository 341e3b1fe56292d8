"""The simulator's content model and asset bytes, without HTTP (fast checks over large corpora)."""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.assets import jpeg_bytes, pdf_bytes, png_bytes
from simulator.content import SiteState, TimelineParams, footer_for_day
from simulator.draw import LEAD_MIN


@pytest.mark.slow
def test_generated_text_is_gbk_encodable_and_bodies_stay_in_bounds():
    state = SiteState(1500, seed=21, params=TimelineParams(edit_rate=0.1, delete_rate=0.01))
    for _ in range(15):
        state.step()
    kinds = set()
    for a in state.articles.values():
        for text in [a.title, a.source or "", *a.paragraphs, *a.signature_lines,
                     *(i.caption or "" for i in a.images), *(t.name for t in a.attachments)]:
            text.encode("gbk")  # strict: a GBK site must not need character references
        limit = 10000 if a.quirk == "body_repeated" else 5000
        low = LEAD_MIN if a.video else 200  # a video lesson's body is a short lead
        assert low <= len(a.body_text) <= limit, (a.id, len(a.body_text))
        assert [i.after for i in a.images] == sorted(i.after for i in a.images)
        assert all(0 <= i.after < len(a.paragraphs) for i in a.images)
        kinds.update(e.kind for e in a.edits)
    assert kinds == {"title_fix", "paragraph_added", "paragraph_removed", "image_replaced"}
    assert len(state.articles) > 1500 and len({a.id for a in state.articles.values()}) == len(state.articles)


def test_every_edit_changes_the_content_key():
    state = SiteState(300, seed=4, params=TimelineParams(edit_rate=0.3, delete_rate=0.0))
    keys = {i: a.content_key() for i, a in state.articles.items()}
    edits = 0
    for day in range(1, 6):
        state.step()
        for i, a in state.articles.items():
            if i not in keys:
                keys[i] = a.content_key()
                continue
            edited_today = any(e.day == day for e in a.edits)
            assert (a.content_key() != keys[i]) == edited_today, (i, day)
            keys[i] = a.content_key()
            edits += edited_today
    assert edits  # the "an edit changes the key" half was exercised


def test_footer_timeline_depends_on_seed():
    p = TimelineParams()
    assert [footer_for_day(1, d, p).icp for d in (2, 3)] == ["赣ICP备18016234号-1", "赣ICP备2025061944号-1"]
    assert footer_for_day(2, 3, p).icp.endswith("18016234号-1") and footer_for_day(2, 4, p).icp.endswith("2025061944号-1")
    assert footer_for_day(1, 4, p).police_record is None and footer_for_day(1, 5, p).police_record
    assert footer_for_day(1, 0, TimelineParams(icp_switch_day=0)).icp.endswith("2025061944号-1")


def _png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc
        if kind == b"IDAT":
            assert len(zlib.decompress(body)) == 16 * (1 + 16 * 3)
        kinds.append(kind)
        pos += 12 + length
    return kinds


def test_images_and_pdf_are_structurally_valid():
    assert _png_chunks(png_bytes("/a.png")) == [b"IHDR", b"IDAT", b"IEND"]
    assert png_bytes("/a.png") != png_bytes("/a_r3.png")
    for path in ("/x.jpg", "/y.jpg", "/z_r2.jpg"):
        data = jpeg_bytes(path)
        assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
        markers = [data[i + 1] for i in range(2, len(data) - 1) if data[i] == 0xFF and data[i + 1] not in (0, 0xD9)]
        assert markers[:6] == [0xE0, 0xDB, 0xC0, 0xC4, 0xC4, 0xDA]
    pdf = pdf_bytes("/f.pdf", "关于开展2019年劳动竞赛的通知.pdf")
    xref_at = int(re.search(rb"startxref\n(\d+)", pdf).group(1))
    offsets = [int(m) for m in re.findall(rb"(\d{10}) 00000 n", pdf[xref_at:])]
    assert len(offsets) == 6
    for n, off in enumerate(offsets, start=1):
        assert pdf[off:].startswith(f"{n} 0 obj".encode())


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), articles=st.integers(1, 60), days=st.integers(0, 8))
def test_timeline_invariants_hold_for_any_seed(seed, articles, days):
    params = TimelineParams(edit_rate=0.1, delete_rate=0.1, restore_rate=0.3)
    state = SiteState(articles, seed, params)
    assert len(state.articles) == articles
    for day in range(1, days + 1):
        views = {i: a.views for i, a in state.articles.items()}
        state.step()
        for i, before in views.items():
            a = state.articles[i]
            if a.status == "live":
                assert a.views > before  # every live article gains views daily
            else:
                assert a.views == before
        new = [a for a in state.articles.values() if a.first_day == day]
        assert 2 <= len(new) <= 4 and all(a.id > max(views) for a in new)
    replay = SiteState(articles, seed, params)
    for _ in range(days):
        replay.step()
    for i, a in state.articles.items():
        b = replay.articles[i]
        assert (a.content_key(), a.views, a.status, a.deletion_kind) == (b.content_key(), b.views, b.status, b.deletion_kind)
        assert (a.status == "deleted") == (a.deletion_kind is not None)
        assert len(a.deleted_days) - len(a.restored_days) == (1 if a.status == "deleted" else 0)
        events = sorted([(d, "del") for d in a.deleted_days] + [(d, "res") for d in a.restored_days])
        assert [k for _, k in events] == ["del", "res"] * len(a.restored_days) + ["del"] * (a.status == "deleted")


def test_large_corpus_widens_the_default_id_range_and_small_ones_keep_it():
    from simulator import SimConfig

    assert SimConfig(articles=500).id_range == (800, 26500)
    big = SimConfig(articles=3000)
    low, high = big.id_range
    assert low == 800 and high - low >= 10 * 3000
