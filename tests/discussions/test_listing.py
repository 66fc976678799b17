"""The listing of discussions and the titles mails name them by."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from forum.db import Database
from forum.discussions.listing import discussion_title, list_discussions
from forum.models import Discussion
from forum.models.types import DiscussionStatus
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data


async def test_list_discussions_sorts_open_upcoming_and_past(db: Database) -> None:
    starts = {
        "closing-later": NOW - timedelta(days=2),
        "closing-sooner": NOW - timedelta(days=10),
        "next-month": NOW + timedelta(days=30),
        "long-ago": NOW - timedelta(days=200),
        "last-year": NOW - timedelta(days=100),
    }
    async with db.transaction() as session:
        for slug, start in starts.items():
            await add_discussion(session, discussion_data(slug=slug, start=start), now=NOW)
    async with db.session() as session:
        listing = await list_discussions(session, language="es", now=NOW)
    assert [c.slug for c in listing.open] == ["closing-sooner", "closing-later"]
    assert [c.slug for c in listing.upcoming] == ["next-month"]
    assert [c.slug for c in listing.past] == ["last-year", "long-ago"]
    assert listing.upcoming[0].status is DiscussionStatus.UPCOMING
    assert listing.open[0].title.text == "Aprendizaje a distancia"
    assert listing.open[0].title.language == "es"


async def test_discussion_title_falls_back_to_the_discussions_own_language(db: Database) -> None:
    data = discussion_data(start=NOW - timedelta(days=1), languages=("es", "en"))
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
    async with db.session() as session:
        discussion = await session.scalar(select(Discussion))
        assert discussion is not None
        english = await discussion_title(session, discussion=discussion, language="en")
        french = await discussion_title(session, discussion=discussion, language="fr")
    assert english == "Apprenticeships at a distance"
    assert french == "Aprendizaje a distancia"
