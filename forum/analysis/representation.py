"""Representation: which stakeholder groups gave no or few answers to which question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from forum.analysis.counts import DiscussionCounts
from forum.models.types import StakeholderGroup

# The groups a consultation hears from, whose silence on a question a synthesis must admit.
EXPECTED_GROUPS = (
    StakeholderGroup.GOVERNMENT.value,
    StakeholderGroup.EMPLOYERS.value,
    StakeholderGroup.WORKERS.value,
    StakeholderGroup.TRAINING_PROVIDER.value,
    StakeholderGroup.NGO.value,
)


@dataclass(frozen=True, slots=True)
class Gap:
    """A group that gave fewer than the threshold of published answers to a question."""

    question_number: int
    group: str
    posts: int  # 0: nobody of the group answered


def representation_gaps(
    counts: DiscussionCounts,
    question_numbers: Sequence[int],
    *,
    threshold: int,
    groups: Sequence[str] = EXPECTED_GROUPS,
) -> list[Gap]:
    """Every (question, group) with fewer than `threshold` published posts, by question then
    group; none when the threshold is 0 or less.
    """
    if threshold <= 0:
        return []
    return [
        Gap(number, group, posts)
        for number in sorted(question_numbers)
        for group in groups
        if (posts := counts.posts_for(question=number, group=group)) < threshold
    ]
