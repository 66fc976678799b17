"""Subscribers told of a new live session, each in their language, once."""

from __future__ import annotations

import json

from forum.db import Database
from forum.live.notices import announce_session
from forum.models import Discussion, SubscribedDiscussion, Subscriber
from forum.models.types import SubscriberStatus
from forum.newsletter.subscriptions import manage_token
from tests.conftest import NOW, SECRET
from tests.factories import add_discussion, discussion_data
from tests.helpers import MAIL_BASE, make_postman, outbox
from tests.live.conftest import SLUG, seed_discussion, seed_session, session_input

POSTMAN = make_postman()


async def _subscribe(
    db: Database,
    email: str,
    language: str,
    *,
    status: SubscriberStatus = SubscriberStatus.CONFIRMED,
    follows: int | None = None,
) -> Subscriber:
    async with db.transaction() as session:
        subscriber = Subscriber(
            email=email,
            language=language,
            all_discussions=follows is None,
            status=status.value,
            created_at=NOW,
            confirmed_at=NOW if status is SubscriberStatus.CONFIRMED else None,
        )
        session.add(subscriber)
        await session.flush()
        if follows is not None:
            assert subscriber.id is not None
            session.add(SubscribedDiscussion(subscriber_id=subscriber.id, discussion_id=follows))
    return subscriber


async def _announce(db: Database, discussion: Discussion, live_id: int) -> int:
    async with db.transaction() as session:
        return await announce_session(
            session,
            postman=POSTMAN,
            secret=SECRET,
            discussion=discussion,
            live_id=live_id,
            now=NOW,
        )


async def test_spanish_subscriber_is_told_in_spanish(db: Database) -> None:
    discussion = await seed_discussion(db)
    lucia = await _subscribe(db, "lucia@example.org", "es")
    live_id = await seed_session(db, discussion)
    assert await _announce(db, discussion, live_id) == 1
    (mail,) = await outbox(db, "lucia@example.org")
    assert mail.language == "es"
    assert mail.subject == "Sesión en directo: Pregunte a los formadores"
    text = mail.text_body
    assert "Se ha anunciado una sesión en directo en el debate «Aprendizaje a distancia»." in text
    assert "Cuándo (Europe/Madrid): 10 de marzo de 2026, 15:00 GMT+01:00" in text
    assert "Cuándo (UTC): 10 de marzo de 2026, 14:00 GMT" in text
    assert "Duración: 120 minutos" in text and "Idioma de trabajo: español" in text
    assert "https://events.example.org/register?id=7" in text
    assert f"{MAIL_BASE}/es/discussions/{SLUG}/sessions/{live_id}.ics" in text
    assert f"{MAIL_BASE}/es/discussions/{SLUG}\n" in text
    assert 'href="https://events.example.org/register?id=7"' in mail.html_body
    assert lucia.id is not None
    token = manage_token(SECRET, lucia.id)
    headers = json.loads(mail.extra_headers)
    assert headers["List-Unsubscribe"] == f"<{MAIL_BASE}/es/newsletter/unsubscribe/{token}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{MAIL_BASE}/es/newsletter/manage/{token}" in text


async def test_only_confirmed_followers_of_this_discussion_are_told(db: Database) -> None:
    discussion = await seed_discussion(db)
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug="other", start=NOW), now=NOW)
    assert discussion.id is not None
    await _subscribe(db, "pierre@example.org", "fr", follows=discussion.id)
    await _subscribe(db, "anna@example.org", "en", status=SubscriberStatus.PENDING)
    await _subscribe(db, "gone@example.org", "en", status=SubscriberStatus.UNSUBSCRIBED)
    await _subscribe(db, "elsewhere@example.org", "en", follows=discussion.id + 1)
    live_id = await seed_session(db, discussion, session_input(language="fr"))
    assert await _announce(db, discussion, live_id) == 1
    (mail,) = await outbox(db)
    assert mail.to_address == "pierre@example.org"
    # no French title: the discussion's first language, English
    assert mail.subject == "Session en direct\u00a0: Ask the trainers"
    assert "Langue de travail\u00a0: français" in mail.text_body


async def test_nobody_is_told_twice_nor_about_a_draft(db: Database) -> None:
    discussion = await seed_discussion(db)
    await _subscribe(db, "lucia@example.org", "es")
    live_id = await seed_session(db, discussion)
    assert await _announce(db, discussion, live_id) == 1
    assert await _announce(db, discussion, live_id) == 0
    assert len(await outbox(db)) == 1
    discussion.published_at = None
    assert await _announce(db, discussion, live_id) == 0
    assert len(await outbox(db)) == 1
