"""A new post's row: one INSERT, its thread's id with it, the ids the database would choose;
the author's consent written only when it changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, func
from sqlmodel import col, select

from forum.contributions.rows import insert_post, remember_consent
from forum.db import Database
from forum.models import Discussion, Post, User
from tests.conftest import NOW, StatementCounter
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting, make_user


@pytest.fixture
def counted(db: Database) -> Iterator[StatementCounter]:
    with counting(db) as counter:
        yield counter


async def _setup(db: Database) -> tuple[int, User]:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
        discussion_id = await session.scalar(select(col(Discussion.id)))
    assert discussion_id is not None
    return discussion_id, await make_user(db)


def _post(discussion_id: int, author: User, parent: Post | None = None) -> Post:
    assert author.id is not None
    return Post(
        discussion_id=discussion_id,
        parent_id=parent.id if parent else None,
        in_reply_to_id=parent.id if parent else None,
        thread_id=parent.thread_id if parent else 0,
        depth=1 if parent else 0,
        author_id=author.id,
        language="en",
        source="Apprentices kept learning.",
        html="<p>Apprentices kept learning.</p>",
        status="approved",
        quote_consent="by_name",
        created_at=NOW,
        approved_at=NOW,
    )


async def _write(db: Database, post: Post, *, starts_thread: bool) -> Post:
    async with db.transaction() as session:
        await insert_post(session, post, starts_thread=starts_thread)
    return post


async def _stored(db: Database) -> list[tuple[int | None, int, int | None]]:
    async with db.session() as session:
        posts = await session.scalars(select(Post).order_by(col(Post.id)))
        return [(post.id, post.thread_id, post.parent_id) for post in posts]


async def test_a_thread_starts_with_its_own_id_in_one_statement(
    db: Database, counted: StatementCounter
) -> None:
    discussion_id, author = await _setup(db)
    before = counted.count
    root = await _write(db, _post(discussion_id, author), starts_thread=True)
    inserts = [s for s in counted.statements[before:] if "posts" in s and "BEGIN" not in s]
    assert len(inserts) == 1 and "INSERT INTO posts" in inserts[0], inserts
    reply = await _write(db, _post(discussion_id, author, root), starts_thread=False)
    assert root.id is not None and reply.id == root.id + 1
    assert root.thread_id == root.id and reply.thread_id == root.id
    assert await _stored(db) == [(root.id, root.id, None), (reply.id, root.id, root.id)]


async def test_ids_follow_on_as_the_database_gives_them(db: Database) -> None:
    """A post inserted by the unit of work and one by insert_post take the same next id,
    the highest post deleted or not."""
    discussion_id, author = await _setup(db)
    first = await _write(db, _post(discussion_id, author), starts_thread=True)
    async with db.transaction() as session:
        chosen = _post(discussion_id, author)
        session.add(chosen)
        await session.flush()
        chosen.thread_id = chosen.id or 0
    assert first.id is not None and chosen.id == first.id + 1
    third = await _write(db, _post(discussion_id, author), starts_thread=True)
    assert third.id == chosen.id + 1 and third.thread_id == third.id
    async with db.transaction() as session:
        await session.execute(delete(Post).where(col(Post.id) == third.id))
        biggest = await session.scalar(select(func.max(col(Post.id))))
    after = await _write(db, _post(discussion_id, author), starts_thread=True)
    if db.is_sqlite:  # a rowid: one past the largest there is
        assert after.id == (biggest or 0) + 1
    else:  # the sequence goes on
        assert after.id == third.id + 1
    assert after.thread_id == after.id


async def test_the_post_is_in_the_session_afterwards(db: Database) -> None:
    discussion_id, author = await _setup(db)
    async with db.transaction() as session:
        post = _post(discussion_id, author)
        await insert_post(session, post, starts_thread=True)
        post.status = "pending"  # a change after the insert is flushed as usual
        assert await session.get(Post, post.id) is post
    async with db.session() as session:
        stored = await session.get(Post, post.id)
    assert stored is not None and stored.status == "pending" and stored.thread_id == post.id


async def test_consent_is_written_only_when_it_changes(
    db: Database, counted: StatementCounter
) -> None:
    author = await make_user(db)
    assert author.quote_consent is None
    async with db.transaction() as session:
        await remember_consent(session, author, "anonymously")
    author.quote_consent = "anonymously"
    before = counted.count
    async with db.transaction() as session:
        await remember_consent(session, author, "anonymously")
    assert not [s for s in counted.statements[before:] if "UPDATE" in s]
    async with db.session() as session:
        row = await session.get(User, author.id)
    assert row is not None and row.quote_consent == "anonymously"
