"""SimConfig: every knob of the simulator, validated once so a typo fails loudly at start.

The knobs of the daily random process (rates, new articles per day, the footer's switch day) are
TimelineParams' fields, inherited with their defaults and checks, not copied.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from simulator.content import TimelineParams
from simulator.draw import REAL_ID_RANGE
from simulator.families import CLASSIC, FAMILIES
from simulator.faults import parse_faults

ENCODINGS = ("utf-8", "gbk")
LIES = ("none", "header", "meta")
WAF_FORMS = ("cookie", "jsl", "deny", "captcha")  # the block pages of simulator.waf, in turn
LIST_SHAPES = ("query", "path")  # simulator.templates.LIST_PATH_SHAPES
MAX_PAGE_BYTES = 4 * 2**20  # an article page is built in memory (and cached) per day
MAX_PHOTO_BYTES = 64 * 2**20  # a photo is built in memory on each request: keep it a photo's size


@dataclass(frozen=True)
class SimConfig(TimelineParams):
    articles: int = 500
    seed: int = 1
    day: int = 0
    encoding: str = "utf-8"  # utf-8 | gbk
    faults: str | None = None  # e.g. "500=0.05,429=0.02"; see simulator.faults
    charset_header: bool = True  # Content-Type carries "; charset=..."
    meta_charset: bool = True  # pages carry a <meta> charset
    lie: str = "none"  # none | header | meta: that one names the wrong charset
    fault_timeout_seconds: float = 35.0  # a "timeout" fault stalls this long (above the default read timeout)
    retry_after_seconds: int = 1  # Retry-After on 429 and 503
    # Initial article ids (the real site's bands, scaled into it). None: REAL_ID_RANGE, widened when
    # the corpus needs more than that room for 10 ids per article.
    id_range: tuple[int, int] | None = None
    # A WAF in front of the site (simulator.waf): more than `waf_limit` requests from one client within
    # `waf_window_seconds` and every answer to it is a block page for `waf_block_seconds`. 0 = no WAF.
    waf_limit: int = 0
    waf_window_seconds: float = 60.0
    waf_block_seconds: float = 60.0
    waf_forms: str = ",".join(WAF_FORMS)  # which block pages, in turn: cookie, jsl, deny, captcha
    markup: str = CLASSIC  # the article pages' template family (simulator.families.FAMILIES)
    # The day from which article pages are rendered in `redesign_markup` instead (a site redesign
    # mid-timeline); None: never.
    redesign_day: int | None = None
    redesign_markup: str | None = None
    # The list pages' URL shape: "query" (/nczhghcms/category/3?pageNum=2) or "path"
    # (/nczhghcms/list/3_2.html); the other shape answers 404.
    list_shape: str = "query"
    # The JSON API refuses every request as the real one may without a token: HTTP 200 with
    # {"code": 401, "msg": "请先登录"}.
    api_login: bool = False
    # The mean size in bytes of the video-lesson videos (each is between half and 1.5 times this, by
    # its path): large enough to be a video, small enough for tests; raise it to exceed a cap.
    video_bytes: int = 300_000
    # The mean size in bytes of the articles' photos (each between half and 1.5 times this, by its
    # path, incompressible like a real photo's coded data); 0: tiny placeholder images (16-pixel PNGs,
    # 8-pixel JPEGs), which keep tests and most benchmarks fast. Nothing in the evidence gives the real
    # site's photo sizes; a news photo is typically 100 kB to 2 MB.
    photo_bytes: int = 0
    # The mean size in bytes of the article pages (each between half and 1.5 times this, by its id),
    # reached by an inline script of page-statistics data in the head, as real CMS pages carry; 0: the
    # pages as the templates make them (8-12 kB). Nothing in the evidence gives the real site's page
    # sizes; the real Chinese article pages in ../shared/realpages are 50-130 kB.
    page_bytes: int = 0

    def __post_init__(self) -> None:
        if self.articles < 1:
            raise ValueError(f"articles must be at least 1, got {self.articles}")
        if self.day < 0:
            raise ValueError(f"day must be >= 0, got {self.day}")
        enc = self.encoding.lower().replace("_", "-")
        enc = {"utf8": "utf-8", "gb2312": "gbk"}.get(enc, enc)
        if enc not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, got {self.encoding!r}")
        object.__setattr__(self, "encoding", enc)
        if self.list_shape not in LIST_SHAPES:
            raise ValueError(f"list_shape must be one of {', '.join(LIST_SHAPES)}, got {self.list_shape!r}")
        if self.lie not in LIES:
            raise ValueError(f"lie must be one of {', '.join(LIES)}, got {self.lie!r}")
        for name, family in (("markup", self.markup), ("redesign_markup", self.redesign_markup)):
            if family is not None and family not in FAMILIES:
                raise ValueError(f"{name} must be one of {', '.join(FAMILIES)}, got {family!r}")
        if (self.redesign_day is None) != (self.redesign_markup is None):
            raise ValueError("redesign_day and redesign_markup go together: give both or neither")
        if self.redesign_day is not None and self.redesign_day < 0:
            raise ValueError(f"redesign_day must be >= 0, got {self.redesign_day}")
        parse_faults(self.faults)  # raises ValueError naming the bad part
        super().__post_init__()  # the timeline's knobs
        if self.id_range is None:
            low, high = REAL_ID_RANGE
            object.__setattr__(self, "id_range", (low, max(high, low + 10 * self.articles + 100)))
        low, high = self.id_range
        if low < 1 or high - low < 10 * self.articles:
            raise ValueError(f"id_range must be (low, high) with low >= 1 and room for 10 ids per article, got {self.id_range}")
        if self.waf_limit < 0 or self.waf_window_seconds <= 0 or self.waf_block_seconds < 0:
            raise ValueError("waf_limit must be >= 0, waf_window_seconds > 0 and waf_block_seconds >= 0")
        _ = self.waf_form_list  # raises ValueError naming an unknown form
        if not 1_000 <= self.video_bytes <= 2**31:
            raise ValueError(f"video_bytes must be between 1000 and 2**31, got {self.video_bytes}")
        if self.photo_bytes and not 1_000 <= self.photo_bytes <= MAX_PHOTO_BYTES:
            raise ValueError(f"photo_bytes must be 0 or between 1000 and {MAX_PHOTO_BYTES:,} (64 MiB), got {self.photo_bytes}")
        if self.page_bytes and not 1_000 <= self.page_bytes <= MAX_PAGE_BYTES:
            raise ValueError(f"page_bytes must be 0 or between 1000 and {MAX_PAGE_BYTES:,} (4 MiB), got {self.page_bytes}")
        if self.fault_timeout_seconds < 0 or self.retry_after_seconds < 0:
            raise ValueError("fault_timeout_seconds and retry_after_seconds must be >= 0")

    def markup_on(self, day: int) -> str:
        """The template family of article pages on simulated day `day`."""
        if self.redesign_day is not None and self.redesign_markup is not None and day >= self.redesign_day:
            return self.redesign_markup
        return self.markup

    @property
    def waf_form_list(self) -> tuple[str, ...]:
        """`waf_forms` as a tuple; ValueError naming an unknown form."""
        forms = tuple(f.strip() for f in self.waf_forms.split(",") if f.strip())
        unknown = [f for f in forms if f not in WAF_FORMS]
        if not forms or unknown:
            raise ValueError(f"waf_forms must name forms from {', '.join(WAF_FORMS)}, got {self.waf_forms!r}")
        return forms

    @property
    def timeline(self) -> TimelineParams:
        """The knobs of the daily random process, as SiteState takes them."""
        return TimelineParams(**{f.name: getattr(self, f.name) for f in fields(TimelineParams)})
