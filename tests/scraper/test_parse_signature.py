"""Body lines that are not prose: attachment lines (`scraper.signature.is_attachment_line`)."""

from __future__ import annotations

import pytest

from scraper.signature import is_attachment_line


@pytest.mark.parametrize(("line", "names", "expected"), [
    ("附件:报名表.xls", ["报名表.xls"], True),
    ("相关附件1: 报名表.xls、a.pdf", ["报名表.xls", "a.pdf"], True),
    ("附件:报名表.xls 请按时报送", ["报名表.xls"], False),
    ("附件:", ["报名表.xls"], False),
    ("报名表.xls；a.pdf", ["a.pdf", "报名表.xls"], True),
    ("附件：报名表.xls", ["报名表", "报名表.xls"], True),  # the longer name is taken out first
    ("附件:表.xls 报名表.xls", ["表.xls"], False),
    ("请各单位按时报送。", ["a.pdf"], False),
])  # fmt: skip
def test_is_attachment_line_examples(line: str, names: list[str], expected: bool) -> None:
    assert is_attachment_line(line, names) is expected
