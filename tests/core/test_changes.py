"""Changes to people (their accounts, sessions and posts) are counted, in the database for
every process and in each Database for its own, so caches of signed-in readers know when to
look again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from forum.accounts.sessions import (
    SessionPolicy,
    end_session,
    start_session,
    touch_session,
)
from forum.contributions.posting import Draft, PostLimits, create_post
from forum.core.changes import people_version
from forum.db import Database
from forum.models import Post, User, UserSession
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user

POLICY = SessionPolicy(idle=timedelta(days=14), absolute=timedelta(days=60))


async def _version(db: Database) -> int:
    async with db.session() as session:
        return await people_version(session)


async def test_a_database_never_changed_reads_zero(db: Database) -> None:
    assert await _version(db) == 0
    assert db.people_changes == 0


async def test_changing_a_person_counts_once_per_commit(db: Database) -> None:
    user = await make_user(db)
    before, local = await _version(db), db.people_changes
    async with db.transaction() as session:
        stored = await session.get(User, user.id)
        assert stored is not None
        stored.display_name = "María P."
        await session.flush()
        stored.organisation = "Otro centro"
    assert await _version(db) == before + 1
    assert db.people_changes == local + 1


async def test_a_rolled_back_change_does_not_count(db: Database) -> None:
    user = await make_user(db)
    before, local = await _version(db), db.people_changes
    try:
        async with db.transaction() as session:
            stored = await session.get(User, user.id)
            assert stored is not None
            stored.state = "banned"
            await session.flush()
            raise RuntimeError("changed my mind")
    except RuntimeError:
        pass
    assert await _version(db) == before
    assert db.people_changes == local


async def test_ending_a_session_counts_but_opening_or_using_one_does_not(db: Database) -> None:
    user = await make_user(db)
    assert user.id is not None
    before = await _version(db)
    async with db.transaction() as session:
        raw = await start_session(session, user_id=user.id, policy=POLICY, now=NOW)
    async with db.transaction() as session:
        found = await session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        assert found is not None and found.id is not None
        await touch_session(session, session_id=found.id, now=NOW + timedelta(minutes=10))
    assert await _version(db) == before
    async with db.transaction() as session:
        await end_session(session, raw_token=raw)
    assert await _version(db) == before + 1


async def test_a_statement_over_many_posts_counts(db: Database) -> None:
    before = await _version(db)
    async with db.transaction() as session:
        await session.execute(update(Post).where(col(Post.id) < 0).values(key_quote=False))
    assert await _version(db) == before + 1


async def test_another_database_object_sees_the_count_but_not_as_its_own(
    db: Database, settings: object
) -> None:
    other = Database(db.url)
    try:
        user = await make_user(other)
        assert user.id is not None
        assert await _version(db) == await _version(other) >= 1
        assert db.people_changes == 0 and other.people_changes >= 1
    finally:
        await other.dispose()


async def test_a_new_post_counts_even_when_nothing_else_of_its_author_changes(
    db: Database,
) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=2)), now=NOW)
    author = await make_user(db)
    async with db.transaction() as session:  # the consent is remembered already
        stored = await session.get(User, author.id)
        assert stored is not None
        stored.quote_consent = "by_name"
    before = await _version(db)
    async with db.transaction() as session:
        await create_post(
            session,
            author=author,
            discussion_slug="remote-apprenticeships",
            question_number=3,
            parent_id=None,
            draft=Draft("Our apprentices kept learning with weekly phone calls.", "en", "by_name"),
            limits=PostLimits(min_chars=10, max_chars=5000),
            now=NOW,
        )
    assert await _version(db) == before + 1
