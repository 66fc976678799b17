"""Reply notifications: who hears of a reply, in which language, and never twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from forum.contributions.notifications import notify_reply, reply_mail_key
from forum.contributions.posting import Draft, PostLimits, create_post
from forum.db import Database
from forum.mail.compose import Postman
from forum.models import Discussion, OutboxMessage, Post, User
from forum.models.types import PostStatus, UserState
from forum.moderation.posts import approve_post
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting, make_postman, make_user, outbox, user_row

SLUG = "remote-apprenticeships"
START = NOW - timedelta(days=2)
BASE = "http://127.0.0.1:8000"
ES = "En nuestro taller, cada aprendiz llevaba un diario de práctica que revisábamos juntos."
FR = "Chez nous, le tuteur appelait l'apprenti chaque vendredi pour faire le point sur la semaine."
EN = "We lent laptops to apprentices who had none, and the dropout rate fell within a month."
ES_REPLY = "Gracias por compartirlo: ¿cuánto tiempo dedicaban a revisar cada diario?"


@dataclass(frozen=True)
class World:
    maria: User  # reads Spanish
    pierre: User  # reads French
    lena: User  # reads English


@pytest.fixture(scope="module")
def postman() -> Postman:
    return make_postman(BASE)


async def setup(db: Database, moderation: str = "post") -> World:
    data = discussion_data(slug=SLUG, start=START)
    data["moderation"] = moderation
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
    maria = await make_user(db)
    pierre = await make_user(db, email="pierre@example.org", name="Pierre Roux", language="fr")
    lena = await make_user(db, email="lena@example.org", name="Lena Fischer", language="en")
    return World(maria, pierre, lena)


@pytest.fixture
async def world(db: Database) -> World:
    return await setup(db)


async def write(
    db: Database, author: User, text: str, language: str, parent: Post | None = None
) -> Post:
    async with db.transaction() as session:
        return await create_post(
            session,
            author=author,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=parent.id if parent is not None else None,
            draft=Draft(source=text, language=language, quote_consent="by_name"),
            limits=PostLimits(),
            now=NOW,
        )


async def notify(db: Database, reply: Post, postman: Postman) -> str | None:
    async with db.transaction() as session:
        return await notify_reply(session, reply=reply, postman=postman, now=NOW)


async def change(db: Database, user: User, **values: Any) -> None:
    async with db.transaction() as session:
        await session.execute(update(User).where(col(User.id) == user.id).values(**values))


def reply_mails(mails: list[OutboxMessage]) -> list[OutboxMessage]:
    return [mail for mail in mails if (mail.dedupe_key or "").startswith("reply:")]


async def test_the_parent_author_is_told_once_in_their_language(
    db: Database, world: World, postman: Postman
) -> None:
    post = await write(db, world.maria, ES, "es")
    reply = await write(db, world.pierre, FR, "fr", parent=post)
    assert reply.status == PostStatus.APPROVED

    assert await notify(db, reply, postman) == reply_mail_key(reply.id or 0)
    assert await notify(db, reply, postman) is None

    [mail] = await outbox(db)
    assert (mail.to_address, mail.language, mail.dedupe_key) == (
        world.maria.email,
        "es",
        f"reply:{reply.id}",
    )
    link = f"{BASE}/es/discussions/{SLUG}/posts/{reply.id}"
    assert link in mail.text_body
    assert f'href="{link}"' in mail.html_body
    assert "Hola, María Pérez:" in mail.text_body
    assert "Pierre Roux" in mail.text_body
    assert "Aprendizaje a distancia" in mail.text_body  # the discussion's title in Spanish


async def test_the_rows_the_writer_read_give_the_same_mail_without_reading_them_again(
    db: Database, world: World, postman: Postman
) -> None:
    """The endpoint passes the post answered, the discussion and the replier it has just
    read: the mail is the one notify_reply writes when it reads them itself."""
    post = await write(db, world.maria, ES, "es")
    replies = [await write(db, world.pierre, FR + f" ({n})", "fr", parent=post) for n in (1, 2)]
    async with db.transaction() as session:
        discussion = await session.scalar(select(Discussion).where(col(Discussion.slug) == SLUG))
        assert await notify_reply(session, reply=replies[0], postman=postman, now=NOW)
        with counting(db) as counter:
            assert await notify_reply(
                session,
                reply=replies[1],
                postman=postman,
                now=NOW,
                parent=post,
                discussion=discussion,
                replier=world.pierre,
            )
    read = [s for s in counter.statements if s.startswith("SELECT")]
    assert not [s for s in read if "FROM posts" in s or "FROM discussions " in s], read
    assert len(read) == 3, read  # the addressee, the dedupe key, the discussion's title
    mails = await outbox(db)
    assert [m.dedupe_key for m in mails] == [f"reply:{reply.id}" for reply in replies]
    first, second = mails
    assert (second.to_address, second.language, second.subject) == (
        first.to_address,
        first.language,
        first.subject,
    )
    ids = [f"/posts/{reply.id}" for reply in replies]
    assert second.text_body == first.text_body.replace(*ids)
    assert second.html_body == first.html_body.replace(*ids)


async def test_a_french_reader_gets_french(db: Database, world: World, postman: Postman) -> None:
    post = await write(db, world.pierre, FR, "fr")
    reply = await write(db, world.maria, ES_REPLY, "es", parent=post)

    assert await notify(db, reply, postman) == reply_mail_key(reply.id or 0)

    [mail] = await outbox(db, to=world.pierre.email)
    assert mail.language == "fr"
    assert "Bonjour Pierre Roux," in mail.text_body
    assert f"{BASE}/fr/discussions/{SLUG}/posts/{reply.id}" in mail.text_body
    assert "L'apprentissage à distance" in mail.text_body


async def test_no_mail_for_a_reply_to_oneself(db: Database, world: World, postman: Postman) -> None:
    post = await write(db, world.maria, ES, "es")
    reply = await write(db, world.maria, ES_REPLY, "es", parent=post)

    assert await notify(db, reply, postman) is None
    assert await outbox(db) == []


async def test_no_mail_for_someone_who_turned_replies_off(
    db: Database, world: World, postman: Postman
) -> None:
    post = await write(db, world.maria, ES, "es")
    await change(db, world.maria, notify_replies=False)
    reply = await write(db, world.lena, EN, "en", parent=post)

    assert await notify(db, reply, postman) is None
    assert await outbox(db) == []


@pytest.mark.parametrize(
    ("values", "told"),
    [
        ({"state": UserState.BANNED.value}, False),
        ({"state": UserState.SUSPENDED.value, "suspended_until": NOW + timedelta(days=3)}, False),
        ({"state": UserState.SUSPENDED.value, "suspended_until": NOW - timedelta(days=1)}, True),
        ({"email_confirmed_at": None}, False),
    ],
    ids=["banned", "suspended", "suspension-over", "unconfirmed"],
)
async def test_only_active_confirmed_accounts_are_told(
    db: Database, world: World, postman: Postman, values: dict[str, Any], told: bool
) -> None:
    post = await write(db, world.maria, ES, "es")
    reply = await write(db, world.lena, EN, "en", parent=post)
    await change(db, world.maria, **values)

    assert (await notify(db, reply, postman) is not None) is told
    assert len(await outbox(db)) == int(told)


async def test_a_first_post_answers_nobody(db: Database, world: World, postman: Postman) -> None:
    post = await write(db, world.maria, ES, "es")

    assert await notify(db, post, postman) is None
    assert await outbox(db) == []


async def test_the_author_of_the_post_answered_is_told_when_depth_is_capped(
    db: Database, world: World, postman: Postman
) -> None:
    root = await write(db, world.maria, ES, "es")
    first = await write(db, world.pierre, FR, "fr", parent=root)
    second = await write(db, world.maria, ES_REPLY, "es", parent=first)
    third = await write(db, world.pierre, FR, "fr", parent=second)
    capped = await write(db, world.lena, EN, "en", parent=third)
    assert (capped.parent_id, capped.in_reply_to_id) == (second.id, third.id)

    assert await notify(db, capped, postman) == reply_mail_key(capped.id or 0)

    [mail] = await outbox(db)
    assert (mail.to_address, mail.language) == (world.pierre.email, "fr")


async def test_a_pending_reply_waits_for_its_approval(db: Database, postman: Postman) -> None:
    world = await setup(db, moderation="pre")
    ana = await user_row(db, "ana@example.org")
    assert ana is not None
    post = await write(db, world.maria, ES, "es")
    async with db.transaction() as session:
        await approve_post(
            session, actor=ana, post_id=post.id or 0, tag_slugs=(), postman=postman, now=NOW
        )
    reply = await write(db, world.lena, EN, "en", parent=post)
    assert reply.status == PostStatus.PENDING

    assert await notify(db, reply, postman) is None
    assert reply_mails(await outbox(db)) == []

    async with db.transaction() as session:
        approved = await approve_post(
            session, actor=ana, post_id=reply.id or 0, tag_slugs=(), postman=postman, now=NOW
        )
        # approving the reply told its parent's author; telling them again changes nothing
        assert await notify_reply(session, reply=approved, postman=postman, now=NOW) is None

    [mail] = reply_mails(await outbox(db))
    assert (mail.to_address, mail.language) == (world.maria.email, "es")


async def test_the_replier_name_is_escaped_in_the_html_part(
    db: Database, world: World, postman: Postman
) -> None:
    post = await write(db, world.maria, ES, "es")
    await change(db, world.lena, display_name="Lena <i>Fischer</i>")
    reply = await write(db, world.lena, EN, "en", parent=post)

    assert await notify(db, reply, postman) == reply_mail_key(reply.id or 0)

    [mail] = await outbox(db)
    assert "Lena &lt;i&gt;Fischer&lt;/i&gt;" in mail.html_body
    assert "<i>" not in mail.html_body
