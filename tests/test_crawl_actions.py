"""The table from (work-item kind, outcome) to what the crawl does with the capture."""

from __future__ import annotations

import pytest

from archive.model import (
    OUTCOME_FETCH_ERROR,
    OUTCOME_MISSING,
    OUTCOME_NOT_MODIFIED,
    OUTCOME_OK,
    OUTCOME_PARSE_ERROR,
    OUTCOMES,
)
from ncgh.crawl_actions import COMPLAIN_FETCH, COMPLAIN_PARSE, action_for
from ncgh.discovery import ARTICLE_KINDS, DISCOVERY_KINDS, KIND_PROBE

KINDS = (*ARTICLE_KINDS, *DISCOVERY_KINDS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_capture_is_recorded_but_a_probes_miss_or_unparseable_answer(kind, outcome):
    action = action_for(kind, outcome)
    phantom = kind == KIND_PROBE and outcome in (OUTCOME_MISSING, OUTCOME_PARSE_ERROR)
    assert action.record is not phantom


@pytest.mark.parametrize("kind", KINDS)
def test_a_fetch_error_fails_the_item_for_the_next_run_and_says_why(kind):
    action = action_for(kind, OUTCOME_FETCH_ERROR)
    assert (action.mark, action.complaint, action.probe_hit) == ("failed", COMPLAIN_FETCH, False)


def test_the_id_walk_goes_on_from_any_probe_that_found_a_page():
    hits = {o for o in OUTCOMES if action_for(KIND_PROBE, o).probe_hit}
    assert hits == {OUTCOME_OK, OUTCOME_NOT_MODIFIED, OUTCOME_PARSE_ERROR}
    assert not any(action_for(kind, o).probe_hit for kind in KINDS if kind != KIND_PROBE for o in OUTCOMES)


def test_a_probes_miss_is_batched_and_its_unparseable_answer_retried():
    assert action_for(KIND_PROBE, OUTCOME_MISSING).mark == "missing"
    phantom = action_for(KIND_PROBE, OUTCOME_PARSE_ERROR)
    assert (phantom.mark, phantom.complaint) == ("failed", COMPLAIN_PARSE)


def test_an_unknown_outcome_is_left_to_the_archive_to_refuse():
    assert action_for("article", "no-such-outcome").record
