"""The `rates` revisit policy: change-rate estimates and the plan they rank (ncgh.change_rates,
ncgh.revisit_rates); over real crawls of the simulator in test_crawl_freshness.py."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.queue import ArticleState
from ncgh.change_rates import Tally, estimate, mle_rate
from ncgh.config import config_from_dict
from ncgh.revisit_rates import class_key, class_priors, gone_interval, plan_rate_revisits
from ncgh.schedule import CONFIRM, EXPECTED, GONE_RECHECK, RETRY

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
CFG = config_from_dict({}).revisit  # policy "rates"


def iso(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


def facts(article_id=1, published_days_ago=1000, captured_days_ago=1.0, **kw) -> ArticleState:
    published = (NOW.astimezone(TZ) - timedelta(days=published_days_ago)).date().isoformat()
    base = dict(
        article_id=article_id, status="live", first_seen=iso(published_days_ago), last_seen=iso(captured_days_ago),
        last_capture_at=iso(captured_days_ago), last_change_at=iso(published_days_ago), published_at=published,
        last_url=None, etag='"e1"', last_modified=None, missing_streak=0, version=1, views_at=iso(captured_days_ago),
    )
    base.update(kw)
    return ArticleState(**base)


# ---- estimates ------------------------------------------------------------------------------------


def test_mle_of_equal_intervals_is_the_closed_form():
    """n intervals of Δ days, k with a change: λ = -log(1 - k/n) / Δ (no prior)."""
    tally = Tally()
    for i in range(100):
        tally.add(4.0, changed=i < 30)
    assert mle_rate(tally, prior_changes=0, prior_days=0) == pytest.approx(-math.log(0.7) / 4, rel=1e-6)


def test_long_intervals_do_not_hide_changes_that_coincide():
    """Changes / days would say 0.2 a day where every 5-day interval changed; the MLE says more."""
    tally = Tally()
    for _ in range(10):
        tally.add(5.0, changed=True)
    tally.add(1.0, changed=False)
    assert mle_rate(tally, 0, 0) > 10 / 51 * 2


def test_a_class_without_observations_keeps_its_prior_and_evidence_takes_over():
    priors = {(0, False): 1.0, (1, False): 1 / 60}
    none = estimate([], priors, prior_days=60)
    assert none.class_rate((0, False)) == pytest.approx(1.0, rel=1e-6)
    # the prior is one change in the class's interval: a few days of quiet already outweigh "daily"
    quiet = estimate([(i, (0, False), 1.0, False) for i in range(20)], priors, prior_days=60)
    assert quiet.class_rate((0, False)) < 0.06
    # 2,000 article-days of observation with 30 changes in 1-day intervals: about 0.015 a day
    obs = [(i, (1, False), 1.0, i < 30) for i in range(2000)]
    rates = estimate(obs, priors, prior_days=60)
    assert rates.class_rate((1, False)) == pytest.approx(0.0151, rel=0.05)


def test_an_article_edited_often_ranks_above_its_class():
    priors = {(0, False): 0.02}
    obs = [(1, (0, False), 5.0, True) for _ in range(6)] + [(2, (0, False), 30.0, False)]
    rates = estimate(obs, priors, prior_days=60)
    assert rates.rate(1, (0, False)) > rates.class_rate((0, False)) > rates.rate(2, (0, False))
    assert rates.rate(99, (0, False)) == rates.class_rate((0, False))  # never observed: the class


@given(
    st.lists(st.tuples(st.floats(0.01, 400), st.booleans()), max_size=40),
    st.floats(0, 10), st.floats(0, 1000),
)
def test_estimates_are_finite_and_within_bounds(spans, prior, weight):
    tally = Tally()
    for span, changed in spans:
        tally.add(span, changed)
    rate = mle_rate(tally, prior, weight)
    assert math.isfinite(rate) and 1e-6 * 0.99 <= rate <= 50 * 1.01


# ---- the plan -------------------------------------------------------------------------------------


def test_classes_follow_the_schedule_rows_and_recent_changes():
    assert class_key(3, False, CFG) == (0, False)
    assert class_key(200, True, CFG) == (2, True)
    assert class_key(float("inf"), False, CFG) == (3, False)
    priors = class_priors(CFG)
    assert priors[(3, False)] == pytest.approx(1 / 60) and priors[(3, True)] == 1.0


def test_gone_rechecks_decay_1_2_4_8_and_are_capped():
    went = iso(10)
    assert gone_interval(facts(status="gone", last_capture_at=iso(10)), went, CFG) == 1  # at once after it went
    assert gone_interval(facts(status="gone", last_capture_at=iso(8)), went, CFG) == pytest.approx(2)
    assert gone_interval(facts(status="gone", last_capture_at=iso(6)), went, CFG) == pytest.approx(4)
    long_gone = iso(400)
    assert gone_interval(facts(status="gone", last_capture_at=iso(5)), long_gone, CFG) == CFG.gone_recheck_days
    assert gone_interval(facts(status="gone"), None, CFG) == CFG.gone_recheck_days


def test_plan_takes_confirmations_retries_and_due_rechecks_first_then_expected_changes():
    quiet = [(100 + i, (3, False), 10.0, False) for i in range(100)]  # the class rarely changes
    rates = estimate([(5, (3, False), 5.0, True)] * 5 + quiet, class_priors(CFG), CFG.rate_prior_days)
    arts = [
        facts(1, captured_days_ago=2),
        facts(2, captured_days_ago=9),  # the same class, stalest: most expected changes
        facts(3, missing_streak=1),
        facts(4, last_seen=iso(3), captured_days_ago=1),  # the last capture failed
        facts(5, captured_days_ago=2),  # edited often: its own rate is higher
        facts(6, status="gone", last_capture_at=iso(4)),  # went 8 days ago, checked 4 days ago: due
        facts(7, status="gone", last_capture_at=iso(1)),  # checked yesterday: not due
        facts(8, captured_days_ago=0.2),  # captured today: never taken
    ]
    gone_at = {6: iso(8), 7: iso(8)}
    cfg = config_from_dict({"revisit": {"budget": 5}}).revisit
    plan = plan_rate_revisits(arts, cfg, NOW, TZ, rates, gone_at)
    assert [(r.article_id, r.reason) for r in plan] == [
        (3, CONFIRM), (4, RETRY), (6, GONE_RECHECK), (5, EXPECTED), (2, EXPECTED),
    ]
    everything = plan_rate_revisits(arts, config_from_dict({}).revisit, NOW, TZ, rates, gone_at)
    # Budget left over goes to gone articles not yet due (a restoration noticed the next day, not
    # weeks later), after every live article: 7 last; 8, captured today, never.
    assert {r.article_id for r in everything[:-1]} == {1, 2, 3, 4, 5, 6}
    assert (everything[-1].article_id, everything[-1].reason) == (7, GONE_RECHECK)
    assert plan_rate_revisits(arts, config_from_dict({"revisit": {"budget": 0}}).revisit, NOW, TZ, rates, gone_at) == []


def test_view_counts_still_get_a_full_fetch_every_unconditional_every_days():
    rates = estimate([], class_priors(CFG), CFG.rate_prior_days)
    plan = plan_rate_revisits([facts(1, views_at=iso(1)), facts(2, views_at=iso(7))], CFG, NOW, TZ, rates, {})
    by_id = {r.article_id: r for r in plan}
    assert by_id[1].etag == '"e1"' and by_id[2].etag is None


@pytest.mark.parametrize(
    ("revisit", "message"),
    [({"policy": "fast"}, 'revisit.policy must be one of "rates", "schedule"'),
     ({"rate_prior_days": -1}, "revisit.rate_prior_days must be a number >= 0")],
)
def test_bad_policy_keys_are_refused_naming_the_key(revisit, message):
    from ncgh.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        config_from_dict({"revisit": revisit})
