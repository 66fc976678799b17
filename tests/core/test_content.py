"""A discussion's content version: what page caches compare, raised by every visible change."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from forum.core.content import bump_content_version, discussion_version
from forum.db import Database
from forum.models import Discussion
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data

SLUG = "remote-apprenticeships"


async def _discussion_id(db: Database) -> int:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=2)), now=NOW)
        found = await session.scalar(select(Discussion.id).where(Discussion.slug == SLUG))
    assert found is not None
    return found


async def test_discussion_version_of_an_unknown_slug_is_none(db: Database) -> None:
    await _discussion_id(db)
    async with db.session() as session:
        assert await discussion_version(session, slug="no-such-discussion") is None


async def test_bump_content_version_counts_every_change(db: Database) -> None:
    discussion_id = await _discussion_id(db)
    async with db.session() as session:
        before = await discussion_version(session, slug=SLUG)
    assert before is not None
    async with db.transaction() as session:
        await bump_content_version(session, discussion_id=discussion_id)
        await bump_content_version(session, discussion_id=discussion_id)
    async with db.transaction() as session:
        await bump_content_version(session, discussion_id=discussion_id)
    async with db.session() as session:
        assert await discussion_version(session, slug=SLUG) == before + 3
