"""Footer patterns: the seed page's footer, the later ICP and police-record variants, the vendor line."""

from __future__ import annotations

import pytest

from scraper.footer import parse_footer
from scraper.records import FooterRecord

SEED = FooterRecord(
    org="江西省南昌市总工会", icp="赣ICP备18016234号-1", police_record=None, phone="0791-83868027",
    email="ncghwlzx@163.com", address="南昌市红谷滩新区会展路29号", postcode="330038",
)


def test_seed_footer_with_its_blank_lines() -> None:
    text = ("江西省南昌市总工会 赣ICP备18016234号-1\n\n电话:0791-83868027 邮箱:ncghwlzx@163.com\n\n"
            "地址:南昌市红谷滩新区会展路29号 邮编:330038")
    assert parse_footer(text) == SEED


def test_new_icp_and_police_record_with_nbsp_and_single_newlines() -> None:
    text = ("江西省南昌市总工会\u00a0赣ICP备2025061944号-1\n赣公网安备\u00a0\u00a036010802000253号\n"
            "电话：0791-83868027\u3000邮箱：ncghwlzx@163.com\n地址：南昌市红谷滩新区会展路29号 邮编：330038")
    footer = parse_footer(text)
    assert footer.icp == "赣ICP备2025061944号-1"
    assert footer.police_record == "赣公网安备 36010802000253号"
    assert (footer.org, footer.phone, footer.email, footer.address, footer.postcode) == (
        SEED.org, SEED.phone, SEED.email, SEED.address, SEED.postcode)


def test_vendor_one_line_footer_names_the_organisation_not_the_vendor() -> None:
    text = ("CopyRight 2011-2018 江西省南昌市总工会 版权所有 地址:南昌市红谷滩新区会展路29号 电话:0791-83868027 "
            "邮编:330038 赣ICP备18016234号-1 技术支撑:南昌傲亚信息有限公司")
    footer = parse_footer(text)
    assert footer == FooterRecord(org="江西省南昌市总工会", icp="赣ICP备18016234号-1", phone="0791-83868027",
                            address="南昌市红谷滩新区会展路29号", postcode="330038")


@pytest.mark.parametrize("text", [
    "版权所有：江西省南昌市总工会 技术支持: 南昌傲亚信息有限公司",
    "技术支撑: 南昌傲亚信息有限公司 主办单位:江西省南昌市总工会",
    "Copyright © 2018 江西省南昌市总工会版权所有",
])
def test_org_labelled_or_beside_copyright(text: str) -> None:
    assert parse_footer(text).org == "江西省南昌市总工会"


def test_unlabelled_phone_and_icp_without_suffix() -> None:
    footer = parse_footer("联系我们 0791-83868027 赣ICP备18016234号")
    assert (footer.phone, footer.icp) == ("0791-83868027", "赣ICP备18016234号")


def test_no_footer_text_gives_an_empty_footer() -> None:
    assert parse_footer("").is_empty()
    assert parse_footer("首页 工会新闻 通知公告").is_empty()
