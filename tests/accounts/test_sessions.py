"""A session cookie stands for its person, and says whether any of their posts is theirs alone."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, update

from forum.accounts.sessions import SessionPolicy, find_session, start_session
from forum.contributions.posting import Draft, PostLimits, create_post
from forum.db import Database
from forum.models import Post, User
from forum.models.types import PostStatus
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user

POLICY = SessionPolicy(idle=timedelta(days=14), absolute=timedelta(days=60))
TEXT = "Notre centre a ouvert ses ateliers le samedi pour les apprentis en retard."


async def _token(db: Database, user: User) -> str:
    assert user.id is not None
    async with db.transaction() as session:
        return await start_session(session, user_id=user.id, policy=POLICY, now=NOW)


async def _unshared(db: Database, token: str) -> bool:
    async with db.single_read() as session:
        found = await find_session(session, raw_token=token, policy=POLICY, now=NOW)
    assert found is not None
    return found.has_unshared_posts


async def _set(db: Database, post_id: int, **values: object) -> None:
    async with db.transaction() as session:
        await session.execute(update(Post).where(col(Post.id) == post_id).values(**values))


async def test_the_lookup_says_when_a_post_shows_to_its_author_alone(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
    author = await make_user(db, email="ines@example.org", name="Inès Laurent")
    token = await _token(db, author)
    assert await _unshared(db, token) is False
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=author,
            discussion_slug="remote-apprenticeships",
            question_number=1,
            parent_id=None,
            draft=Draft(TEXT, "fr", "by_name"),
            limits=PostLimits(min_chars=10, max_chars=5000),
            now=NOW,
        )
    assert post.id is not None
    seen = []
    for values in (
        {},  # as written: waiting for a moderator
        {"status": PostStatus.REJECTED.value},
        {"status": PostStatus.APPROVED.value, "pending_html": "<p>Une modification</p>"},
        {"pending_html": None},
        {"status": PostStatus.HIDDEN.value},
    ):
        if values:
            await _set(db, post.id, **values)
        seen.append(await _unshared(db, token))
    assert seen == [post.status == PostStatus.PENDING.value, True, True, False, False]


async def test_an_ended_session_is_not_found(db: Database) -> None:
    user = await make_user(db, email="kofi@example.org", name="Kofi Mensah")
    token = await _token(db, user)
    async with db.single_read() as session:
        late = await find_session(
            session, raw_token=token, policy=POLICY, now=NOW + timedelta(days=15)
        )
        unknown = await find_session(session, raw_token="not-a-token", policy=POLICY, now=NOW)
    assert late is None and unknown is None
