"""The simulator's timeline over real HTTP: advance, edits, deletions, restorations, views, footer, 304."""

from __future__ import annotations

import pytest
import requests

from tests.support.sim import article_fields, get, listed_truth, page_tree, walk_list


def _by_id(truth: dict) -> dict[int, dict]:
    return {a["id"]: a for a in truth["articles"]}


def test_advance_endpoint_and_start_day_give_the_same_site(sim_factory):
    stepped = sim_factory(articles=80, seed=2)
    started = sim_factory(articles=80, seed=2, day=4)
    assert requests.get(stepped.url + "/__sim__/advance", timeout=5).status_code == 405
    assert requests.post(stepped.url + "/__sim__/advance", timeout=5).json() == {"day": 1}
    assert requests.post(stepped.url + "/__sim__/advance?days=2", timeout=5).json() == {"day": 3}
    assert stepped.advance() == 4 and stepped.state.day == 4
    t1, t2 = stepped.truth(), started.truth()
    assert t1["day"] == t2["day"] == 4 and t1["date"] == "2024-11-01"
    assert [{k: v for k, v in a.items() if k != "url"} for a in t1["articles"]] == [
        {k: v for k, v in a.items() if k != "url"} for a in t2["articles"]
    ]
    for art in t1["articles"][::9]:
        assert get(f"{stepped.url}/article/{art['id']}").content == get(f"{started.url}/article/{art['id']}").content


def test_new_articles_top_the_lists_and_are_dated_after_the_newest(sim_factory):
    srv = sim_factory(articles=60, seed=1, new_per_day=(3, 3))
    before = srv.truth()
    newest = max(a["published"] for a in before["articles"])
    srv.advance(2)
    after = srv.truth()
    new = [a for a in after["articles"] if a["first_day"] > 0]
    assert len(new) == 6 and all(a["published"] > newest for a in new)
    assert {a["published"] for a in new} == {"2024-10-29", "2024-10-30"}
    assert min(a["id"] for a in new) > max(a["id"] for a in before["articles"])
    for cat in (3, 174, 175, 176):
        listed = listed_truth(after, cat)
        new_linked = [a["id"] for a in listed if a["first_day"] > 0]
        assert [a["id"] for a in listed[: len(new_linked)]] == new_linked
        assert [w[0] for w in walk_list(srv.url, cat)] == [a["id"] for a in listed]


@pytest.mark.slow
def test_edits_change_content_etag_and_last_modified_views_do_not(sim_factory):
    srv = sim_factory(articles=120, seed=5, edit_rate=0.3, delete_rate=0.0)  # enough edits for every kind
    before = srv.truth(full=True)
    pages = {a["id"]: get(a["url"]) for a in before["articles"]}
    srv.advance()
    after = srv.truth(full=True)
    old, new = _by_id(before), _by_id(after)
    edited = [i for i, a in new.items() if a["edited_days"] == [1]]
    untouched = [i for i, a in new.items() if not a["edited_days"] and a["first_day"] == 0]
    assert len(edited) > 10 and untouched
    kinds = {new[i]["edits"][0]["kind"] for i in edited}
    assert kinds == {"title_fix", "paragraph_added", "paragraph_removed", "image_replaced"}
    for i in edited:
        a, b = old[i], new[i]
        kind = b["edits"][0]["kind"]
        resp = get(b["url"])
        fields = article_fields(page_tree(resp))
        assert resp.headers["ETag"] != pages[i].headers["ETag"]
        assert resp.headers["Last-Modified"] != pages[i].headers["Last-Modified"]
        assert resp.headers["ETag"] == b["etag"] != a["etag"]
        assert fields["title"] == b["title"] and "\n\n".join(fields["paragraphs"]) == b["body_text"]
        if kind == "title_fix":
            assert b["title"] != a["title"] and b["body_text"] == a["body_text"]
        elif kind == "paragraph_added":
            assert b["body_text"].count("\n\n") == a["body_text"].count("\n\n") + 1 + (b["quirk"] == "body_repeated")
        elif kind == "paragraph_removed":
            assert b["body_text"].count("\n\n") < a["body_text"].count("\n\n")
        else:
            assert b["images"] != a["images"] and b["body_text"] == a["body_text"]
            assert len(b["images"]) == len(a["images"])
    for i in untouched[:20]:
        resp = get(new[i]["url"])
        assert resp.headers["ETag"] == pages[i].headers["ETag"]
        assert resp.headers["Last-Modified"] == pages[i].headers["Last-Modified"]
        assert new[i]["views"] > old[i]["views"]
        assert resp.content != pages[i].content  # the view count on the page moved


