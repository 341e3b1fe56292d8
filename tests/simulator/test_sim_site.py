"""The simulator's URL space and content over real HTTP: determinism, URL forms, lists, API, truth."""

from __future__ import annotations

import gzip
import io
import json

import pytest
import requests

from simulator import SimConfig, SimServer
from simulator.draw import LEAD_MIN
from tests.support.sim import article_fields, get, listed_truth, page_tree, text_of, walk_list

API_LIST = "/nczhgh.interface/api/cms/article/list?pageNum={page}&pageSize={size}&categoryId={cat}&orderBy=created"
API_IDS = "/nczhgh.interface/api/cms/article/getIdsList?categoryId={cat}"


@pytest.fixture(scope="module")
def big_sim():
    """A larger corpus shared by the read-only tests of this module."""
    with SimServer(SimConfig(articles=300, seed=7)) as server:
        yield server


def test_same_seed_same_bytes_other_seed_other_site(sim_factory):
    a, b, c = sim_factory(articles=80, seed=3), sim_factory(articles=80, seed=3), sim_factory(articles=80, seed=4)
    truth_a = a.truth()["articles"]
    ids = [x["id"] for x in truth_a]
    assert ids == [x["id"] for x in b.truth()["articles"]]
    assert ids != [x["id"] for x in c.truth()["articles"]]
    paths = [f"/nczhghcms/article/{i}" for i in ids[::7]] + [
        "/", "/nczhghcms/category/3?pageNum=2", API_LIST.format(page=1, size=12, cat=3), API_IDS.format(cat=174),
    ]
    for path in paths:
        ra, rb = get(a.url + path), get(b.url + path)
        assert ra.status_code == rb.status_code
        assert ra.content == rb.content, path
        assert ra.headers.get("ETag") == rb.headers.get("ETag")


def test_both_url_forms_and_vendor_page_serve_the_same_article(sim):
    art = next(a for a in sim.truth(full=True)["articles"] if a["status"] == "live")
    long_form = get(f"{sim.url}/nczhghcms/article/{art['id']}")
    short_form = get(f"{sim.url}/article/{art['id']}")
    assert long_form.status_code == short_form.status_code == 200
    assert long_form.content == short_form.content
    assert long_form.headers["ETag"] == short_form.headers["ETag"]
    vendor = get(f"{sim.url}/plugin/gh/ghzx/pc_detail.php?erid=34&id={art['id']}&yiid=32")
    assert vendor.status_code == 200
    tree = page_tree(vendor)
    assert text_of(tree.cssselect(".ay-tit")[0]) == art["title"]
    body = "\n\n".join(text_of(p) for p in tree.cssselect(".ay-text p") if text_of(p))
    assert body.startswith(art["body_text"])
    assert not tree.cssselect("h2.detail-title, td.art-title, h1.article-title, #zoom, .detail-content, .footer")
    copy = text_of(tree.cssselect(".ay-copy")[0])
    assert copy.startswith("CopyRight 2011-2018") and "技术支撑:南昌傲亚信息有限公司" in copy
    side = tree.text_content()
    assert side.index("通知公告") > side.index(art["body_text"][:20]) and "视频播放" in side


def test_ids_scattered_not_in_date_order_some_unlinked(big_sim):
    arts = big_sim.truth()["articles"]
    ids = [a["id"] for a in arts]
    assert len(set(ids)) == len(ids) == 300
    assert 800 <= min(ids) < 1500 and 20000 < max(ids) <= 27000
    dates = [a["published"] for a in arts]
    assert min(dates) < "2012-07-01" and max(dates) == "2024-10-28"
    band = sorted((a for a in arts if 3700 <= a["id"] <= 10500), key=lambda a: a["id"])
    falling = sum(1 for x, y in zip(band, band[1:], strict=False) if x["published"] >= y["published"])
    assert falling > 0.8 * (len(band) - 1), "ids 3700-10500 should fall as dates rise"
    unlinked = [a for a in arts if not a["linked"]]
    assert 3 <= len(unlinked) <= 40
    assert {a["template"] for a in arts} == {"old", "current", "nav2020"}
    assert any(not a["header_line"] for a in arts) and any(a["column"] for a in arts)
    assert any(not a["column"] for a in arts)
    sig = [a["signature"] for a in arts if a["signature"]]
    assert any("(" in s for s in sig) and any(":" in s for s in sig) and any("年" in s for s in sig)


