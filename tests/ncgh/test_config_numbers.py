"""Numeric config values that are valid TOML but no setting (issue 13 item 10): `nan`, `inf`,
`-inf`, `1e308` and integers like 10**30 used to pass validation (nan compares false with every
bound) and turned into "site unreachable" or an OverflowError mid-crawl. Every numeric key is now
finite and within a documented range; anything else is a ConfigError naming the key, exit 2.
"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncgh.config import _SECTIONS, ConfigError, config_from_dict, load_config

DEFAULTS = load_config()


def _numeric_keys() -> list[tuple[str, str]]:
    """Every key whose default is a number (bools excluded), a list of numbers, or the schedule."""
    keys = []
    for section, cls in _SECTIONS.items():
        for key in (f.name for f in fields(cls)):
            value = getattr(getattr(DEFAULTS, section), key)
            flat = [v for pair in value for v in (pair if isinstance(pair, tuple) else (pair,))] if isinstance(value, tuple) else [value]
            if flat and all(isinstance(v, int | float) and not isinstance(v, bool) for v in flat):
                keys.append((section, key))
    return keys


NUMERIC = _numeric_keys()
HOSTILE = [math.nan, math.inf, -math.inf, 1e308, -1e308, 10**30, 2**64, -(10**30)]


def _with(section: str, key: str, bad: float | int) -> dict:
    """The default value of section.key with one number replaced by `bad` (lists: each position)."""
    value = getattr(getattr(DEFAULTS, section), key)
    if section == "revisit" and key == "schedule":
        return {section: {key: [[a, b] for a, b in value[:-1]] + [[value[-1][0], bad]]}}
    if isinstance(value, tuple):
        return {section: {key: [*list(value)[:-1], bad]}}
    if isinstance(value, int) and isinstance(bad, float) and not math.isfinite(bad):
        return {section: {key: bad}}
    return {section: {key: bad}}


def test_every_numeric_key_is_covered() -> None:
    assert len(NUMERIC) >= 24, NUMERIC
    assert ("fetch", "delay") in NUMERIC and ("discovery", "id_range") in NUMERIC and ("revisit", "schedule") in NUMERIC


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.sampled_from(NUMERIC), st.sampled_from(HOSTILE))
def test_nan_inf_and_huge_numbers_are_refused_naming_the_key(where: tuple[str, str], bad: float | int) -> None:
    section, key = where
    with pytest.raises(ConfigError) as err:
        config_from_dict(_with(section, key, bad), "user.toml")
    assert f"{section}.{key}" in str(err.value) and "user.toml" in str(err.value)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.sampled_from(NUMERIC), st.floats(allow_nan=True, allow_infinity=True) | st.integers())
def test_any_number_loads_as_a_finite_value_or_is_refused_naming_the_key(where: tuple[str, str], value) -> None:
    section, key = where
    try:
        cfg = config_from_dict(_with(section, key, value), "user.toml")
    except ConfigError as exc:
        assert f"{section}.{key}" in str(exc)
        return
    got = getattr(getattr(cfg, section), key)
    flat = [v for pair in got for v in (pair if isinstance(pair, tuple) else (pair,))] if isinstance(got, tuple) else [got]
    assert all(math.isfinite(v) and abs(v) <= 2**63 - 1 for v in flat)


@pytest.mark.slow
@pytest.mark.parametrize("text", ["delay = nan", "read_timeout = inf", "connect_timeout = 1e308", "backoff_max = -inf",
                                  "max_body_bytes = 9223372036854775807", "concurrency_per_host = 1000000"])
def test_crawl_exits_2_naming_the_key(tmp_path: Path, text: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f"[fetch]\n{text}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ncgh.cli", "crawl", "--config", str(config), "--db", str(tmp_path / "a.db")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"fetch.{text.split()[0]}" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "a.db").exists()
