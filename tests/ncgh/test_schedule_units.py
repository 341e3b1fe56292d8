"""The fixed revisit schedule (`[revisit] policy = "schedule"`, ncgh/schedule.py): pure, no archive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from archive.queue import ArticleState
from ncgh.config import config_from_dict
from ncgh.schedule import CONFIRM, DUE, FILL, GONE_RECHECK, RETRY, classify, plan_revisits

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
REVISIT = config_from_dict({"revisit": {"policy": "schedule"}}).revisit  # schedule [[7, 1], [30, 3], [365, 14], [100000, 60]]


def iso(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


def facts(article_id=1, published_days_ago=100, captured_days_ago=1.0, **kw) -> ArticleState:
    published = (NOW.astimezone(TZ) - timedelta(days=published_days_ago)).date().isoformat()
    base = dict(
        article_id=article_id,
        status="live",
        first_seen=iso(published_days_ago),
        last_seen=iso(captured_days_ago),
        last_capture_at=iso(captured_days_ago),
        last_change_at=iso(published_days_ago),
        published_at=published,
        last_url=None,
        etag='"e1"',
        last_modified="Wed, 01 Jan 2025 00:00:00 GMT",
        missing_streak=0,
        version=1,
        views_at=iso(captured_days_ago),
    )
    base.update(kw)
    return ArticleState(**base)


# ---- the revisit schedule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "captured", "due"),
    [
        (3, 1.0, True),  # a week-old article: daily
        (3, 0.5, False),
        (20, 2.0, False),  # a month-old one: every 3 days
        (20, 3.0, True),
        (200, 10, False),  # a year-old one: every 14 days
        (200, 14, True),
        (2000, 45, False),  # older: every 60 days
        (2000, 60, True),
    ],
)
def test_interval_follows_the_age_of_the_article(age, captured, due):
    revisit = classify(facts(published_days_ago=age, captured_days_ago=captured), REVISIT, NOW, TZ)
    assert (revisit is not None) == due
    if due:
        assert revisit.reason == DUE


def test_slack_keeps_a_drifting_daily_cron_daily():
    assert classify(facts(published_days_ago=2, captured_days_ago=0.98), REVISIT, NOW, TZ) is not None


def test_undated_article_ages_from_first_seen():
    undated = facts(published_days_ago=3, captured_days_ago=1, published_at=None)
    assert classify(undated, REVISIT, NOW, TZ) is not None
    old_undated = facts(published_days_ago=400, captured_days_ago=1, published_at=None)
    assert classify(old_undated, REVISIT, NOW, TZ) is None


def test_recently_edited_old_article_is_revisited_daily():
    edited = facts(published_days_ago=2000, captured_days_ago=1, version=2, last_change_at=iso(5))
    assert classify(edited, REVISIT, NOW, TZ).reason == DUE
    long_ago = facts(published_days_ago=2000, captured_days_ago=1, version=2, last_change_at=iso(40))
    assert classify(long_ago, REVISIT, NOW, TZ) is None
    first_version = facts(published_days_ago=2000, captured_days_ago=1, version=1, last_change_at=iso(5))
    assert classify(first_version, REVISIT, NOW, TZ) is None  # being new is not being edited


def test_missing_once_is_confirmed_at_the_next_run_without_validators():
    r = classify(facts(captured_days_ago=0.01, missing_streak=1, last_seen=iso(1)), REVISIT, NOW, TZ)
    assert r.reason == CONFIRM and r.etag is None and r.last_modified is None


def test_failed_or_unparsed_capture_is_retried_at_the_next_run():
    failed = facts(captured_days_ago=0.01, last_seen=iso(1))
    assert classify(failed, REVISIT, NOW, TZ).reason == RETRY
    unparsed = facts(captured_days_ago=0.01, version=None)
    assert classify(unparsed, REVISIT, NOW, TZ).reason == RETRY


def test_gone_articles_are_rechecked_rarely():
    assert classify(facts(status="gone", captured_days_ago=10, missing_streak=2), REVISIT, NOW, TZ) is None
    r = classify(facts(status="gone", captured_days_ago=31, missing_streak=2), REVISIT, NOW, TZ)
    assert r.reason == GONE_RECHECK and r.etag is None


def test_budget_takes_the_most_urgent_first():
    cfg = config_from_dict({"revisit": {"budget": 3}}).revisit
    items = [
        facts(1, published_days_ago=2000, captured_days_ago=61),  # barely due
        facts(2, published_days_ago=2000, captured_days_ago=300),  # long overdue
        facts(3, captured_days_ago=0.01, missing_streak=1),  # confirm a deletion
        facts(4, published_days_ago=2000, captured_days_ago=100),
        facts(5, published_days_ago=2000, captured_days_ago=1),  # not due
    ]
    plan = plan_revisits(items, cfg, NOW, TZ)
    assert [r.article_id for r in plan] == [3, 2, 4]
    assert plan_revisits(items, config_from_dict({"revisit": {"budget": 0}}).revisit, NOW, TZ) == []


def test_fill_spends_the_rest_of_the_budget_on_the_most_overdue_relative_to_their_interval():
    cfg = config_from_dict({"revisit": {"budget": 4}}).revisit  # fill_budget = true by default
    items = [
        facts(1, published_days_ago=2000, captured_days_ago=61),  # due
        facts(2, published_days_ago=2000, captured_days_ago=30),  # 30/60 = 0.5
        facts(3, published_days_ago=200, captured_days_ago=10),  # 10/14 = 0.71
        facts(4, published_days_ago=2000, captured_days_ago=5),  # 5/60 = 0.08
        facts(5, published_days_ago=2000, captured_days_ago=40),  # 40/60 = 0.67
        facts(6, published_days_ago=2000, captured_days_ago=0.2),  # captured today: never a fill
        facts(7, status="gone", captured_days_ago=20, missing_streak=2),  # gone: only its own recheck
    ]
    plan = plan_revisits(items, cfg, NOW, TZ)
    assert [(r.article_id, r.reason) for r in plan] == [(1, DUE), (3, FILL), (5, FILL), (2, FILL)]
    assert all(r.overdue < 1 for r in plan[1:])
    bigger = plan_revisits(items, config_from_dict({"revisit": {"budget": 100}}).revisit, NOW, TZ)
    assert [r.article_id for r in bigger] == [1, 3, 5, 2, 4]
    off = config_from_dict({"revisit": {"budget": 100, "fill_budget": False}}).revisit
    assert [r.article_id for r in plan_revisits(items, off, NOW, TZ)] == [1]
    later = config_from_dict({"revisit": {"budget": 100, "fill_min_days": 7}}).revisit
    assert [r.article_id for r in plan_revisits(items, later, NOW, TZ)] == [1, 3, 5, 2]


def test_fill_keeps_validators_and_view_count_sampling():
    cfg = config_from_dict({"revisit": {"budget": 10}}).revisit
    # views sampled every unconditional_every_days = 7 (the default)
    fresh, stale = facts(1, captured_days_ago=2, views_at=iso(2)), facts(2, captured_days_ago=8, views_at=iso(8))
    by_id = {r.article_id: r for r in plan_revisits([fresh, stale], cfg, NOW, TZ)}
    assert by_id[1].reason == FILL and by_id[1].etag == '"e1"'
    assert by_id[2].etag is None and by_id[2].last_modified is None  # a full fetch yields a view count


def test_fill_visits_every_live_article_within_size_over_budget_runs():
    """Daily runs with nothing due: the fill works through the site oldest capture first."""
    cfg = config_from_dict({"revisit": {"budget": 5}}).revisit
    captured = {i: 1.0 + i / 100 for i in range(1, 21)}  # days before NOW; 20 old articles, none due
    for day in range(4):  # 20 articles / budget 5 = 4 runs
        now = NOW + timedelta(days=day)
        arts = [
            facts(i, published_days_ago=2000, last_seen=iso(ago), last_capture_at=iso(ago), views_at=iso(ago))
            for i, ago in captured.items()
        ]
        plan = plan_revisits(arts, cfg, now, TZ)
        assert len(plan) == 5 and all(r.reason == FILL for r in plan)
        for r in plan:
            captured[r.article_id] = -day  # captured at this run
    assert all(v <= 0 for v in captured.values()), "every article revisited within 4 runs"


def test_validators_unless_view_counts_are_stale():
    fresh_views = facts(published_days_ago=3, captured_days_ago=1, views_at=iso(1))
    r = classify(fresh_views, REVISIT, NOW, TZ)
    assert r.etag == '"e1"' and r.last_modified
    stale_views = facts(published_days_ago=3, captured_days_ago=1, views_at=iso(7))  # default: every 7 days
    assert classify(stale_views, REVISIT, NOW, TZ).etag is None  # a 304 would hide view growth
    never = config_from_dict({"revisit": {"conditional": False}}).revisit
    assert classify(fresh_views, never, NOW, TZ).etag is None
    always = config_from_dict({"revisit": {"unconditional_every_days": 0}}).revisit
    assert classify(stale_views, always, NOW, TZ).etag == '"e1"'


def test_undated_pages_of_the_first_backfill_count_as_old():
    backfill_end = iso(30)
    old_page = facts(published_days_ago=40, captured_days_ago=2, published_at=None)  # first seen 40 days ago
    assert classify(old_page, REVISIT, NOW, TZ, backfill_until=backfill_end) is None  # 60-day interval
    new_page = facts(published_days_ago=3, captured_days_ago=1, published_at=None)  # found after the backfill
    assert classify(new_page, REVISIT, NOW, TZ, backfill_until=backfill_end).reason == DUE