def test_list_pages_and_api_agree_with_truth(big_sim):
    truth = big_sim.truth()
    unlinked = {a["id"] for a in truth["articles"] if not a["linked"]}
    for cat in (3, 174, 175, 176):
        expected = listed_truth(truth, cat)
        walked = walk_list(big_sim.url, cat)
        assert [w[0] for w in walked] == [a["id"] for a in expected]
        assert [(w[1], w[2]) for w in walked] == [(a["title"], a["published"]) for a in expected]
        api_ids: list[int] = []
        page = 1
        while True:
            doc = get(big_sim.url + API_LIST.format(page=page, size=12, cat=cat)).json()
            assert doc["code"] == 200 and doc["data"]["total"] == len(expected)
            items = doc["data"]["list"]
            if not items:
                break
            for item in items:
                art = next(a for a in expected if a["id"] == item["id"])
                assert item["title"] == art["title"] and item["created"] == art["created"]
            api_ids += [item["id"] for item in items]
            page += 1
        assert api_ids == [a["id"] for a in expected]
        # getIdsList answers the category's child categories, not its articles
        ids_doc = get(big_sim.url + API_IDS.format(cat=cat)).json()
        assert ids_doc["code"] == "200"
        assert [x["id"] for x in ids_doc["data"]] == ([175, 176] if cat == 174 else [])
        assert not unlinked & set(api_ids)
    # article/list without categoryId: every category's articles, newest first
    every = get(big_sim.url + "/nczhgh.interface/api/cms/article/list?pageNum=1&pageSize=100&orderBy=created").json()
    listed = [a for a in truth["articles"] if a["linked"] and a["status"] == "live"]
    listed.sort(key=lambda a: (a["created"], a["id"]), reverse=True)
    assert every["data"]["total"] == len(listed)
    assert [x["id"] for x in every["data"]["list"]] == [a["id"] for a in listed[:100]]
    assert {x["categoryId"] for x in every["data"]["list"]} == {3, 174, 175, 176}
    home = get(big_sim.url + "/").text
    assert all(f"/nczhghcms/category/{c}?pageNum=1" in home for c in (3, 174, 175, 176))


def test_list_shape_path_serves_lists_under_another_url(sim_factory):
    srv = sim_factory(articles=60, seed=1, list_shape="path")
    home = get(srv.url + "/").text
    assert "/nczhghcms/list/3_1.html" in home and "/nczhghcms/category/" not in home
    page = get(srv.url + "/nczhghcms/list/3_2.html").text
    assert "/nczhghcms/list/3_3.html" in page or "/nczhghcms/list/3_1.html" in page
    assert get(srv.url + "/nczhghcms/category/3?pageNum=1").status_code == 404


def test_api_login_refuses_every_api_request(sim_factory):
    srv = sim_factory(articles=20, seed=1, api_login=True)
    for path in (API_LIST.format(page=1, size=12, cat=3), API_IDS.format(cat=174)):
        answer = get(srv.url + path)
        assert answer.status_code == 200 and answer.json() == {"code": 401, "msg": "请先登录", "data": None}


def test_unlinked_articles_are_reachable_only_by_id(big_sim):
    truth = big_sim.truth()
    hidden = [a for a in truth["articles"] if not a["linked"]]
    assert hidden  # else the loop below checks nothing
    pages = [get(f"{big_sim.url}/nczhghcms/article/{a['id']}").text for a in truth["articles"][:40]]
    pages.append(get(big_sim.url + "/").text)
    for art in hidden:
        assert get(f"{big_sim.url}/article/{art['id']}").status_code == 200
        assert not any(f"/article/{art['id']}\"" in p for p in pages)


@pytest.mark.slow
def test_pages_match_truth_full(big_sim):
    """What truth?full=1 says is exactly what the templates put on each page."""
    truth = json.loads(get(big_sim.url + "/__sim__/truth?full=1").content)
    footer = truth["footer"]
    seen_images = seen_attachments = 0
    seen_players: set[str] = set()
    for art in truth["articles"]:
        resp = get(art["url"])
        assert resp.status_code == 200
        f = article_fields(page_tree(resp))
        assert f["title"] == art["title"]
        assert "\n\n".join(f["paragraphs"]) == art["body_text"], art["id"]
        low = LEAD_MIN if art["video"] else 200  # a video lesson's body is a short lead
        assert low <= len(art["body_text"]) <= 5000 * (2 if art["quirk"] == "body_repeated" else 1)
        video = art["video"]
        assert [big_sim.url + s for s in f["videos"]] == ([video["url"]] if video else [])
        if video:
            seen_players.add(video["player"])
            assert [big_sim.url + s for s in f["posters"]] == ([] if video["player"] == "embed" else [video["poster"]])
        assert "\n".join(f["signature"]) == (art["signature"] or "")
        assert [big_sim.url + s for s in f["images"]] == [i["src"] for i in art["images"]]
        assert f["captions"] == [i["caption"] for i in art["images"] if i["caption"]]
        assert [(big_sim.url + h, n) for h, n in f["attachments"]] == [(x["url"], x["name"]) for x in art["attachments"]]
        if art["header_line"]:
            if art["template"] == "nav2020":
                assert f["info"] == f"发布时间:{art['published']}   来源:{art['source']}   浏览量:{art['views']}"
            else:
                assert f["info"] == f"发布时间:{art['published']} 浏览量:{art['views']}"
        else:
            assert f["info"] is None
        assert f["footer"][0] == f"{footer['org']} {footer['icp']}"
        assert f["footer"][1:3] == [f"电话:{footer['phone']} 邮箱:{footer['email']}",
                                    f"地址:{footer['address']} 邮编:{footer['postcode']}"]
        if art["template"] == "nav2020":
            assert page_tree(resp).cssselect("div.nav-bar")
        seen_images += len(art["images"])
        seen_attachments += len(art["attachments"])
    assert seen_images and seen_attachments
    assert seen_players == {"video_src", "video_source", "embed"}


