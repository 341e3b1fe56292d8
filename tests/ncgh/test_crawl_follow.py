"""ncgh.crawl_follow: how far an id probe's answer moves the id walk."""

from __future__ import annotations

from types import SimpleNamespace

from archive.model import CaptureIn
from archive.queue import WorkItem
from archive.vocab import CaptureKind, Outcome, WorkKind
from ncgh.crawl_actions import action_for
from ncgh.crawl_follow import DiscoveryFollow


class FakeDiscovery:
    def __init__(self, gap: int) -> None:
        self.cfg = SimpleNamespace(discovery=SimpleNamespace(id_gap_tolerance=gap))
        self.walked: list[int] = []

    def after_hit(self, article_id: int, all_ids: set[int]) -> list[WorkItem]:
        self.walked.append(article_id)
        return [WorkItem(f"http://h/a/{article_id + 1}", WorkKind.PROBE, article_id=article_id + 1)]


class Lines:
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, message: str) -> None:
        self.warnings.append(message)


def probe(follow: DiscoveryFollow, article_id: int, outcome: Outcome) -> list[WorkItem]:
    item = WorkItem(f"http://h/a/{article_id}", WorkKind.PROBE, article_id=article_id)
    capture = CaptureIn(site="s", url=item.url, final_url=item.url, fetched_at="2026-12-07T00:00:00+00:00",
                        status=200, outcome=outcome, article_id=article_id, kind=CaptureKind.ARTICLE)
    return follow.children(item, capture, None, action_for(WorkKind.PROBE, outcome))


def test_unparseable_answers_move_the_walk_only_for_the_gap_tolerance_in_a_row() -> None:
    disc, lines = FakeDiscovery(gap=3), Lines()
    follow = DiscoveryFollow(disc, SimpleNamespace(page=lambda *a: None), None, "s", lines, set())
    walked = [bool(probe(follow, i, Outcome.PARSE_ERROR)) for i in range(1, 7)]
    assert walked == [True, True, True, False, False, False]  # a home page for every id: the walk ends
    assert len(lines.warnings) == 1 and "id walk stops" in lines.warnings[0]
    assert probe(follow, 7, Outcome.OK)  # an article again: the walk goes on, and the count starts over
    assert [bool(probe(follow, i, Outcome.PARSE_ERROR)) for i in range(8, 12)] == [True, True, True, False]
