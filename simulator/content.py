"""The simulated site's content: a deterministic model of every article as a function of (seed, day).

Day 0 is the initial corpus (dates 2012-01 .. 2024-10-28); each later day is derived from the one
before by a seeded random process (new articles, edits, deletions, restorations, view growth, footer
changes). Because day D is always computed by replaying days 1..D, the state never depends on how or
when the server was advanced: `--day 5` equals five `advance` calls.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from simulator import prose

SITE_TZ = timezone(timedelta(hours=8))  # Asia/Shanghai has had no DST since 1991
DAY0_DATE = date(2024, 10, 28)  # the newest date seen on the real site; the simulator's "today" at day 0
FIRST_DATE = date(2012, 1, 13)

CATEGORIES: dict[int, str] = {3: "工会新闻", 174: "基层工会动态", 175: "通知公告", 176: "劳模风采"}
CATEGORY_WEIGHTS = (0.5, 0.2, 0.15, 0.15)
# The video-lesson categories (site-facts: 175-185, articles whose content is a video); the simulator
# models the two getIdsList 174 answers. Their articles are a short lead text and a player.
VIDEO_CATEGORIES = (175, 176)

TEMPLATES = ("old", "current", "nav2020")
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


def _rng(*parts: object) -> random.Random:
    # str seeds are hashed with SHA-512 by random.Random: stable across runs and PYTHONHASHSEED.
    return random.Random(":".join(str(p) for p in parts))


@dataclass
class ImageSpec:
    path: str  # site path, e.g. /nczhghcms/upload/images/201805/1234_1.jpg
    caption: str | None
    after: int  # placed after this paragraph index


@dataclass
class AttachmentSpec:
    path: str
    name: str  # link text, file name with extension
    rev: int = 0  # the day the file was last replaced (same URL, new bytes); 0 = as uploaded
    deleted_day: int | None = None  # from this day the URL answers 404 while the page still links it


@dataclass(frozen=True)
class VideoSpec:
    """The video an article of a video category *is*: the file, its poster, how the page plays it."""

    path: str  # /nczhghcms/upload/video/{yyyymm}/{id}.mp4
    poster: str  # an image path (k = 0: never one of the body's images)
    player: str  # "video_src" (<video src>), "video_source" (<video><source>), "embed" (<embed src>)


@dataclass
class EditRecord:
    day: int
    kind: str


@dataclass
class Article:
    """One article and its history up to the current day. Mutated only by `SiteState.step`."""

    id: int
    category: int
    column: str | None
    title_core: str  # title without the bracketed column prefix
    published: date
    created_time: str  # HH:MM:SS, site-local; the API's `created`
    template: str
    header_line: bool
    source: str | None
    author: str | None
    paragraphs: list[str]
    signature_lines: list[str]
    images: list[ImageSpec]
    attachments: list[AttachmentSpec]
    linked: bool
    views: int
    first_day: int
    paragraph_style: int  # how paragraphs are wrapped in HTML (cosmetic, fixed per article)
    old_blank_lines: bool  # old layout: a `&nbsp;` line between paragraphs
    quirk: str | None = None  # "body_repeated" | "star" | None
    status: str = "live"
    deletion_kind: str | None = None
    edits: list[EditRecord] = field(default_factory=list)
    deleted_days: list[int] = field(default_factory=list)
    restored_days: list[int] = field(default_factory=list)
    last_modified: datetime = field(default_factory=lambda: datetime(2012, 1, 1, tzinfo=UTC))
    video: VideoSpec | None = None  # set for the articles of VIDEO_CATEGORIES

    @property
    def title(self) -> str:
        return f"【{self.column}】{self.title_core}" if self.column else self.title_core

    @property
    def body_paragraphs(self) -> list[str]:
        """Paragraphs as they appear on the page (the repeated-body quirk doubles them)."""
        if self.quirk == "body_repeated":
            return self.paragraphs + self.paragraphs
        return list(self.paragraphs)

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.body_paragraphs)

    @property
    def signature(self) -> str | None:
        return "\n".join(self.signature_lines) if self.signature_lines else None

    @property
    def created(self) -> str:
        return f"{self.published.isoformat()} {self.created_time}"

    def content_key(self) -> str:
        """Hash of everything a reader sees except view counts and site chrome: drives ETag."""
        parts = [
            str(self.id), self.title, self.published.isoformat(), self.template, str(self.header_line),
            self.source or "", self.author or "", "\x1e".join(self.body_paragraphs),
            "\x1e".join(self.signature_lines), str(self.paragraph_style), str(self.old_blank_lines),
            "\x1e".join(f"{i.path}|{i.caption}|{i.after}" for i in self.images),
            "\x1e".join(f"{a.path}|{a.name}" for a in self.attachments),
        ]
        if self.video is not None:  # only then: the ETags of other articles stay as they were
            parts.append(f"{self.video.path}|{self.video.poster}|{self.video.player}")
        return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FooterState:
    org: str
    icp: str
    police_record: str | None
    phone: str
    email: str
    address: str
    postcode: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "org": self.org, "icp": self.icp, "police_record": self.police_record, "phone": self.phone,
            "email": self.email, "address": self.address, "postcode": self.postcode,
        }


REAL_ID_RANGE = (800, 26500)  # the real site's ids (site-facts), as the bands below are drawn


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


def _template_for(published: date) -> str:
    if published.year <= 2017:
        return "old"
    if published.year == 2020:
        return "nav2020"
    return "current"


def _image_path(article_id: int, published: date, k: int, ext: str, rev: int | None = None) -> str:
    suffix = f"_r{rev}" if rev is not None else ""
    return f"/nczhghcms/upload/images/{published:%Y%m}/{article_id}_{k}{suffix}.{ext}"


def _make_article(seed: int, article_id: int, published: date, first_day: int, linked: bool) -> Article:
    rng = _rng(seed, "article", article_id)
    category = rng.choices(tuple(CATEGORIES), CATEGORY_WEIGHTS)[0]
    template = _template_for(published) if first_day == 0 else "current"
    year = published.year
    title_core = prose.fill(rng, rng.choice(prose.TITLE_PATTERNS), year)
    column = rng.choice(prose.COLUMNS) if rng.random() < 0.3 else None
    paragraphs = prose.paragraphs(rng, year)
    quirk = None
    q = rng.random()
    if q < 0.01 and sum(map(len, paragraphs)) < 2400:
        quirk = "body_repeated"
    elif q < 0.02:
        quirk = "star"
        p0 = paragraphs[0]
        pos = rng.randrange(len(p0))
        paragraphs[0] = p0[:pos] + "*" + p0[pos + 1 :]
    images: list[ImageSpec] = []
    if rng.random() < 0.2:
        for k in range(1, rng.randint(1, 3) + 1):
            caption = prose.fill(rng, rng.choice(prose.CAPTION_PATTERNS), year) if rng.random() < 0.6 else None
            images.append(ImageSpec(_image_path(article_id, published, k, rng.choice(("jpg", "png"))),
                                    caption, rng.randrange(len(paragraphs))))
        images.sort(key=lambda i: i.after)  # page order
    attachments: list[AttachmentSpec] = []
    if rng.random() < 0.1:
        for k in range(1, rng.randint(1, 2) + 1):
            ext = rng.choice(prose.ATTACHMENT_EXTS)
            if ext in ("doc", "xls") and _rng(seed, "ooxml", article_id, k).random() < 0.5:
                ext += "x"  # half the Office files are 2007+ (own stream: the article's draws stay as they were)
            name = prose.fill(rng, rng.choice(prose.ATTACHMENT_PATTERNS), year) + "." + ext
            attachments.append(AttachmentSpec(f"/nczhghcms/upload/files/{published:%Y%m}/{article_id}_{k}.{ext}", name))
    hh, mm, ss = rng.randint(8, 18), rng.randint(0, 59), rng.randint(0, 59)
    age = max((DAY0_DATE - published).days, 0)
    views = int(400 + (age / 4700) * rng.uniform(1500, 45000)) if first_day == 0 else rng.randint(5, 60)
    art = Article(
        id=article_id, category=category, column=column, title_core=title_core, published=published,
        created_time=f"{hh:02d}:{mm:02d}:{ss:02d}", template=template,
        header_line=rng.random() < 0.85, source=rng.choice(prose.SOURCES) if template == "nav2020" else None,
        author=None, paragraphs=paragraphs, signature_lines=prose.signature_lines(rng, published), images=images,
        attachments=attachments, linked=linked, views=views, first_day=first_day,
        paragraph_style=rng.randrange(4), old_blank_lines=rng.random() < 0.5, quirk=quirk,
    )
    if category in VIDEO_CATEGORIES:
        _make_video(seed, art)
    art.last_modified = datetime(published.year, published.month, published.day, hh, mm, ss,
                                 tzinfo=SITE_TZ).astimezone(UTC)
    return art


PLAYERS = ("video_src", "video_source", "embed")
LEAD_MIN = 80  # characters of a video lesson's lead text, at least (the whole body is 200 or more)


def _make_video(seed: int, art: Article) -> None:
    """Turn a drawn article into a video lesson: a short lead (its first paragraphs, as few as make
    LEAD_MIN characters), the images after the lead, a video and its poster. An own random stream,
    after every draw of the article's, so nothing else about the article changes."""
    rng = _rng(seed, "video", art.id)
    keep = 1
    while keep < len(art.paragraphs) and sum(len(p) for p in art.paragraphs[:keep]) < LEAD_MIN:
        keep += 1
    art.paragraphs = art.paragraphs[:keep]
    art.images = [ImageSpec(i.path, i.caption, min(i.after, keep - 1)) for i in art.images]
    # The player by era, as CMSs changed: Flash-era <embed> pages before 2018, <video> after; a few
    # later pages still paste an <embed>.
    player = "embed" if art.template == "old" else rng.choices(PLAYERS, (0.5, 0.4, 0.1))[0]
    month = f"{art.published:%Y%m}"
    art.video = VideoSpec(f"/nczhghcms/upload/video/{month}/{art.id}.mp4",
                          f"/nczhghcms/upload/images/{month}/{art.id}_0.jpg", player)


