"""Template families: the same article in every family shows the same fields; a redesign day
switches the family (and the ETags) from that day on; bad knobs fail naming themselves."""

from __future__ import annotations

import pytest

from simulator import SimConfig
from simulator.families import FAMILIES
from simulator.site import SimSite


def _page(site: SimSite, article_id: int):
    return site.handle(f"/nczhghcms/article/{article_id}", {})


def test_every_family_renders_the_same_article_differently() -> None:
    bodies = {}
    for family in FAMILIES:
        site = SimSite(SimConfig(articles=10, seed=2, markup=family))
        # an article written in plain characters (no character references: simulator.refs)
        a = next(x for x in site.truth("http://x")["articles"] if x["status"] == "live" and x["id"] % 4 == 0)
        text = _page(site, a["id"]).body.decode("utf-8")
        assert a["title"] in text and "0791-83868027" in text
        bodies[family] = text
    assert len(set(bodies.values())) == len(FAMILIES)
    assert "detail-title" not in bodies["portal"] + bodies["hanweb"] + bodies["vue"]


def test_redesign_day_switches_family_and_etags() -> None:
    site = SimSite(SimConfig(articles=10, seed=2, redesign_day=1, redesign_markup="vue"))
    aid = next(x for x in site.truth("http://x")["articles"] if x["status"] == "live")["id"]
    before = _page(site, aid)
    assert site.truth("http://x")["markup"] == "classic" and b"detail-title" in before.body
    site.advance()
    after = _page(site, aid)
    assert site.truth("http://x")["markup"] == "vue" and b"c-b10" in after.body
    assert after.etag != before.etag


@pytest.mark.parametrize("kwargs", [{"markup": "nope"}, {"redesign_day": 3},
                                    {"redesign_day": 2, "redesign_markup": "nope"},
                                    {"redesign_day": -1, "redesign_markup": "vue"}])
def test_bad_family_knobs_fail_naming_them(kwargs) -> None:
    with pytest.raises(ValueError, match="markup|redesign"):
        SimConfig(**kwargs)
