"""Composing mail: one composer renders every mail in its reader's language and queues it."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from forum.accounts.accounts import request_password_reset
from forum.core.clock import FixedClock
from forum.core.i18n import I18n, build_templates, load_catalogs
from forum.db import Database
from forum.mail import compose
from forum.mail.compose import Postman, RenderedMail, render_mail
from forum.mail.outbox import BadAddress
from forum.mail.worker import send_due
from forum.models import Subscriber
from forum.newsletter.due import queue_due
from forum.settings import Settings
from tests.conftest import SECRET
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user, outbox, site_links
from tests.paths import TEMPLATES, TEST_TEMPLATES
from tests.smtp import Inbox

BASE = "http://127.0.0.1:8000"
READER = "lectora@example.org"
EXAMPLE = {
    "title": "Formación dual",
    "name": "Begoña",
    "message": "Alguien ha contestado a su pregunta.",
    "url": f"{BASE}/es/",
}


@pytest.fixture
def example_postman() -> Postman:
    """A composer for the test template, offering English and Spanish."""
    return Postman(
        build_templates(TEST_TEMPLATES), load_catalogs(["en", "es"]), BASE, "en", site_links(BASE)
    )


async def post_example(db: Database, postman: Postman, clock: FixedClock, **fields: Any) -> bool:
    values: dict[str, Any] = {
        "to_address": READER,
        "to_name": "Begoña",
        "language": "es",
        "template": "example",
        "context": EXAMPLE | {"when": clock.now()},
        "now": clock.now(),
    }
    async with db.transaction() as session:
        return await postman.post(session, **(values | fields))


async def test_render_mail_escapes_html_but_not_text(clock: FixedClock) -> None:
    env = build_templates(TEST_TEMPLATES)  # a template kept for this test
    i18n = load_catalogs(["es"])["es"]
    context = {
        "title": "Débat  «Apprentissage»\n& <formation>",
        "when": clock.now(),
        "name": "Begoña & <Ana>",
        "message": "Une réponse vous attend.",
        "url": "http://127.0.0.1:8000/es/?a=1&b=2",
    }

    mail = render_mail(env, i18n, "example", context)

    assert mail.subject == "Débat «Apprentissage» & <formation> (4 de marzo de 2026)"
    assert mail.text.startswith("Begoña & <Ana>,\n")
    assert "http://127.0.0.1:8000/es/?a=1&b=2\n" in mail.text
    assert "(4 de marzo de 2026)" not in mail.text
    assert "Begoña &amp; &lt;Ana&gt;" in mail.html
    assert 'href="http://127.0.0.1:8000/es/?a=1&amp;b=2"' in mail.html
    assert '<html lang="es">' in mail.html


async def test_post_queues_the_mail_in_the_readers_language(
    db: Database, clock: FixedClock, example_postman: Postman
) -> None:
    assert await post_example(db, example_postman, clock) is True

    [row] = await outbox(db)
    assert (row.to_address, row.to_name, row.language) == (READER, "Begoña", "es")
    assert row.subject == "Formación dual (4 de marzo de 2026)"
    assert row.text_body.startswith("Begoña,\n")
    assert '<html lang="es">' in row.html_body
    assert row.extra_headers == "{}"


async def test_post_in_a_language_not_offered_writes_the_default_language(
    db: Database, clock: FixedClock, example_postman: Postman
) -> None:
    assert await post_example(db, example_postman, clock, language="de") is True

    [row] = await outbox(db)
    assert row.language == "en"
    assert row.subject == "Formación dual (March 4, 2026)"
    assert '<html lang="en">' in row.html_body


async def test_post_with_a_taken_dedupe_key_queues_once_and_says_so(
    db: Database, clock: FixedClock, example_postman: Postman
) -> None:
    first = await post_example(db, example_postman, clock, dedupe_key="reply:7")
    second = await post_example(db, example_postman, clock, dedupe_key="reply:7")

    assert (first, second) == (True, False)
    assert len(await outbox(db)) == 1


async def test_post_to_an_unmailable_address_is_refused_and_queues_nothing(
    db: Database, clock: FixedClock, example_postman: Postman
) -> None:
    with pytest.raises(BadAddress):
        await post_example(db, example_postman, clock, to_address="dos palabras@example.org")

    assert await outbox(db) == []


async def test_account_and_newsletter_mail_share_the_composer_and_only_newsletters_unsubscribe(
    db: Database,
    clock: FixedClock,
    smtp_settings: Settings,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rendered: list[tuple[str, RenderedMail]] = []

    def spy(env: Any, i18n: I18n, name: str, context: dict[str, Any]) -> RenderedMail:
        rendered.append((name, render_mail(env, i18n, name, context)))
        return rendered[-1][1]

    monkeypatch.setattr(compose, "render_mail", spy)
    postman = Postman(
        build_templates(TEMPLATES), load_catalogs(("en", "es", "fr")), BASE, "en", site_links(BASE)
    )
    await make_user(db, email="maria@example.org", language="es")
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=clock.now()), now=clock.now())
        session.add(
            Subscriber(
                email=READER,
                language="es",
                all_discussions=True,
                status="confirmed",
                created_at=clock.now(),
                confirmed_at=clock.now(),
            )
        )
        await request_password_reset(
            session, email="maria@example.org", ip="192.0.2.1", postman=postman, now=clock.now()
        )
    await queue_due(db, postman=postman, secret=SECRET, now=clock.now() + timedelta(hours=1))
    await send_due(db, smtp_settings, now=clock.now() + timedelta(hours=1))

    received = {str(m["Subject"]): m for m in inbox.messages()}
    assert sorted(name for name, _ in rendered) == ["discussion_open", "reset_password", "set_open"]
    assert sorted(received) == sorted(mail.subject for _, mail in rendered)
    for name, mail in rendered:
        message = received[mail.subject]
        plain = message.get_body(("plain",))
        assert isinstance(plain, EmailMessage)
        assert plain.get_content().replace("\r\n", "\n") == mail.text
        unsubscribe = message["List-Unsubscribe"]
        if name == "reset_password":
            assert message["To"].addresses[0].addr_spec == "maria@example.org"
            assert unsubscribe is None and message["List-Unsubscribe-Post"] is None
        else:
            assert message["To"].addresses[0].addr_spec == READER
            assert str(unsubscribe).startswith(f"<{BASE}/es/newsletter/unsubscribe/")
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