def _initial_ids(rng: random.Random, dates: list[date], id_range: tuple[int, int]) -> list[int]:
    """Ids for articles sorted by date: three bands, one where ids fall as dates rise (site-facts).

    The bands are the real site's, scaled linearly into `id_range` (a small range keeps the id walk of
    `ncgh crawl --mode full` short in tests and the demo; the default reproduces the real bands)."""
    bands: list[str] = []
    for d in dates:
        if d.year >= 2023:
            bands.append("C")
        else:
            bands.append(rng.choices("ABC", (0.5, 0.15, 0.35))[0])
    low, high = id_range

    def scale(v: int) -> int:
        return low + (v - 800) * (high - low) // (26500 - 800)

    ranges = {"A": (scale(3700), scale(10500)), "B": (scale(800), scale(3700)), "C": (scale(10500), scale(26500))}
    ids: list[int] = [0] * len(dates)
    for band, (lo, hi) in ranges.items():
        idx = [i for i, b in enumerate(bands) if b == band]
        pool = sorted(rng.sample(range(lo, hi), len(idx)))
        if band == "A":
            pool.reverse()  # ids fall as dates rise
        elif band == "B":
            rng.shuffle(pool)
        else:  # rising, with local disorder
            for j in range(0, len(pool) - 1, 2):
                if rng.random() < 0.3:
                    pool[j], pool[j + 1] = pool[j + 1], pool[j]
        for i, v in zip(idx, pool, strict=True):
            ids[i] = v
    return ids


