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


async def test_the_reader_remembers_when_it_first_saw_each_newer_version(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
        discussion_id = await session.scalar(select(Discussion.id))
        assert discussion_id is not None
    known = ContentVersions()
    async with db.session() as session:
        await known.read(session)
    slug = "remote-apprenticeships"
    before, site = known.of(slug), known.of(None)
    assert before is not None
    assert known.changed_for(slug, before) is None  # nothing newer seen
    async with db.transaction() as session:
        await bump_content_version(session, discussion_id=discussion_id)
    async with db.session() as session:
        await known.read(session)
    first = known.changed_for(slug, before)
    assert first is not None and 0 <= first < 0.5
    assert known.changed_for(None, site) is not None
    async with db.transaction() as session:
        await bump_content_version(session, discussion_id=discussion_id)
    time.sleep(0.02)
    async with db.session() as session:
        await known.read(session)
    again = known.changed_for(slug, before)  # still since the FIRST newer version
    assert again is not None and again >= first + 0.02
    assert known.changed_for(slug, before + 1) is not None
    assert known.changed_for(slug, before + 2) is None
    assert known.changed_for("no-such-discussion", 0) is None
