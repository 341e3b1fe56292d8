"""Raw response bodies: content-addressed by SHA-256, zstd-compressed, delta-coded against a base.

The same article is captured again and again, and its pages usually differ only by the view
counter. Such a body is stored as a `patch` (common prefix and suffix lengths plus the few differing
bytes, about ten bytes); a body that differs more is compressed with the previous body of the same
article as a zstd raw-content dictionary, which still costs only what changed. A delta's base is decoded recursively, so the
chain is bounded (MAX_DEPTH): past it the body is coded against the chain's root (a full frame) instead,
and stored as a full frame when no delta is smaller. Every read is
verified against the hash: a body never comes back other than exactly as received.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass

import zstandard

from archive.vocab import BodyCodec

# Longest delta chain: reading a body decodes at most MAX_DEPTH + 1 frames.
MAX_DEPTH = 20
# Codecs whose data is decoded against a base body.
DELTA_CODECS = (BodyCodec.ZSTD_DELTA, BodyCodec.PATCH)
# A prefix/suffix patch is used when it is at most this long; otherwise zstd with the base as dictionary.
_PATCH_MAX = 64
# Bodies this large are compressed at a faster level still.
_LARGE = 1_000_000
# zstd levels. Measured (CPU time, 2026-11) on real Chinese article pages (../shared/realpages, 50-130
# kB): level 19 took 28 ms per page and made the crawler's single writer thread the bottleneck (64
# pages/s); level 12 takes 3.5 ms and level 9 1.1 ms, for frames 4.3 % and 4.7 % larger than level 19's.
# On a small page (the site's ~12 kB articles) level 12 takes 0.5 ms and is 7 % smaller than level 9.
# Bodies are a small share of the file, and a revisit is coded against the previous body anyway.
_SMALL = 32_000
_LEVEL_SMALL = 12
_LEVEL = 9


class BodyIntegrityError(Exception):
    """A stored body is missing, undecodable, or does not match its SHA-256."""


@dataclass(frozen=True)
class BodyInfo:
    sha256: str
    size: int
    codec: BodyCodec
    base_sha256: str | None
    depth: int
    stored_size: int


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _level(size: int) -> int:
    """A level that keeps compression well under the time a capture's other work takes."""
    if size < _SMALL:
        return _LEVEL_SMALL
    return _LEVEL if size < _LARGE else 6


_compressors = threading.local()  # per thread: a ZstdCompressor may not be shared between threads
_large_lock = threading.Lock()
_large: dict[int, zstandard.ZstdCompressor] = {}  # level -> the one compressor for larger bodies


def compress_full(data: bytes) -> bytes:
    """`data` as a full zstd frame at the level for its size, exactly as BodyStore.put would store it.

    Thread-safe. A page's compressor is kept per thread and reused: creating one allocates its
    window and tables, which costs as much as compressing a small page. Larger bodies (a photo, a
    PDF) share one compressor per level, one body at a time: a context keeps the workspace of the
    largest body it compressed (about 5 MiB after a 2 MB photo), and the allocator keeps a freed one
    in its thread's arena, so four fetching threads that each met photos held 40 MiB for the rest of
    the crawl (bench/bench_memory.py --photo-bytes). Real article pages (50-130 kB) are among these
    larger bodies too: zstd releases the GIL while it works, and a real page takes 1.7 ms of CPU
    (../shared/realpages, 2026-12), so fetching threads wait on each other only past about 500 pages
    a second, far above what any polite delay lets through.
    """
    level = _level(len(data))
    if len(data) >= _SMALL:
        with _large_lock:
            comp = _large.get(level)
            if comp is None:
                comp = _large[level] = zstandard.ZstdCompressor(level=level)
            return comp.compress(data)
    small: zstandard.ZstdCompressor | None = getattr(_compressors, "small", None)
    if small is None:
        small = _compressors.small = zstandard.ZstdCompressor(level=_LEVEL_SMALL)
    return small.compress(data)


