"""Newsletter subscriptions: subscribe, confirm by mail, manage, unsubscribe, recipients."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from forum.core.clock import FixedClock
from forum.core.errors import Conflict, Invalid, NotFound
from forum.core.ratelimit import RateLimited
from forum.db import Database
from forum.mail.backends import build_email
from forum.mail.compose import Postman
from forum.mail.outbox import queue_message
from forum.mail.worker import send_due
from forum.models import Discussion, OutboxMessage, SubscribedDiscussion, Subscriber
from forum.models.types import SubscriberStatus
from forum.newsletter import subscriptions as newsletter
from forum.settings import Settings
from tests.conftest import NOW, SECRET
from tests.helpers import counting, link_in, make_postman, outbox, site_links
from tests.smtp import free_port, smtp_server

BASE = "http://127.0.0.1:8000"
LANGUAGES = ("en", "es", "fr")
READER = "lectora@example.org"


@pytest.fixture(scope="module")
def postman() -> Postman:
    return make_postman(BASE)


@pytest.fixture
async def discussions(db: Database) -> tuple[int, int]:
    """Two discussions, by id: only their existence matters here."""
    rows = [
        Discussion(
            slug=slug,
            opens_at=NOW - timedelta(days=2),
            closes_at=NOW + timedelta(days=30),
            moderation_mode="pre",
            languages="en,es,fr",
            created_at=NOW,
        )
        for slug in ("remote-apprenticeships", "green-workplaces")
    ]
    async with db.transaction() as session:
        session.add_all(rows)
    assert rows[0].id is not None and rows[1].id is not None
    return rows[0].id, rows[1].id


async def subscribe(db: Database, postman: Postman, clock: FixedClock, **overrides: Any) -> None:
    values: dict[str, Any] = {
        "email": READER,
        "language": "es",
        "discussion_ids": None,
        "languages": LANGUAGES,
        "ip": "192.0.2.1",
        "postman": postman,
        "secret": SECRET,
        "now": clock.now(),
    }
    async with db.transaction() as session:
        await newsletter.subscribe(session, **(values | overrides))


def token_in(message: OutboxMessage, action: str) -> str:
    return link_in(message.text_body, f"/newsletter/{action}/").rsplit("/", 1)[1]


async def last_token(db: Database, to: str, action: str = "confirm") -> str:
    return token_in((await outbox(db, to))[-1], action)


async def confirm(db: Database, clock: FixedClock, token: str) -> Subscriber:
    async with db.transaction() as session:
        return await newsletter.confirm(session, token=token, secret=SECRET, now=clock.now())


async def check(db: Database, clock: FixedClock, token: str) -> Subscriber:
    async with db.session() as session:
        return await newsletter.check_confirm(session, token=token, secret=SECRET, now=clock.now())


async def row(db: Database, email: str = READER) -> Subscriber | None:
    async with db.session() as session:
        return (await session.scalars(select(Subscriber).where(Subscriber.email == email))).first()


async def subscribed(
    db: Database, postman: Postman, clock: FixedClock, email: str, ids: list[int] | None = None
) -> Subscriber:
    """Subscribe `email` (from an IP of its own) and confirm it through the mailed link."""
    await subscribe(db, postman, clock, email=email, ip=email, discussion_ids=ids)
    return await confirm(db, clock, await last_token(db, email))


async def test_subscribe_adds_pending_reader_and_mails_spanish_link(
    db: Database, clock: FixedClock, postman: Postman
) -> None:
    await subscribe(db, postman, clock, email="  Lectora@Example.ORG ")

    subscriber = await row(db)
    assert subscriber is not None
    assert (subscriber.status, subscriber.language, subscriber.all_discussions) == (
        SubscriberStatus.PENDING,
        "es",
        True,
    )
    assert (subscriber.created_at, subscriber.confirmed_at) == (NOW, None)
    [mail] = await outbox(db)
    assert (mail.to_address, mail.language, mail.to_name) == (READER, "es", "")
    assert mail.subject
    link = f"{BASE}/es/newsletter/confirm/{token_in(mail, 'confirm')}"
    assert link in mail.text_body
    assert f'<a href="{link}">' in mail.html_body
    assert '<html lang="es">' in mail.html_body
    assert "/newsletter/manage/" not in mail.text_body


async def test_confirm_link_confirms_once(
    db: Database, clock: FixedClock, postman: Postman
) -> None:
    await subscribe(db, postman, clock)
    token = await last_token(db, READER)

    checked = await check(db, clock, token)
    assert checked.email == READER
    pending = await row(db)
    assert pending is not None and pending.status == SubscriberStatus.PENDING  # GET is safe
    with pytest.raises(NotFound):  # a confirmation link is not a manage link
        async with db.session() as session:
            await newsletter.subscriber_for_manage(session, token=token, secret=SECRET)

    clock.advance(timedelta(hours=5))
    confirmed = await confirm(db, clock, token)
    assert (confirmed.status, confirmed.confirmed_at) == (SubscriberStatus.CONFIRMED, clock.now())
    saved = await row(db)
    assert saved is not None and saved.status == SubscriberStatus.CONFIRMED

    for attempt in (check, confirm):
        with pytest.raises(Conflict) as caught:
            await attempt(db, clock, token)
        assert caught.value.message == newsletter.ALREADY_CONFIRMED


async def test_confirm_link_expires_after_three_days(
    db: Database, clock: FixedClock, postman: Postman
) -> None:
    await subscribe(db, postman, clock)
    token = await last_token(db, READER)

    clock.advance(timedelta(days=3))
    await check(db, clock, token)  # still works on the last second
    clock.advance(timedelta(seconds=1))
    for attempt in (check, confirm):
        with pytest.raises(Conflict) as caught:
            await attempt(db, clock, token)
        assert caught.value.message == newsletter.EXPIRED
    pending = await row(db)
    assert pending is not None and pending.status == SubscriberStatus.PENDING

    await subscribe(db, postman, clock)  # subscribing again mails a new link that works
    assert (await confirm(db, clock, await last_token(db, READER))).confirmed_at == clock.now()


@pytest.mark.parametrize(
    "forge",
    [
        "garbage",
        "",
        "x" * 5000,
        "tampered",
        "other-secret",
        "manage-token",
        "unknown-subscriber",
        "other-address",
    ],
)
async def test_forged_confirm_link_is_not_found(
    db: Database, clock: FixedClock, postman: Postman, forge: str
) -> None:
    await subscribe(db, postman, clock)
    good = await last_token(db, READER)
    subscriber = await row(db)
    assert subscriber is not None and subscriber.id is not None
    now = clock.now()
    token = {
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "other-secret": newsletter.confirm_token("another-secret", subscriber.id, READER, now=now),
        "manage-token": newsletter.manage_token(SECRET, subscriber.id),
        "unknown-subscriber": newsletter.confirm_token(SECRET, 999, READER, now=now),
        "other-address": newsletter.confirm_token(SECRET, subscriber.id, "x@example.org", now=now),
    }.get(forge, forge)

    for attempt in (check, confirm):
        with pytest.raises(NotFound):
            await attempt(db, clock, token)
    if forge != "manage-token":
        with pytest.raises(NotFound):
            async with db.session() as session:
                await newsletter.subscriber_for_manage(session, token=token, secret=SECRET)
    unchanged = await row(db)
    assert unchanged is not None and unchanged.status == SubscriberStatus.PENDING


async def test_confirmed_address_gets_manage_link_and_the_same_answer(
    db: Database, clock: FixedClock, postman: Postman, discussions: tuple[int, int]
) -> None:
    first = await subscribed(db, postman, clock, READER)

    # No error and no value, exactly as for a new address: the page cannot tell them apart.
    await subscribe(
        db, postman, clock, language="fr", discussion_ids=[discussions[0]], ip="192.0.2.9"
    )

    again = await row(db)
    assert again is not None
    # Choices change only through the manage link, which only the address's owner gets.
    assert (again.status, again.language, again.all_discussions) == (
        SubscriberStatus.CONFIRMED,
        "es",
        True,
    )
    assert again.confirmed_at == first.confirmed_at
    confirmation, reminder = await outbox(db, READER)
    assert reminder.subject != confirmation.subject
    assert reminder.language == "fr"
    assert "/newsletter/confirm/" not in reminder.text_body
    token = token_in(reminder, "manage")
    assert f"{BASE}/fr/newsletter/manage/{token}" in reminder.text_body
    assert f'href="{BASE}/fr/newsletter/manage/{token}"' in reminder.html_body
    async with db.session() as session:
        found = await newsletter.subscriber_for_manage(session, token=token, secret=SECRET)
    assert found.id == first.id


@pytest.mark.parametrize(
    "email",
    [
        "",
        "not-an-address",
        "lectora@",
        "lectora@localhost",
        "a@b.c\r\nBcc: x@y.z",
        "a@b.c\nBcc: x@y.z",
        "a@b.c,x@y.z",
        "a@b.c\x00",
        "josé@example.org",  # valid, but the mailer cannot send to it
        "a" * 250 + "@example.org",
    ],
)
async def test_invalid_email_is_refused(
    db: Database, clock: FixedClock, postman: Postman, email: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await subscribe(db, postman, clock, email=email)

    assert (caught.value.field, caught.value.message) == ("email", newsletter.BAD_EMAIL)
    assert await outbox(db) == []
    async with db.session() as session:
        assert list(await session.scalars(select(Subscriber))) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"language": "de"}, "language"),
        ({"language": ""}, "language"),
        ({"discussion_ids": []}, "discussions"),
        ({"discussion_ids": [999]}, "discussions"),
        ({"discussion_ids": [2**40]}, "discussions"),
        ({"discussion_ids": [-1]}, "discussions"),
    ],
)
async def test_invalid_choice_is_refused(
    db: Database,
    clock: FixedClock,
    postman: Postman,
    discussions: tuple[int, int],
    overrides: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(Invalid) as caught:
        await subscribe(db, postman, clock, **overrides)

    assert caught.value.field == field
    assert await outbox(db) == [] and await row(db) is None


async def test_sixth_subscription_in_an_hour_from_one_ip_is_refused(
    db: Database, clock: FixedClock, postman: Postman
) -> None:
    for number in range(5):
        await subscribe(db, postman, clock, email=f"reader{number}@example.org")

    with pytest.raises(RateLimited) as caught:
        await subscribe(db, postman, clock, email="reader5@example.org")

    assert 0 < caught.value.retry_after <= 3600
    assert await row(db, "reader5@example.org") is None
    await subscribe(db, postman, clock, email="reader5@example.org", ip="198.51.100.7")
    clock.advance(timedelta(hours=1))
    await subscribe(db, postman, clock, email="reader6@example.org")
    assert len(await outbox(db)) == 7


async def test_one_address_gets_three_mails_a_day_whoever_asks(
    db: Database, clock: FixedClock, postman: Postman
) -> None:
    for number in range(5):
        await subscribe(db, postman, clock, ip=f"203.0.113.{number}")  # no error, same answer

    assert len(await outbox(db, READER)) == 3
    clock.advance(timedelta(days=1))
    await subscribe(db, postman, clock, ip="203.0.113.99")
    assert len(await outbox(db, READER)) == 4


async def test_pending_subscription_takes_the_latest_choices(
    db: Database, clock: FixedClock, postman: Postman, discussions: tuple[int, int]
) -> None:
    await subscribe(db, postman, clock, discussion_ids=[discussions[1], discussions[1]])
    await subscribe(db, postman, clock, language="fr", discussion_ids=[discussions[0]])

    subscriber = await confirm(db, clock, await last_token(db, READER))
    assert (subscriber.language, subscriber.all_discussions) == ("fr", False)
    assert subscriber.id is not None
    async with db.session() as session:
        chosen = await newsletter.chosen_discussions(session, subscriber_id=subscriber.id)
    assert chosen == [discussions[0]]


async def test_update_choices_through_manage_link(
    db: Database, clock: FixedClock, postman: Postman, discussions: tuple[int, int]
) -> None:
    subscriber = await subscribed(db, postman, clock, READER)
    assert subscriber.id is not None
    token = newsletter.manage_token(SECRET, subscriber.id)

    async def update(language: str, ids: list[int] | None) -> Subscriber:
        async with db.transaction() as session:
            return await newsletter.update_choices(
                session,
                token=token,
                secret=SECRET,
                language=language,
                discussion_ids=ids,
                languages=LANGUAGES,
                now=clock.now(),
            )

    async def chosen() -> list[int]:
        async with db.session() as session:
            assert subscriber.id is not None
            return await newsletter.chosen_discussions(session, subscriber_id=subscriber.id)

    updated = await update("fr", [discussions[1], discussions[0]])
    assert (updated.language, updated.all_discussions, updated.status) == ("fr", False, "confirmed")
    assert await chosen() == sorted(discussions)
    await update("fr", [discussions[1]])
    assert await chosen() == [discussions[1]]
    everything = await update("en", None)
    assert (everything.language, everything.all_discussions) == ("en", True)
    assert await chosen() == []
    for language, ids, field in (("de", None, "language"), ("en", [999], "discussions")):
        with pytest.raises(Invalid) as caught:
            await update(language, ids)
        assert caught.value.field == field
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await newsletter.update_choices(
                session,
                token="nope",
                secret=SECRET,
                language="en",
                discussion_ids=None,
                languages=LANGUAGES,
                now=clock.now(),
            )


async def test_recipients_follow_choices_and_status(
    db: Database, clock: FixedClock, postman: Postman, discussions: tuple[int, int]
) -> None:
    first, second = discussions
    everything = await subscribed(db, postman, clock, "all@example.org")
    only_first = await subscribed(db, postman, clock, "first@example.org", [first])
    only_second = await subscribed(db, postman, clock, "second@example.org", [second])
    both = await subscribed(db, postman, clock, "both@example.org", [second, first])
    await subscribe(db, postman, clock, email="pending@example.org", ip="192.0.2.50")
    gone = await subscribed(db, postman, clock, "gone@example.org")
    assert gone.id is not None
    async with db.transaction() as session:
        token = newsletter.manage_token(SECRET, gone.id)
        await newsletter.unsubscribe(session, token=token, secret=SECRET, now=clock.now())

    async with db.session() as session:
        with counting(db) as counter:
            to_first = await newsletter.recipients(session, discussion_id=first)
        to_second = await newsletter.recipients(session, discussion_id=second)
        to_none = await newsletter.recipients(session, discussion_id=999)

    assert [s for s in counter.statements if not s.startswith("BEGIN")] == [counter.statements[-1]]
    assert [s.email for s in to_first] == [everything.email, only_first.email, both.email]
    assert [s.email for s in to_second] == [everything.email, only_second.email, both.email]
    assert [s.email for s in to_none] == [everything.email]


async def test_unsubscribe_twice_is_fine_and_subscribing_again_asks_again(
    db: Database, clock: FixedClock, postman: Postman, discussions: tuple[int, int]
) -> None:
    subscriber = await subscribed(db, postman, clock, READER, [discussions[0]])
    assert subscriber.id is not None
    token = newsletter.manage_token(SECRET, subscriber.id)
    confirm_link = await last_token(db, READER)

    async def unsubscribe() -> Subscriber:
        async with db.transaction() as session:
            return await newsletter.unsubscribe(
                session, token=token, secret=SECRET, now=clock.now()
            )

    done = await unsubscribe()
    assert (done.status, done.unsubscribed_at) == (SubscriberStatus.UNSUBSCRIBED, NOW)
    clock.advance(timedelta(hours=2))
    again = await unsubscribe()
    assert (again.status, again.unsubscribed_at) == (SubscriberStatus.UNSUBSCRIBED, NOW)
    with pytest.raises(Conflict) as caught:
        await check(db, clock, confirm_link)
    assert caught.value.message == newsletter.UNSUBSCRIBED_SINCE
    async with db.session() as session:
        assert await newsletter.recipients(session, discussion_id=discussions[0]) == []

    await subscribe(db, postman, clock, ip="192.0.2.77")
    pending = await row(db)
    assert pending is not None
    assert (pending.status, pending.unsubscribed_at, pending.confirmed_at, pending.id) == (
        SubscriberStatus.PENDING,
        None,
        None,
        subscriber.id,
    )
    back = await confirm(db, clock, await last_token(db, READER))
    assert (back.status, back.all_discussions) == (SubscriberStatus.CONFIRMED, True)
    async with db.session() as session:
        rows = await session.scalars(select(SubscribedDiscussion))
        assert list(rows) == []


def test_list_headers_offer_one_click_unsubscribe() -> None:
    headers = newsletter.list_headers(site_links("https://forum.example.org/")("fr"), "abc.def")

    assert headers == {
        "List-Unsubscribe": "<https://forum.example.org/fr/newsletter/unsubscribe/abc.def>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert newsletter.list_headers(site_links(BASE)("es"), "t")["List-Unsubscribe"] == (
        f"<{BASE}/es/newsletter/unsubscribe/t>"
    )
    for base in ("mailto:list@example.org", "forum.example.org", ""):
        with pytest.raises(ValueError):
            newsletter.list_headers(site_links(base)("en"), "t")


async def test_list_headers_reach_the_built_mail(db: Database, clock: FixedClock) -> None:
    token = newsletter.manage_token(SECRET, 42)
    async with db.transaction() as session:
        message = await queue_message(
            session,
            to_address=READER,
            to_name="",
            language="es",
            subject="Boletín",
            text_body="Hola\n",
            html_body="<p>Hola</p>",
            now=clock.now(),
            extra_headers=newsletter.list_headers(site_links(BASE)("es"), token),
        )
    assert message is not None

    email = build_email(message, "Foro <foro@example.org>")

    assert email["List-Unsubscribe"] == f"<{BASE}/es/newsletter/unsubscribe/{token}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_confirmation_mail_is_delivered_over_smtp(
    db: Database, clock: FixedClock, postman: Postman, settings: Settings
) -> None:
    await subscribe(db, postman, clock)
    port = free_port()
    smtp = dataclasses.replace(settings, mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=port)

    with smtp_server(port) as inbox:
        report = await send_due(db, smtp, now=clock.now())

    assert report.sent == 1
    [received] = inbox.messages()
    assert [a.addr_spec for a in received["To"].addresses] == [READER]
    assert received["Content-Language"] == "es"
    assert received["Bcc"] is None
    text = received.get_body(("plain",))
    assert text is not None
    token = await last_token(db, READER)
    assert f"{BASE}/es/newsletter/confirm/{token}" in text.get_content()
    assert (await confirm(db, clock, token)).status == SubscriberStatus.CONFIRMED
    async with db.session() as session:
        sent = await session.scalars(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        assert [m.status for m in sent] == ["sent"]
