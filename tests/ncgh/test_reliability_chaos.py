"""Chaos (bounded form of bench/chaos.py): a full crawl killed with SIGKILL at random points and
resumed each time ends with the same archive as an uninterrupted crawl of the same simulated day."""

from __future__ import annotations

import pytest

from bench.reliability import digest, duplicates, kill_and_resume, ncgh, runs

ARTICLES = 40
KILLS = 5


@pytest.mark.slow
def test_crawl_killed_at_random_points_equals_a_reference_crawl(tmp_path):
    run = kill_and_resume(tmp_path, ARTICLES, KILLS, seed=8)
    assert run.reference_done.returncode == 0, run.reference_done.stderr
    total, chaos, reference = run.total, run.chaos, run.reference
    assert total > ARTICLES
    assert not any(k.finished_first for k in run.kills), run.kills
    assert run.final.returncode == 0, run.final.stderr

    assert [(r[1], r[2]) for r in runs(chaos)] == [("full", "finished")], "every kill resumed the one run"
    assert runs(chaos)[0][3] == total, "the resumed run made as many requests as the reference"
    assert digest(chaos).differences(digest(reference)) == []
    assert duplicates(chaos) == []
    verify = ncgh("verify", "--db", str(chaos))
    assert verify.returncode == 0, verify.stdout + verify.stderr
