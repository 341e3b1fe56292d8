"""Body text lines that are not article prose: the trailing signature block and attachment lines.

The site ends many articles with the reporting unit or a name (`市第一医院`, `（通讯员 张三）`), often
followed by a date line; the record keeps that in `signature`, not in `body_text`. A line that only
names the article's attachments (`附件:报名表.xls`) is held by `attachments`.
"""

from __future__ import annotations

import re

__all__ = ["SIGNATURE_PATTERN_SOURCE", "is_attachment_line", "split_signature"]

_DATE_LINE = re.compile(
    r"^(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
    r"(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?$"
)
_BYLINE = re.compile(r"^[(（【\[][^()（）【】\[\]]{2,40}[)）】\]]$")
_ORG_END = (
    r"(?:总工会|工会|委员会|工委|联合会|协会|公司|集团|局|厅|办公室|办|中心|医院|学校|大学|学院|中学|小学|"
    r"幼儿园|街道|社区|镇|乡|村|区|县|市|部|处|科|站|所|厂|院|馆|队|委|会|组|室|党支部|支部|分会|报社|电视台)"
)
_NAME = r"[\u4e00-\u9fff·]{2,4}"
_ORG = r"[\u4e00-\u9fff（）()]{2,30}?" + _ORG_END
_SIGNATURE = re.compile(
    r"^(?:"
    + _ORG + r"(?:[ \u3000]*[:：]?[ \u3000]*" + _NAME + r"(?:[、,， ]" + _NAME + r")*)?"  # unit [name]
    + r"|" + _NAME  # a name alone
    + r"|(?:通讯员|供稿|撰稿|文|图|文/图|摄影|记者)[:：/ ]\s*[\u4e00-\u9fff·、 ]{2,20}"
    + r")$"
)
SIGNATURE_PATTERN_SOURCE = "\n".join((_DATE_LINE.pattern, _BYLINE.pattern, _SIGNATURE.pattern))


def _is_date_line(line: str) -> bool:
    return len(line) <= 24 and _DATE_LINE.match(line) is not None


def _is_signature(line: str) -> bool:
    if len(line) > 42:
        return False
    return _BYLINE.match(line) is not None or _SIGNATURE.match(line) is not None


def split_signature(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """(body paragraphs, signature): the trailing unit/name line or bracketed byline is the signature.

    A date line right after it (`2012年5月21日`) belongs to the signature block, and both leave the
    body (as the simulator's truth has it: the signature field holds the lines joined by a newline).
    A trailing date line with no signature before it is article text and stays. A one-paragraph body
    is the article, never its signature.
    """
    if len(paragraphs) < 2:
        return paragraphs, None
    date_line = _is_date_line(paragraphs[-1])
    k = -2 if date_line else -1
    if len(paragraphs) < 1 - k or not _is_signature(paragraphs[k]):
        return paragraphs, None
    return paragraphs[:k], "\n".join(paragraphs[k:])


_ATTACHMENT_LABEL = re.compile(r"^(?:相关)?附件\s*\d*\s*[:：]?\s*")
_LIST_SEP = re.compile(r"[\s,，、;；]+")


def is_attachment_line(line: str, names: list[str]) -> bool:
    """A line that only names attachments (`附件:报名表.xls`): the attachments field holds it."""
    rest = _ATTACHMENT_LABEL.sub("", line, count=1)
    if not rest:
        return False
    for name in sorted(names, key=len, reverse=True):
        rest = rest.replace(name, " ")
    return not _LIST_SEP.sub("", rest)  # only separators were left between the names
