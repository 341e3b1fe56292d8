"""The fixed revisit schedule of `[revisit] policy = "schedule"`; the default policy `rates`
(ncgh.revisit_rates) shares its reasons, helpers and validator rule.

An article is due when the time since its last capture reaches its interval:
- live articles: the interval of the first `schedule` row whose max_age_days is >= the article's age
  (today minus its publication date; for a page without a date, minus first_seen, unless the
  archive's first run found it: then its age is unknown and it counts as old); an article
  whose content changed within `recently_changed_days` is revisited every `days_for_recently_changed`
  days whatever its age (edits come in bursts);
- an article whose last capture showed it missing but which is not yet gone: every run, so a deletion
  is confirmed (`[archive] gone_after` captures in a row) or refuted quickly;
- an article whose last capture failed (fetch or parse error) or that was never parsed: every run;
- gone articles: every `gone_recheck_days` days, to notice restorations.
Each interval is shortened by SLACK_DAYS so a daily cron job whose start drifts by minutes still
revisits a daily article every day. Due articles are ranked (confirmations and retries first, then
by how overdue they are) and at most `budget` are taken.

Budget fill (`fill_budget = true`): the schedule alone leaves most of the budget unused, and a
government site edits old pages silently, so an old article edited today would wait up to 60 days.
What the due revisits leave of the budget goes to live articles that are not due yet, those whose
last capture is oldest relative to their interval first (days since last capture / interval), never
one captured less than `fill_min_days` ago (a second crawl the same day stays cheap). Every live
article is then revisited about every `live articles / budget` days, with young articles, whose
intervals are short, proportionally more often.

Validators: with `conditional = true` a revisit sends If-None-Match / If-Modified-Since from the last
answer, except when the article's view count was last seen `unconditional_every_days` ago or more:
a 304 carries no view count, so without this the view-count series of a stable article would stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from archive.queue import ArticleState
from archive.vocab import ArticleStatus
from ncgh.config import RevisitConfig

SLACK_DAYS = 0.25

# Reasons, most urgent first; also the order of their queue priorities.
CONFIRM = "confirm_missing"
RETRY = "retry"
DUE = "due"
GONE_RECHECK = "gone_recheck"
FILL = "fill"  # not due, taken to use the rest of the budget
EXPECTED = "expected_change"  # policy `rates`: taken for its expected unarchived changes (ncgh.revisit_rates)

PRIORITY = {CONFIRM: 190, RETRY: 180, DUE: 100, EXPECTED: 100, GONE_RECHECK: 90, FILL: 80}


@dataclass(frozen=True)
class Revisit:
    article_id: int
    reason: str
    priority: int
    overdue: float  # days since last capture / interval (>= 1 when due, < 1 for a fill)
    etag: str | None = None
    last_modified: str | None = None


def utc_moment(value: str) -> datetime:
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def days_between(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / 86400.0


def _published_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def age_days(facts: ArticleState, now: datetime, tz: ZoneInfo, backfill_until: str | None = None) -> float:
    """Days since publication (site-local calendar); for an undated page, days since first seen.

    An undated page first seen by the archive's first run (the backfill of an existing site) is of
    unknown age, most likely old: it counts as older than every schedule row rather than as new.
    """
    published = _published_date(facts.published_at)
    if published is not None:
        return float((now.astimezone(tz).date() - published).days)
    if backfill_until is not None and facts.first_seen <= backfill_until:
        return float("inf")
    return days_between(now, utc_moment(facts.first_seen))


def interval_days(
    facts: ArticleState, cfg: RevisitConfig, now: datetime, tz: ZoneInfo, backfill_until: str | None = None
) -> float:
    """The revisit interval of a live article (see the module docstring)."""
    age = age_days(facts, now, tz, backfill_until)
    interval = cfg.schedule[-1][1]
    for max_age, days in cfg.schedule:
        if age <= max_age:
            interval = days
            break
    edited = bool(facts.last_change_at) and (facts.version or 0) > 1
    if edited and days_between(now, utc_moment(facts.last_change_at)) <= cfg.recently_changed_days:
        interval = min(interval, cfg.days_for_recently_changed)
    return interval


def validators(facts: ArticleState, cfg: RevisitConfig, now: datetime) -> tuple[str | None, str | None]:
    """(etag, last_modified) to send, or (None, None) when the view count is due for a full fetch."""
    if not cfg.conditional or not (facts.etag or facts.last_modified):
        return None, None
    views_age = days_between(now, utc_moment(facts.views_at)) if facts.views_at else float("inf")
    if cfg.unconditional_every_days <= 0 or views_age < cfg.unconditional_every_days - SLACK_DAYS:
        return facts.etag, facts.last_modified
    return None, None


def classify(
    facts: ArticleState, cfg: RevisitConfig, now: datetime, tz: ZoneInfo, backfill_until: str | None = None
) -> Revisit | None:
    """This article's revisit for a run at `now`, or None when it is not due."""
    since = days_between(now, utc_moment(facts.last_capture_at))
    if facts.status == ArticleStatus.GONE:
        interval, reason = cfg.gone_recheck_days, GONE_RECHECK
    elif facts.missing_streak > 0:
        interval, reason = 0.0, CONFIRM
    elif facts.version is None or facts.last_seen is None or facts.last_seen < facts.last_capture_at:
        interval, reason = 0.0, RETRY
    else:
        interval, reason = interval_days(facts, cfg, now, tz, backfill_until), DUE
    if since < interval - SLACK_DAYS:
        return None
    overdue = since / interval if interval > 0 else float("inf")
    etag, last_modified = validators(facts, cfg, now) if reason == DUE else (None, None)
    return Revisit(facts.article_id, reason, PRIORITY[reason], overdue, etag, last_modified)


