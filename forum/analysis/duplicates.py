"""Near-duplicates and campaigns: pending posts that are (nearly) the same text, grouped.

RapidFuzz compares every pair of texts once (`process.cdist`, in C); posts at least
SIMILARITY alike join one group, transitively. The queue shows a group as one item that
can be approved or rejected together, each post still going through the per-post verbs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from forum.moderation.queue import QueueFilter, pending_texts

SIMILARITY = 90  # out of 100: RapidFuzz's normalised Indel similarity
MAX_COMPARED = 5_000  # the oldest pending posts compared; more are left ungrouped


@dataclass(frozen=True, slots=True)
class Member:
    """A post of a group as the queue lists it: its author and its text as written."""

    post_id: int
    author_name: str
    text: str


@dataclass(frozen=True, slots=True)
class SimilarGroup:
    """Posts (nearly) the same, oldest first; `lead` stands for them in the queue."""

    post_ids: tuple[int, ...]
    members: tuple[Member, ...] = ()

    @property
    def lead(self) -> int:
        return self.post_ids[0]


def _normalised(text: str) -> str:
    """Compare words only: case, accents' composition, punctuation and spacing do not count."""
    text = unicodedata.normalize("NFC", text).casefold()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text)).strip()


def group_similar(
    posts: Sequence[tuple[int, str]], threshold: int = SIMILARITY
) -> list[SimilarGroup]:
    """Group posts (id, text), given oldest first, whose texts are at least `threshold` alike.

    Only groups of two or more are returned, in the order of their oldest post.
    """
    posts = list(posts)[:MAX_COMPARED]
    if len(posts) < 2:
        return []
    texts = [_normalised(text) for _, text in posts]
    from rapidfuzz import fuzz, process  # here: only the queue's grouping needs it, not workers

    scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=threshold, workers=1)
    parent = list(range(len(posts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(posts)):
        for j in scores[i].nonzero()[0]:
            if j > i and texts[i] and texts[int(j)]:
                a, b = root(i), root(int(j))
                parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for i, (post_id, _) in enumerate(posts):
        members.setdefault(root(i), []).append(post_id)
    return [SimilarGroup(tuple(ids)) for _, ids in sorted(members.items()) if len(ids) > 1]


async def similar_pending(session: AsyncSession, *, queue: QueueFilter) -> dict[int, SimilarGroup]:
    """The groups of near-duplicates among the posts the queue filter holds, by each member's
    id. One statement.
    """
    pending = await pending_texts(session, queue=queue)
    found = {post_id: Member(post_id, name, text) for post_id, text, name in pending}
    groups = [
        SimilarGroup(group.post_ids, tuple(found[i] for i in group.post_ids))
        for group in group_similar([(post_id, text) for post_id, text, _ in pending])
    ]
    return {post_id: group for group in groups for post_id in group.post_ids}
