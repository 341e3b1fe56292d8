"""The header line under an article title (发布时间 / 浏览量 / 来源 / 作者 ...), read by text pattern.

The site and its siblings write the same few fields with many labels (`发布时间`, `发布日期`, `日期` ...),
ASCII or full-width colons, and runs of spaces or &nbsp; between fields, in any order. Matching the
labels rather than positions means one pattern set serves the profile (the header element's text) and
the fallback (lines of the whole page), and a new label is one entry in a tuple below.

Rules (documented in docs/parsing.md):
- a field is `LABEL` + optional spaces + `:` or `：` + optional spaces + value;
- a value runs to the next known label (or font-size / print control), then:
  the date is the first date in it (scraper.dates), views the first number (`1,234` allowed),
  source and author the first whitespace-free token (brackets and `|` end it too);
- the first occurrence of each field wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from scraper.dates import DateValue, parse_date

__all__ = [
    "HEADER_PATTERN_SOURCE",
    "HeaderFields",
    "byline",
    "credit_line",
    "find_header",
    "header_of_lines",
    "merge_header",
    "normalise_space",
    "parse_header",
]

# Longest label first inside each group, so `发布时间` wins over `时间` and `责任编辑` over `编辑`.
DATE_LABELS = ("发布时间", "发布日期", "发表时间", "发表日期", "更新时间", "更新日期", "时间", "日期")
VIEW_LABELS = (
    "浏览次数", "浏览量", "浏览数", "点击次数", "点击数", "点击量", "点击率",
    "阅读次数", "阅读次", "阅读量", "阅读数", "访问量", "访问次数", "查看次数", "浏览", "点击", "阅读", "查看",
)
SOURCE_LABELS = ("信息来源", "文章来源", "新闻来源", "稿件来源", "来源", "来自", "出处")
# Who wrote it before who edited or posted it: `发布者: admin | 原作者: 王芳` names 王芳.
WRITER_LABELS = ("原作者", "作者", "执笔人", "撰稿", "供稿", "记者", "通讯员")
EDITOR_LABELS = ("责任编辑", "发布人", "发布者", "编辑", "审核")
AUTHOR_LABELS = WRITER_LABELS + EDITOR_LABELS
# Not fields, but they end the value before them (`来源:本站 字体:[大 中 小]`).
STOP_LABELS = ("字体大小", "字体", "字号", "打印", "关闭", "分享到", "分享", "收藏")

_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("date", DATE_LABELS),
    ("views", VIEW_LABELS),
    ("source", SOURCE_LABELS),
    ("author", AUTHOR_LABELS),
)


def _alternation(labels: tuple[str, ...]) -> str:
    return "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))


_LABEL_OF: dict[str, str] = {label: name for name, labels in _FIELDS for label in labels}
# A field label must be followed by a colon; a stop label need not be (`【字体大小:` / `[打印]`).
_FIELD_RE = re.compile(r"(?P<label>" + _alternation(tuple(_LABEL_OF)) + r")[ \t\u00a0\u3000]*[:：]")
_STOP_RE = re.compile(r"[【\[]?(?:" + _alternation(STOP_LABELS) + r")")
_NUMBER = re.compile(r"\d{1,3}(?:[,，]\d{3}){1,5}(?!\d)|\d{1,15}(?!\d)")  # bounded: int() of a 5000-digit run raises
_TOKEN_END = re.compile(r"[\s【】\[\]|｜()（）]")

# Part of PARSER_VERSION: a change to any label or rule above changes the version.
HEADER_PATTERN_SOURCE = "\n".join((_FIELD_RE.pattern, _STOP_RE.pattern, _NUMBER.pattern, _TOKEN_END.pattern))


@dataclass(frozen=True)
class HeaderFields:
    """What a header line says; None for each field it does not show."""

    published: DateValue | None = None
    views: int | None = None
    source: str | None = None
    author: str | None = None
    writer: bool = False  # the author was named as the writer (作者, 记者 ...), not an editor or poster

    def is_empty(self) -> bool:
        return self.published is None and self.views is None and self.source is None and self.author is None


def _date_in(value: str) -> DateValue | None:
    return parse_date(value)


def _token(value: str) -> str | None:
    value = value.strip(" \t\r\n\u00a0\u3000")
    m = _TOKEN_END.search(value)
    if m is not None:
        value = value[: m.start()]
    return value or None


# A value that is a piece of markup (`size="20"`: a broken template shows its attribute) names nobody.
_MARKUP = re.compile(r"[=<>\"{}]")
# A role written before the name (`作者：本报记者王敬照`) is not part of it.
_ROLE = re.compile(r"^(?:本报|本台|本刊|特约|见习|实习)?(?:记者|通讯员|编辑)\s*")


_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")
_SPACED_REST = re.compile(r"[ \u00a0\u3000]{1,2}([\u4e00-\u9fff]{1,2})(?![\u4e00-\u9fff])")
_NOBODY = frozenset({"未知", "不详", "佚名", "匿名", "无"})  # "unknown": no author is named


def _name(value: str) -> str | None:
    """The author's name in a labelled value: its first token, without a role before it; None for
    a value that is markup or only a role."""
    token = _token(value)
    if token is None or _MARKUP.search(token):
        return None
    if _HAN_CHAR.fullmatch(token):  # `赵 培`: a two-character name written with a space inside
        rest = _SPACED_REST.match(value.strip(" \t\r\n\u00a0\u3000")[1:])
        if rest is not None:
            token += rest.group(1)
    name = _ROLE.sub("", token)
    return name if name and name not in _NOBODY else None


# The site's own header line (`发布时间:2018-10-12 浏览量:1234`), read by one anchored pattern; what
# the general rules below make of such a line, exactly (tests/scraper/test_header.py checks they agree): the
# day is the value stripped, the views the digits. Anything else goes the general way.
_SITE_HEADER = re.compile(
    r"发布时间[:：]\s*([0-9]{4}-[0-9]{2}-[0-9]{2})\s+浏览量[:：][ \t\u00a0\u3000]*([0-9]{1,15})"
)


def parse_header(text: str) -> HeaderFields:
    """Every labelled field in one header text (a line, or an element's whole text)."""
    site = _SITE_HEADER.fullmatch(text)
    if site is not None:
        published = parse_date(site.group(1))
        if published is not None:
            return HeaderFields(published=published, views=int(site.group(2)))
    text = text[:5000]  # a header line is short; bound the work on hostile input
    matches = list(_FIELD_RE.finditer(text))
    if not matches:
        return HeaderFields()
    found: dict[str, object] = {}
    writer = False  # whether the author found so far was named by a writer label
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[m.end() : end]
        stop = _STOP_RE.search(value)
        if stop is not None:
            value = value[: stop.start()]
        label = m.group("label")
        field = _LABEL_OF[label]
        if field in found and not (field == "author" and label in WRITER_LABELS and not writer):
            continue
        parsed: object
        if field == "date":
            parsed = _date_in(value)
        elif field == "views":
            num = _NUMBER.match(value.strip(" \t\r\n\u00a0\u3000"))
            parsed = int(num.group(0).replace(",", "").replace("，", "")) if num else None
        elif field == "author":
            parsed = _name(value)
        else:
            parsed = _token(value)
            if parsed is not None and _MARKUP.search(parsed):
                parsed = None
        if parsed is not None:
            found[field] = parsed
            writer = writer or label in WRITER_LABELS
    return HeaderFields(
        published=found.get("date"),  # type: ignore[arg-type]
        views=found.get("views"),  # type: ignore[arg-type]
        source=found.get("source"),  # type: ignore[arg-type]
        author=found.get("author"),  # type: ignore[arg-type]
        writer=writer,
    )


def merge_header(first: HeaderFields, then: HeaderFields) -> HeaderFields:
    """`first`'s fields, each one it lacks taken from `then` (a header split over several elements)."""
    keep = first.author is not None and (first.writer or not then.writer or then.author is None)
    return HeaderFields(
        published=first.published or then.published,
        views=first.views if first.views is not None else then.views,
        source=first.source or then.source,
        author=first.author if keep else then.author,
        writer=first.writer if keep else then.writer,
    )


# A reporter's byline, no colon (`本报记者 葛灵丹`, `新华网黑龙江频道 记者 伊琳 李清芬`,
# `（记者 胡晓蓉）` closing the last paragraph, `新京报记者 彭冲 山东冠县报道`): the writer.
_NAMES = r"(?P<name>[\u4e00-\u9fff·]{2,4})(?:[ 、，,]+[\u4e00-\u9fff·]{2,4}){0,5}"
_BYLINE = re.compile(
    r"^[（(【\[□■\s]*(?:\S{0,12}?\s{0,2}(?:记者|通讯员|实习生)|文\s*[/／]\s*图?)\s*[:：]?\s*" + _NAMES
    + r"(?:\s+\S{0,8}报道)?\s*[）)】\]]?$"
)
_TRAILING_BYLINE = re.compile(r"[（(]\s*(?:\S{0,8}?(?:记者|通讯员))\s*" + _NAMES + r"(?:\s*\S{0,6}报道)?\s*[）)]$")
_BYLINE_MAX = 40


def byline(line: str) -> str | None:
    """The first writer a byline names (`本报记者 葛灵丹` -> 葛灵丹), on a short line of its own or as
    a bracketed byline closing a paragraph; None for any other line."""
    if len(line) <= _BYLINE_MAX:
        m = _BYLINE.match(line.strip())
        if m is not None:
            return m.group("name")
    m = _TRAILING_BYLINE.search(line[-_BYLINE_MAX:])
    return m.group("name") if m is not None else None


_PROSE = re.compile(r"[。！？!?；;，,]")
_HEADER_LINE_MAX = 300
_UNLABELLED_DATE_LINE_MAX = 100


def header_of_lines(lines: list[str]) -> HeaderFields:
    """Every field of a header region (the lines between the title and the body), whether the
    header is one line or split over several elements (`<li>发布时间：...</li><li>来源：...</li>`).

    The first value of each field wins. A line without a labelled date that is short and not prose
    gives its date too (`2019-11-5 10:22 | 发布者: admin`, WeChat's bare publish time): in the
    header region a bare date is the header's.
    """
    fields = HeaderFields()
    for line in lines:
        if len(line) > _HEADER_LINE_MAX:
            continue
        got = parse_header(line)
        if got.published is None and len(line) <= _UNLABELLED_DATE_LINE_MAX and not _PROSE.search(line):
            got = replace(got, published=parse_date(line))
        fields = merge_header(fields, got)
    return fields


_BRACKETS = "()（）[]【】 \t\u3000\u00a0"
_CREDIT_MAX = 60


def credit_line(line: str) -> HeaderFields | None:
    """The fields of a credit line after a body (`（责任编辑：胡晓蓉）`, `来源：巴彦淖尔日报 编辑：苏亮`):
    a short line that opens with a source or author label and is not prose; None for any other."""
    inner = line.strip(_BRACKETS)
    if len(line) > _CREDIT_MAX or _SENTENCE_END.search(inner):
        return None
    m = _FIELD_RE.match(inner)
    if m is None or _LABEL_OF[m.group("label")] not in ("source", "author"):
        return None
    fields = parse_header(inner)
    return fields if (fields.source or fields.author) else None


_SENTENCE_END = re.compile(r"[。！？!?]")


def find_header(lines: list[str], max_lines: int = 400) -> tuple[int, HeaderFields] | None:
    """The first line that reads as a header line: a labelled date, or labelled views plus another field.

    Used by the fallback over a whole page's lines, where a lone `来源:` or `作者:` in a sidebar or the
    body must not be taken for the article's header.
    """
    for index, line in enumerate(lines[:max_lines]):
        if len(line) > 300 or not _FIELD_RE.search(line):
            continue
        fields = parse_header(line)
        if fields.published is not None:
            return index, fields
        if fields.views is not None and (fields.source is not None or fields.author is not None):
            return index, fields
    return None


def normalise_space(text: str) -> str:
    """Collapse whitespace runs (incl. &nbsp; and the ideographic space) to one space, and strip.

    str.split() splits on exactly the characters a regex `\\s` matches (both use Python's Unicode
    whitespace test, which includes both), at a quarter of the cost of a regex substitution."""
    return " ".join(text.split())
