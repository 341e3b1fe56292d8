"""Chinese-site date and time strings -> ISO 8601 in site-local time (Asia/Shanghai, +08:00).

Pages write dates as 2018-10-12, 2018/10/12, 2018.10.12, 2018年10月12日 or 2018-1-2, sometimes with a
time (21:23, 21:23:57, 21时23分), sometimes in full-width digits. Everything is normalised here, in one
place, so the header parser, the list-page parser and the fallback extractor agree on what a date is.
Impossible dates (month 13, Feb 30) and years outside 1990..2100 are not dates: they are usually ids,
phone numbers or version strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

__all__ = ["DateValue", "find_dates", "find_month_dates", "normalise_digits", "parse_date", "MIN_YEAR", "MAX_YEAR"]

MIN_YEAR = 1990
MAX_YEAR = 2100
SITE_OFFSET = "+08:00"


@dataclass(frozen=True)
class DateValue:
    """A date found in text: ISO form, the text it came from, and whether a time was given."""

    iso: str  # "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM(:SS)+08:00" ("YYYY-MM" only from find_month_dates)
    raw: str  # the matched substring of the original text
    has_time: bool
    precision: str = "day"  # "day" (or finer, see has_time); "month" only from find_month_dates

    @property
    def day(self) -> str:
        """The calendar day, "YYYY-MM-DD", whether or not a time was given."""
        return self.iso[:10]


# One character in, one character out, so match positions in the normalised text are positions in
# the original and `raw` can be cut from the original.
_FULLWIDTH = {ord("０") + i: ord("0") + i for i in range(10)}
_FULLWIDTH.update(
    {
        ord("："): ord(":"),
        ord("－"): ord("-"),
        ord("／"): ord("/"),
        ord("．"): ord("."),
        ord("\u00a0"): ord(" "),  # &nbsp;
        ord("\u3000"): ord(" "),  # ideographic space
        ord("\u2002"): ord(" "),
        ord("\u2003"): ord(" "),
        ord("\u2009"): ord(" "),
        ord("\u2010"): ord("-"),
        ord("\u2011"): ord("-"),
        ord("\u2013"): ord("-"),
    }
)


def normalise_digits(text: str) -> str:
    """Full-width digits and punctuation -> ASCII, odd spaces -> " "; length is preserved."""
    return text.translate(_FULLWIDTH)


_YEAR = r"(?<![\d])(?P<y>\d{4})"
_TIME = (
    r"(?:[ \t]{0,3}|T|[ \t]{0,3}[\r\n]{1,2}[ \t]{0,3})"
    r"(?P<ap0>上午|下午|晚上|早上)?[ \t]{0,2}"
    r"(?:(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?![\d:])"
    r"(?:\.\d{1,6})?(?P<tz>Z|[+-](?:0\d|1[0-4]):?[0-5]\d)?(?![\d])"
    r"|(?P<hc>\d{1,2})[时點点](?P<mic>\d{1,2})分(?:(?P<sc>\d{1,2})秒)?)"
    r"(?:[ \t]?(?P<ap>[AaPp]\.?[Mm]\.?(?![A-Za-z])))?"
)
_DATE = re.compile(
    r"(?:"
    + _YEAR
    + r"(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d])(?!\.\d)"
    + r"|(?<![\d])(?P<y2>\d{4})\s{0,2}年\s{0,2}(?P<m2>\d{1,2})\s{0,2}月\s{0,2}(?P<d2>\d{1,2})(?![\d])\s{0,2}[日号]?"
    # M/D/YYYY, as ASP pages print it ("7/5/2005 9:23:57 PM"); Chinese pages never write D/M/YYYY.
    + r"|(?<![\d/.])(?P<m3>\d{1,2})/(?P<d3>\d{1,2})/(?P<y3>\d{4})(?![\d/])"
    + r")"
    + r"(?:"
    + _TIME
    + r")?"
)


def _time_part(m: re.Match[str]) -> tuple[int, int, int | None] | None:
    h, mi, s = m.group("h", "mi", "s")
    if h is None:
        h, mi, s = m.group("hc", "mic", "sc")
    if h is None or mi is None:
        return None
    hour, minute = int(h), int(mi)
    second = int(s) if s is not None else None
    ampm = (m.group("ap") or m.group("ap0") or "").lower()
    if ampm:
        if hour > 12 and ampm[0] in "a上早":
            return None
        if ampm[0] in "p下晚" and hour < 12:
            hour += 12
        elif ampm[0] in "a上早" and hour == 12:
            hour = 0
    if hour > 23 or minute > 59 or (second is not None and second > 59):
        return None
    return hour, minute, second


_DAY_TAIL = re.compile(r"\s{0,2}[日号]?")


def _from_match(m: re.Match[str], original: str) -> DateValue | None:
    # One group() call per form: the header parser reads a date on every page.
    y, mo, d = m.group("y", "m", "d")
    day_group = "d"
    if y is None:
        y, mo, d = m.group("y2", "m2", "d2")
        day_group = "d2"
        if y is None:
            y, mo, d = m.group("y3", "m3", "d3")
            day_group = "y3"
    year, month, day = int(y), int(mo), int(d)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        date(year, month, day)  # validates (Feb 30 is not a date)
    except ValueError:
        return None
    iso = f"{year:04d}-{month:02d}-{day:02d}"
    time = _time_part(m)
    if time is None:
        # Cut the raw text where the date itself ends (a rejected time is not part of it).
        end = m.end(day_group)
        if end < m.end():
            tail = _DAY_TAIL.match(m.string, end, m.end()).group(0)
            end += len(tail) if ("日" in tail or "号" in tail) else 0
        return DateValue(iso=iso, raw=original[m.start() : end], has_time=False)
    hour, minute, second = time
    tz = m.group("tz")
    if tz and tz not in ("+08:00", "+0800"):
        # An explicit other offset (ISO meta tags often say Z): convert to site-local time.
        offset = UTC if tz == "Z" else _offset(tz)
        local = datetime(year, month, day, hour, minute, second or 0, tzinfo=offset).astimezone(_SITE_TZ)
        if not MIN_YEAR <= local.year <= MAX_YEAR:
            return None
        iso = local.date().isoformat()
        hour, minute = local.hour, local.minute
        second = local.second if second is not None else None
    clock = f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second is not None else "")
    return DateValue(iso=f"{iso}T{clock}{SITE_OFFSET}", raw=original[m.start() : m.end()], has_time=True)


_SITE_TZ = timezone(timedelta(hours=8))


def _offset(tz: str) -> timezone:
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def find_dates(text: str) -> list[DateValue]:
    """Every plausible date in `text`, in reading order."""
    if not text:
        return []
    norm = text if text.isascii() else normalise_digits(text)
    found: list[DateValue] = []
    pos = 0
    while True:
        m = _DATE.search(norm, pos)
        if m is None:
            return found
        value = _from_match(m, text)
        if value is not None:
            found.append(value)
            pos = m.end()
        else:
            pos = m.start() + 1  # "12018-10-12" style junk: retry one character on


_MONTH_ONLY = re.compile(r"(?<![\d])(?P<y>\d{4})\s{0,2}年\s{0,2}(?P<m>\d{1,2})\s{0,2}月(?!\s{0,2}\d)")


def find_month_dates(text: str) -> list[DateValue]:
    """Month-precision dates (1998年3月, 《北京之春》1998年3月号), iso "YYYY-MM", in reading order.

    Never returned by `find_dates`/`parse_date`: a page's header date is a day. Only a caller that
    has found no day at all may fall back to these (magazine issues are dated by month).
    """
    found: list[DateValue] = []
    for m in _MONTH_ONLY.finditer(normalise_digits(text or "")):
        year, month = int(m.group("y")), int(m.group("m"))
        if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
            found.append(DateValue(f"{year:04d}-{month:02d}", text[m.start() : m.end()], False, "month"))
    return found


def parse_date(text: str) -> DateValue | None:
    """The first plausible date in `text` (e.g. the value after 发布时间:), or None."""
    dates = find_dates(text)
    return dates[0] if dates else None
