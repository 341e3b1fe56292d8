"""parse_article on real Chinese article pages (../shared/realpages): a record or a ParseError, never
another exception, and never a false "does not exist" on a page that holds an article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.parse import parse_article
from scraper.records import ArticleMissing, ParseError

REALPAGES = Path(__file__).resolve().parents[3] / "shared" / "realpages"


def _rows() -> list[tuple[Path, dict]]:
    if not REALPAGES.is_dir():
        return []
    out = []
    for gt in sorted(REALPAGES.glob("*/ground_truth.jsonl")):
        for line in gt.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append((gt.parent / row["file"], row))
    return out


ROWS = _rows()


@pytest.mark.skipif(not ROWS, reason=f"real pages not available at {REALPAGES}")
def test_every_real_page_parses_or_says_why() -> None:
    parsed = 0
    for path, row in ROWS:
        try:
            record = parse_article(path.read_bytes(), row.get("url"))
        except ArticleMissing as exc:
            pytest.fail(f"{path}: an article page taken for a missing one: {exc.reason}")
        except ParseError as exc:
            assert exc.reason, path
            continue
        parsed += 1
        assert record.extractor == "fallback" and record.body_text, path
        assert "\n\n\n" not in record.body_text
    assert parsed >= 0.95 * len(ROWS)
