"""Calibration: learn the site's template from stored article pages, keep it next to the archive,
and say how far it agrees with the careful fallback (`ncgh calibrate`, and a crawl's automatic run).

The learned profile lives in `<db_path>.profile.toml` (e.g. `ncgh.db.profile.toml`), beside the
archive it was learned from: a `[parse]` table with the learned selectors (the configured ones are
tried after them), a `[boilerplate]` table with the cross-page model, and a `[learned]` table saying
from what. `active_profile` is what crawls and `ncgh reparse` parse with: the learned profile when
the file exists, else the configured one. A different profile is a different parser version
(scraper.parse.parser_version_for hashes the profile), so `ncgh reparse` re-parses after a calibration.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive.samples import article_samples
from ncgh.config import Config, ConfigError, to_site_profile
from scraper.learned_profile import Boilerplate, LearnedProfile
from scraper.parse import parse_article
from scraper.profile import SiteProfile
from scraper.records import Extractor, ParseError
from scraper.template_learn import LearnResult, SamplePage, learn_profile

SELECTOR_KEYS = ("title_selectors", "info_selectors", "body_selectors", "footer_selectors", "strip_selectors")
# The record fields calibration compares (what a reader of the archive sees of an article).
COMPARED = ("title", "column", "published_at", "views", "source", "author", "body_text", "images",
            "attachments", "signature", "footer")  # fmt: skip
# A profile no page matches: parsing with it is the fallback alone.
FALLBACK_ONLY = SiteProfile(title_selectors=("ncgh-fallback-only",), info_selectors=(),
                            body_selectors=("ncgh-fallback-only",), footer_selectors=(), strip_selectors=())


def profile_path(db: Path) -> Path:
    """Where the profile learned from archive `db` is kept."""
    return db.with_name(db.name + ".profile.toml")


def _toml_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def write_profile(path: Path, learned: LearnedProfile, result: LearnResult, configured: SiteProfile) -> None:
    """Write the learned selectors (without the configured ones, added again on load) atomically."""
    lines = [
        "# Learned by `ncgh calibrate` from the archive beside this file (docs/parsing.md, \"Calibration\").",
        "# Delete the file to parse with the configured [parse] profile alone.",
        "[learned]",
        f"at = {json.dumps(datetime.now(UTC).isoformat(timespec='seconds'))}",
        f"pages = {result.pages}",
        "",
        "[parse]",
    ]
    for key in SELECTOR_KEYS:
        own = tuple(s for s in getattr(learned, key) if s not in getattr(configured, key))
        lines.append(f"{key} = {_toml_list(own)}")
    model = learned.boilerplate
    lines += ["", "[boilerplate]", f"chrome_selectors = {_toml_list(model.chrome_selectors)}",
              f"blocks = {_toml_list(model.blocks)}", ""]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(tmp, path)


def load_profile(path: Path, configured: SiteProfile) -> LearnedProfile:
    """The learned profile of `path`, the configured selectors after the learned ones; ConfigError
    naming the file and key for a file that cannot be used."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        parse, model = data.get("parse", {}), data.get("boilerplate", {})
        kwargs = {key: tuple(dict.fromkeys((*parse.get(key, ()), *getattr(configured, key)))) for key in SELECTOR_KEYS}
        return LearnedProfile(**kwargs, missing_patterns=configured.missing_patterns,
                              boilerplate=Boilerplate(tuple(model.get("blocks", ())),
                                                      tuple(model.get("chrome_selectors", ()))))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a usable learned profile ({exc}); run `ncgh calibrate` again or delete it") from None


def active_profile(cfg: Config, db: Path) -> SiteProfile:
    """What a crawl or a reparse of archive `db` parses with."""
    configured = to_site_profile(cfg)
    path = profile_path(db)
    return load_profile(path, configured) if path.exists() else configured


@dataclass
class Comparison:
    """How the learned profile's records compare with the careful fallback's on the sample pages."""

    pages: int = 0
    same: int = 0
    by_profile: int = 0  # pages the learned profile's selectors matched (not left to the fallback)
    differing_fields: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)  # "url: field, field"


def compare(samples: list[SamplePage], profile: SiteProfile, max_examples: int = 8) -> Comparison:
    out = Comparison()
    for page in samples:
        try:
            learned = parse_article(page.body, page.url, page.content_type, profile).to_dict()
        except ParseError:
            continue
        try:
            careful = parse_article(page.body, page.url, page.content_type, FALLBACK_ONLY).to_dict()
        except ParseError:
            careful = {}
        out.pages += 1
        out.by_profile += learned["extractor"] == Extractor.PROFILE
        wrong = [k for k in COMPARED if learned.get(k) != careful.get(k)]
        if not wrong:
            out.same += 1
            continue
        for k in wrong:
            out.differing_fields[k] = out.differing_fields.get(k, 0) + 1
        if len(out.examples) < max_examples:
            out.examples.append(f"{page.url}: {', '.join(wrong)}")
    return out


@dataclass
class Calibration:
    result: LearnResult | None  # None for --check
    comparison: Comparison
    path: Path
    written: bool


def samples_of(conn: sqlite3.Connection, site: str, limit: int, latest: bool = False) -> list[SamplePage]:
    return [SamplePage(r.body, r.url, r.content_type) for r in article_samples(conn, site, limit, latest)]


def calibrate(cfg: Config, db: Path, conn: sqlite3.Connection, sample: int | None = None,
              check: bool = False, latest: bool = False) -> Calibration:
    """Learn from `sample` stored pages and write the profile (or, `check`, compare the one there)."""
    path = profile_path(db)
    samples = samples_of(conn, cfg.site.name, sample or cfg.calibrate.sample, latest)
    configured = to_site_profile(cfg)
    if check:
        profile = load_profile(path, configured) if path.exists() else configured
        return Calibration(None, compare(samples, profile), path, False)
    result = learn_profile(samples, configured)
    if result.profile is None:
        return Calibration(result, Comparison(), path, False)
    write_profile(path, result.profile, result, configured)
    return Calibration(result, compare(samples, result.profile), path, True)


def report_lines(c: Calibration) -> list[str]:
    """What `ncgh calibrate` prints, and a crawl's log says after an automatic calibration."""
    lines: list[str] = []
    if c.result is not None:
        if c.result.profile is None:
            return [f"nothing learned from {c.result.pages} pages: {c.result.reason}"]
        lines.append(f"learned from {c.result.pages} pages, written to {c.path}")
        for part, (sel, votes) in c.result.votes.items():
            lines.append(f"  {part:<7} {sel or '-'} ({votes} pages agree)")
    cmp_ = c.comparison
    lines.append(f"pages compared: {cmp_.pages}; parsed by the profile's selectors: {cmp_.by_profile}")
    lines.append(f"same fields as the careful fallback: {cmp_.same} of {cmp_.pages}")
    if cmp_.differing_fields:
        lines.append("fields that differ: " + ", ".join(f"{k} {n}" for k, n in sorted(cmp_.differing_fields.items())))
        lines += [f"  {e}" for e in cmp_.examples]
    return lines
