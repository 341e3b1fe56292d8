"""The pure article state rules (archive.articles.decide), property-tested without a database."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.articles import PAGE_REGRESSION, PARSE_REGRESSION, ArticleBefore, Sighting, decide
from archive.model import ArticleContent
from archive.versions import has_title_and_body, normalize_content
from archive.vocab import ArticleStatus, Outcome

# A few small contents, normalised as derivation hands them over; every one has a title or a body.
contents = st.builds(
    lambda title, body, author: normalize_content(
        ArticleContent(
            title=title,
            column=None,
            published_at=None,
            source=None,
            author=author,
            body_text=body,
            body_html="",
        )
    ),
    st.sampled_from(["标题", "另一个标题", None]),
    st.sampled_from(["正文第一段", "正文 第二版", ""]),
    st.sampled_from([None, "作者"]),
).filter(lambda c: bool(c.title or c.body_text))

views = st.none() | st.integers(0, 10**6)


@st.composite
def befores(draw: st.DrawFn) -> ArticleBefore:
    version = draw(st.none() | st.integers(1, 5))
    return ArticleBefore(
        status=draw(st.sampled_from([ArticleStatus.LIVE, ArticleStatus.GONE])),
        missing_streak=draw(st.integers(0, 5)),
        version=version,
        content=None if version is None else draw(contents),
    )


@st.composite
def sightings(draw: st.DrawFn) -> Sighting:
    outcome = draw(
        st.sampled_from(
            [Outcome.OK, Outcome.NOT_MODIFIED, Outcome.MISSING, Outcome.PARSE_ERROR, Outcome.FETCH_ERROR]
        )
    )
    return Sighting(
        outcome=outcome,
        parse_error="no body" if outcome == Outcome.PARSE_ERROR else None,
        content=draw(contents) if outcome == Outcome.OK else None,
        missing_reason="http_404" if outcome == Outcome.MISSING else None,
        views=draw(views),
    )


gone_afters = st.integers(1, 3)
PINNED = settings(max_examples=100, deadline=None, derandomize=True)


@PINNED
@given(befores(), sightings(), gone_afters)
def test_a_gone_article_seen_again_is_restored(before, seen, gone_after):
    before = replace(before, status="gone")
    if seen.outcome not in (Outcome.OK, Outcome.NOT_MODIFIED):
        seen = replace(
            seen, outcome=Outcome.NOT_MODIFIED, content=None, parse_error=None, missing_reason=None
        )
    d = decide(before, seen, gone_after)
    assert d is not None
    if d.outcome == Outcome.PARSE_ERROR:  # a parse regression is not a sighting
        assert d.status == "gone" and not d.events
        return
    assert d.events[0] == ("restored", before.version, None)
    assert (d.status, d.missing_streak) == ("live", 0)


@PINNED
@given(befores(), sightings(), views, gone_afters)
def test_a_view_count_only_change_is_never_an_edit(before, seen, other_views, gone_after):
    if before.content is not None and seen.outcome == Outcome.OK:
        seen = replace(seen, content=before.content)  # the same article, only the count moved
    d = decide(before, seen, gone_after)
    assert d == decide(before, replace(seen, views=other_views), gone_after)
    if d is not None and before.content is not None and seen.content == before.content:
        assert d.changed == () and d.version == before.version
        assert not any(event in ("new", "edited") for event, _, _ in d.events)


@PINNED
@given(befores(), sightings(), gone_afters)
def test_missing_counts_and_goes_once(before, seen, gone_after):
    seen = replace(seen, outcome=Outcome.MISSING, content=None, parse_error=None, missing_reason="http_410")
    d = decide(before, seen, gone_after)
    assert d is not None
    assert d.missing_streak == before.missing_streak + 1
    goes = before.status == "live" and d.missing_streak >= gone_after
    assert d.events == ((("gone", before.version, "http_410"),) if goes else ())
    assert d.status == ("gone" if goes or before.status == "gone" else "live")
    assert d.version == before.version and d.shown_version is None and not d.seen


@PINNED
@given(befores(), sightings(), gone_afters)
def test_errors_neither_count_as_missing_nor_reset_the_streak(before, seen, gone_after):
    for outcome in (Outcome.FETCH_ERROR, Outcome.PARSE_ERROR):
        d = decide(before, replace(seen, outcome=outcome, content=None), gone_after)
        assert d is not None
        assert (d.status, d.missing_streak, d.version, d.events) == (
            before.status,
            before.missing_streak,
            before.version,
            (),
        )


@PINNED
@given(sightings(), gone_afters)
def test_a_never_seen_id_that_shows_nothing_is_left_to_its_capture(seen, gone_after):
    d = decide(None, seen, gone_after)
    if seen.outcome in (Outcome.MISSING, Outcome.FETCH_ERROR):
        assert d is None
    else:
        assert d is not None and d.create and (d.status, d.missing_streak) == ("live", 0)


@PINNED
@given(st.none() | befores(), sightings(), gone_afters)
def test_a_version_is_made_exactly_when_new_or_edited(before, seen, gone_after):
    d = decide(before, seen, gone_after)
    if d is None:
        return
    old = before.version if before is not None else None
    made = [e for e in d.events if e[0] in ("new", "edited")]
    if d.new_version:
        assert d.version == (old or 0) + 1 and d.shown_version == d.version
        assert made == [("new" if d.version == 1 else "edited", d.version, made[0][2])]
        assert not d.touch_current
    else:
        assert d.version == old and made == []


@PINNED
@given(befores(), contents, gone_afters)
def test_losing_title_or_body_of_a_full_parse_is_a_parse_failure(before, content, gone_after):
    if before.content is None or not has_title_and_body(before.content) or has_title_and_body(content):
        return
    d = decide(before, Sighting(Outcome.OK, content=content), gone_after)
    assert d is not None
    assert (d.outcome, d.parse_error, d.content, d.changed) == (
        Outcome.PARSE_ERROR,
        PARSE_REGRESSION,
        None,
        (),
    )
    assert d.version == before.version and d.shown_version is None


ARTICLE = normalize_content(ArticleContent(
    title="关于开展2022年集体协商要约的通知", column=None, published_at="2022-03-01", source=None, author=None,
    body_text="各县区总工会：" + "为深入推进集体协商工作，" * 40, body_html="",
))


@PINNED
@given(st.sampled_from(["首页", "系统提示", ARTICLE.title]), st.sampled_from(["系统提示", "服务器正忙，请稍后再试。"]),
       st.integers(1, 5), gone_afters)
def test_a_busy_page_in_the_sites_frame_is_no_edit(title, body, version, gone_after):
    busy = normalize_content(replace(ARTICLE, title=title, published_at=None, body_text=body))
    before = ArticleBefore(ArticleStatus.LIVE, 0, version, ARTICLE)
    d = decide(before, Sighting(Outcome.OK, content=busy), gone_after)
    assert d is not None and (d.outcome, d.parse_error, d.changed) == (Outcome.PARSE_ERROR, PAGE_REGRESSION, ())
    assert d.version == version and d.events == ()


@pytest.mark.parametrize("edit", [
    {"body_text": "更正：" + ARTICLE.body_text[:50]},  # a body cut to a fifth, the date kept: an edit
    {"published_at": None},  # the date dropped, the body kept: an edit
    {"published_at": None, "body_text": ARTICLE.body_text[: len(ARTICLE.body_text) // 2]},  # half the body
])
def test_edits_that_keep_the_date_or_most_of_the_body_are_edits(edit):
    new = normalize_content(replace(ARTICLE, **edit))
    d = decide(ArticleBefore(ArticleStatus.LIVE, 0, 1, ARTICLE), Sighting(Outcome.OK, content=new), 2)
    assert d is not None and d.outcome == Outcome.OK and d.version == 2 and d.changed


def _replay(before: ArticleBefore | None, seen: list[Sighting], gone_after: int) -> tuple:
    """Apply a sequence of sightings; the article's state and every event, in order."""
    events = []
    for s in seen:
        d = decide(before, s, gone_after)
        if d is None:
            continue
        events += [e for e, _, _ in d.events]
        content = d.content if d.content is not None else (before.content if before else None)
        before = ArticleBefore(d.status, d.missing_streak, d.version, content)
    state = None if before is None else (before.status, before.missing_streak, before.version)
    return state, events


@given(
    st.none() | befores(),
    st.lists(st.sampled_from([Outcome.MISSING, Outcome.BLOCKED, Outcome.OK, Outcome.FETCH_ERROR]), max_size=12),
    contents,
    st.integers(1, 4),
)
@settings(max_examples=80)
def test_block_pages_change_nothing_about_an_article(before, outcomes, content, gone_after):
    """A WAF's page is no sighting: leaving every blocked capture out of any sequence of captures gives
    the same article state and the same events (never missing, no step toward gone_after, no version)."""
    seen = [Sighting(o, content=content if o == Outcome.OK else None) for o in outcomes]
    assert _replay(before, seen, gone_after) == _replay(before, [s for s in seen if s.outcome != Outcome.BLOCKED], gone_after)
    for s in seen:
        if s.outcome == Outcome.BLOCKED:
            d = decide(before, s, gone_after)
            assert d is None or (not d.events and d.content is None and not d.seen and not d.shows_article)
