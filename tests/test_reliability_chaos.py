"""Chaos (bounded form of bench/chaos.py): a full crawl killed with SIGKILL at random points and
resumed each time ends with the same archive as an uninterrupted crawl of the same simulated day."""

from __future__ import annotations

import random

from ncgh.sim import SimServer
from tests.support_reliability import (
    crawl_argv,
    crawl_with_kills,
    digest,
    duplicates,
    kill_targets,
    ncgh,
    runs,
    small_site,
    write_config,
)

ARTICLES = 40
KILLS = 5


def test_crawl_killed_at_random_points_equals_a_reference_crawl(tmp_path):
    config = write_config(tmp_path / "config.toml", ARTICLES, fetch={"concurrency_per_host": 2})
    with SimServer(small_site(ARTICLES)) as srv:
        reference = tmp_path / "reference.db"
        done = ncgh(*crawl_argv(config, reference, srv.url)[3:])
        assert done.returncode == 0, done.stderr
        total = runs(reference)[0][3]
        assert total > ARTICLES

        chaos = tmp_path / "chaos.db"
        argv = crawl_argv(config, chaos, srv.url)
        kills = crawl_with_kills(argv, chaos, kill_targets(random.Random(8), KILLS, total))
        assert not any(k.finished_first for k in kills), kills
        final = ncgh(*argv[3:])
        assert final.returncode == 0, final.stderr

    assert [(r[1], r[2]) for r in runs(chaos)] == [("full", "finished")], "every kill resumed the one run"
    assert runs(chaos)[0][3] == total, "the resumed run made as many requests as the reference"
    assert digest(chaos).differences(digest(reference)) == []
    assert duplicates(chaos) == []
    verify = ncgh("verify", "--db", str(chaos))
    assert verify.returncode == 0, verify.stdout + verify.stderr

