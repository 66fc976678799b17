"""Reading posts for an export: every column, who may have it, fixed statements per batch."""

from __future__ import annotations

import pytest

from forum.core.errors import NotFound, PermissionDenied
from forum.core.permissions import SignInRequired
from forum.db import Database
from forum.exports.rows import MODERATOR_COLUMNS, PUBLIC_COLUMNS, Audience, export_row
from forum.exports.streaming import ExportSource, export_source, post_batches, post_count
from forum.models import DiscussionOrganiser
from forum.models.types import Role
from tests.conftest import NOW
from tests.exports.seeding import PUBLISHED, SLUG, seed, user_named
from tests.helpers import counting, make_user


async def _rows(db: Database, audience: Audience, batch: int = 500) -> list[dict[str, object]]:
    async with db.session() as session:
        source = await export_source(
            session, slug=SLUG, audience=audience, user=None, now=NOW, trusted=True
        )
        return [
            export_row(record, audience)
            async for records in post_batches(session, source, batch=batch)
            for record in records
        ]


async def test_the_moderators_export_has_every_post_and_column(db: Database) -> None:
    ids = await seed(db)
    rows = await _rows(db, Audience.MODERATORS)
    assert [row["id"] for row in rows] == sorted(ids.values())
    first = next(row for row in rows if row["id"] == ids["published"])
    assert tuple(first) == MODERATOR_COLUMNS
    assert first == {
        "id": ids["published"],
        "parent_id": None,
        "thread_id": ids["published"],
        "discussion": SLUG,
        "week": 1,
        "question": 1,
        "language": "en",
        "tags": ["apprenticeships"],
        "status": "approved",
        "created_at": NOW.isoformat(),
        "edited_at": None,
        "approved_at": NOW.isoformat(),
        "author_group": "training_provider",
        "author_country": "PE",
        "author_organisation": "Centro de Formación",
        "author_name": "María Pérez",
        "quote_consent": "by_name",
        "key_quote": True,
        "text": PUBLISHED,
    }
    reply = next(row for row in rows if row["id"] == ids["reply"])
    assert reply["parent_id"] == ids["published"] and reply["thread_id"] == ids["published"]
    statuses = {row["id"]: row["status"] for row in rows}
    assert statuses[ids["pending"]] == "pending" and statuses[ids["hidden"]] == "hidden"


async def test_open_data_has_published_posts_only_and_no_consent(db: Database) -> None:
    ids = await seed(db)
    rows = await _rows(db, Audience.PUBLIC)
    assert [row["id"] for row in rows] == sorted([ids["published"], ids["formula"], ids["reply"]])
    assert all(tuple(row) == PUBLIC_COLUMNS for row in rows)
    assert "quote_consent" not in PUBLIC_COLUMNS and "status" not in PUBLIC_COLUMNS


async def test_batches_follow_the_ids_without_a_gap_or_a_repeat(db: Database) -> None:
    ids = await seed(db, extra=7)
    rows = await _rows(db, Audience.MODERATORS, batch=3)
    assert [row["id"] for row in rows] == sorted(ids.values())


@pytest.mark.parametrize("extra", [5, 60])
async def test_a_batch_costs_two_statements_whatever_its_size(db: Database, extra: int) -> None:
    await seed(db, extra=extra)
    async with db.session() as session:
        source = await export_source(
            session, slug=SLUG, audience=Audience.MODERATORS, user=None, now=NOW, trusted=True
        )
        assert await post_count(session, source) == extra + 6
        with counting(db) as counter:
            batches = [len(b) async for b in post_batches(session, source, batch=500)]
    assert batches == [extra + 6]
    assert counter.count == 2  # the posts, then their tags


async def test_who_may_have_the_moderators_export(db: Database) -> None:
    await seed(db)
    contributor = await user_named(db, "maria@example.org")
    moderator = await user_named(db, "ana@example.org")  # the discussion's moderator
    other = await make_user(db, email="otro@example.org", role=Role.MODERATOR)
    admin = await make_user(db, email="admin@example.org", role=Role.ADMIN)
    organiser = await make_user(db, email="olga@example.org", name="Olga")

    async def export_for(user: object) -> ExportSource:
        async with db.session() as session:
            return await export_source(
                session,
                slug=SLUG,
                audience=Audience.MODERATORS,
                user=user,
                now=NOW,  # type: ignore[arg-type]
            )

    with pytest.raises(SignInRequired):
        await export_for(None)
    for refused in (contributor, other, organiser):
        with pytest.raises(PermissionDenied):
            await export_for(refused)
    source = await export_for(moderator)
    assert source.slug == SLUG
    assert (await export_for(admin)).slug == SLUG
    async with db.transaction() as session:
        session.add(
            DiscussionOrganiser(discussion_id=source.discussion_id, user_id=organiser.id or 0)
        )
    assert (await export_for(organiser)).audience is Audience.MODERATORS


async def test_unknown_and_unpublished_discussions_are_not_found(db: Database) -> None:
    await seed(db)
    async with db.session() as session:
        with pytest.raises(NotFound):
            await export_source(session, slug="nope", audience=Audience.PUBLIC, user=None, now=NOW)
        with pytest.raises(NotFound):  # before it is published, open data does not exist
            await export_source(
                session, slug=SLUG, audience=Audience.PUBLIC, user=None, now=NOW.replace(year=2000)
            )
