"""The simulator's video lessons: categories 175 and 176 are videos, served as MP4 bytes derived from
their path, with a size set by config; everything else about the corpus is as before videos."""

from __future__ import annotations

import pytest

from simulator import SimConfig
from simulator.article import VIDEO_CATEGORIES
from simulator.assets import MIN_VIDEO_BYTES, mp4_bytes, video_size
from simulator.content import SiteState
from simulator.draw import LEAD_MIN
from simulator.site import SimSite
from tests.support.sim import get


def test_every_article_of_a_video_category_is_a_video_and_no_other_is() -> None:
    state = SiteState(400, seed=3)
    for a in state.articles.values():
        assert (a.video is not None) == (a.category in VIDEO_CATEGORIES), a.id
        if a.video is not None:
            assert a.video.path == f"/nczhghcms/upload/video/{a.published:%Y%m}/{a.id}.mp4"
            assert len(a.body_text) >= LEAD_MIN and all(i.after < len(a.paragraphs) for i in a.images)
            assert a.video.player == "embed" or a.template != "old"


def test_mp4_bytes_are_deterministic_sized_and_start_with_an_ftyp_box() -> None:
    path = "/nczhghcms/upload/video/201904/1105.mp4"
    size = video_size(path, 40_000)
    assert 20_000 <= size <= 60_000 and size == video_size(path, 40_000)
    body = mp4_bytes(path, size)
    assert len(body) == size and body == mp4_bytes(path, size) and body != mp4_bytes(path + "x", size)
    ftyp = int.from_bytes(body[:4], "big")
    assert body[4:8] == b"ftyp" and body[8:12] == b"isom"
    assert body[ftyp + 4 : ftyp + 8] == b"mdat" and int.from_bytes(body[ftyp : ftyp + 4], "big") == size - ftyp
    assert len(mp4_bytes(path, 1)) == MIN_VIDEO_BYTES


@pytest.mark.parametrize("bad", [0, 999, 2**31 + 1])
def test_video_bytes_is_validated(bad: int) -> None:
    with pytest.raises(ValueError, match="video_bytes"):
        SimConfig(video_bytes=bad)


def test_the_video_is_served_as_video_mp4_conditionally_and_never_gzipped(sim) -> None:
    truth = sim.truth(full=True)["articles"]
    video = next(a["video"] for a in truth if a["video"])
    r = get(video["url"], headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "video/mp4"
    assert "Content-Encoding" not in r.headers and len(r.content) == video["bytes"] == int(r.headers["Content-Length"])
    assert get(video["url"], headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    plain = next(a for a in truth if not a["video"])
    month = plain["published"][:7].replace("-", "")
    assert get(f"{sim.url}/nczhghcms/upload/video/{month}/{plain['id']}.mp4").status_code == 404


def test_the_configured_size_changes_the_videos_only() -> None:
    small, big = SimSite(SimConfig(articles=80, seed=2)), SimSite(SimConfig(articles=80, seed=2, video_bytes=900_000))
    a, b = small.truth("http://x", full=True), big.truth("http://x", full=True)
    sizes = [(x["video"]["bytes"], y["video"]["bytes"]) for x, y in zip(a["articles"], b["articles"], strict=True)
             if x["video"]]
    assert sizes and all(s < t for s, t in sizes)
    strip = [{k: v for k, v in x.items() if k != "video"} for x in a["articles"]]
    assert strip == [{k: v for k, v in y.items() if k != "video"} for y in b["articles"]]
