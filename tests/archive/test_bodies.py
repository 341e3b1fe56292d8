"""Raw bodies: exact round trip, hash check, dedup, delta coding, bounded chains."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.bodies import (
    MAX_DEPTH,
    BodyIntegrityError,
    BodyStore,
    apply_patch,
    make_patch,
    read_body,
    sha256_hex,
)
from archive.schema import connect, migrate
from archive.store import Archive
from tests.support.archive import capture, content, page_html

REALPAGES = Path(__file__).resolve().parents[3] / "shared" / "realpages"


@pytest.fixture
def store(tmp_path):
    conn = connect(tmp_path / "b.db")
    migrate(conn)
    conn.execute("BEGIN")
    yield BodyStore(conn)
    conn.execute("COMMIT")
    conn.close()


def fresh(store: BodyStore) -> BodyStore:
    """A store without a cache, so reads really decode from the table."""
    return BodyStore(store.conn, cache_bytes=0)


def test_stored_bodies_are_not_held_in_memory_only_read_ones(store):
    """A crawl stores thousands of bodies it never reads back in the same run: holding them made
    8 MB of its peak memory. A body read (a delta base, a rebuild's chain) is kept."""
    shas = [store.put(page_html(content(), n).encode()) for n in range(20)]
    assert store._cached == 0
    store.read(shas[0])
    assert store._cached == len(page_html(content(), 0).encode())


def test_round_trip_exact_bytes(store):
    data = page_html(content(), 49931).encode("gb18030") + b"\x00\xff\xfe raw tail"
    sha = store.put(data)
    assert sha == sha256_hex(data)
    assert fresh(store).read(sha) == data
    assert read_body(store.conn, sha) == data


def test_empty_body_round_trip(store):
    sha = store.put(b"")
    assert fresh(store).read(sha) == b""


def test_identical_bytes_stored_once(store):
    data = page_html(content(), 1).encode()
    assert store.put(data) == store.put(data, base_sha=None)
    assert store.conn.execute("SELECT count(*) FROM bodies").fetchone()[0] == 1


def test_view_counter_change_is_a_tiny_delta(store):
    first = page_html(content(), 49931).encode()
    second = page_html(content(), 49977).encode()
    a = store.put(first)
    b = store.put(second, base_sha=a)
    info_a, info_b = store.info(a), store.info(b)
    assert info_b.codec == "patch" and info_b.base_sha256 == a and info_b.depth == 1
    assert info_b.stored_size < 0.02 * info_a.stored_size
    assert fresh(store).read(b) == second


def test_delta_not_used_when_it_does_not_help(store):
    rng = random.Random(5)
    a = store.put(bytes(rng.getrandbits(8) for _ in range(4000)))
    b = store.put(bytes(rng.getrandbits(8) for _ in range(4000)), base_sha=a)
    assert store.info(b).codec == "zstd"


@pytest.mark.slow
def test_chain_depth_is_bounded_and_every_link_readable(store):
    shas = []
    base = None
    for day in range(2 * MAX_DEPTH + 5):
        base = store.put(page_html(content(), 1000 + day).encode(), base_sha=base)
        shas.append(base)
    depths = [store.info(s).depth for s in shas]
    assert max(depths) == MAX_DEPTH
    assert depths[: MAX_DEPTH + 2] == list(range(MAX_DEPTH + 1)) + [1]  # re-based on the chain's root
    assert store.info(shas[MAX_DEPTH + 1]).base_sha256 == shas[0]
    reader = fresh(store)
    for day, sha in enumerate(shas):
        assert reader.read(sha) == page_html(content(), 1000 + day).encode()


def test_hash_mismatch_is_a_clear_error(store):
    original = page_html(content(), 7).encode()
    sha = store.put(original)
    import zstandard

    forged = zstandard.ZstdCompressor().compress(original.replace(b"7", b"8"))
    store.conn.execute("UPDATE bodies SET data = ? WHERE sha256 = ?", (forged, sha))
    with pytest.raises(BodyIntegrityError, match="do not match the stored SHA-256"):
        fresh(store).read(sha)


def test_undecodable_blob_is_a_clear_error(store):
    sha = store.put(b"hello world" * 50)
    store.conn.execute("UPDATE bodies SET data = ? WHERE sha256 = ?", (b"not zstd at all", sha))
    with pytest.raises(BodyIntegrityError, match="cannot decompress"):
        fresh(store).read(sha)


def test_missing_body_and_missing_base(store):
    with pytest.raises(BodyIntegrityError, match="missing"):
        store.read("0" * 64)
    a = store.put(page_html(content(), 1).encode())
    b = store.put(page_html(content(), 2).encode(), base_sha=a)
    store.conn.execute("COMMIT")
    store.conn.execute("PRAGMA foreign_keys = OFF")
    store.conn.execute("DELETE FROM bodies WHERE sha256 = ?", (a,))
    store.conn.execute("BEGIN")
    with pytest.raises(BodyIntegrityError, match="delta base"):
        fresh(store).read(b)


def test_thirty_view_only_days_add_under_ten_percent(tmp_path):
    """The issue's storage rule, through the real record path: 30 daily captures, only views change."""
    with Archive(tmp_path / "a.db") as archive:
        archive.record_capture(capture(day=0, views=40000))
        first = archive.conn.execute("SELECT sum(stored_size) FROM bodies").fetchone()[0]
        for day in range(1, 31):
            archive.record_capture(capture(day=day, views=40000 + day * 37))
        total = archive.conn.execute("SELECT sum(stored_size) FROM bodies").fetchone()[0]
        assert archive.conn.execute("SELECT count(*) FROM bodies").fetchone()[0] == 31
        assert archive.conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 1
        last = archive.stored_capture(31)
        assert archive.read_body(last.body_sha256) == capture(day=30, views=40000 + 30 * 37).body
    assert (total - first) < 0.10 * first, (first, total)


def test_real_page_with_changing_number_compresses_as_delta(tmp_path):
    pages = sorted((REALPAGES / "gne").rglob("*.html")) if REALPAGES.exists() else []
    if not pages:
        pytest.skip(f"real pages not available at {REALPAGES}")
    original = pages[0].read_bytes()
    conn = connect(tmp_path / "r.db")
    migrate(conn)
    conn.execute("BEGIN")
    store = BodyStore(conn)
    base = first = store.put(original)
    for day in range(1, 30):
        variant = original.replace(b"</body>", f"<span>views {48000 + day * 13}</span></body>".encode(), 1)
        if variant == original:
            variant = original + f"<!-- {day} -->".encode()
        base = store.put(variant, base_sha=base)
        assert fresh(store).read(base) == variant
    first_size = store.info(first).stored_size
    total = conn.execute("SELECT sum(stored_size) FROM bodies").fetchone()[0]
    conn.execute("COMMIT")
    conn.close()
    assert total - first_size < 0.10 * first_size


@pytest.mark.slow
def test_large_body_round_trip(store):
    rng = random.Random(11)
    data = ("".join(rng.choice("工会职工服务劳动") for _ in range(400_000))).encode()  # ~1.2 MB
    a = store.put(data)
    b = store.put(data[:-3] + "新".encode(), base_sha=a)
    reader = fresh(store)
    assert reader.read(a) == data
    assert reader.read(b) == data[:-3] + "新".encode()


def test_edited_page_is_a_zstd_delta_much_smaller_than_a_full_frame(store):
    c = content()
    first = page_html(c, 100).encode()
    edited = page_html(replace(c, body_html=c.body_html.replace("</p>", "(更正)</p>", 3)), 101).encode()
    a = store.put(first)
    b = store.put(edited, base_sha=a)
    assert store.info(b).codec == "zstd-delta"
    assert store.info(b).stored_size < 0.1 * store.info(a).stored_size
    assert fresh(store).read(b) == edited


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.binary(max_size=40), st.integers(0, 600), st.integers(0, 600))
def test_patch_round_trip_property(base, middle, cut_a, cut_b):
    data = base[: min(cut_a, cut_b)] + middle + base[max(cut_a, cut_b) :]
    assert apply_patch(base, make_patch(base, data)) == data


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=3000), min_size=1, max_size=6))
def test_any_sequence_of_bodies_round_trips(tmp_path_factory, bodies):
    conn = connect(tmp_path_factory.mktemp("prop") / "p.db")
    migrate(conn)
    conn.execute("BEGIN")
    store = BodyStore(conn)
    base = None
    shas = []
    for data in bodies:
        base = store.put(data, base_sha=base)
        shas.append(base)
    reader = BodyStore(conn, cache_bytes=0)
    assert [reader.read(s) for s in shas] == bodies
    conn.execute("ROLLBACK")
    conn.close()


_PHOTOS_IN_THREADS = """
import os, sys, threading
from archive.bodies import compress_full

def rss_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))

photos = [os.urandom(300_000), os.urandom(2_000_000)]  # incompressible, like a JPEG
before = rss_kib()
done, leave = threading.Barrier(9), threading.Barrier(9)

def fetching_thread():
    for photo in photos:
        compress_full(photo)
    done.wait()
    leave.wait()

threads = [threading.Thread(target=fetching_thread) for _ in range(8)]
for t in threads:
    t.start()
done.wait()
print((rss_kib() - before) // 1024)
leave.wait()
"""


@pytest.mark.slow
def test_photos_compressed_in_many_threads_do_not_each_keep_a_large_context():
    """Eight fetching threads that each stored a 300 kB and a 2 MB photo held about 10 MiB of zstd
    workspace apiece (80 MiB) before the larger bodies shared one compressor per level."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", _PHOTOS_IN_THREADS], capture_output=True, text=True,
                         check=True, cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    grown_mib = int(out.stdout.strip())
    assert grown_mib < 40, f"eight threads' compressors hold {grown_mib} MiB"
