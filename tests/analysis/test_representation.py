"""Representation: the groups that gave no or few answers to a question, by the threshold."""

from __future__ import annotations

from forum.analysis.counts import Count, DiscussionCounts
from forum.analysis.representation import EXPECTED_GROUPS, Gap, representation_gaps


def _counts(pairs: dict[tuple[int, str], int]) -> DiscussionCounts:
    return DiscussionCounts(
        discussion_id=1,
        posts=sum(pairs.values()),
        contributors=0,
        by_week=[],
        by_question=[],
        by_tag=[],
        by_language=[],
        by_country=[],
        by_group=[],
        question_group={k: Count(k, n, n) for k, n in pairs.items()},
    )


def test_groups_below_the_threshold_are_named() -> None:
    counts = _counts({(1, g): 5 for g in EXPECTED_GROUPS} | {(2, "workers"): 2, (2, "ngo"): 3})
    gaps = representation_gaps(counts, [2, 1], threshold=3)
    assert Gap(2, "workers", 2) in gaps and Gap(2, "government", 0) in gaps
    assert not any(g.question_number == 1 for g in gaps)
    assert not any(g.group == "ngo" for g in gaps)
    assert [g.question_number for g in gaps] == [2, 2, 2, 2]


def test_a_threshold_of_one_names_only_silence_and_zero_names_nothing() -> None:
    counts = _counts({(1, "workers"): 1})
    assert Gap(1, "workers", 1) not in representation_gaps(counts, [1], threshold=1)
    assert len(representation_gaps(counts, [1], threshold=1)) == len(EXPECTED_GROUPS) - 1
    assert representation_gaps(counts, [1], threshold=0) == []