def test_attachments_and_images_are_real_files(big_sim):
    truth = big_sim.truth(full=True)["articles"]
    atts = {x["url"].rsplit(".", 1)[1]: x["url"] for a in truth for x in a["attachments"]}
    imgs = {x["src"].rsplit(".", 1)[1]: x["src"] for a in truth for x in a["images"]}
    assert set(atts) == {"pdf", "doc", "xls", "docx", "xlsx"} and set(imgs) == {"jpg", "png"}
    pdf = get(atts["pdf"])
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4") and pdf.content.rstrip().endswith(b"%%EOF")
    xref = int(pdf.content.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf.content[xref : xref + 4] == b"xref"
    assert get(atts["doc"]).headers["Content-Type"] == "application/msword"
    assert get(atts["doc"]).content.startswith(b"{\\rtf1")
    xls = get(atts["xls"])
    assert xls.headers["Content-Type"] == "application/vnd.ms-excel" and b"<Workbook" in xls.content
    # The 2007+ files are real documents the archive's text readers open; every format carries the
    # attachment's code word (found nowhere else on the site).
    import docx
    import openpyxl
    from pypdf import PdfReader

    for ext in ("docx", "xlsx", "pdf"):
        resp = get(atts[ext])
        code = "ncghatt" + atts[ext].rsplit("/", 1)[1].rsplit(".", 1)[0].replace("_", "x")
        if ext == "docx":
            text = "\n".join(p.text for p in docx.Document(io.BytesIO(resp.content)).paragraphs)
        elif ext == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(resp.content)).active
            text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)
        else:
            text = PdfReader(io.BytesIO(resp.content)).pages[0].extract_text()
        assert code in text, (ext, text)
    png = get(imgs["png"])
    assert png.headers["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    jpg = get(imgs["jpg"])
    assert jpg.headers["Content-Type"] == "image/jpeg"
    assert jpg.content[:2] == b"\xff\xd8" and jpg.content[-2:] == b"\xff\xd9"
    assert get(big_sim.url + "/nczhghcms/upload/files/201201/1_1.pdf").status_code == 404


def test_robots_admin_and_unknown_urls(sim):
    robots = get(sim.url + "/robots.txt")
    assert robots.status_code == 200 and "Disallow: /nczhghcms/admin/" in robots.text
    admin = get(sim.url + "/nczhghcms/admin/")
    assert admin.status_code == 200 and "后台管理" in admin.content.decode()
    known = {a["id"] for a in sim.truth()["articles"]}
    unknown = next(i for i in range(5000, 6000) if i not in known)
    for path in (f"/nczhghcms/article/{unknown}", f"/article/{unknown}", "/nczhghcms/article/abc", "/nope",
                 f"/plugin/gh/ghzx/pc_detail.php?erid=34&id={unknown}&yiid=32", "/nczhghcms/category/9?pageNum=1"):
        assert get(sim.url + path).status_code == 404, path
    assert any(entry[1] == "/nczhghcms/admin/" for entry in sim.request_log)


def test_list_page_beyond_the_end_is_empty_and_has_no_next(sim):
    tree = page_tree(get(sim.url + "/nczhghcms/category/3?pageNum=999"))
    assert tree.cssselect("ul.news-list") and not tree.cssselect("ul.news-list > li")
    assert not tree.cssselect("div.pagination a.next")
    doc = get(sim.url + API_LIST.format(page=999, size=12, cat=3)).json()
    assert doc["data"]["list"] == [] and doc["data"]["total"] > 0


def test_gzip_and_content_length(sim):
    art = sim.truth()["articles"][0]
    url = f"{sim.url}/nczhghcms/article/{art['id']}"
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, stream=True, timeout=10)
    raw_plain = plain.raw.read(decode_content=False)
    assert "Content-Encoding" not in plain.headers
    assert int(plain.headers["Content-Length"]) == len(raw_plain)
    zipped = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    raw_zipped = zipped.raw.read(decode_content=False)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) == len(raw_zipped) < len(raw_plain)
    assert gzip.decompress(raw_zipped) == raw_plain
    head = requests.head(url, timeout=10)
    assert head.status_code == 200 and head.content == b""
