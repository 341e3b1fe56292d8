"""SimConfig: every knob of the simulator, validated once so a typo fails loudly at start."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.faults import parse_faults

ENCODINGS = ("utf-8", "gbk")
LIES = ("none", "header", "meta")


@dataclass(frozen=True)
class SimConfig:
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
    edit_rate: float = 0.015
    delete_rate: float = 0.006
    restore_rate: float = 0.15
    new_per_day: tuple[int, int] = (2, 4)
    icp_switch_day: int | None = None  # None: 2 + seed % 3 (day 3 for seed 1)
    # Initial article ids (the real site's bands, scaled into it). None: (800, 26500), widened when
    # the corpus needs more than that room for 10 ids per article.
    id_range: tuple[int, int] | None = None

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
        if self.lie not in LIES:
            raise ValueError(f"lie must be one of {', '.join(LIES)}, got {self.lie!r}")
        parse_faults(self.faults)  # raises ValueError naming the bad part
        for name in ("edit_rate", "delete_rate", "restore_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.edit_rate + self.delete_rate > 1.0:
            raise ValueError("edit_rate + delete_rate must not exceed 1")
        lo, hi = self.new_per_day
        if not 0 <= lo <= hi:
            raise ValueError(f"new_per_day must be (low, high) with 0 <= low <= high, got {self.new_per_day}")
        if self.id_range is None:
            object.__setattr__(self, "id_range", (800, max(26500, 800 + 10 * self.articles + 100)))
        low, high = self.id_range
        if low < 1 or high - low < 10 * self.articles:
            raise ValueError(f"id_range must be (low, high) with low >= 1 and room for 10 ids per article, got {self.id_range}")
        if self.fault_timeout_seconds < 0 or self.retry_after_seconds < 0:
            raise ValueError("fault_timeout_seconds and retry_after_seconds must be >= 0")
