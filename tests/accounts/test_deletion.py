"""Deleting an account: posts kept by "a former participant" or removed; nothing else left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from forum.accounts.deletion import WRONG_PASSWORD, delete_account, former_address
from forum.accounts.sessions import SessionPolicy, start_session
from forum.core.errors import FormInvalid
from forum.db import Database
from forum.models import (
    ModerationAction,
    Post,
    PostRevision,
    Report,
    Subscriber,
    User,
    UserSession,
)
from forum.models.types import ModerationVerb, UserState
from forum.synthesis.checks import MISSING_POST, check_synthesis, read_record
from tests.accounts.personal_seeding import OTHER_REPLY, seed_person
from tests.conftest import NOW
from tests.exports.seeding import PUBLISHED
from tests.helpers import PASSWORD, make_user


async def _count(db: Database, column: object, *where: object) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count(column)).where(*where)) or 0)  # type: ignore[call-overload]


async def test_keeping_posts_empties_the_person_and_keeps_their_words(
    db: Database,
) -> None:
    ids = await seed_person(db)
    async with db.transaction() as session:
        await delete_account(session, user_id=ids["maria"], password=PASSWORD, keep_posts=True)
    async with db.session() as session:
        user = await session.get(User, ids["maria"])
        published = await session.get(Post, ids["published"])
    assert user is not None and user.state == UserState.DELETED
    assert user.email == former_address(ids["maria"])
    assert (user.display_name, user.organisation, user.country, user.password_hash) == (
        "",
        "",
        "",
        "",
    )
    assert published is not None and published.source == PUBLISHED
    assert published.quote_consent == "by_name"  # the consent given stays as it was
    assert await _count(db, Post.id, col(Post.author_id) == ids["maria"]) == 6
    assert await _count(db, Subscriber.id) == 0
    assert await _count(db, Report.id, col(Report.reporter_id) == ids["maria"]) == 1


async def test_removing_posts_keeps_others_replies_in_place(db: Database) -> None:
    ids = await seed_person(db)
    async with db.transaction() as session:
        session.add(
            ModerationAction(
                actor_id=ids["luc"],
                action=ModerationVerb.APPROVE.value,
                post_id=ids["pending"],
                created_at=NOW,
            )
        )
    async with db.transaction() as session:
        await delete_account(session, user_id=ids["maria"], password=PASSWORD, keep_posts=False)
    async with db.session() as session:
        left = list(await session.scalars(select(Post).where(col(Post.author_id) == ids["maria"])))
        theirs = await session.get(Post, ids["theirs"])
        action = await session.scalar(select(ModerationAction))
    # Luc answered her published post: it stays as an empty hidden post; the rest are gone.
    assert [(post.id, post.source, post.status) for post in left] == [
        (ids["published"], "", "hidden")
    ]
    assert theirs is not None and theirs.source == OTHER_REPLY
    assert theirs.parent_id == ids["published"]
    assert await _count(db, PostRevision.id) == 0
    assert action is not None and action.post_id is None and action.action == "approve"


async def test_the_persons_sessions_end(db: Database) -> None:
    ids = await seed_person(db)
    policy = SessionPolicy(idle=timedelta(days=14), absolute=timedelta(days=60))
    async with db.transaction() as session:
        await start_session(session, user_id=ids["maria"], policy=policy, now=NOW)
    assert await _count(db, UserSession.id) == 1
    async with db.transaction() as session:
        await delete_account(session, user_id=ids["maria"], password=PASSWORD, keep_posts=True)
    assert await _count(db, UserSession.id) == 0


@pytest.mark.parametrize("keep", [True, None])
async def test_wrong_password_or_no_choice_changes_nothing(db: Database, keep: bool | None) -> None:
    ids = await seed_person(db)
    password = "not the right one" if keep else PASSWORD
    with pytest.raises(FormInvalid) as refused:
        async with db.transaction() as session:
            await delete_account(session, user_id=ids["maria"], password=password, keep_posts=keep)
    if keep:
        assert refused.value.errors == {"current_password": WRONG_PASSWORD}
    else:
        assert set(refused.value.errors) == {"posts"}
    async with db.session() as session:
        user = await session.get(User, ids["maria"])
    assert user is not None and user.display_name == "María Pérez"
    assert await _count(db, Subscriber.id) == 1


async def test_a_person_with_nothing_written_goes_too(db: Database) -> None:
    alone = await make_user(db, email="solo@example.org", name="Solo")
    assert alone.id is not None
    async with db.transaction() as session:
        await delete_account(session, user_id=alone.id, password=PASSWORD, keep_posts=False)
    async with db.session() as session:
        user = await session.get(User, alone.id)
    assert user is not None and user.state == "deleted" and user.email_confirmed_at is None


async def test_a_synthesis_citing_a_removed_post_shows_a_problem(db: Database) -> None:
    ids = await seed_person(db)
    async with db.session() as session:
        post = await session.get(Post, ids["published"])
    assert post is not None
    texts = {"en": f"Apprentices wrote it down [#{ids['published']}].\n"}

    async def problems() -> list[str]:
        async with db.session() as session:
            record = await read_record(
                session, discussion_id=post.discussion_id, languages=["en"], texts=texts
            )
        return [
            problem.message
            for problem in check_synthesis(post.discussion_id, ["en"], texts, record)
        ]

    assert await problems() == []
    async with db.transaction() as session:
        await delete_account(session, user_id=ids["maria"], password=PASSWORD, keep_posts=False)
    assert await problems() == [MISSING_POST]
