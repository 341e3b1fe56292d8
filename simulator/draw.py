"""A new article drawn from (seed, id, date): its text, images, attachments, video; the initial ids.

Each article has its own random stream (`seeded(seed, "article", id)`), so drawing one never moves
the draws of another, and the site's history (simulator.content) replays to the same state.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

from simulator import prose
from simulator.article import CATEGORIES, VIDEO_CATEGORIES, Article, AttachmentSpec, ImageSpec, VideoSpec

SITE_TZ = timezone(timedelta(hours=8))  # Asia/Shanghai has had no DST since 1991
DAY0_DATE = date(2024, 10, 28)  # the newest date seen on the real site; the simulator's "today" at day 0
FIRST_DATE = date(2012, 1, 13)
CATEGORY_WEIGHTS = (0.5, 0.2, 0.15, 0.15)
REAL_ID_RANGE = (800, 26500)  # the real site's ids (site-facts), as the bands below are drawn


def seeded(*parts: object) -> random.Random:
    """One random stream per purpose (article, day, video ...), so adding one never moves another's draws."""
    # str seeds are hashed with SHA-512 by random.Random: stable across runs and PYTHONHASHSEED.
    return random.Random(":".join(str(p) for p in parts))


def template_for(published: date) -> str:
    """The layout of a day-0 article's era (old table layout, the 2020 nav-bar layout, current)."""
    if published.year <= 2017:
        return "old"
    if published.year == 2020:
        return "nav2020"
    return "current"


def image_path(article_id: int, published: date, k: int, ext: str, rev: int | None = None) -> str:
    """The upload path of an article's k-th image; a replaced image (rev = the day) gets a new path."""
    suffix = f"_r{rev}" if rev is not None else ""
    return f"/nczhghcms/upload/images/{published:%Y%m}/{article_id}_{k}{suffix}.{ext}"


def make_article(seed: int, article_id: int, published: date, first_day: int, linked: bool) -> Article:
    """The article `article_id` as first published on `first_day` (0: the initial corpus)."""
    rng = seeded(seed, "article", article_id)
    category = rng.choices(tuple(CATEGORIES), CATEGORY_WEIGHTS)[0]
    template = template_for(published) if first_day == 0 else "current"
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
            images.append(ImageSpec(image_path(article_id, published, k, rng.choice(("jpg", "png"))),
                                    caption, rng.randrange(len(paragraphs))))
        images.sort(key=lambda i: i.after)  # page order
    attachments: list[AttachmentSpec] = []
    if rng.random() < 0.1:
        for k in range(1, rng.randint(1, 2) + 1):
            ext = rng.choice(prose.ATTACHMENT_EXTS)
            if ext in ("doc", "xls") and seeded(seed, "ooxml", article_id, k).random() < 0.5:
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
        make_video(seed, art)
    art.last_modified = datetime(published.year, published.month, published.day, hh, mm, ss,
                                 tzinfo=SITE_TZ).astimezone(UTC)
    return art


PLAYERS = ("video_src", "video_source", "embed")
LEAD_MIN = 80  # characters of a video lesson's lead text, at least (the whole body is 200 or more)


def make_video(seed: int, art: Article) -> None:
    """Turn a drawn article into a video lesson: a short lead (its first paragraphs, as few as make
    LEAD_MIN characters), the images after the lead, a video and its poster. An own random stream,
    after every draw of the article's, so nothing else about the article changes."""
    rng = seeded(seed, "video", art.id)
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


def initial_ids(rng: random.Random, dates: list[date], id_range: tuple[int, int]) -> list[int]:
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

