"""The article page's view-count chart: a server-rendered SVG with labelled axes (no script, no CDN).

Time runs along x in proportion (a reading a week later sits a week further right), and y has
labelled ticks over a range at least MIN_SPAN_SHARE of the highest count (and MIN_SPAN views), so +2
views on 49,931 draws as the flat line it is rather than a climb across the whole chart. Every
reading is a dot whose tooltip (<title>) gives its time and value.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

MIN_SPAN = 10  # views: the smallest y range drawn
MIN_SPAN_SHARE = 0.02  # ... or this share of the highest count, whichever is larger


@dataclass(frozen=True)
class Reading:
    at: str  # UTC ISO 8601
    views: int


@dataclass(frozen=True)
class Box:
    width: int = 640
    height: int = 220
    left: int = 64  # room for the y labels
    right: int = 16
    top: int = 12
    bottom: int = 36  # room for the x labels

    @property
    def inner_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def inner_h(self) -> int:
        return self.height - self.top - self.bottom


def nice_ticks(low: float, high: float, count: int = 5) -> list[int]:
    """Round integer ticks (1, 2, 2.5 or 5 times a power of ten apart) covering [low, high]."""
    span = max(high - low, 1)
    raw = span / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    step = max(int(step), 1)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step:
        ticks.append(int(value))
        if value >= high:
            break
        value += step
    return ticks


def y_range(values: Sequence[int]) -> tuple[int, int]:
    """The drawn y range: the readings, widened symmetrically to the minimum span, never below 0."""
    low, high = min(values), max(values)
    span = max(MIN_SPAN, math.ceil(high * MIN_SPAN_SHARE))
    if high - low < span:
        pad = (span - (high - low)) / 2
        low, high = low - pad, high + pad
        if low < 0:
            low, high = 0, high - low
    ticks = nice_ticks(low, high)
    return ticks[0], ticks[-1]


def _moment(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def view_chart(readings: Sequence[Reading], box: Box = Box()) -> str:
    """The SVG of the readings (oldest first), or '' when there are none."""
    if not readings:
        return ""
    times = [_moment(r.at) for r in readings]
    values = [r.views for r in readings]
    t0, t1 = times[0], times[-1]
    tspan = (t1 - t0) or 1.0
    low, high = y_range(values)
    vspan = (high - low) or 1

    def x(t: float) -> float:
        return box.left + (box.inner_w / 2 if t1 == t0 else (t - t0) / tspan * box.inner_w)

    def y(v: float) -> float:
        return box.top + box.inner_h - (v - low) / vspan * box.inner_h

    parts = [
        f'<svg class="ncgh-chart" xmlns="http://www.w3.org/2000/svg" width="{box.width}" height="{box.height}"'
        f' viewBox="0 0 {box.width} {box.height}" role="img"'
        f' aria-label="view counts from {values[0]} to {values[-1]}, {len(values)} readings">',
        '<g class="ncgh-axis ncgh-y-axis" font-size="11" fill="#555" text-anchor="end">',
    ]
    for tick in nice_ticks(low, high):
        ty = y(tick)
        parts.append(f'<line x1="{box.left}" x2="{box.left + box.inner_w}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{box.left - 6}" y="{ty + 4:.1f}">{tick:,}</text>')
    parts.append("</g>")
    parts.append('<g class="ncgh-axis ncgh-x-axis" font-size="11" fill="#555" text-anchor="middle">')
    base = box.top + box.inner_h
    parts.append(f'<line x1="{box.left}" x2="{box.left + box.inner_w}" y1="{base}" y2="{base}" stroke="#999"/>')
    parts.append(f'<line x1="{box.left}" x2="{box.left}" y1="{box.top}" y2="{base}" stroke="#999"/>')
    for day, t in _date_ticks(times):
        tx = x(t)
        parts.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{base}" y2="{base + 4}" stroke="#999"/>')
        parts.append(f'<text x="{tx:.1f}" y="{base + 18}">{day}</text>')
    parts.append("</g>")
    coords = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(times, values, strict=True))
    if len(readings) > 1:
        parts.append(f'<polyline class="ncgh-line" fill="none" stroke="#276890" stroke-width="2" points="{coords}"/>')
    for r, t in zip(readings, times, strict=True):
        label = html.escape(f"{r.at[:16].replace('T', ' ')} UTC: {r.views:,} views")
        parts.append(
            f'<circle class="ncgh-point" cx="{x(t):.1f}" cy="{y(r.views):.1f}" r="3" fill="#276890"'
            f' data-at="{html.escape(r.at)}" data-views="{r.views}"><title>{label}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _date_ticks(times: Sequence[float], most: int = 6) -> list[tuple[str, float]]:
    """Up to `most` evenly spaced instants from the first reading to the last, labelled by UTC date
    (one label per date: readings hours apart share a day)."""
    t0, t1 = times[0], times[-1]
    n = 1 if t1 == t0 else most
    out: list[tuple[str, float]] = []
    for i in range(n):
        t = t0 if n == 1 else t0 + (t1 - t0) * i / (n - 1)
        day = datetime.fromtimestamp(t, UTC).date().isoformat()
        if not out or out[-1][0] != day:
            out.append((day, t))
    return out
