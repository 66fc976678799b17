"""Shared set-up of the studio's tests: a running discussion, people, and an answer."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from forum.contributions.posting import Draft, PostLimits, create_post
from forum.db import Database
from forum.models import Discussion, Post, User
from forum.models.types import Role
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user

SLUG = "remote-apprenticeships"
START = NOW - timedelta(days=2)  # week one opened two days ago, week two opens in five days
ANSWER = "Our apprentices kept learning at home with weekly calls and a mentor at work."


async def running(db: Database, slug: str = SLUG, start: datetime = START) -> Discussion:
    """The factories' discussion (6 + 5 questions), open since `start` (two days ago)."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug=slug, start=start), now=NOW)
    return await stored(db, slug)


async def stored(db: Database, slug: str = SLUG) -> Discussion:
    async with db.session() as session:
        found = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    assert found is not None
    return found


async def admin(db: Database) -> User:
    return await make_user(db, email="admin@example.org", name="Adèle Martin", role=Role.ADMIN)


async def answer(db: Database, number: int = 1, slug: str = SLUG) -> Post:
    """A contributor's answer to question `number`."""
    author = await make_user(db, email=f"author{number}@example.org", name="Kofi Mensah")
    async with db.transaction() as session:
        return await create_post(
            session,
            author=author,
            discussion_slug=slug,
            question_number=number,
            parent_id=None,
            draft=Draft(source=ANSWER, language="en", quote_consent="by_name"),
            limits=PostLimits(),
            now=NOW,
        )
