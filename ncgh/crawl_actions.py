"""What the crawl does with a fetched work item, by its kind and the outcome of its capture.

One table instead of a chain of conditions in the crawl loop (ncgh.crawl): whether the capture is
recorded, which queue state the item gets besides, which error line is reported, and whether an id
probe found something the id walk continues from.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.model import (
    OUTCOME_FETCH_ERROR,
    OUTCOME_MISSING,
    OUTCOME_NOT_MODIFIED,
    OUTCOME_OK,
    OUTCOME_PARSE_ERROR,
)
from ncgh.discovery import KIND_PROBE

COMPLAIN_FETCH = "fetch"  # an error line naming the fetch error
COMPLAIN_PARSE = "parse"  # an error line naming the parse error


@dataclass(frozen=True)
class Action:
    """What the main thread does with one fetched work item once it is interpreted."""

    record: bool = True  # record_capture (which marks the item done in the same transaction)
    mark: str | None = None  # the queue state set besides: "failed" (retried next run), "missing" (batched)
    complaint: str | None = None  # COMPLAIN_FETCH / COMPLAIN_PARSE: which error line the reporter gets
    probe_hit: bool = False  # an id probe that found something: the id walk goes on from it


# Any kind: every capture is recorded; a fetch error also fails the item so the next run retries it.
RECORD = Action()
BY_OUTCOME: dict[str, Action] = {
    OUTCOME_OK: RECORD,
    OUTCOME_NOT_MODIFIED: RECORD,
    OUTCOME_MISSING: RECORD,
    OUTCOME_PARSE_ERROR: Action(complaint=COMPLAIN_PARSE),
    OUTCOME_FETCH_ERROR: Action(mark="failed", complaint=COMPLAIN_FETCH),
}
# An id probe (an id nobody linked to) differs: a miss is not recorded (the queue remembers it was
# tried), and an unparseable answer is no evidence that an article exists there (recording it would
# make a phantom article), so it is failed and retried in the next run.
BY_KIND_AND_OUTCOME: dict[tuple[str, str], Action] = {
    (KIND_PROBE, OUTCOME_OK): Action(probe_hit=True),
    (KIND_PROBE, OUTCOME_NOT_MODIFIED): Action(probe_hit=True),
    (KIND_PROBE, OUTCOME_MISSING): Action(record=False, mark="missing"),
    (KIND_PROBE, OUTCOME_PARSE_ERROR): Action(record=False, mark="failed", complaint=COMPLAIN_PARSE, probe_hit=True),
}


def action_for(kind: str, outcome: str) -> Action:
    """The Action for a work item of `kind` whose capture turned out `outcome`."""
    # An outcome the archive does not know is recorded like any other, and refused there.
    return BY_KIND_AND_OUTCOME.get((kind, outcome)) or BY_OUTCOME.get(outcome, RECORD)
