"""Faults: 10% of the simulator's responses fail in every way it can fail. The crawl still finishes,
records the failures, and the next crawl (faults off) completes the archive: it then equals a crawl
that never met a fault."""

from __future__ import annotations

import json

import pytest

from bench.reliability import crawl_argv, digest, duplicates, ncgh, runs, small_site, write_config
from simulator import SimServer
from simulator.faults import FAULT_KINDS, FaultPlan, parse_faults

ARTICLES = 40
# 10% in all: every kind the simulator knows (docs/simulator.md, "Faults").
FAULTS = "500=0.02,503=0.015,429=0.015,timeout=0.01,reset=0.015,truncate=0.015,garbage=0.01"
# One attempt per URL, so every injected fault becomes a recorded failure; timeouts kept short.
FETCH = {
    "max_attempts": 1, "read_timeout": 0.4, "connect_timeout": 2.0, "backoff_base": 0.01, "backoff_max": 0.05,
    "retry_after_max": 0.1, "concurrency_per_host": 1,
}  # one request at a time: the same request order, so the same faults, on every run


@pytest.mark.slow
def test_faulty_crawl_finishes_records_errors_and_the_next_crawl_completes(tmp_path):
    assert {kind for kind, _ in parse_faults(FAULTS).rates} == set(FAULT_KINDS)
    assert abs(parse_faults(FAULTS).total - 0.10) < 1e-9
    config = write_config(tmp_path / "config.toml", ARTICLES, fetch=FETCH)
    calm = write_config(tmp_path / "calm.toml", ARTICLES)  # shipped timeouts and retries
    site = small_site(ARTICLES, faults=FAULTS, fault_timeout_seconds=0.8, retry_after_seconds=0)
    with SimServer(small_site(ARTICLES)) as clean:
        reference = tmp_path / "reference.db"
        assert ncgh(*crawl_argv(calm, reference, clean.url)[3:]).returncode == 0
    with SimServer(site) as srv:
        db = tmp_path / "faulty.db"
        first = ncgh(*crawl_argv(config, db, srv.url, "full", "--json")[3:])
        kinds = {kind for _, _, kind in srv.fault_log}
        assert kinds == set(FAULT_KINDS), f"this seed met only {kinds}; pick more articles"
        assert first.returncode == 1, first.stderr  # finished, with pages that failed
        summary = json.loads(first.stdout)
        assert summary["status"] == "finished" and summary["errors"] > 0
        assert summary["fetch_errors"] > 0 and summary["parse_errors"] > 0  # garbage bodies do not parse
        assert "ERROR" in first.stderr and "Traceback" not in first.stderr
        assert ncgh("verify", "--db", str(db)).returncode == 0
        first_versions = len(digest(db).versions)

        srv.faults = FaultPlan(parse_faults(None), site.seed)  # the site recovers
        # ... and the next crawl runs with the shipped timeouts and retries (a busy machine is no fault)
        second = ncgh(*crawl_argv(calm, db, srv.url, "incremental", "--json")[3:])
        assert second.returncode == 0, second.stderr

    assert [r[2] for r in runs(db)] == ["finished", "finished"]
    mine, ref = digest(db), digest(reference)
    assert first_versions < len(ref.versions), "the faulty crawl missed articles (else this proves nothing)"
    assert {v[:4] for v in mine.versions} == {v[:4] for v in ref.versions}, "every article archived, as a clean crawl has it"
    assert set(mine.footers) == set(ref.footers)
    assert duplicates(db) == []
    verify = ncgh("verify", "--db", str(db))
    assert verify.returncode == 0, verify.stdout
