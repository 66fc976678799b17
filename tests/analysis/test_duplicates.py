"""Near-duplicates: (nearly) the same text grouped, transitively; the queue's filter applies."""

from __future__ import annotations

from forum.analysis.duplicates import group_similar, similar_pending
from forum.db import Database
from forum.models.types import PostStatus
from forum.moderation.queue import QueueFilter
from tests.analysis.helpers import loaded_with_the_app, person, posts, setup_discussion
from tests.paths import CORPORA

CAMPAIGN = "We ask that every apprentice gets a paid tutor for the whole first year."


def test_workers_load_rapidfuzz_only_when_posts_are_compared() -> None:
    assert loaded_with_the_app("rapidfuzz", "forum.analysis.duplicates") == [
        "forum.analysis.duplicates"
    ]


def test_nearly_the_same_texts_are_one_group() -> None:
    groups = group_similar(
        [
            (1, CAMPAIGN),
            (2, CAMPAIGN.upper()),
            (3, "Our school lent laptops to the learners who had none at home."),
            (4, CAMPAIGN.replace("whole", "entire") + "!!"),
            (5, ""),
            (6, "   "),
        ]
    )
    assert [g.post_ids for g in groups] == [(1, 2, 4)]
    assert groups[0].lead == 1


def test_nothing_to_group() -> None:
    assert group_similar([]) == []
    assert group_similar([(1, CAMPAIGN)]) == []


def test_naughty_strings_do_not_crash() -> None:
    lines = (CORPORA / "blns.txt").read_text(encoding="utf-8")
    texts = [line for line in lines.splitlines() if line and not line.startswith("#")][:400]
    group_similar(list(enumerate(texts)))


async def test_only_pending_posts_in_scope_are_grouped(db: Database) -> None:
    discussion = await setup_discussion(db)
    other = await setup_discussion(db, "green-workplaces")
    author = await person(db, "union@example.org", "workers", "CO")
    pending = await posts(
        db, discussion, author, question=1, text=CAMPAIGN, count=2, status=PostStatus.PENDING
    )
    await posts(db, discussion, author, question=1, text=CAMPAIGN)  # published: not in the queue
    elsewhere = await posts(db, other, author, question=1, text=CAMPAIGN, status=PostStatus.PENDING)
    async with db.session() as session:
        mine = await similar_pending(session, queue=QueueFilter({discussion}))
        every = await similar_pending(session, queue=QueueFilter(None))
    assert set(mine) == set(pending) and mine[pending[1]].post_ids == tuple(pending)
    assert [(m.author_name, m.text) for m in mine[pending[0]].members] == [("union", CAMPAIGN)] * 2
    assert every[elsewhere[0]].post_ids == (*pending, *elsewhere)
