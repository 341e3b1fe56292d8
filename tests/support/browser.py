"""`ncgh serve` as a child process and headless Chromium reading its pages, for the browser tests.

Chromium is driven by its command line only (no WebDriver to install): `--dump-dom` gives the DOM
after the page loaded, `--screenshot` the rendered page as PNG, decoded here to check that a chart
was drawn (the colour of its line and dots is on the image).
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

_CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (apt-get install chromium; .ci/run installs it)")


@contextmanager
def serving(db: Path) -> Iterator[str]:
    """`ncgh serve --db DB` on a free port until the block ends; yields its base URL."""
    chromium()  # skips before starting anything when there is no browser
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ncgh.cli", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/-/versions.json", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("ncgh serve did not start: " + proc.stdout.read().decode(errors="replace")) from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [chromium(), *_CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", *args],
        capture_output=True,
        timeout=90,
        env={**os.environ, "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result


def dump_dom(url: str, tmp_path: Path) -> str:
    """The page's DOM as Chromium built it (after parsing, styles and any script)."""
    return _run_chromium(tmp_path, "--dump-dom", url).stdout.decode("utf-8")


def screenshot(url: str, tmp_path: Path, size: tuple[int, int] = (1200, 2400)) -> Path:
    out = tmp_path / "shot.png"
    _run_chromium(tmp_path, f"--screenshot={out}", f"--window-size={size[0]},{size[1]}", url)
    return out


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, as Chromium writes them."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line) if channels == 3 else bytes(v for j, v in enumerate(line) if j % 4 != 3))
        previous = line
    return width, height, rows


def count_colour(path: Path, rgb: tuple[int, int, int], tolerance: int = 24) -> int:
    """Pixels of the screenshot within `tolerance` of `rgb` on every channel."""
    _w, _h, rows = png_pixels(path)
    r0, g0, b0 = rgb
    count = 0
    for row in rows:
        for i in range(0, len(row), 3):
            if abs(row[i] - r0) <= tolerance and abs(row[i + 1] - g0) <= tolerance and abs(row[i + 2] - b0) <= tolerance:
                count += 1
    return count
