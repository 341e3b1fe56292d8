"""The table from (work-item kind, outcome) to what the crawl does with the capture."""

from __future__ import annotations

import pytest

from archive.vocab import Outcome, WorkKind, WorkState
from ncgh.crawl_actions import Complaint, action_for

KINDS = tuple(WorkKind)
OUTCOMES = tuple(Outcome)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_capture_is_recorded_but_a_probes_miss_or_unparseable_answer(kind, outcome):
    action = action_for(kind, outcome)
    phantom = kind == WorkKind.PROBE and outcome in (Outcome.MISSING, Outcome.PARSE_ERROR)
    assert action.record is not phantom


@pytest.mark.parametrize("kind", KINDS)
def test_a_fetch_error_fails_the_item_for_the_next_run_and_says_why(kind):
    action = action_for(kind, Outcome.FETCH_ERROR)
    assert (action.mark, action.complaint, action.probe_hit) == (WorkState.FAILED, Complaint.FETCH, False)


def test_the_id_walk_goes_on_from_any_probe_that_found_a_page():
    hits = {o for o in OUTCOMES if action_for(WorkKind.PROBE, o).probe_hit}
    assert hits == {Outcome.OK, Outcome.NOT_MODIFIED, Outcome.PARSE_ERROR}
    assert not any(action_for(kind, o).probe_hit for kind in KINDS if kind != WorkKind.PROBE for o in OUTCOMES)


def test_a_probes_miss_is_batched_and_its_unparseable_answer_retried():
    assert action_for(WorkKind.PROBE, Outcome.MISSING).mark == WorkState.MISSING
    phantom = action_for(WorkKind.PROBE, Outcome.PARSE_ERROR)
    assert (phantom.mark, phantom.complaint) == (WorkState.FAILED, Complaint.PARSE)


def test_an_unknown_outcome_is_left_to_the_archive_to_refuse():
    assert action_for("article", "no-such-outcome").record


@pytest.mark.parametrize("kind", KINDS)
def test_a_block_page_is_recorded_and_its_item_retried(kind):
    """A WAF's page is kept as evidence, but its item is marked blocked: the work is still to do."""
    action = action_for(kind, Outcome.BLOCKED)
    assert (action.record, action.mark, action.probe_hit) == (True, WorkState.BLOCKED, False)


def test_an_asset_over_its_cap_is_recorded_without_an_error_or_a_retry_and_a_page_over_it_is_an_error():
    from archive.vocab import CAPPED_ERROR
    from scraper.records import FetchErrorKind

    assert CAPPED_ERROR == FetchErrorKind.TOO_LARGE  # the archive's word for the scraper's
    capped = action_for(WorkKind.ASSET, Outcome.FETCH_ERROR, CAPPED_ERROR)
    assert (capped.record, capped.mark, capped.complaint) == (True, None, Complaint.CAPPED)
    timeout = action_for(WorkKind.ASSET, Outcome.FETCH_ERROR, FetchErrorKind.TIMEOUT)
    assert (timeout.mark, timeout.complaint) == (WorkState.FAILED, Complaint.FETCH)
    for kind in KINDS:
        if kind != WorkKind.ASSET:
            assert action_for(kind, Outcome.FETCH_ERROR, CAPPED_ERROR).complaint == Complaint.FETCH
