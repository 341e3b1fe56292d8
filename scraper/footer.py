"""The site-wide footer -> `FooterRecord`, by text pattern.

The footer is versioned on its own in the archive (its ICP number, police record and contact lines
change over time, independently of any article), so it is read field by field from its text rather
than stored as a blob. The same patterns read the profile's footer element, the vendor front end's
one-line `CopyRight 2011-2018 ...` footer, and footer lines the fallback finds in a page's text.

Values are normalised only in whitespace: runs of spaces (and &nbsp;) become one space, so a footer
that merely changes its line breaks does not count as a new footer version.
"""

from __future__ import annotations

import re

from scraper.records import FooterRecord

__all__ = ["parse_footer", "FOOTER_MARKER", "FOOTER_PATTERN_SOURCE"]

_SEP = r"[ \t\u00a0\u3000]*[:：][ \t\u00a0\u3000]*"
_ICP = re.compile(r"[\u4e00-\u9fff]\s*ICP\s*[备证]\s*(\d+)\s*号(?:\s*[-－—]\s*(\d+))?", re.IGNORECASE)
_POLICE = re.compile(r"([\u4e00-\u9fff])\s*公网安备\s*(\d+)\s*号?")
_PHONE_LABELLED = re.compile(
    r"(?:联系电话|办公电话|服务热线|热线电话|电话号码|电话|热线|Tel|TEL|Phone)" + _SEP + r"(\+?[\d(（][\d\-－() （）]{5,}\d)",
)
_PHONE_BARE = re.compile(r"(?<!\d)(0\d{2,3}[-－]\d{7,8})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_ADDRESS = re.compile(r"(?:通讯地址|联系地址|单位地址|地址|地 址)" + _SEP + r"([^\s|｜,，;；]+)")
_POSTCODE = re.compile(r"(?:邮政编码|邮编)" + _SEP + r"(\d{6})(?!\d)")
_ORG_LABELLED = re.compile(r"(?:主办单位|主办|版权所有)" + _SEP + r"([^\s|｜,，;；:：]+)")
# Names that belong to the web vendor, not the organisation.
_VENDOR = re.compile(
    r"(?:技术支撑|技术支持|网站设计|网站建设|设计制作|制作维护|设计|制作|维护|承建|Powered\s+by)"
    r"[ \t\u00a0\u3000]*[:：]?[ \t\u00a0\u3000]*[^\s|｜]*",
    re.IGNORECASE,
)
_ORG_TOKEN = re.compile(
    r"^[\u4e00-\u9fff（）()]{3,40}(?:会|委|局|厅|院|部|办|处|中心|公司|政府|集团|学校|大学|站|馆|社)$"
)
_LABELLED_SPAN = re.compile(r"\S*[:：]\S*")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")

# A line containing one of these is footer matter (used to pick footer lines out of a whole page).
FOOTER_MARKER = re.compile(
    r"ICP\s*[备证]|公网安备|copyright|版权所有|©|邮编|邮政编码|技术支撑|技术支持|主办单位", re.IGNORECASE
)

FOOTER_PATTERN_SOURCE = "\n".join(
    p.pattern
    for p in (_ICP, _POLICE, _PHONE_LABELLED, _PHONE_BARE, _EMAIL, _ADDRESS, _POSTCODE, _ORG_LABELLED, _VENDOR, _ORG_TOKEN)
)


def _org(lines: list[str]) -> str | None:
    for line in lines:
        m = _ORG_LABELLED.search(line)
        if m and _ORG_TOKEN.match(m.group(1)):
            return m.group(1)
    for line in lines:
        line = _VENDOR.sub(" ", line)
        line = _LABELLED_SPAN.sub(" ", line)  # 地址:..., 电话:... are never the organisation
        for token in line.split():
            token = token.strip("©|｜,，;；")
            if token.endswith("版权所有"):
                token = token[: -len("版权所有")]
            if _ORG_TOKEN.match(token):
                return token
    return None


def parse_footer(text: str) -> FooterRecord:
    """Every footer field found in `text` (the footer's text, lines separated by newlines)."""
    text = text[-20000:]  # a footer is short; bound the work on a whole page's text
    lines = [s for s in (_SPACES.sub(" ", raw).strip() for raw in text.splitlines()) if s]
    flat = "\n".join(lines)

    icp = None
    m = _ICP.search(flat)
    if m:
        prefix = flat[m.start()]
        icp = f"{prefix}ICP备{m.group(1)}号" + (f"-{m.group(2)}" if m.group(2) else "")
    police = None
    m = _POLICE.search(flat)
    if m:
        police = f"{m.group(1)}公网安备 {m.group(2)}号"
    phone = None
    m = _PHONE_LABELLED.search(flat)
    if m:
        phone = m.group(1).strip()
    else:
        m = _PHONE_BARE.search(flat)
        if m:
            phone = m.group(1)
    m = _EMAIL.search(flat)
    email = m.group(0) if m else None
    m = _ADDRESS.search(flat)
    address = m.group(1) if m else None
    if address:
        address = re.split(r"邮编|邮政编码|电话|邮箱", address)[0] or None
    m = _POSTCODE.search(flat)
    postcode = m.group(1) if m else None
    return FooterRecord(
        org=_org(lines),
        icp=icp,
        police_record=police,
        phone=phone,
        email=email,
        address=address,
        postcode=postcode,
    )
