"""Live sessions written, changed and removed in one go, each recorded, and read back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from forum.core.errors import FormInvalid, NotFound
from forum.db import Database
from forum.live.sessions import (
    add_session,
    discussion_sessions,
    edit_session,
    remove_session,
)
from forum.models import (
    Discussion,
    DiscussionChange,
    LiveSession,
    LiveSessionTranslation,
)
from forum.models.types import ChangeKind
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting, make_user, selects
from tests.live.conftest import seed_discussion, seed_session, session_input


async def _version(db: Database, discussion: Discussion) -> int:
    async with db.session() as session:
        value = await session.scalar(
            select(col(Discussion.content_version)).where(Discussion.id == discussion.id)
        )
    return int(value or 0)


async def _changes(db: Database) -> list[DiscussionChange]:
    async with db.session() as session:
        return list(
            await session.scalars(
                select(DiscussionChange)
                .where(DiscussionChange.what != "import")
                .order_by(col(DiscussionChange.id))
            )
        )


async def _texts(db: Database, live_id: int) -> dict[str, tuple[str, str]]:
    async with db.session() as session:
        rows = await session.scalars(
            select(LiveSessionTranslation).where(LiveSessionTranslation.live_session_id == live_id)
        )
        return {row.language: (row.title, row.description) for row in rows}


async def test_add_writes_the_session_its_texts_and_a_history_entry(db: Database) -> None:
    discussion = await seed_discussion(db)
    organiser = await make_user(db, email="organiser@example.org")
    before = await _version(db, discussion)
    async with db.transaction() as session:
        live = await add_session(
            session,
            discussion=discussion,
            data=session_input(),
            uid_host="forum.example.org",
            actor_id=organiser.id,
            now=NOW,
        )
    assert live.id is not None
    assert live.starts_at == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    assert live.uid.endswith("@forum.example.org") and len(live.uid) > 30
    assert live.sequence == 0 and live.language == "es" and live.duration_minutes == 120
    assert await _texts(db, live.id) == {
        "en": ("Ask the trainers", "An hour of questions."),
        "es": ("Pregunte a los formadores", ""),
    }
    assert await _version(db, discussion) == before + 1
    (change,) = await _changes(db)
    assert change.what == ChangeKind.SESSION_ADD and change.item == f"session:{live.id}"
    assert change.actor_id == organiser.id
    after = json.loads(change.after)
    assert after["starts_at"] == "2026-03-10T14:00:00+00:00"
    assert after["title"]["es"] == "Pregunte a los formadores"


async def test_refused_session_writes_nothing(db: Database) -> None:
    discussion = await seed_discussion(db)
    before = await _version(db, discussion)
    with pytest.raises(FormInvalid):
        async with db.transaction() as session:
            await add_session(
                session,
                discussion=discussion,
                data=session_input(duration="5"),
                uid_host="forum.example.org",
                actor_id=None,
                now=NOW,
            )
    async with db.session() as session:
        assert list(await session.scalars(select(LiveSession))) == []
    assert await _changes(db) == [] and await _version(db, discussion) == before


async def test_edit_keeps_the_uid_raises_the_sequence_and_replaces_the_texts(
    db: Database,
) -> None:
    discussion = await seed_discussion(db)
    live_id = await seed_session(db, discussion)
    async with db.session() as session:
        first = await session.get(LiveSession, live_id)
    assert first is not None
    later = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    async with db.transaction() as session:
        live = await edit_session(
            session,
            discussion=discussion,
            live_id=live_id,
            data=session_input(
                titles={"en": "", "es": "", "fr": "Questions aux formateurs"},
                clock="16:00",
                timezone="America/Bogota",
                duration="90",
                language="fr",
            ),
            actor_id=None,
            now=later,
        )
    assert live.uid == first.uid and live.sequence == 1 and live.updated_at == later
    assert live.starts_at == datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # 16:00 in Bogotá
    assert await _texts(db, live_id) == {
        "fr": ("Questions aux formateurs", ""),
        "en": ("", "An hour of questions."),
    }
    edit = (await _changes(db))[-1]
    assert edit.what == ChangeKind.SESSION_EDIT
    assert json.loads(edit.before)["title"] == {
        "en": "Ask the trainers",
        "es": "Pregunte a los formadores",
    }
    assert json.loads(edit.after)["minutes"] == 90


async def test_refused_edit_leaves_the_session_as_it_was(db: Database) -> None:
    discussion = await seed_discussion(db)
    live_id = await seed_session(db, discussion)
    with pytest.raises(FormInvalid):
        async with db.transaction() as session:
            await edit_session(
                session,
                discussion=discussion,
                live_id=live_id,
                data=session_input(titles={"en": "New"}, registration_url="mailto:x@y.z"),
                actor_id=None,
                now=NOW,
            )
    async with db.session() as session:
        live = await session.get(LiveSession, live_id)
    assert live is not None and live.sequence == 0
    assert (await _texts(db, live_id))["en"][0] == "Ask the trainers"
    assert len(await _changes(db)) == 1  # the addition only


async def test_remove_takes_the_texts_and_keeps_the_history(db: Database) -> None:
    discussion = await seed_discussion(db)
    live_id = await seed_session(db, discussion)
    before = await _version(db, discussion)
    async with db.transaction() as session:
        await remove_session(
            session, discussion=discussion, live_id=live_id, actor_id=None, now=NOW
        )
    async with db.session() as session:
        assert await session.get(LiveSession, live_id) is None
    assert await _texts(db, live_id) == {}
    removal = (await _changes(db))[-1]
    assert removal.what == ChangeKind.SESSION_REMOVE
    assert json.loads(removal.before)["link"] == "https://events.example.org/register?id=7"
    assert await _version(db, discussion) == before + 1


async def test_a_session_of_another_discussion_is_not_found(db: Database) -> None:
    discussion = await seed_discussion(db)
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug="other", start=NOW), now=NOW)
        other = await session.scalar(select(Discussion).where(Discussion.slug == "other"))
    assert other is not None
    live_id = await seed_session(db, other)
    for attempt in ("edit", "remove"):
        with pytest.raises(NotFound):
            async with db.transaction() as session:
                if attempt == "edit":
                    await edit_session(
                        session,
                        discussion=discussion,
                        live_id=live_id,
                        data=session_input(),
                        actor_id=None,
                        now=NOW,
                    )
                else:
                    await remove_session(
                        session, discussion=discussion, live_id=live_id, actor_id=None, now=NOW
                    )
    async with db.session() as session:
        assert await session.get(LiveSession, live_id) is not None


async def test_page_lists_upcoming_soonest_first_and_past_latest_first(db: Database) -> None:
    discussion = await seed_discussion(db)
    assert discussion.id is not None
    for day, clock in (("2026-03-20", "10:00"), ("2026-03-01", "10:00"), ("2026-03-12", "10:00")):
        await seed_session(db, discussion, session_input(day=day, clock=clock))
    await seed_session(db, discussion, session_input(day="2026-02-20"))
    # under way at NOW (12:00 UTC): started at 12:30 in Madrid (11:30 UTC), ends at 13:30
    await seed_session(db, discussion, session_input(day="2026-03-04", clock="12:30"))
    with counting(db) as counter:
        async with db.session() as session:
            listed = await discussion_sessions(
                session,
                discussion_id=discussion.id,
                languages=discussion.language_list,
                language="fr",
                now=NOW,
            )
    assert selects(counter) == 1
    upcoming = [view.starts_at.day for view in listed.upcoming]
    assert upcoming == [4, 12, 20]
    assert [view.starts_at.day for view in listed.past] == [1, 20]
    assert [view.starts_at.month for view in listed.past] == [3, 2]
    first = listed.upcoming[0]
    # no French title: the discussion's first language, English, is shown and said to be so
    assert (first.title.text, first.title.language) == ("Ask the trainers", "en")
    assert first.ends_at == datetime(2026, 3, 4, 13, 30, tzinfo=UTC)
