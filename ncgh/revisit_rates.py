"""The `rates` revisit policy: spend the budget where the expected number of unarchived changes is highest.

The fixed schedule (ncgh.schedule, policy `schedule`) gives every article of an age class the same
interval, however often such articles really change, and revisits every recently edited article
daily for two weeks. Measured on the simulator (BENCHMARKS.md, bench/bench_freshness.py) that spends
much of the budget on articles that are no likelier to change than any other, and edits to the rest
wait or are overwritten by a second edit first. This policy instead:

1. takes, as before, every confirmation of a missing article and every retry of a failed capture;
2. rechecks gone articles on a decaying schedule: 1, 2, 4, 8 ... days after they went (the next
   recheck waits as long as the article had been gone at the last one), at most `gone_recheck_days`
   apart, so a quick restoration is noticed within days whatever its list position, while an
   article deleted for good costs a few requests a month (a list or API page that shows a gone id
   queues it at once anyway, ncgh.discovery);
3. ranks every other live article by its expected number of changes since its last capture,
   rate × days since that capture, the rate estimated from the archive's own observations
   (ncgh.change_rates), and takes the highest until the budget is spent; an article captured less
   than `fill_min_days` ago is never taken;
4. spends what is left of the budget on gone articles not yet due, the longest unchecked for their
   interval first: on a site small for its budget, a restoration is then noticed the next day rather
   than after up to `gone_recheck_days` (a year-long review lost edits to restored articles noticed 13
   days late while the budget went unspent).
View counts are sampled as in the schedule policy (`unconditional_every_days`).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from archive.history import gone_since, observations
from archive.queue import ArticleState
from archive.vocab import ArticleStatus
from ncgh.change_rates import ChangeRates, ClassKey, estimate
from ncgh.config import RevisitConfig, RevisitPolicy
from ncgh.record_fields import iso_utc
from ncgh.schedule import (
    CONFIRM,
    EXPECTED,
    GONE_RECHECK,
    PRIORITY,
    RETRY,
    SLACK_DAYS,
    Revisit,
    age_days,
    days_between,
    plan_revisits,
    utc_moment,
    validators,
)

# How far back observations are read: long enough for old articles' rare edits to show, short
# enough that a site whose habits changed (a new editor, a redesign) is followed within months.
HISTORY_DAYS = 180


def class_key(age: float, recently_changed: bool, cfg: RevisitConfig) -> ClassKey:
    """An article's class: the first schedule row whose max_age_days covers its age, and whether it
    changed within `recently_changed_days`."""
    row = next((i for i, (max_age, _) in enumerate(cfg.schedule) if age <= max_age), len(cfg.schedule) - 1)
    return row, recently_changed


def class_priors(cfg: RevisitConfig) -> dict[ClassKey, float]:
    """Each class's prior rate: 1 / the interval the schedule gives it."""
    priors: dict[ClassKey, float] = {}
    for row, (_, interval) in enumerate(cfg.schedule):
        priors[(row, False)] = 1.0 / interval
        priors[(row, True)] = 1.0 / min(interval, cfg.days_for_recently_changed)
    return priors


def _recent(version: int | None, since: str | None, at: datetime, cfg: RevisitConfig) -> bool:
    return bool(since) and (version or 0) > 1 and days_between(at, utc_moment(since or "")) <= cfg.recently_changed_days


def observed_rates(
    conn: sqlite3.Connection, site: str, facts: dict[int, ArticleState], cfg: RevisitConfig, now: datetime,
    tz: ZoneInfo, backfill_until: str | None = None,
) -> ChangeRates:
    """The change rates the archive's last HISTORY_DAYS of captures imply, each interval counted in the
    class its article was in when the interval began."""

    def rows():  # noqa: ANN202 - a generator of estimate()'s observations
        since = iso_utc(now - timedelta(days=HISTORY_DAYS))
        for obs in observations(conn, site, since):
            f = facts.get(obs.article_id)
            if f is None:
                continue
            start = utc_moment(obs.start)
            age = age_days(f, start, tz, backfill_until)
            key = class_key(age, _recent(obs.start_version, obs.start_version_since, start, cfg), cfg)
            yield obs.article_id, key, days_between(utc_moment(obs.end), start), obs.changed

    return estimate(rows(), class_priors(cfg), cfg.rate_prior_days)


