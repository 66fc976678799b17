"""What the tests of live sessions share: a discussion, and a session as typed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from forum.db import Database
from forum.live.checks import SessionInput
from forum.live.sessions import add_session
from forum.models import Discussion
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data

SLUG = "remote-apprenticeships"


def session_input(**changes: Any) -> SessionInput:
    """A session as an organiser would type it: 15:00 in Madrid on 10 March 2026, two hours."""
    values: dict[str, Any] = {
        "titles": {"en": "Ask the trainers", "es": "Pregunte a los formadores", "fr": ""},
        "descriptions": {"en": "An hour of questions.", "es": "", "fr": ""},
        "day": "2026-03-10",
        "clock": "15:00",
        "timezone": "Europe/Madrid",
        "duration": "120",
        "registration_url": "https://events.example.org/register?id=7",
        "language": "es",
    }
    return SessionInput(**(values | changes))


async def seed_discussion(db: Database, *, published: bool = True) -> Discussion:
    """The test discussion, open since the day before NOW (a draft if not `published`)."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
        discussion = await session.scalar(select(Discussion).where(Discussion.slug == SLUG))
        assert discussion is not None
        if not published:
            discussion.published_at = None
            session.add(discussion)
    return discussion


async def seed_session(
    db: Database, discussion: Discussion, data: SessionInput | None = None
) -> int:
    """Add a session as an organiser would; return its id."""
    async with db.transaction() as session:
        live = await add_session(
            session,
            discussion=discussion,
            data=data or session_input(),
            uid_host="forum.example.org",
            actor_id=None,
            now=NOW,
        )
    assert live.id is not None
    return live.id