def fill_candidate(
    facts: ArticleState, cfg: RevisitConfig, now: datetime, tz: ZoneInfo, backfill_until: str | None = None
) -> Revisit | None:
    """A revisit of a live, healthy article that is not due, for spending unused budget; else None.

    Call it for articles classify() did not take. Its `overdue` (< 1) ranks the fill.
    """
    if facts.status != ArticleStatus.LIVE or facts.missing_streak > 0 or facts.version is None:
        return None
    if facts.last_seen is None or facts.last_seen < facts.last_capture_at:
        return None  # a failed last capture is a RETRY, not a fill
    since = days_between(now, utc_moment(facts.last_capture_at))
    if since < cfg.fill_min_days - SLACK_DAYS or since <= 0:
        return None
    overdue = since / interval_days(facts, cfg, now, tz, backfill_until)
    etag, last_modified = validators(facts, cfg, now)
    return Revisit(facts.article_id, FILL, PRIORITY[FILL], overdue, etag, last_modified)


def plan_revisits(
    articles: list[ArticleState],
    cfg: RevisitConfig,
    now: datetime,
    tz: ZoneInfo | str = "Asia/Shanghai",
    backfill_until: str | None = None,
) -> list[Revisit]:
    """The revisits of a run, most urgent first, at most `cfg.budget` of them.

    The due ones first; with `cfg.fill_budget` the rest of the budget goes to the live articles
    that are most overdue relative to their interval (see the module docstring).
    `backfill_until`: when the archive's first run finished (ISO UTC), see age_days().
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    due: list[Revisit] = []
    spare: list[ArticleState] = []
    for facts in articles:
        revisit = classify(facts, cfg, now, zone, backfill_until)
        if revisit is not None:
            due.append(revisit)
        else:
            spare.append(facts)
    due.sort(key=lambda r: (-r.priority, -r.overdue, r.article_id))
    plan = due[: cfg.budget]
    room = cfg.budget - len(plan)
    if cfg.fill_budget and room > 0:
        fills = [r for r in (fill_candidate(f, cfg, now, zone, backfill_until) for f in spare) if r is not None]
        fills.sort(key=lambda r: (-r.overdue, r.article_id))
        plan += fills[:room]
    return plan