class SiteState:
    """All articles and the footer at `day`; `step()` moves one day forward deterministically."""

    def __init__(self, articles: int, seed: int, params: TimelineParams | None = None):
        if articles < 1:
            raise ValueError("articles must be at least 1")
        self.seed = seed
        self.params = params or TimelineParams()
        self.day = 0
        rng = _rng(seed, "corpus")
        span = (DAY0_DATE - FIRST_DATE).days
        dates = sorted(FIRST_DATE + timedelta(days=rng.randrange(span)) for _ in range(articles - 1))
        dates.append(DAY0_DATE)
        ids = _initial_ids(rng, dates, self.params.id_range)
        self.articles: dict[int, Article] = {}
        for article_id, d in zip(ids, dates, strict=True):
            self.articles[article_id] = _make_article(seed, article_id, d, 0, rng.random() >= 0.05)
        self.footer = footer_for_day(seed, 0, self.params)

    @property
    def date(self) -> date:
        return day_date(self.day)

    def step(self) -> None:
        """Advance one day: new articles, edits, deletions, restorations, views, footer."""
        d = self.day + 1
        rng = _rng(self.seed, "day", d)
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
            art = _make_article(self.seed, next_id, day_date(d), d, rng.random() >= 0.05)
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
        rng = _rng(self.seed, "attachments", d)
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
            art.images[k] = ImageSpec(_image_path(art.id, art.published, k + 1, ext, rev=d), img.caption, img.after)
        art.edits.append(EditRecord(d, kind))

    # ------------------------------------------------------------ views used by lists and truth

    def listed(self, category: int) -> list[Article]:
        """Live, linked articles of a category, newest first (as the site's lists order them)."""
        arts = [a for a in self.articles.values() if a.category == category and a.linked and a.status == "live"]
        arts.sort(key=lambda a: (a.created, a.id), reverse=True)
        return arts