def _dict(base: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(blob: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(blob) or shift > 63:
            raise BodyIntegrityError("patch header is truncated")
        byte = blob[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos


def make_patch(base: bytes, data: bytes) -> bytes:
    """The `patch` codec: common prefix length, common suffix length, then the differing middle bytes.

    A page whose only change is the view counter becomes about ten bytes, less than any zstd frame.
    """
    limit = min(len(base), len(data))
    prefix = 0
    step = 4096  # compare slices first: a byte loop over a 300 kB page is slow in Python
    while step:
        while prefix + step <= limit and base[prefix : prefix + step] == data[prefix : prefix + step]:
            prefix += step
        step //= 8
    suffix = 0
    room = limit - prefix
    step = 4096
    while step:
        while suffix + step <= room and base[len(base) - suffix - step : len(base) - suffix] == data[
            len(data) - suffix - step : len(data) - suffix
        ]:
            suffix += step
        step //= 8
    return _varint(prefix) + _varint(suffix) + data[prefix : len(data) - suffix]


def apply_patch(base: bytes, blob: bytes) -> bytes:
    prefix, pos = _read_varint(blob, 0)
    suffix, pos = _read_varint(blob, pos)
    if prefix + suffix > len(base):
        raise BodyIntegrityError("patch refers past the end of its base")
    return base[:prefix] + blob[pos:] + base[len(base) - suffix :]


class BodyStore:
    """Reads and writes the `bodies` table on one connection; the caller owns the transaction.

    Keeps recently decoded bodies (bounded by bytes) because delta bases are read again and again
    while a rebuild or an export walks the same articles' chains. Only bodies read are kept, not
    bodies stored: a crawl reads a body back only in a later run (as the base of the next version),
    so caching what it stored held 8 MB of a first crawl's memory (9 MiB of its peak RSS) for
    nothing. The bound is small on purpose: a walk only re-reads the last few bodies of one chain.
    """

    def __init__(self, conn: sqlite3.Connection, cache_bytes: int = 8_000_000):
        self.conn = conn
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cached = 0
        self._decompressor = zstandard.ZstdDecompressor()

    # ---- cache ----
    def _remember(self, sha: str, data: bytes) -> None:
        if len(data) > self.cache_bytes // 4:
            return
        if sha in self._cache:
            self._cache.move_to_end(sha)
            return
        self._cache[sha] = data
        self._cached += len(data)
        while self._cached > self.cache_bytes:
            _, old = self._cache.popitem(last=False)
            self._cached -= len(old)

    def clear_cache(self) -> None:
        self._cache.clear()
        self._cached = 0

    # ---- reading ----
    def info(self, sha: str) -> BodyInfo | None:
        row = self.conn.execute(
            "SELECT sha256, size, codec, base_sha256, depth, stored_size FROM bodies WHERE sha256 = ?", (sha,)
        ).fetchone()
        return BodyInfo(*row) if row else None

    def exists(self, sha: str) -> bool:
        return self.conn.execute("SELECT 1 FROM bodies WHERE sha256 = ?", (sha,)).fetchone() is not None

    def read(self, sha: str) -> bytes:
        """The exact bytes whose SHA-256 is `sha`; BodyIntegrityError if they cannot be produced."""
        cached = self._cache.get(sha)
        if cached is not None:
            self._cache.move_to_end(sha)
            return cached
        # Walk down to a full frame or a cached body, then decode upwards.
        chain: list[tuple[str, int, str, str | None, bytes]] = []
        current: str | None = sha
        base_bytes: bytes | None = None
        seen: set[str] = set()
        while current is not None:
            if current in seen or len(chain) > MAX_DEPTH + 1:
                raise BodyIntegrityError(f"body {sha}: delta chain loops or exceeds {MAX_DEPTH} at {current}")
            seen.add(current)
            if current != sha and current in self._cache:
                base_bytes = self._cache[current]
                break
            row = self.conn.execute(
                "SELECT size, codec, base_sha256, data FROM bodies WHERE sha256 = ?", (current,)
            ).fetchone()
            if row is None:
                where = "" if current == sha else f" (delta base of {sha})"
                raise BodyIntegrityError(f"body {current} is missing{where}")
            size, codec, base, blob = row
            chain.append((current, size, codec, base, blob))
            current = base if codec in DELTA_CODECS else None
        for body_sha, size, codec, _base, blob in reversed(chain):
            try:
                if codec == BodyCodec.ZSTD:
                    data = self._decompressor.decompress(blob, max_output_size=max(size, 1))
                elif codec in DELTA_CODECS:
                    if base_bytes is None:
                        raise BodyIntegrityError(f"body {body_sha}: delta without a base")
                    if codec == BodyCodec.PATCH:
                        data = apply_patch(base_bytes, blob)
                    else:
                        dec = zstandard.ZstdDecompressor(dict_data=_dict(base_bytes))
                        data = dec.decompress(blob, max_output_size=max(size, 1))
                else:
                    raise BodyIntegrityError(f"body {body_sha}: unknown codec {codec!r}")
            except zstandard.ZstdError as exc:
                raise BodyIntegrityError(f"body {body_sha}: cannot decompress: {exc}") from exc
            if len(data) != size or sha256_hex(data) != body_sha:
                raise BodyIntegrityError(
                    f"body {body_sha}: decoded bytes do not match the stored SHA-256 "
                    f"(got {sha256_hex(data)}, {len(data)} bytes, expected {size} bytes)"
                )
            self._remember(body_sha, data)
            base_bytes = data
        assert base_bytes is not None
        return base_bytes

    def _root(self, info: BodyInfo) -> BodyInfo | None:
        """The full frame a delta chain starts from: the new base once a chain is MAX_DEPTH long.

        Re-basing on the root instead of storing a full frame keeps the chain bounded and the cost of
        an unchanged page at a few dozen bytes however many captures follow.
        """
        current: BodyInfo | None = info
        for _ in range(MAX_DEPTH + 1):
            if current is None or current.base_sha256 is None:
                return current
            current = self.info(current.base_sha256)
        return None

    # ---- writing ----
    def put(self, data: bytes, base_sha: str | None = None, sha: str | None = None, frame: bytes | None = None) -> str:
        """Store `data` (once) and return its SHA-256; delta-code it against `base_sha` when that helps.

        `sha` and `frame` are `data`'s SHA-256 and compress_full(data) when the caller computed them
        ahead (archive.prepare); they are used as given. Must run inside the caller's write transaction.
        """
        if sha is None:
            sha = sha256_hex(data)
        if self.exists(sha):
            return sha
        level = _level(len(data))
        codec, blob, base, depth = BodyCodec.ZSTD, b"", None, 0
        if base_sha is not None and base_sha != sha and data:
            base_info = self.info(base_sha)
            if base_info is not None and base_info.depth >= MAX_DEPTH:
                base_info = self._root(base_info)
            if base_info is not None and base_info.depth < MAX_DEPTH and base_info.size:
                base_bytes = self.read(base_info.sha256)
                patch = make_patch(base_bytes, data)
                if len(patch) <= _PATCH_MAX and len(data) > 4 * _PATCH_MAX:
                    # The common case (only the view counter changed): no need to compress at all.
                    codec, blob, base, depth = BodyCodec.PATCH, patch, base_info.sha256, base_info.depth + 1
                else:
                    full = frame if frame is not None else compress_full(data)
                    delta = zstandard.ZstdCompressor(level=level, dict_data=_dict(base_bytes)).compress(data)
                    codec, blob = BodyCodec.ZSTD, full
                    # A dependency on a base is only worth it when it saves a real share of the size.
                    limit = 0.9 * len(full)
                    for candidate, name in ((patch, BodyCodec.PATCH), (delta, BodyCodec.ZSTD_DELTA)):
                        if len(candidate) < min(limit, len(blob)):
                            codec, blob, base, depth = name, candidate, base_info.sha256, base_info.depth + 1
        if not blob and codec == BodyCodec.ZSTD:
            blob = frame if frame is not None else compress_full(data)
        self.conn.execute(
            "INSERT INTO bodies (sha256, size, codec, base_sha256, depth, stored_size, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sha, len(data), codec, base, depth, len(blob), blob),
        )
        return sha


def read_body(conn: sqlite3.Connection, sha: str) -> bytes:
    """The exact bytes of a stored body, verified against its hash (for readers outside Archive)."""
    return BodyStore(conn, cache_bytes=0).read(sha)
