"""What the crawl does with a fetched work item, by its kind and the outcome of its capture.

One table instead of a chain of conditions in the crawl loop (ncgh.crawl): whether the capture is
recorded, which queue state the item gets besides, which error line is reported, and whether an id
probe found something the id walk continues from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from archive.vocab import CAPPED_ERROR, Outcome, WorkKind, WorkState


class Complaint(StrEnum):
    """Which error line the reporter gets for an item."""

    FETCH = "fetch"  # naming the fetch error
    PARSE = "parse"  # naming the parse error
    CAPPED = "capped"  # an info line: an asset over its size cap, recorded as too large


@dataclass(frozen=True)
class Action:
    """What the main thread does with one fetched work item once it is interpreted."""

    record: bool = True  # record_capture (which marks the item done in the same transaction)
    mark: WorkState | None = None  # the queue state set besides: FAILED (retried next run), MISSING (batched)
    complaint: Complaint | None = None  # Complaint.FETCH / Complaint.PARSE: which error line the reporter gets
    probe_hit: bool = False  # an id probe that found something: the id walk goes on from it


# Any kind: every capture is recorded; a fetch error also fails the item so the next run retries it,
# a block page marks it blocked (retried too).
RECORD = Action()
BY_OUTCOME: dict[Outcome, Action] = {
    Outcome.OK: RECORD,
    Outcome.NOT_MODIFIED: RECORD,
    Outcome.MISSING: RECORD,
    Outcome.PARSE_ERROR: Action(complaint=Complaint.PARSE),
    Outcome.FETCH_ERROR: Action(mark=WorkState.FAILED, complaint=Complaint.FETCH),
    # A WAF's page: recorded (the evidence), the item retried (requeued on resume, carried otherwise);
    # the line is said once per streak by ncgh.crawl_blocks, so no complaint here.
    Outcome.BLOCKED: Action(mark=WorkState.BLOCKED),
}
# An id probe (an id nobody linked to) differs: a miss is not recorded (the queue remembers it was
# tried), and an unparseable answer is no evidence that an article exists there (recording it would
# make a phantom article), so it is failed and retried in the next run.
BY_KIND_AND_OUTCOME: dict[tuple[WorkKind, Outcome], Action] = {
    (WorkKind.PROBE, Outcome.OK): Action(probe_hit=True),
    (WorkKind.PROBE, Outcome.NOT_MODIFIED): Action(probe_hit=True),
    (WorkKind.PROBE, Outcome.MISSING): Action(record=False, mark=WorkState.MISSING),
    (WorkKind.PROBE, Outcome.PARSE_ERROR): Action(
        record=False, mark=WorkState.FAILED, complaint=Complaint.PARSE, probe_hit=True
    ),
}


# An asset whose answer is over its own cap ([assets] max_bytes, video_max_bytes) is what the user
# asked for: recorded (the asset says too_large), done until its recheck, no error line, no exit 1.
CAPPED_ASSET = Action(complaint=Complaint.CAPPED)


def action_for(kind: str, outcome: str, error: str | None = None) -> Action:
    """The Action for a work item of `kind` whose capture turned out `outcome` (with fetch `error`)."""
    if kind == WorkKind.ASSET and outcome == Outcome.FETCH_ERROR and error == CAPPED_ERROR:
        return CAPPED_ASSET
    # An outcome the archive does not know is recorded like any other, and refused there.
    return BY_KIND_AND_OUTCOME.get((kind, outcome)) or BY_OUTCOME.get(outcome, RECORD)
