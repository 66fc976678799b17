"""A discussion's settings and people: checked all at once, recorded, refused without a trace."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from forum.core.errors import Conflict, Invalid
from forum.db import Database
from forum.discussions.checks import Refused
from forum.models import Discussion, DiscussionChange, DiscussionModerator, DiscussionOrganiser
from forum.studio.setup import (
    SettingsForm,
    add_moderator_to,
    add_organiser,
    create_discussion,
    remove_moderator_from,
    remove_organiser,
    update_settings,
)
from tests.conftest import NOW
from tests.helpers import make_user
from tests.studio.conftest import SLUG, admin, running, stored

OFFERED = ("en", "es", "fr")


def form(**changes: object) -> SettingsForm:
    values: dict[str, object] = {
        "slug": "care-work-2027",
        "opens_at": "2027-02-01T09:00",
        "closes_at": "2027-02-26T18:00",
        "timezone": "Africa/Nairobi",
        "languages": ["fr", "en"],
        "moderation": "post",
        "general_comments": True,
    }
    values.update(changes)
    return SettingsForm(**values)  # type: ignore[arg-type]


async def test_every_problem_of_the_settings_comes_at_once(db: Database) -> None:
    person = await admin(db)
    with pytest.raises(Refused) as refused:
        async with db.transaction() as session:
            await create_discussion(
                session,
                actor=person,
                form=form(
                    slug="Care Work",
                    timezone="Africa/Atlantis",
                    languages=["fr", "de", "fr"],
                    moderation="sometimes",
                ),
                offered=OFFERED,
                now=NOW,
            )
    places = [problem.place for problem in refused.value.problems]
    assert places == ["slug", "timezone", "main_language", "main_language", "moderation"]
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Discussion)) == 0


async def test_a_closing_before_the_opening_is_refused(db: Database) -> None:
    person = await admin(db)
    with pytest.raises(Refused) as refused:
        async with db.transaction() as session:
            await create_discussion(
                session,
                actor=person,
                form=form(closes_at="2027-01-01T09:00"),
                offered=OFFERED,
                now=NOW,
            )
    assert [p.place for p in refused.value.problems] == ["closes_at"]


async def test_a_published_discussion_keeps_its_address(db: Database) -> None:
    await running(db)
    person = await admin(db)
    found = await stored(db)
    with pytest.raises(Refused) as refused:
        async with db.transaction() as session:
            current = await session.get(Discussion, found.id)
            assert current is not None
            await update_settings(
                session,
                discussion=current,
                actor=person,
                form=form(slug="renamed", timezone=found.timezone, languages=["en", "es", "fr"]),
                offered=OFFERED,
                now=NOW,
            )
    assert [p.place for p in refused.value.problems] == ["slug"]
    assert (await stored(db)).slug == SLUG


async def test_settings_changes_are_recorded_with_what_they_were(db: Database) -> None:
    await running(db)
    person = await admin(db)
    found = await stored(db)
    async with db.transaction() as session:
        current = await session.get(Discussion, found.id)
        assert current is not None
        await update_settings(
            session,
            discussion=current,
            actor=person,
            form=form(
                slug=SLUG,
                opens_at="2026-03-02T12:00",
                closes_at="2026-04-10T18:00",
                timezone="Europe/Madrid",
                languages=["en", "es", "fr"],
                moderation="pre",
                general_comments=False,
            ),
            offered=OFFERED,
            now=NOW,
        )
    async with db.session() as session:
        change = await session.scalar(
            select(DiscussionChange).where(DiscussionChange.what == "settings")
        )
    assert change is not None and change.what == "settings"
    assert '"closes_at"' in change.before and '"opens_at"' in change.after
    assert '"slug"' not in change.after
    assert (await stored(db)).content_version > found.content_version


async def test_people_are_added_once_and_recorded(db: Database) -> None:
    await running(db)
    person = await admin(db)
    helper = await make_user(db, email="helper@example.org", name="Noor Haddad")
    found = await stored(db)
    async with db.transaction() as session:
        await add_organiser(session, discussion=found, actor=person, person=helper, now=NOW)
        await add_moderator_to(
            session, discussion=found, actor=person, email="Helper@Example.org", now=NOW
        )
    with pytest.raises(Conflict):
        async with db.transaction() as session:
            await add_organiser(session, discussion=found, actor=person, person=helper, now=NOW)
    with pytest.raises(Invalid):
        async with db.transaction() as session:
            await add_moderator_to(
                session, discussion=found, actor=person, email="nobody@example.org", now=NOW
            )
    async with db.transaction() as session:
        await remove_moderator_from(
            session, discussion=found, actor=person, person_id=helper.id or 0, now=NOW
        )
        await remove_organiser(
            session, discussion=found, actor=person, person_id=helper.id or 0, now=NOW
        )
    async with db.session() as session:
        items = list(
            await session.scalars(
                select(DiscussionChange.item).where(DiscussionChange.what == "people")
            )
        )
        left = await session.scalar(select(func.count()).select_from(DiscussionOrganiser))
        moderators = await session.scalar(
            select(func.count())
            .select_from(DiscussionModerator)
            .where(DiscussionModerator.user_id == helper.id)
        )
    assert sorted(items) == sorted([f"organiser:{helper.id}", f"moderator:{helper.id}"] * 2)
    assert left == 0 and moderators == 0


async def test_an_organiser_cannot_take_themself_off(db: Database) -> None:
    await running(db)
    helper = await make_user(db, email="helper@example.org", name="Noor Haddad")
    found = await stored(db)
    async with db.transaction() as session:
        session.add(DiscussionOrganiser(discussion_id=found.id, user_id=helper.id))
    with pytest.raises(Conflict):
        async with db.transaction() as session:
            await remove_organiser(
                session, discussion=found, actor=helper, person_id=helper.id or 0, now=NOW
            )
