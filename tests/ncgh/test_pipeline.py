"""ncgh.pipeline: how a fetch becomes a capture (outcome, missing reason, content), live and stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from archive.store import Archive
from archive.vocab import MissingReason, Outcome
from ncgh import pipeline, record_fields
from ncgh.config import load_config, to_fetch_policy, to_site_profile
from ncgh.pipeline import interpret, interpret_stored
from scraper.fetch import Fetcher
from scraper.records import FetchErrorKind, FetchResult, RedirectHop
from tests.support.archive import content, page_html

CFG = load_config()
PROFILE = to_site_profile(CFG)
PATHS = CFG.site.article_paths
URL = "http://www.ncgh.org.cn/nczhghcms/article/1234"
WHEN = datetime(2026, 11, 26, 13, 0, 0, tzinfo=timezone(timedelta(hours=8)))

MISSING_HTML = (
    "<html><head><meta charset='utf-8'><title>南昌市总工会</title></head><body>"
    "<div class='detail-wrap'><p class='no-article'>该文章不存在或已被删除!</p></div>"
    "<div class='footer'><p>主办:江西省南昌市总工会</p></div></body></html>"
).encode()


def result(status=200, body=b"", error=None, final_url=URL, redirects=(), headers=None) -> FetchResult:
    return FetchResult(
        url=URL,
        final_url=final_url,
        status=status,
        headers=headers if headers is not None else [("Content-Type", "text/html; charset=utf-8")],
        body=body,
        fetched_at=WHEN,
        elapsed=0.01,
        attempts=1,
        redirects=list(redirects),
        error=error,
        error_detail=None if error is None else "detail",
    )


def classify(fetch: FetchResult, kind: str = "article"):
    return interpret("ncgh", URL, fetch, PROFILE, PATHS, kind=kind, run_id=3, work_item_id=9)


@pytest.mark.parametrize(
    ("status", "reason"), [(404, MissingReason.HTTP_404), (410, MissingReason.HTTP_410)]
)
def test_404_and_410_are_missing(status, reason):
    capture = classify(result(status, b"<html>not found</html>", error=FetchErrorKind.HTTP_STATUS))
    assert capture.outcome == Outcome.MISSING
    assert capture.missing_reason == reason
    assert capture.article_id == 1234
    assert capture.content is None


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, FetchErrorKind.HTTP_STATUS),
        (503, FetchErrorKind.HTTP_STATUS),
        (429, FetchErrorKind.HTTP_STATUS),
        (None, FetchErrorKind.TIMEOUT),
        (None, FetchErrorKind.CONNECTION),
        (200, FetchErrorKind.TOO_LARGE),
        (200, FetchErrorKind.TRUNCATED),
        (302, FetchErrorKind.OFF_SITE_REDIRECT),
    ],
)
def test_fetch_trouble_is_never_missing(status, error):
    capture = classify(result(status, b"", error=error))
    assert capture.outcome == Outcome.FETCH_ERROR
    assert capture.error == error.value
    assert capture.missing_reason is None


def test_304_is_not_modified():
    capture = classify(result(304, b"", headers=[("ETag", '"abc"')]))
    assert capture.outcome == Outcome.NOT_MODIFIED
    assert capture.body is None
    assert capture.headers == [("ETag", '"abc"')]


def test_redirect_to_home_is_missing():
    hop = RedirectHop(URL, 302, "/")
    capture = classify(result(200, b"<html><body>home</body></html>", final_url="http://www.ncgh.org.cn/", redirects=[hop]))
    assert capture.outcome == Outcome.MISSING
    assert capture.missing_reason == MissingReason.REDIRECT_HOME
    assert capture.redirects == [(URL, 302, "/")]


@pytest.mark.parametrize("home", ["http://www.ncgh.org.cn/", "http://www.ncgh.org.cn", "http://www.ncgh.org.cn/index.html",
                                  "http://www.ncgh.org.cn/Default.aspx"])
def test_redirect_to_an_index_page_is_the_home_page(home):
    capture = classify(result(200, b"<html><body>home</body></html>", final_url=home, redirects=[RedirectHop(URL, 302, home)]))
    assert capture.missing_reason == MissingReason.REDIRECT_HOME


@pytest.mark.parametrize("home", ["http://www.ncgh.org.cn/nczhghcms/", "http://www.ncgh.org.cn/nczhghcms/index.jsp",
                                  "http://www.ncgh.org.cn/nczhghcms/article/"])
def test_redirect_to_a_folder_the_article_lies_in_is_the_home_page(home):
    """A CMS installed under a folder shows its own home there (found by review: such deletions were fetch errors)."""
    capture = classify(result(200, b"<html><body>home</body></html>", final_url=home, redirects=[RedirectHop(URL, 302, home)]))
    assert capture.outcome == Outcome.MISSING and capture.missing_reason == MissingReason.REDIRECT_HOME


@pytest.mark.parametrize("where", ["http://www.ncgh.org.cn/login.jsp?returnUrl=%2Fnczhghcms%2Farticle%2F1234",
                                   "http://www.ncgh.org.cn/sso/login", "http://www.ncgh.org.cn/?returnUrl=x",
                                   "http://www.ncgh.org.cn/maintenance.html", "http://www.ncgh.org.cn/other/",
                                   "http://www.ncgh.org.cn/nczhghcms/login.jsp", "http://www.ncgh.org.cn/nczhghcms/?next=1"])
def test_redirect_to_a_login_or_any_other_page_is_a_fetch_error_never_missing(where):
    capture = classify(result(200, b"<html><body><form>login</form></body></html>", final_url=where,
                              redirects=[RedirectHop(URL, 302, where)]))
    assert capture.outcome == Outcome.FETCH_ERROR and capture.missing_reason is None
    assert capture.error == FetchErrorKind.REDIRECT_ELSEWHERE and where[:40] in capture.error_detail


@pytest.mark.parametrize("where", ["http://www.ncgh.org.cn/404.html", "http://www.ncgh.org.cn/error.jsp?code=404"])
def test_redirect_to_a_page_saying_the_article_does_not_exist_is_missing(where):
    """It was redirect_elsewhere every run: the deletion was never recorded and each crawl exited 1."""
    page = ("<html><head><meta charset='utf-8'><title>提示信息</title></head><body><div class='box'>"
            "<p>抱歉，您访问的页面不存在或已被删除！</p><a href='/'>返回首页</a></div></body></html>").encode()
    capture = classify(result(200, page, final_url=where, redirects=[RedirectHop(URL, 302, where)]))
    assert (capture.outcome, capture.missing_reason) == (Outcome.MISSING, MissingReason.NOT_EXIST_PAGE)


def test_redirect_to_another_article_is_missing_not_an_edit(tmp_path):
    other = "http://www.ncgh.org.cn/nczhghcms/article/9999"
    page = page_html(content(seed=2), 10)  # another article altogether
    first = classify(result(200, page_html(content(), 10).encode()))
    moved = classify(result(200, page.encode(), final_url=other, redirects=[RedirectHop(URL, 302, other)]))
    assert moved.outcome == Outcome.MISSING and moved.content is None
    assert moved.missing_reason == MissingReason.REDIRECT_OTHER_ARTICLE and moved.article_id == 1234
    for capture in (first, moved):
        capture.run_id = capture.work_item_id = None  # recorded outside a run
    moved.fetched_at = "2026-11-27T05:00:00+00:00"
    with Archive(tmp_path / "a.db") as archive:
        archive.record_capture(first)
        assert archive.record_capture(moved).version is None
        urls = archive.conn.execute("SELECT url FROM article_urls WHERE article_id = 1234").fetchall()
        versions = archive.conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    assert [u[0] for u in urls] == [URL] and versions == 1


def test_redirect_to_another_url_of_the_same_article_is_that_article():
    same = "http://www.ncgh.org.cn/nczhghcms/article/1234?from=list"
    capture = classify(result(200, page_html(content(), 10).encode(), final_url=same, redirects=[RedirectHop(URL, 302, same)]))
    assert capture.outcome == Outcome.OK and capture.article_id == 1234


def test_not_exist_page_is_missing():
    capture = classify(result(200, MISSING_HTML))
    assert capture.outcome == Outcome.MISSING
    assert capture.missing_reason == MissingReason.NOT_EXIST_PAGE
    assert capture.parser_version


def test_a_page_the_server_stopped_rendering_is_truncated_not_an_edit():
    """Content-Length met, so the fetcher believes the framing; but the page stops mid-body, before
    its footer and closing tags. It was a version with half the body (an invented edit, and another
    when the whole page came back)."""
    whole = page_html(content(), 100)
    cut = whole[: whole.index("</p>", len(whole) // 2)].encode()
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(cut)))]
    capture = classify(result(200, cut, headers=headers))
    assert (capture.outcome, capture.error, capture.content) == (Outcome.FETCH_ERROR, FetchErrorKind.TRUNCATED, None)
    assert "ends before </body> and </html>" in capture.error_detail
    assert classify(result(200, whole.encode(), headers=headers)).outcome == Outcome.OK


def test_a_cut_page_with_a_contact_line_is_still_cut():
    """Found by the last review: a body's 联系电话 line was read as the footer, so `footer is None`
    let a page cut mid-body become a version (whole, cut, whole: two edits that never happened).
    A page that never closes its document is now cut wherever its footer appears to be."""
    whole = page_html(content(), 100).replace('<div id="zoom"', '<p>联系电话：0791-86212345</p><div id="zoom"', 1)
    cut = whole[: whole.index("</p>", len(whole) // 2) + len("</p>")].encode()
    capture = classify(result(200, cut))
    assert capture.error == FetchErrorKind.TRUNCATED
    unclosed = page_html(content(), 100).replace("</body>", "").replace("</html>", "").encode()
    assert classify(result(200, unclosed)).error == FetchErrorKind.TRUNCATED  # loud on every run, its bytes kept


def test_unparseable_page_is_a_parse_error_not_an_edit():
    capture = classify(result(200, b"<html><body></body></html>"))
    assert capture.outcome == Outcome.PARSE_ERROR
    assert capture.parse_error
    assert capture.content is None


def test_parser_crash_becomes_a_parse_error(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("selector exploded")

    monkeypatch.setattr(pipeline, "parse_article", boom)
    monkeypatch.setattr(pipeline, "parse_decoded", boom)  # what the pipeline calls with a decoded page
    capture = classify(result(200, b"<html><body><p>x</p></body></html>"))
    assert capture.outcome == Outcome.PARSE_ERROR
    assert "RuntimeError: selector exploded" in capture.parse_error


def test_list_pages_are_ok_without_article_fields():
    capture = classify(result(200, b"<html><ul class='news-list'></ul></html>"), kind="list")
    assert capture.outcome == Outcome.OK
    assert capture.kind == "list"
    assert capture.article_id is None and capture.content is None
    failed = classify(result(404, b"", error=FetchErrorKind.HTTP_STATUS), kind="list")
    assert failed.outcome == Outcome.FETCH_ERROR  # a missing list page is not a missing article


def test_fetched_at_is_iso_utc_and_ids_are_carried():
    capture = classify(result(304))
    assert capture.fetched_at == "2026-11-26T05:00:00+00:00"
    assert capture.run_id == 3 and capture.work_item_id == 9
    assert record_fields.iso_utc(datetime(2026, 1, 1, 12, 0)) == "2026-01-01T12:00:00+00:00"


def test_real_article_from_the_simulator_maps_every_field(sim, tmp_path):
    truth = sim.truth(full=True)
    live = [a for a in truth["articles"] if a["status"] == "live" and a["images"]]
    art = live[0]
    url = f"{sim.url}/nczhghcms/article/{art['id']}"
    with Fetcher(to_fetch_policy(CFG, sim.url, delay=0)) as fetcher:
        fetch = fetcher.fetch(url)
    capture = interpret("ncgh", url, fetch, PROFILE, PATHS)
    assert capture.outcome == Outcome.OK, capture.parse_error
    assert capture.article_id == art["id"]
    shown = f"【{capture.content.column}】{capture.content.title}" if capture.content.column else capture.content.title
    assert shown == art["title"]
    assert capture.content.published_at.startswith(art["published"])
    assert capture.views == art["views"]
    assert capture.footer is not None and capture.footer.icp == truth["footer"]["icp"]
    assert capture.content.images and all(isinstance(i, tuple) and len(i) == 2 for i in capture.content.images)
    assert capture.encoding and capture.extractor in ("profile", "fallback")
    assert datetime.fromisoformat(capture.fetched_at).tzinfo == UTC or capture.fetched_at.endswith("+00:00")

    # The same capture stored and re-interpreted gives the same judgement (what `ncgh reparse` relies on).
    with Archive(tmp_path / "a.db") as archive:
        recorded = archive.record_capture(capture)
        assert recorded.event == "new"
        stored = archive.stored_capture(recorded.capture_id)
        body = archive.read_body(stored.body_sha256)
        again = interpret_stored(stored, body, PROFILE, PATHS)
    assert again.outcome == capture.outcome
    assert again.content == capture.content
    assert again.views == capture.views
    assert again.footer == capture.footer
    assert again.article_id == capture.article_id


def test_interpret_stored_keeps_a_stored_missing_judgement(tmp_path):
    capture = classify(result(404, b"gone", error=FetchErrorKind.HTTP_STATUS))
    capture.run_id = capture.work_item_id = None
    with Archive(tmp_path / "a.db") as archive:
        capture_id = archive.record_capture(capture).capture_id
        stored = archive.stored_capture(capture_id)
        again = interpret_stored(stored, archive.read_body(stored.body_sha256), PROFILE, PATHS)
    assert again.outcome == Outcome.MISSING and again.missing_reason == MissingReason.HTTP_404
    assert again.article_id == 1234


def test_a_page_cut_after_a_complete_tag_is_truncated_too():
    """The second review: a server that stops rendering often ends on a tag (`</p>`), and a rule that
    wanted the page to end mid-text let such a page become a version with 3 of its 8 paragraphs."""
    whole = page_html(content(), 100)
    cut = whole[: whole.index("</p>", len(whole) // 2) + len("</p>")].encode()
    assert classify(result(200, cut)).error == FetchErrorKind.TRUNCATED


def test_a_reparse_judges_again_what_this_module_judged_from_a_whole_page(tmp_path):
    """A capture once judged redirect_elsewhere (its page received whole) kept that error on every
    reparse, so the rule for a redirect to a not-exist page never reached the captures made before;
    and a reparse that judged a page anew left its error columns empty."""
    where = "http://www.ncgh.org.cn/404.html"
    page = "<html><body><p>抱歉，您访问的页面不存在或已被删除！</p></body></html>".encode()
    capture = classify(result(200, page, final_url=where, redirects=[RedirectHop(URL, 302, where)]))
    capture.outcome, capture.missing_reason = Outcome.FETCH_ERROR, None  # as the parser before the rule judged it
    capture.error, capture.error_detail = FetchErrorKind.REDIRECT_ELSEWHERE, "redirected to /404.html"
    capture.run_id = capture.work_item_id = None
    with Archive(tmp_path / "a.db") as archive:
        stored = archive.stored_capture(archive.record_capture(capture).capture_id)
        again = interpret_stored(stored, archive.read_body(stored.body_sha256), PROFILE, PATHS)
        assert (again.outcome, again.missing_reason, again.error) == (Outcome.MISSING, MissingReason.NOT_EXIST_PAGE, None)
    with Archive(tmp_path / "b.db") as archive:  # a page cut short, recorded as a version by a parser before the rule
        whole = page_html(content(), 100)
        cut = classify(result(200, whole[: whole.index("</p>", len(whole) // 2)].encode(), final_url=URL))
        cut.outcome, cut.error, cut.error_detail, cut.content = Outcome.OK, None, None, content()
        cut.run_id = cut.work_item_id = None
        capture_id = archive.record_capture(cut).capture_id
        archive.rebuild(lambda stored, body: interpret_stored(stored, body, PROFILE, PATHS))
        row = archive.conn.execute("SELECT outcome, error, error_detail FROM captures WHERE id = ?", (capture_id,)).fetchone()
        versions = archive.conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    assert row[0] == Outcome.FETCH_ERROR and row[1] == FetchErrorKind.TRUNCATED and "cut short" in row[2]  # error NULL before
    assert versions == 0


# ---- assets ----

DOC = "http://www.ncgh.org.cn/nczhghcms/upload/files/201901/1234_1.pdf"


def asset_fetch(status=200, body=b"%PDF-1.4 x", content_type="application/pdf", error=None, url=DOC) -> FetchResult:
    fetch = result(status=status, body=body, error=error, final_url=url, headers=[("Content-Type", content_type)])
    fetch.url = url
    return fetch


def classify_asset(fetch: FetchResult):
    return interpret("ncgh", fetch.url, fetch, PROFILE, PATHS, kind="asset")


@pytest.mark.parametrize(("status", "error", "outcome"), [
    (200, None, Outcome.OK), (304, None, Outcome.NOT_MODIFIED), (404, FetchErrorKind.HTTP_STATUS, Outcome.MISSING),
    (410, FetchErrorKind.HTTP_STATUS, Outcome.MISSING), (503, FetchErrorKind.HTTP_STATUS, Outcome.FETCH_ERROR),
    (None, FetchErrorKind.TOO_LARGE, Outcome.FETCH_ERROR),
])
def test_asset_outcomes(status, error, outcome):
    capture = classify_asset(asset_fetch(status=status, error=error, body=b"" if status != 200 else b"%PDF-1.4 x"))
    assert capture.outcome == outcome and capture.article_id is None and capture.kind == "asset"


def test_an_html_page_for_a_document_url_is_a_missing_attachment():
    # The site's home page (or an error page) served with 200 where a PDF was: the file is gone,
    # never "changed" into a web page.
    capture = classify_asset(asset_fetch(body=MISSING_HTML, content_type="text/html; charset=utf-8"))
    assert capture.outcome == Outcome.MISSING and capture.missing_reason == MissingReason.NOT_EXIST_PAGE

@pytest.mark.parametrize("name", ["a.png", "a.JPG?v=2", "x.css", "y.js", "lesson.mp4"])
def test_an_html_page_for_an_image_or_stylesheet_url_is_missing_too(name):
    url = "http://www.ncgh.org.cn/upload/" + name
    capture = classify_asset(asset_fetch(body=MISSING_HTML, content_type="text/html", url=url))
    assert capture.outcome == Outcome.MISSING and capture.missing_reason == MissingReason.NOT_EXIST_PAGE


def test_an_html_answer_for_a_url_naming_no_file_is_kept_as_answered():
    capture = classify_asset(asset_fetch(body=MISSING_HTML, content_type="text/html",
                                         url="http://www.ncgh.org.cn/getImage?id=3"))
    assert capture.outcome == Outcome.OK


def test_stylesheet_references_and_page_requisites_travel_with_the_capture():
    css = classify_asset(asset_fetch(body=b".a{background:url(../img/a.png)}", content_type="text/css",
                                     url="http://www.ncgh.org.cn/static/css/x.css"))
    assert [r.url for r in css.requisites] == ["http://www.ncgh.org.cn/static/img/a.png"]
    page = classify(result(body=MISSING_HTML.replace(b"</body>", b"<img src='/p.jpg'></body>")))
    assert page.requisites == ()  # a "does not exist" page makes no version: nothing is linked


def test_a_redirect_that_adds_a_java_session_to_the_url_is_the_same_article():
    """Every article of a servlet CMS answering 302 to its URL plus ;jsessionid= was redirect_elsewhere."""
    where = URL + ";jsessionid=8F3A2B9C0D.node1"
    capture = classify(result(200, page_html(content(), 10).encode(), final_url=where,
                              redirects=[RedirectHop(URL, 302, where)]))
    assert capture.outcome == Outcome.OK and capture.article_id == 1234


@pytest.mark.parametrize("home", ["http://www.ncgh.org.cn/;jsessionid=8F3A2B9C0D.node1",
                                  "http://www.ncgh.org.cn/index.jsp;jsessionid=8F3A2B9C0D"])
def test_a_redirect_to_the_home_page_with_a_java_session_is_the_home_page(home):
    capture = classify(result(200, b"<html><body>home</body></html>", final_url=home, redirects=[RedirectHop(URL, 302, home)]))
    assert (capture.outcome, capture.missing_reason) == (Outcome.MISSING, MissingReason.REDIRECT_HOME)


def test_a_cut_page_whose_print_script_writes_a_body_is_still_cut():
    """Found by the third review: a `</body>` inside a head script made a cut page look complete."""
    script = '<script>function doPrint(){var w=window.open();w.document.write("<html><body>"+x+"</body></html>");}</script>'
    whole = page_html(content(), 100).replace("</head>", script + "</head>")
    cut = whole[: whole.index("</p>", len(whole) // 2) + len("</p>")].encode()
    assert classify(result(200, cut)).error == FetchErrorKind.TRUNCATED
    assert classify(result(200, whole.encode())).outcome == Outcome.OK
