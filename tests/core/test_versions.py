"""The content versions read in the background agree with what the database says."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import select

from forum.core import versions
from forum.core.content import bump_content_version, site_version
from forum.core.versions import ContentVersions
from forum.db import Database
from forum.models import Discussion
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data


async def test_a_read_gives_each_discussion_and_the_site_version(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
        await add_discussion(
            session, discussion_data(slug="green-jobs-now", start=NOW - timedelta(days=1)), now=NOW
        )
        first = await session.scalar(
            select(Discussion.id).where(Discussion.slug == "green-jobs-now")
        )
        assert first is not None
        await bump_content_version(session, discussion_id=first)
    known = ContentVersions()
    assert not known.fresh()
    async with db.session() as session:
        await known.read(session)
        expected = await site_version(session)
    assert known.fresh() and known.site == expected
    assert known.by_slug["green-jobs-now"] == known.by_slug["remote-apprenticeships"] + 1
    known.read_at = time.monotonic() - versions.STALE_AFTER
    assert not known.fresh()
