"""Following by e-mail over HTTP: subscribe, confirm, manage, one-click unsubscribe."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from email.message import EmailMessage

import httpx
import pytest
from sqlmodel import select

from forum.app import create_app
from forum.contributions.posting import Draft, PostLimits, create_post
from forum.core.clock import FixedClock
from forum.db import Database
from forum.mail.worker import send_due
from forum.models import Subscriber
from forum.models.types import Role
from forum.newsletter.due import queue_due
from forum.settings import Settings
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import link_in, make_user, outbox, post_form
from tests.smtp import free_port, smtp_server

SPANISH = "En nuestra región los aprendices siguieron formándose con tutorías por teléfono."


@pytest.fixture
async def discussion(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)


async def _subscriber(db: Database) -> Subscriber:
    async with db.session() as session:
        return (await session.scalars(select(Subscriber))).one()


@pytest.mark.usefixtures("discussion")
async def test_subscribe_confirm_manage_and_one_click_unsubscribe(
    client: httpx.AsyncClient, db: Database
) -> None:
    form = await client.get("/es/newsletter")
    assert form.status_code == 200 and "Aprendizaje a distancia" in form.text
    answer = await post_form(
        client,
        "/es/newsletter",
        {"email": "Lectora@Example.org", "language": "es", "follow": "all"},
    )
    assert answer.status_code == 303
    assert "Consulte su bandeja de entrada" in (await client.get(answer.headers["location"])).text
    assert (await _subscriber(db)).status == "pending"
    [mail] = await outbox(db, "lectora@example.org")
    assert mail.language == "es"
    link = link_in(mail.text_body, "/newsletter/confirm/")
    assert (await client.get(link)).status_code == 200  # a mail scanner changes nothing
    assert (await _subscriber(db)).status == "pending"
    confirmed = await post_form(client, link, {})
    assert confirmed.status_code == 303  # refreshing the next page confirms nothing twice
    manage = confirmed.headers["location"].split("?")[0]
    assert manage.startswith("/es/newsletter/manage/")
    page = await client.get(confirmed.headers["location"])
    assert page.status_code == 200 and "Ya está suscrito" in page.text
    assert "lectora@example.org" in page.text
    assert (await _subscriber(db)).status == "confirmed"
    again = await post_form(client, link, {}, form_page="/es/newsletter")
    assert again.status_code == 303 and again.headers["location"].startswith(manage)
    token = manage.rsplit("/", 1)[1]
    # RFC 8058: a mail client POSTs this body, with no cookie and no form token
    stranger = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    gone = await stranger.post(
        f"/es/newsletter/unsubscribe/{token}",
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert gone.status_code == 200 and "Se ha dado de baja" in gone.text
    assert (await _subscriber(db)).status == "unsubscribed"
    forged = await stranger.post(
        "/es/newsletter/unsubscribe/forged-token", content=b"List-Unsubscribe=One-Click"
    )
    assert forged.status_code == 404
    await stranger.aclose()


async def _subscribed(client: httpx.AsyncClient, db: Database) -> tuple[str, str]:
    """Subscribe and confirm lectora@example.org; return the confirm link and manage token."""
    await post_form(
        client,
        "/es/newsletter",
        {"email": "lectora@example.org", "language": "es", "follow": "all"},
    )
    link = link_in((await outbox(db, "lectora@example.org"))[0].text_body, "/newsletter/confirm/")
    head = await client.head(link)  # some link checkers send HEAD: it must change nothing
    assert head.status_code == 200 and head.content == b""
    assert (await _subscriber(db)).status == "pending"
    confirmed = await post_form(client, link, {})
    assert confirmed.status_code == 303  # on to the choices page, whose address holds the token
    found = re.search(r"/es/newsletter/manage/([^?/]+)", confirmed.headers["location"])
    assert found
    return link, found.group(1)


@pytest.mark.usefixtures("discussion")
async def test_head_of_mail_links_changes_nothing(client: httpx.AsyncClient, db: Database) -> None:
    _link, token = await _subscribed(client, db)
    assert (await _subscriber(db)).status == "confirmed"
    head = await client.head(f"/es/newsletter/unsubscribe/{token}")
    assert head.status_code == 200 and head.content == b""
    assert (await _subscriber(db)).status == "confirmed"


@pytest.mark.usefixtures("discussion")
async def test_manage_page_after_unsubscribing_hides_the_address(
    client: httpx.AsyncClient, db: Database
) -> None:
    _link, token = await _subscribed(client, db)
    manage = f"/es/newsletter/manage/{token}"
    assert "lectora@example.org" in (await client.get(manage)).text
    gone = await post_form(client, f"/es/newsletter/unsubscribe/{token}", {}, form_page=manage)
    assert gone.status_code == 303
    page = await client.get(manage)
    assert page.status_code == 200
    assert "lectora@example.org" not in page.text
    assert "Se ha dado de baja" in page.text and 'name="follow"' not in page.text
    saved = await post_form(
        client, manage, {"language": "fr", "follow": "all"}, form_page="/es/newsletter"
    )
    assert saved.status_code == 409 and "lectora@example.org" not in saved.text
    assert (await _subscriber(db)).language == "es"


@pytest.mark.usefixtures("discussion")
@pytest.mark.usefixtures("discussion")
async def test_confirm_link_visited_again_says_confirmed_and_links_to_manage(
    client: httpx.AsyncClient, db: Database
) -> None:
    await post_form(client, "/fr/newsletter", {"email": "l@example.org", "language": "fr"})
    link = link_in((await outbox(db))[0].text_body, "/newsletter/confirm/")
    await post_form(client, link, {})

    second = await client.get(link)

    assert second.status_code == 200
    assert "Cet abonnement est déjà confirmé." in second.text
    assert "M’abonner de nouveau" not in second.text and "bouton" not in second.text
    manage = re.search(r'href="(/fr/newsletter/manage/[^"]+)"', second.text)
    assert manage, second.text
    assert "l@example.org" in (await client.get(manage.group(1))).text


async def test_known_address_answers_the_same(client: httpx.AsyncClient, db: Database) -> None:
    first = await post_form(
        client, "/en/newsletter", {"email": "reader@example.org", "language": "en", "follow": "all"}
    )
    second = await post_form(
        client, "/en/newsletter", {"email": "reader@example.org", "language": "en", "follow": "all"}
    )
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert "Check your inbox" in (await client.get(first.headers["location"])).text
    assert len(await outbox(db, "reader@example.org")) == 2


@pytest.mark.parametrize(
    "email", ["not-an-address", "a@b.c\r\nBcc: evil@example.org", "josé@example.org", ""]
)
@pytest.mark.usefixtures("discussion")
async def test_bad_addresses_are_refused_and_kept(
    client: httpx.AsyncClient, db: Database, email: str
) -> None:
    response = await post_form(
        client, "/fr/newsletter", {"email": email, "language": "fr", "follow": "all"}
    )
    assert response.status_code == 422
    assert "Saisissez une adresse électronique valide." in response.text
    assert await outbox(db) == []


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()
    return content


async def test_newsletter_end_to_end_over_smtp(
    settings: Settings, clock: FixedClock, db: Database
) -> None:
    """Subscribe, confirm from the mail, get week two and a digest in Spanish, leave, silence."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
    port = free_port()
    smtp = dataclasses.replace(settings, mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=port)
    app = create_app(smtp, clock=clock)
    transport = httpx.ASGITransport(app=app)
    with smtp_server(port) as inbox:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            await post_form(
                http,
                "/es/newsletter",
                {"email": "lectora@example.org", "language": "es", "follow": "all"},
            )
            [confirmation] = inbox.messages()
            link = link_in(_text(confirmation), "/newsletter/confirm/")
            assert (await post_form(http, link, {})).status_code == 303

            async def due() -> None:
                await queue_due(
                    app.state.db,
                    postman=app.state.postman,
                    secret=smtp.secret_key,
                    now=clock.now(),
                )
                await send_due(app.state.db, smtp, now=clock.now())

            clock.set(NOW - timedelta(days=1) + timedelta(days=7))  # week two opens
            await due()
            week_two = inbox.messages()[-1]
            assert "semana 2" in str(week_two["Subject"]).lower()
            assert "/es/discussions/remote-apprenticeships/questions/7" in _text(week_two)
            unsubscribe_url = str(week_two["List-Unsubscribe"]).strip("<>")
            assert week_two["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

            author = await make_user(db, role=Role.MODERATOR)
            async with db.transaction() as session:
                await create_post(
                    session,
                    author=author,
                    discussion_slug="remote-apprenticeships",
                    question_number=7,
                    parent_id=None,
                    limits=PostLimits(),
                    now=clock.now(),
                    draft=Draft(SPANISH, "es", "by_name"),
                )
            clock.advance(timedelta(days=7, minutes=1))
            await due()
            digest = inbox.messages()[-1]
            assert "tutorías por teléfono" in _text(digest)
            assert digest["Content-Language"] == "es"

            path = unsubscribe_url.split("://", 1)[1].split("/", 1)[1]
            gone = await http.post(
                "/" + path,
                content=b"List-Unsubscribe=One-Click",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert gone.status_code == 200
            received = len(inbox.messages())
            clock.advance(timedelta(days=7, minutes=1))
            await due()
            assert len(inbox.messages()) == received  # nothing more arrives
    await app.state.db.dispose()