def test_each_deletion_kind_behaves_and_restoration_brings_the_article_back(sim_factory):
    srv = sim_factory(articles=150, seed=11, edit_rate=0.0, delete_rate=0.1, restore_rate=0.0)
    before = _by_id(srv.truth(full=True))
    srv.advance()
    truth = srv.truth()
    deleted = {a["deletion_kind"]: a for a in truth["articles"] if a["status"] == "deleted"}
    assert set(deleted) == {"404", "not_exist_page", "redirect_home"}
    assert all(a["deleted_days"] == [1] for a in deleted.values())
    gone = get(deleted["404"]["url"])
    assert gone.status_code == 404
    page = get(deleted["not_exist_page"]["url"])
    assert page.status_code == 200 and "ETag" not in page.headers
    tree = page_tree(page)
    assert [p.text_content() for p in tree.cssselect("div.detail-wrap > p.no-article")] == ["该文章不存在或已被删除!"]
    assert not tree.cssselect("#zoom")
    redirect = requests.get(deleted["redirect_home"]["url"], allow_redirects=False, timeout=5)
    assert redirect.status_code == 302 and redirect.headers["Location"] == "/"
    assert get(deleted["redirect_home"]["url"]).url == srv.url + "/"
    listed = {i for c in (3, 174, 175, 176) for i, _, _ in walk_list(srv.url, c)}
    assert not listed & {a["id"] for a in truth["articles"] if a["status"] == "deleted"}
    # restoration: the same site with restore_rate 1 brings every deletion back the next day
    back = sim_factory(articles=150, seed=11, edit_rate=0.0, delete_rate=0.1, restore_rate=1.0, day=1)
    back.advance()
    restored = [a for a in back.truth(full=True)["articles"] if a["restored_days"] == [2]]
    assert {a["id"] for a in restored} == {a["id"] for a in truth["articles"] if a["status"] == "deleted"}
    for art in restored:
        assert art["status"] == "live" and art["deletion_kind"] is None and art["deleted_days"] == [1]
        resp = get(art["url"])
        assert resp.status_code == 200
        assert "\n\n".join(article_fields(page_tree(resp))["paragraphs"]) == before[art["id"]]["body_text"]
        assert resp.headers["ETag"] == before[art["id"]]["etag"]


def test_views_grow_every_day_for_live_articles_and_show_on_the_page(sim):
    day0 = _by_id(sim.truth())
    sim.advance()
    day1 = _by_id(sim.truth())
    sim.advance()
    day2 = _by_id(sim.truth())
    for i, a in day2.items():
        if i in day0 and a["status"] == "live" and day1[i]["status"] == "live" and day0[i]["status"] == "live":
            assert day0[i]["views"] < day1[i]["views"] < a["views"]
    art = next(a for a in day2.values() if a["status"] == "live" and a["header_line"])
    info = article_fields(page_tree(get(art["url"])))["info"]
    assert info.endswith(f"浏览量:{art['views']}")


def test_footer_switch_day_and_police_line(sim_factory):
    srv = sim_factory(articles=20, seed=1)
    url = f"{srv.url}/article/{srv.truth()['articles'][0]['id']}"

    def footer_lines() -> list[str]:
        return article_fields(page_tree(get(url)))["footer"]

    seen = []
    for day in range(0, 6):
        truth_footer = srv.truth()["footer"]
        lines = footer_lines()
        assert lines[0] == f"江西省南昌市总工会 {truth_footer['icp']}"
        assert (truth_footer["police_record"] in lines) if truth_footer["police_record"] else len(lines) == 3
        seen.append((day, truth_footer["icp"], truth_footer["police_record"]))
        srv.advance()
    assert [s[1] for s in seen] == ["赣ICP备18016234号-1"] * 3 + ["赣ICP备2025061944号-1"] * 3
    assert [s[2] for s in seen] == [None] * 5 + ["赣公网安备 36010802000253号"]
    assert footer_lines()[-1] == "赣公网安备 36010802000253号"


def test_conditional_requests_get_304_until_content_changes(sim_factory):
    srv = sim_factory(articles=80, seed=5, edit_rate=0.3, delete_rate=0.0)
    art = srv.truth()["articles"][3]
    first = get(art["url"])
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    by_etag = get(art["url"], headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.content == b"" and by_etag.headers["ETag"] == etag
    assert get(art["url"], headers={"If-Modified-Since": modified}).status_code == 304
    assert get(art["url"], headers={"If-None-Match": '"other"'}).status_code == 200
    assert get(art["url"], headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    # a mismatching ETag wins over a matching date
    both = get(art["url"], headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert both.status_code == 200
    for _ in range(30):
        srv.advance()
        now = _by_id(srv.truth())[art["id"]]
        if now["status"] != "live":
            continue
        resp = get(art["url"], headers={"If-None-Match": etag, "If-Modified-Since": modified})
        if now["edited_days"]:
            assert resp.status_code == 200 and resp.headers["ETag"] != etag
            return
        assert resp.status_code == 304  # views grew, but a 304 hides that
    raise AssertionError("article was never edited within 30 days at edit_rate 0.3")
