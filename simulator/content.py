"""The simulated site's content: a deterministic model of every article as a function of (seed, day).

Day 0 is the initial corpus (dates 2012-01 .. 2024-10-28); each later day is derived from the one
before by a seeded random process (new articles, edits, deletions, restorations, view growth, footer
changes). Because day D is always computed by replaying days 1..D, the state never depends on how or
when the server was advanced: `--day 5` equals five `advance` calls.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from simulator import prose
from simulator.article import Article, EditRecord, FooterState, ImageSpec
from simulator.draw import (
    DAY0_DATE,
    FIRST_DATE,
    REAL_ID_RANGE,
    SITE_TZ,
    image_path,
    initial_ids,
    make_article,
    seeded,
)

DELETION_KINDS = ("404", "not_exist_page", "redirect_home")
EDIT_KINDS = ("title_fix", "paragraph_added", "paragraph_removed", "image_replaced")

ICP_OLD = "赣ICP备18016234号-1"
ICP_NEW = "赣ICP备2025061944号-1"
POLICE_RECORD = "赣公网安备 36010802000253号"
ORG = "江西省南昌市总工会"
PHONE = "0791-83868027"
EMAIL = "ncghwlzx@163.com"
ADDRESS = "南昌市红谷滩新区会展路29号"
POSTCODE = "330038"


def day_date(day: int) -> date:
    """The calendar date (site-local) of a simulated day."""
    return DAY0_DATE + timedelta(days=day)


@dataclass(frozen=True)
class TimelineParams:
    """Rates of the daily random process (per live article per day unless noted)."""

    edit_rate: float = 0.015
    delete_rate: float = 0.006
    restore_rate: float = 0.15  # per deleted article per day
    new_per_day: tuple[int, int] = (2, 4)  # inclusive range of new articles per day
    icp_switch_day: int | None = None  # None: 2 + seed % 3 (day 3 for seed 1)
    id_range: tuple[int, int] = REAL_ID_RANGE  # initial ids; the real site's bands scaled into it
    attachment_replace_rate: float = 0.005  # per attachment per day: same URL, new bytes
    attachment_delete_rate: float = 0.003  # per attachment per day: the URL answers 404 from then on

    def __post_init__(self) -> None:
        for name in ("edit_rate", "delete_rate", "restore_rate", "attachment_replace_rate", "attachment_delete_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.edit_rate + self.delete_rate > 1.0:
            raise ValueError("edit_rate + delete_rate must not exceed 1")
        lo, hi = self.new_per_day
        if not 0 <= lo <= hi:
            raise ValueError(f"new_per_day must be (low, high) with 0 <= low <= high, got {self.new_per_day}")


def icp_switch_day(seed: int, params: TimelineParams) -> int:
    return params.icp_switch_day if params.icp_switch_day is not None else 2 + seed % 3


def footer_for_day(seed: int, day: int, params: TimelineParams) -> FooterState:
    """ICP number switches on `icp_switch_day`; the police record line appears two days later."""
    switch = icp_switch_day(seed, params)
    return FooterState(
        org=ORG,
        icp=ICP_NEW if day >= switch else ICP_OLD,
        police_record=POLICE_RECORD if day >= switch + 2 else None,
        phone=PHONE, email=EMAIL, address=ADDRESS, postcode=POSTCODE,
    )


class SiteState:
    """All articles and the footer at `day`; `step()` moves one day forward deterministically."""

    def __init__(self, articles: int, seed: int, params: TimelineParams | None = None):
        if articles < 1:
            raise ValueError("articles must be at least 1")
        self.seed = seed
        self.params = params or TimelineParams()
        self.day = 0
        rng = seeded(seed, "corpus")
        span = (DAY0_DATE - FIRST_DATE).days
        dates = sorted(FIRST_DATE + timedelta(days=rng.randrange(span)) for _ in range(articles - 1))
        dates.append(DAY0_DATE)
        ids = initial_ids(rng, dates, self.params.id_range)
        self.articles: dict[int, Article] = {}
        for article_id, d in zip(ids, dates, strict=True):
            self.articles[article_id] = make_article(seed, article_id, d, 0, rng.random() >= 0.05)
        self.footer = footer_for_day(seed, 0, self.params)

    @property
    def date(self) -> date:
        return day_date(self.day)

    def step(self) -> None:
        """Advance one day: new articles, edits, deletions, restorations, views, footer."""
        d = self.day + 1
        rng = seeded(self.seed, "day", d)
        p = self.params
        existing = sorted(self.articles)
        edit_time = datetime.combine(day_date(d), datetime.min.time(), SITE_TZ) + timedelta(hours=9, minutes=30)
        for article_id in existing:
            art = self.articles[article_id]
            r = rng.random()
            if art.status == "live":
                if r < p.edit_rate:
                    self._edit(art, d, rng)
                    art.last_modified = edit_time.astimezone(UTC)
                elif r < p.edit_rate + p.delete_rate:
                    art.status = "deleted"
                    art.deletion_kind = rng.choice(DELETION_KINDS)
                    art.deleted_days.append(d)
            elif r < p.restore_rate:
                art.status = "live"
                art.deletion_kind = None
                art.restored_days.append(d)
        self._attachment_changes(d)
        next_id = max(self.articles) + 1
        for _ in range(rng.randint(*p.new_per_day)):
            next_id += rng.randint(0, 6)
            art = make_article(self.seed, next_id, day_date(d), d, rng.random() >= 0.05)
            self.articles[next_id] = art
            next_id += 1
        for article_id in sorted(self.articles):
            art = self.articles[article_id]
            if art.status != "live":
                continue
            age = (day_date(d) - art.published).days
            hi = 200 if age < 7 else 40 if age < 30 else 5
            art.views += rng.randint(1, hi)
        self.day = d
        self.footer = footer_for_day(self.seed, d, p)

    def _attachment_changes(self, d: int) -> None:
        """Some attachments are replaced (same URL, new bytes) or deleted (404) while the page stays
        as it was; an own random stream, so the articles' daily draws are unchanged."""
        rng = seeded(self.seed, "attachments", d)
        p = self.params
        for article_id in sorted(self.articles):
            for att in self.articles[article_id].attachments:
                if att.deleted_day is not None:
                    continue
                r = rng.random()
                if r < p.attachment_replace_rate:
                    att.rev = d
                elif r < p.attachment_replace_rate + p.attachment_delete_rate:
                    att.deleted_day = d

    def _edit(self, art: Article, d: int, rng: random.Random) -> None:
        kinds = ["title_fix", "paragraph_added"]
        drop = rng.randrange(len(art.paragraphs))
        # Measured without the repeated-body quirk's copy, which loses the paragraph too.
        rest = art.paragraphs[:drop] + art.paragraphs[drop + 1 :]
        removable = len(art.paragraphs) > 1 and len("\n\n".join(rest)) >= 220
        if removable:
            kinds.append("paragraph_removed")
        if art.images:
            kinds.append("image_replaced")
        kind = rng.choice(kinds)
        if kind == "paragraph_added" and len("\n\n".join(art.paragraphs)) > 4390:  # stay within 5000
            kind = "paragraph_removed" if removable else "title_fix"
        if kind == "title_fix":
            for old, new in prose.TITLE_FIXES:
                if old in art.title_core and new not in art.title_core:
                    art.title_core = art.title_core.replace(old, new, 1)
                    break
            else:
                base = re.sub(r"\((更正|修订)\)$", "", art.title_core)
                fixed = base + "(更正)"
                art.title_core = fixed if fixed != art.title_core else base + "(修订)"
        elif kind == "paragraph_added":
            pos = rng.randint(0, len(art.paragraphs))
            art.paragraphs.insert(pos, prose.paragraph(rng, d + 2024)[:600])
            art.images = [ImageSpec(i.path, i.caption, i.after + 1) if i.after >= pos else i for i in art.images]
        elif kind == "paragraph_removed":
            del art.paragraphs[drop]
            art.images = [ImageSpec(i.path, i.caption, i.after - 1) if i.after > drop or (i.after == drop > 0) else i
                          for i in art.images]
            art.images.sort(key=lambda i: i.after)
        else:
            k = rng.randrange(len(art.images))
            img = art.images[k]
            ext = img.path.rsplit(".", 1)[1]
            art.images[k] = ImageSpec(image_path(art.id, art.published, k + 1, ext, rev=d), img.caption, img.after)
        art.edits.append(EditRecord(d, kind))

    # ------------------------------------------------------------ views used by lists and truth

    def listed(self, category: int) -> list[Article]:
        """Live, linked articles of a category, newest first (as the site's lists order them)."""
        arts = [a for a in self.articles.values() if a.category == category and a.linked and a.status == "live"]
        arts.sort(key=lambda a: (a.created, a.id), reverse=True)
        return arts
