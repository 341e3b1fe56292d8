"""The fallback on ../shared/realpages: accuracy must not regress below the issue's targets."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REALPAGES = Path(__file__).resolve().parents[3] / "shared" / "realpages"
BENCH = Path(__file__).resolve().parents[2] / "bench" / "accuracy_realpages.py"

pytestmark = pytest.mark.skipif(not REALPAGES.is_dir(), reason=f"{REALPAGES} is absent (shared development corpus)")


@pytest.fixture(scope="module")
def tallies() -> dict:
    spec = importlib.util.spec_from_file_location("accuracy_realpages", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["accuracy_realpages"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    result = module.run(REALPAGES, verbose=False)
    total = module.Tally()
    for t in result.values():
        total.add(t)
    return {"total": total, **result}


def _mean(xs: list) -> float:
    return sum(xs) / len(xs)


def test_body_f1_target(tallies: dict) -> None:
    assert len(tallies["total"].f1) >= 40
    assert _mean(tallies["total"].f1) >= 0.90


def test_date_accuracy_target(tallies: dict) -> None:
    assert len(tallies["total"].dates) >= 60
    assert _mean(tallies["total"].dates) >= 0.90
    assert _mean(tallies["total"].dates_day) >= 0.85  # day-precision values only


def test_excerpts_and_snippets(tallies: dict) -> None:
    assert _mean(tallies["total"].excerpts) >= 0.90
    assert _mean(tallies["total"].must) == 1.0


def test_every_page_gives_text(tallies: dict) -> None:
    # Every page with a full ground truth gets a body that overlaps it substantially.
    assert min(tallies["total"].recall) >= 0.5
