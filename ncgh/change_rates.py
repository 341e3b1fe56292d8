"""How often articles change, estimated from what earlier crawls observed (archive.history).

Changes are modelled as a Poisson process per article. An observation is an interval of Δ days
between two captures, with or without a change in between; two edits within one interval look like
one, so the rate is the maximum-likelihood estimate for interval-censored data, not changes / days:

    maximise  Σ_changed log(1 - e^(-λΔ)) - λ Σ_unchanged Δ  +  prior

Articles are pooled into classes (the `[revisit] schedule` rows by age, and "changed within
`recently_changed_days`"), because one article's few observations say little. Each class starts from
a prior: one change seen in the interval config.toml gives that class (a Gamma(1, interval) prior,
mean 1 / interval). Before any evidence the policy ranks like the fixed schedule; a weak prior of
one pseudo-change lets the evidence take over within days even in a small class (a prior weighing
weeks of observation at "daily" would hold a class of recently edited articles at one change a day
long after the site showed otherwise). An article's own rate is its class rate shrunk towards its
own history, (own changes + class rate × rate_prior_days) / (own observed days + rate_prior_days):
an article edited every week is revisited more often than its class, one never edited in a year
less often.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

ClassKey = tuple[int, bool]  # (index of the schedule row by age, changed recently)

MIN_RATE = 1e-6  # changes a day; the search interval of the estimate
MAX_RATE = 50.0


@dataclass
class Tally:
    """The observations of one class or one article."""

    changed_spans: list[float] = field(default_factory=list)  # Δ (days) of the intervals with a change
    unchanged_days: float = 0.0  # Σ Δ of the intervals without one

    @property
    def changes(self) -> int:
        return len(self.changed_spans)

    @property
    def days(self) -> float:
        return self.unchanged_days + sum(self.changed_spans)

    def add(self, span_days: float, changed: bool) -> None:
        if span_days <= 0:
            return
        if changed:
            self.changed_spans.append(span_days)
        else:
            self.unchanged_days += span_days


def mle_rate(tally: Tally, prior_changes: float, prior_days: float) -> float:
    """The rate (changes a day) maximising the likelihood of `tally` times a Gamma prior of
    `prior_changes` changes seen in `prior_days` days (bisection on the score, which falls with λ)."""

    def score(rate: float) -> float:
        s = prior_changes / rate - prior_days - tally.unchanged_days
        for span in tally.changed_spans:
            x = rate * span
            s += span / math.expm1(x) if x < 700 else 0.0  # Δ e^(-λΔ) / (1 - e^(-λΔ))
        return s

    if prior_changes <= 0 and not tally.changed_spans:
        return MIN_RATE
    lo, hi = math.log(MIN_RATE), math.log(MAX_RATE)
    for _ in range(60):
        mid = (lo + hi) / 2
        if score(math.exp(mid)) > 0:
            lo = mid
        else:
            hi = mid
    return math.exp((lo + hi) / 2)


@dataclass(frozen=True)
class ChangeRates:
    """Class rates and each article's own tally; `rate()` is what the policy ranks by."""

    classes: dict[ClassKey, float]
    priors: dict[ClassKey, float]
    articles: dict[int, Tally]
    prior_days: float

    def class_rate(self, key: ClassKey) -> float:
        return self.classes.get(key, self.priors[key])

    def rate(self, article_id: int, key: ClassKey) -> float:
        """The article's rate: its class rate shrunk towards its own history (module docstring)."""
        base = self.class_rate(key)
        own = self.articles.get(article_id)
        if own is None or self.prior_days <= 0:
            return base
        return (own.changes + base * self.prior_days) / (own.days + self.prior_days)


def estimate(
    observations: Iterable[tuple[int, ClassKey, float, bool]], priors: dict[ClassKey, float], prior_days: float
) -> ChangeRates:
    """Rates from (article id, class at the interval's start, Δ days, changed) observations.

    `priors` holds every class's prior rate (1 / its configured interval: one change in that interval);
    `prior_days` weighs the class rate against an article's own history."""
    by_class: dict[ClassKey, Tally] = defaultdict(Tally)
    by_article: dict[int, Tally] = defaultdict(Tally)
    for article_id, key, span, changed in observations:
        by_class[key].add(span, changed)
        by_article[article_id].add(span, changed)
    classes = {key: mle_rate(by_class.get(key, Tally()), 1.0, 1.0 / prior) for key, prior in priors.items()}
    return ChangeRates(classes, priors, dict(by_article), prior_days)
