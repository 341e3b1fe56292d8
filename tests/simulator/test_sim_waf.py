"""simulator.waf: more than `limit` requests in the window and every answer is a block page for `block` seconds."""

from __future__ import annotations

import pytest

from simulator import SimConfig
from simulator.waf import Waf


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_request_over_the_limit_starts_a_block_that_ends_with_a_fresh_start():
    clock = Clock()
    waf = Waf(limit=3, window=60, block=10, clock=clock)
    assert [waf.answer("a") for _ in range(3)] == [None, None, None]
    assert waf.answer("b") is None  # per client
    pages = [waf.answer("a") for _ in range(4)]
    assert [p.status for p in pages] == [200, 521, 403, 429]  # the forms in turn
    assert all(p is not None for p in pages) and waf.blocks_started == 1
    assert ("Retry-After", "1") in pages[3].headers
    clock.now = 10.0
    assert [waf.answer("a") for _ in range(3)] == [None, None, None]
    assert waf.answer("a") is not None and waf.blocks_started == 2


def test_requests_older_than_the_window_do_not_count():
    clock = Clock()
    waf = Waf(limit=2, window=5, block=10, clock=clock)
    for step in range(10):
        clock.now = step * 3.0
        assert waf.answer("a") is None


@pytest.mark.parametrize(
    "knobs", [{"waf_limit": -1}, {"waf_window_seconds": 0}, {"waf_block_seconds": -1}, {"waf_forms": "cookie,nope"}]
)
def test_bad_waf_knobs_are_refused(knobs):
    with pytest.raises(ValueError, match="waf"):
        SimConfig(articles=10, **knobs)


def test_the_server_answers_block_pages_over_http(sim_factory):
    import requests

    server = sim_factory(articles=10, waf_limit=2, waf_forms="deny")
    statuses = [requests.get(server.url + "/robots.txt", timeout=5).status_code for _ in range(4)]
    assert statuses == [200, 200, 403, 403]
    assert "您的访问被拒绝" in requests.get(server.url + "/", timeout=5).text
    assert requests.get(server.url + "/__sim__/truth", timeout=5).status_code == 200  # hooks pass
