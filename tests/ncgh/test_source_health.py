"""ncgh.source_health: each source's status from its counts, and when a failing source is warned about."""

from __future__ import annotations

from archive.vocab import DiscoverySource, Outcome, RunMode, SourceStatus, WorkKind
from ncgh.source_health import SourceHealth, persistent_failures, source_of, warning_line


def test_sources_of_work_kinds_by_mode() -> None:
    assert source_of(WorkKind.HUB_PAGE, RunMode.INCREMENTAL) == DiscoverySource.HUBS
    assert source_of(WorkKind.API_IDS, RunMode.FULL) == DiscoverySource.API
    assert source_of(WorkKind.PROBE, RunMode.FULL) == DiscoverySource.ID_WALK
    assert source_of(WorkKind.PROBE, RunMode.INCREMENTAL) == DiscoverySource.FRONTIER
    assert source_of(WorkKind.REVISIT, RunMode.INCREMENTAL) is None


def test_status_from_counts() -> None:
    h = SourceHealth(RunMode.INCREMENTAL, (DiscoverySource.HUBS, DiscoverySource.LIST, DiscoverySource.API,
                                           DiscoverySource.SITEMAP, DiscoverySource.FRONTIER))
    h.page(WorkKind.HUB, Outcome.OK, [1, 2], [2])
    h.page(WorkKind.HUB, Outcome.OK, [2, 3], [2, 3])  # each id counts once
    h.page(WorkKind.HUB, Outcome.FETCH_ERROR)
    h.page(WorkKind.LIST, Outcome.FETCH_ERROR)
    h.page(WorkKind.LIST, Outcome.PARSE_ERROR)
    assert h.refuse(WorkKind.API, "HTTP 401") and not h.refuse(WorkKind.API_IDS, "HTTP 401")  # said once
    h.absent(WorkKind.SITEMAP)
    h.page(WorkKind.PROBE, Outcome.BLOCKED)
    c = h.counts
    assert (c[DiscoverySource.HUBS].found, c[DiscoverySource.HUBS].new_ids, c[DiscoverySource.HUBS].failures) == (3, 2, 1)
    statuses = {r.source: r.status for r in h.reports()}
    assert statuses == {"hubs": "ok", "list": "failing", "api": "needs_login", "sitemap": "empty", "frontier": "blocked"}
    assert h.refused(WorkKind.API) and not h.refused(WorkKind.HUB)


def test_only_a_source_failing_n_runs_in_a_row_is_warned_about() -> None:
    h = SourceHealth(RunMode.INCREMENTAL, (DiscoverySource.LIST, DiscoverySource.API, DiscoverySource.HUBS))
    h.page(WorkKind.LIST, Outcome.FETCH_ERROR)
    h.refuse(WorkKind.API, "API answered code 401 请先登录")
    h.page(WorkKind.HUB, Outcome.FETCH_ERROR)
    history = {
        DiscoverySource.LIST: [SourceStatus.FAILING, SourceStatus.FAILING],
        DiscoverySource.API: [SourceStatus.NEEDS_LOGIN, SourceStatus.OK],  # worked two runs ago
        DiscoverySource.HUBS: [SourceStatus.FAILING],  # only one run of history
    }
    found = persistent_failures(h, history, 3)
    assert [s for s, _ in found] == [DiscoverySource.LIST]
    line = warning_line(*found[0], 3)
    assert "list failing for 3 runs in a row" in line and "[discovery] list_url_template" in line
    assert [s for s, _ in persistent_failures(h, history, 1)] == [DiscoverySource.LIST, DiscoverySource.API,
                                                                  DiscoverySource.HUBS]
