"""Where a new post goes: the discussion and the question or post replied to, in one read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from forum.contributions.placing import read_target
from forum.contributions.posting import Draft, PostLimits, create_post
from forum.db import Database
from forum.models.types import Role
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting, make_user

SLUG = "remote-apprenticeships"
OTHER = "other-discussion"
TEXT = "Our apprentices kept learning at home with weekly video calls and a mentor at work."


@pytest.fixture
def counted(db: Database) -> Iterator[StatementCounter]:
    with counting(db) as counter:
        yield counter


async def _posted(db: Database) -> int:
    async with db.transaction() as session:
        for slug in (SLUG, OTHER):
            data = discussion_data(slug=slug, start=NOW - timedelta(days=2))
            await add_discussion(session, data, now=NOW)
    author = await make_user(db, role=Role.MODERATOR)
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=author,
            discussion_slug=OTHER,
            question_number=1,
            parent_id=None,
            draft=Draft(TEXT, "en", "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
    assert post.id is not None
    return post.id


async def test_each_target_is_one_statement(db: Database, counted: StatementCounter) -> None:
    post_id = await _posted(db)
    async with db.session() as session:
        before = counted.count
        answer = await read_target(session, slug=SLUG, question_number=1, parent_id=None)
        general = await read_target(session, slug=SLUG, question_number=None, parent_id=None)
        reply = await read_target(session, slug=SLUG, question_number=None, parent_id=post_id)
        reads = [s for s in counted.statements[before:] if s.startswith("SELECT")]
    assert len(reads) == 3, reads
    assert answer.discussion is not None and answer.discussion.slug == SLUG
    assert answer.question_id is not None and answer.opens_at is not None
    assert answer.closes_at is not None and answer.opens_at < answer.closes_at
    assert general.discussion is not None and general.question_id is None
    # The post replied to is read whatever its discussion: placing it refuses it.
    assert reply.discussion is not None and reply.parent is not None
    assert reply.parent.id == post_id and reply.parent.discussion_id != reply.discussion.id
    assert reply.closes_at == answer.closes_at  # question 1 of either discussion: week one


async def test_what_is_not_there_comes_back_empty(db: Database) -> None:
    await _posted(db)
    async with db.session() as session:
        unknown = await read_target(session, slug="nowhere", question_number=1, parent_id=None)
        question = await read_target(session, slug=SLUG, question_number=99, parent_id=None)
        parent = await read_target(session, slug=SLUG, question_number=None, parent_id=10_000)
    assert unknown.discussion is None
    assert question.discussion is not None and question.question_id is None
    assert question.opens_at is None and question.closes_at is None
    assert parent.discussion is not None and parent.parent is None and parent.closes_at is None
