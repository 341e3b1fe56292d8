"""What the simulated site is made of: an article and its parts, the footer, the categories.

These are the records the templates render and the timeline (simulator.content) mutates; how a new
article is drawn from the seed is simulator.draw.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

CATEGORIES: dict[int, str] = {3: "工会新闻", 174: "基层工会动态", 175: "通知公告", 176: "劳模风采"}
# The video-lesson categories (site-facts: 175-185, articles whose content is a video); the simulator
# models the two getIdsList 174 answers. Their articles are a short lead text and a player.
VIDEO_CATEGORIES = (175, 176)

TEMPLATES = ("old", "current", "nav2020")


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

