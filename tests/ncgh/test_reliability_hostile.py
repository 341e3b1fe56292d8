"""Hostile input end to end, under hypothesis with a fixed budget: whatever the network hands over
(broken pages, lying headers, odd statuses) is interpreted and recorded without an exception, and
whatever a config file holds either loads or is a ConfigError.

The parser, charset and discovery code have their own property tests (test_parse_robust.py,
test_encoding.py); these cover the joints the crawl relies on between them and the archive.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.store import Archive
from archive.verify import verify
from archive.vocab import Outcome
from bench.reliability import ROOT, crawl_argv, small_site, start, write_config
from ncgh.config import _SECTIONS, ConfigError, config_from_dict, load_config, to_site_profile
from ncgh.pipeline import interpret
from scraper.records import FetchErrorKind, FetchResult
from simulator import SimServer
from simulator.faults import FaultPlan, parse_faults

PAGES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "sim").glob("*.html"))[:10]
PAGE_BYTES = [p.read_bytes() for p in PAGES]
BASE = "http://www.ncgh.org.cn"
CONFIG = load_config()
PROFILE = to_site_profile(CONFIG)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@st.composite
def mangled_page(draw) -> bytes:
    """A real simulated page cut short, with bytes overwritten, or re-encoded; or any bytes at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=3000))
    data = bytearray(draw(st.sampled_from(PAGE_BYTES)))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    for _ in range(draw(st.integers(0, 4))):
        if data:
            pos = draw(st.integers(0, len(data) - 1))
            data[pos : pos + 1] = draw(st.binary(min_size=0, max_size=8))
    if draw(st.integers(0, 5)) == 0:
        data = bytearray(bytes(data).decode("utf-8", "replace").encode("gb18030", "replace"))
    return bytes(data)


fetches = st.builds(
    lambda body, status, ctype, article_id, error, second: FetchResult(
        url=f"{BASE}/nczhghcms/article/{article_id}",
        final_url=f"{BASE}/nczhghcms/article/{article_id}",
        status=None if error else status,
        headers=[("Content-Type", ctype)] if ctype is not None else [],
        body=b"" if error else body,
        fetched_at=T0 + timedelta(seconds=second),
        elapsed=0.01,
        attempts=1,
        error=error,
    ),
    mangled_page(),
    st.sampled_from([200, 200, 200, 203, 304, 404, 410, 500]),
    st.sampled_from([None, "text/html", "text/html; charset=utf-8", "text/html; charset=gbk", "text/html; charset=nonsense",
                     "application/json", "image/jpeg", ""]),
    st.integers(1, 5),
    st.sampled_from([None, None, None, FetchErrorKind.TIMEOUT, FetchErrorKind.TRUNCATED]),
    st.integers(0, 10_000_000),
)


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(fetches, min_size=1, max_size=6))
def test_any_response_is_interpreted_and_recorded_and_the_archive_stays_consistent(batch):
    with tempfile.TemporaryDirectory() as tmp:
        with Archive(Path(tmp) / "a.db") as archive:
            for fetch in sorted(batch, key=lambda f: f.fetched_at):
                capture = interpret(CONFIG.site.name, fetch.url, fetch, PROFILE, CONFIG.site.article_paths)
                assert capture.outcome in tuple(Outcome)
                archive.record_capture(capture)
        report = verify(Path(tmp) / "a.db")
        assert report.ok, report.problems


toml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=6,
).filter(lambda v: v is not None)
KEYS = [(section, f.name) for section, cls in _SECTIONS.items() for f in fields(cls)]


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KEYS + [("fetch", "delya"), ("nosuch", "key")]), toml_values), max_size=4))
def test_any_config_values_load_or_raise_a_config_error_naming_the_key(pairs):
    data: dict[str, dict] = {}
    for (section, key), value in pairs:
        data.setdefault(section, {})[key] = value
    try:
        config_from_dict(data, source="hypothesis.toml")
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("hypothesis.toml: ")
        assert any(f"{s}.{k}" in message or f"[{s}]" in message for s, keys in data.items() for k in keys), message


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_config_text_loads_or_raises_a_config_error(text):
    path = Path(tempfile.mkdtemp()) / "config.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path)
    except ConfigError as exc:
        assert str(exc).startswith(str(path))
    finally:
        path.unlink()
        path.parent.rmdir()


# -- a server that drips its status line: SIGTERM still ends the crawl (issue 13 item 3) ---------------


@pytest.mark.slow
def test_sigterm_ends_a_crawl_blocked_on_a_dripping_server_and_the_next_run_resumes(tmp_path):
    """Every answer drips its status line and headers (one byte per 0.25 s) and the read timeout is
    300 s, so a worker is blocked in a read; SIGTERM must still end the crawl with the documented
    code (130) well inside 30 s, and the next run resumes the same run and completes it."""
    with SimServer(small_site(12, faults="drip=1.0")) as sim:
        config = write_config(tmp_path / "config.toml", 12, fetch={"read_timeout": 300, "connect_timeout": 10})
        db = tmp_path / "a.db"
        argv = crawl_argv(config, db, sim.url, "incremental", "--json")
        proc = start(argv)
        try:
            for _ in range(6000):  # wait (at most about a minute) until a request is dripping
                if sim.fault_log or proc.poll() is not None:
                    break
                time.sleep(0.01)
            assert sim.fault_log and proc.poll() is None
            os.kill(proc.pid, signal.SIGTERM)
            out, err = proc.communicate(timeout=30)  # fails (TimeoutExpired) if the crawl waits for the worker
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 130, err
        assert json.loads(out)["status"] == "interrupted" and err == ""  # nothing failed: the cut item stays pending

        sim.faults = FaultPlan(parse_faults(None), sim.config.seed)  # the server recovers
        again = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert again.returncode == 0, again.stderr
        summary = json.loads(again.stdout)
        assert summary["resumed"] is True and summary["status"] == "finished"
        assert summary["new_articles"] == 12