def gone_interval(facts: ArticleState, went: str | None, cfg: RevisitConfig) -> float:
    """Days between rechecks of a gone article: as long as it had been gone at its last capture,
    at least 1, at most gone_recheck_days (1, 2, 4, 8 ... days after it went)."""
    if went is None:
        return cfg.gone_recheck_days
    gone_for = days_between(utc_moment(facts.last_capture_at), utc_moment(went))
    return min(cfg.gone_recheck_days, max(1.0, gone_for))


def plan_rate_revisits(
    articles: list[ArticleState],
    cfg: RevisitConfig,
    now: datetime,
    tz: ZoneInfo,
    rates: ChangeRates,
    gone_at: dict[int, str],
    backfill_until: str | None = None,
) -> list[Revisit]:
    """The revisits of a run under the `rates` policy (module docstring), at most `cfg.budget`."""
    urgent: list[Revisit] = []
    live: list[Revisit] = []
    spare: list[Revisit] = []  # gone, not yet due: taken only with budget left over
    for f in articles:
        since = days_between(now, utc_moment(f.last_capture_at))
        if f.status == ArticleStatus.GONE:
            interval = gone_interval(f, gone_at.get(f.article_id), cfg)
            if since >= interval - SLACK_DAYS:
                urgent.append(Revisit(f.article_id, GONE_RECHECK, PRIORITY[GONE_RECHECK], since / interval))
            elif since >= cfg.fill_min_days - SLACK_DAYS and since > 0:
                spare.append(Revisit(f.article_id, GONE_RECHECK, PRIORITY[GONE_RECHECK], since / interval))
        elif f.missing_streak > 0:
            urgent.append(Revisit(f.article_id, CONFIRM, PRIORITY[CONFIRM], float("inf")))
        elif f.version is None or f.last_seen is None or f.last_seen < f.last_capture_at:
            urgent.append(Revisit(f.article_id, RETRY, PRIORITY[RETRY], float("inf")))
        elif since >= cfg.fill_min_days - SLACK_DAYS and since > 0:
            key = class_key(age_days(f, now, tz, backfill_until), _recent(f.version, f.last_change_at, now, cfg), cfg)
            expected = rates.rate(f.article_id, key) * since
            etag, last_modified = validators(f, cfg, now)
            live.append(Revisit(f.article_id, EXPECTED, PRIORITY[EXPECTED], expected, etag, last_modified))
    urgent.sort(key=lambda r: (-r.priority, -r.overdue, r.article_id))
    live.sort(key=lambda r: (-r.overdue, r.article_id))
    spare.sort(key=lambda r: (-r.overdue, r.article_id))
    return (urgent + live + spare)[: cfg.budget]


def choose_revisits(
    conn: sqlite3.Connection,
    site: str,
    articles: list[ArticleState],
    cfg: RevisitConfig,
    now: datetime,
    tz: ZoneInfo,
    backfill_until: str | None = None,
) -> list[Revisit]:
    """A run's revisits under the configured `[revisit] policy`: `schedule` (ncgh.schedule) or
    `rates` (this module, reading the archive's observations through `conn`)."""
    if cfg.policy == RevisitPolicy.SCHEDULE:
        return plan_revisits(articles, cfg, now, tz, backfill_until)
    facts = {f.article_id: f for f in articles}
    rates = observed_rates(conn, site, facts, cfg, now, tz, backfill_until)
    return plan_rate_revisits(articles, cfg, now, tz, rates, gone_since(conn, site), backfill_until)
