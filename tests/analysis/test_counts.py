"""A discussion's counts: every dimension, only published posts, a fixed number of statements."""

from __future__ import annotations

import pytest

from forum.analysis.counts import STATEMENTS, Count, discussion_counts
from forum.core.errors import NotFound
from forum.db import Database
from forum.models.types import PostStatus
from tests.analysis.helpers import SLUG, person, posts, setup_discussion
from tests.helpers import counting, selects


async def test_counts_every_dimension(db: Database) -> None:
    discussion = await setup_discussion(db)
    other = await setup_discussion(db, "green-workplaces")
    union = await person(db, "union@example.org", "workers", "CO")
    school = await person(db, "school@example.org", "training_provider", "PE")
    ministry = await person(db, "ministry@example.org", "government", "")
    await posts(db, discussion, union, question=1, count=3, tag="safety")
    await posts(db, discussion, school, question=1, language="es", tag="safety")
    await posts(db, discussion, school, question=7, language="fr")  # week 2
    await posts(db, discussion, ministry, question=None)  # a general comment
    await posts(db, discussion, ministry, question=1, status=PostStatus.PENDING)
    await posts(db, discussion, union, question=1, status=PostStatus.REJECTED)
    await posts(db, discussion, union, question=1, status=PostStatus.HIDDEN)
    await posts(db, other, union, question=1, count=5)
    async with db.session() as session:
        counts = await discussion_counts(session, slug=SLUG)
    assert (counts.posts, counts.contributors) == (6, 3)
    assert counts.by_week == [Count(1, 4, 2), Count(2, 1, 1), Count(None, 1, 1)]
    assert counts.by_question == [Count(1, 4, 2), Count(7, 1, 1), Count(None, 1, 1)]
    assert counts.by_tag == [Count("safety", 4, 2)]
    assert counts.by_language == [Count("en", 4, 2), Count("es", 1, 1), Count("fr", 1, 1)]
    assert counts.by_country == [Count("CO", 3, 1), Count("PE", 2, 1), Count(None, 1, 1)]
    assert counts.by_group == [
        Count("government", 1, 1),
        Count("training_provider", 2, 1),
        Count("workers", 3, 1),
    ]
    assert counts.question_group[(1, "workers")] == Count((1, "workers"), 3, 1)
    assert counts.question_group[(1, "training_provider")].posts == 1
    assert (7, "workers") not in counts.question_group
    assert counts.posts_for(question=1, group="workers") == 3
    assert counts.posts_for(question=7, group="workers") == 0
    assert counts.posts_for(question=1) == 4
    assert counts.posts_for(group="training_provider") == 2
    assert counts.posts_for() == 6


async def test_an_empty_discussion_counts_nothing(db: Database) -> None:
    await setup_discussion(db)
    async with db.session() as session:
        counts = await discussion_counts(session, slug=SLUG)
    assert (counts.posts, counts.contributors, counts.by_question, counts.question_group) == (
        0,
        0,
        [],
        {},
    )


async def test_an_unknown_discussion_is_not_found(db: Database) -> None:
    async with db.session() as session:
        with pytest.raises(NotFound):
            await discussion_counts(session, slug="no-such-discussion")


@pytest.mark.parametrize("size", [10, 1000])
async def test_statements_do_not_grow_with_posts(db: Database, size: int) -> None:
    discussion = await setup_discussion(db)
    author = await person(db, "union@example.org", "workers", "CO")
    await posts(db, discussion, author, question=2, count=size, tag="safety")
    async with db.session() as session:
        with counting(db) as counter:
            counts = await discussion_counts(session, slug=SLUG)
    assert counts.posts == size
    assert selects(counter) == STATEMENTS
