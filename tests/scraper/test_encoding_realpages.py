"""The charset chain on every page of ../shared/realpages (real GBK, lying and missing meta tags)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scraper.encoding import decode

REALPAGES = Path(__file__).resolve().parents[3] / "shared" / "realpages"


def _rows() -> list[tuple[Path, dict]]:
    if not REALPAGES.is_dir():
        return []
    rows = []
    for gt in sorted(REALPAGES.glob("*/ground_truth.jsonl")):
        for line in gt.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((gt.parent / row["file"], row))
    return rows


ROWS = _rows()


def _id(item: tuple[Path, dict]) -> str:
    path, _ = item
    return f"{path.relative_to(REALPAGES)}"


@pytest.mark.skipif(not ROWS, reason=f"{REALPAGES} is absent (shared development corpus)")
@pytest.mark.parametrize("item", ROWS, ids=[_id(r) for r in ROWS])
@pytest.mark.parametrize("content_type", [None, "text/html", "text/html; charset=ISO-8859-1"])
def test_realpage_charset(item: tuple[Path, dict], content_type: str | None) -> None:
    path, row = item
    raw = path.read_bytes()
    truth = row["bytes_encoding"]
    codec = truth.split()[0]
    broken = re.search(r"\((\d+) undecodable", truth)
    d = decode(raw, content_type)
    assert d.encoding == codec, (d.encoding, d.source)
    # Exactly what the true codec gives: no mojibake, and U+FFFD only where the bytes are broken
    # (literal U+FFFD characters in valid UTF-8 pages are the page's own).
    assert d.text == raw.decode(codec, errors="replace")
    if broken:
        assert d.text.count("\ufffd") - raw.decode(codec, errors="ignore").count("\ufffd") <= int(broken.group(1))
    else:
        raw.decode(codec)  # strict: the ground truth says these bytes are valid


@pytest.mark.skipif(not ROWS, reason=f"{REALPAGES} is absent (shared development corpus)")
@pytest.mark.parametrize("item", ROWS, ids=[_id(r) for r in ROWS])
def test_realpage_charset_http_gbk_declared(item: tuple[Path, dict]) -> None:
    """A server that says GBK for everything: UTF-8 bytes still come out as UTF-8."""
    path, row = item
    d = decode(path.read_bytes(), "text/html; charset=gbk")
    assert d.encoding == row["bytes_encoding"].split()[0]
