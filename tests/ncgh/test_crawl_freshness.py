"""The revisit policies over real crawls of the simulator on a simulated calendar: restorations of
gone articles are noticed within days under `rates`, whatever the lists show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from ncgh.crawl import run_crawl
from scraper.fetch import Fetcher
from tests.support.crawl import ID_RANGE, crawl_config, rows

DAYS = 14


def crawl_days(srv, db, cfg) -> None:
    """A full crawl on day 0, then one incremental crawl a simulated day at 10:00 site time, captures
    stamped on the same calendar (so the policies see real ages and gaps)."""
    for day in range(DAYS + 1):
        if day:
            srv.advance()
        when = datetime.fromisoformat(srv.truth()["date"])
        moment = datetime(when.year, when.month, when.day, 2, 0, tzinfo=UTC)
        offset = moment - datetime.now(UTC)
        summary = run_crawl(
            cfg, db, base_url=srv.url, mode="full" if day == 0 else "incremental", now=moment,
            fetcher_factory=partial(Fetcher, utcnow=lambda offset=offset: datetime.now(UTC) + offset),
        )
        assert summary.exit_code == 0, summary


def notice_delays(db, truth) -> list[tuple[int, float, float]]:
    """(article, days it had been gone in the archive when the site restored it, days until the
    archive noticed), for each restoration of an article the archive held as gone."""
    restored = {a["id"]: a["restored_days"] for a in truth["articles"]}
    events = rows(db, "SELECT article_id, event, at FROM events WHERE event IN ('gone', 'restored') ORDER BY id")
    day0 = datetime.fromisoformat(truth["date"]) - timedelta(days=truth["day"])

    def day_of(at: str) -> float:
        return ((datetime.fromisoformat(at) + timedelta(hours=8)).replace(tzinfo=None) - day0).days

    out, gone_day = [], {}
    for article_id, event, at in events:
        if event == "gone":
            gone_day[article_id] = day_of(at)
            continue
        went = gone_day.pop(article_id, None)
        back = [r for r in restored[article_id] if went is not None and went < r <= day_of(at)]
        if back:
            out.append((article_id, back[0] - went, day_of(at) - back[0]))
    # restorations the archive never noticed by the end
    for article_id, went in gone_day.items():
        back = [r for r in restored[article_id] if r > went]
        if back:
            out.append((article_id, back[0] - went, float("inf")))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["rates", "schedule"])
def test_restored_articles_are_noticed_within_days_without_any_list(sim_factory, tmp_path, policy):
    """No discovery source: only rechecks can notice a restoration. `rates` rechecks a gone article
    1, 2, 4 ... days after it went, so it notices a restoration at most as many days after it
    happened as the article had been gone; the fixed 30-day recheck of `schedule` does not."""
    srv = sim_factory(articles=40, seed=5, id_range=ID_RANGE, edit_rate=0.0, delete_rate=0.04, restore_rate=0.3,
                      new_per_day=(0, 0))
    cfg = crawl_config(archive={"gone_after": 1}, discovery={"sources": []}, revisit={"policy": policy})
    db = tmp_path / f"{policy}.db"
    crawl_days(srv, db, cfg)
    delays = notice_delays(db, srv.truth())
    assert len(delays) >= 5, delays  # the seed restores enough articles to say something
    late = [(a, gone, late) for a, gone, late in delays if late > max(1.0, gone)]
    if policy == "rates":
        assert late == []
    else:
        assert late, "the fixed 30-day recheck should miss quick restorations"


@pytest.mark.slow
def test_rates_spread_a_small_budget_over_every_live_article(sim_factory, tmp_path):
    """24 articles, most years old, a budget of 8: the schedule alone would revisit an old article
    every 60 days; `rates` ranks by rate x days since the last capture, so none starves. The few
    young ones start from the schedule's prior (daily) and are revisited more often until the
    archive has seen them not change, and edited articles' own rates rise; so the bound is about
    twice live / budget = 3 runs, not 3. Every edit is archived within that bound."""
    live, budget = 24, 8
    srv = sim_factory(articles=live, seed=4, id_range=ID_RANGE, edit_rate=0.06, delete_rate=0.0,
                      restore_rate=0.0, new_per_day=(0, 0))
    cfg = crawl_config(revisit={"budget": budget})
    db = tmp_path / "spread.db"
    crawl_days(srv, db, cfg)
    gaps = rows(db, "SELECT article_id, max(gap) FROM (SELECT article_id, julianday(fetched_at) - julianday(lag(fetched_at)"
                    " OVER (PARTITION BY article_id ORDER BY fetched_at)) AS gap FROM captures WHERE kind = 'article')"
                    " GROUP BY article_id")
    assert len(gaps) == live and max(g for _, g in gaps) <= 8.01, gaps
    # edits early enough for the bound to have come round (later ones may still be waiting)
    edits = [(a["id"], d) for a in srv.truth()["articles"] for d in a["edited_days"] if d <= DAYS - 8]
    assert len(edits) >= 5
    versions = dict(rows(db, "SELECT article_id, count(*) FROM versions GROUP BY article_id"))
    for article_id, _ in edits:
        assert versions.get(article_id, 1) > 1, article_id
