"""Newsletter subscriptions: subscribe, confirm by mail, manage choices and unsubscribe."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import delete, exists, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.accounts.profiles import normalise_email
from forum.core import ratelimit
from forum.core.errors import N_, Conflict, Invalid, NotFound
from forum.core.links import UrlFor
from forum.mail.compose import Postman
from forum.mail.outbox import clean_address
from forum.models import Discussion, SubscribedDiscussion, Subscriber
from forum.models.types import SubscriberStatus

CONFIRM_SALT = "newsletter-confirm"
MANAGE_SALT = "newsletter-manage"
CONFIRM_LIFETIME = timedelta(days=3)
SUBSCRIBE_LIMIT = (5, timedelta(hours=1))  # per IP address; over it, RateLimited
MAILS_PER_ADDRESS = (3, timedelta(days=1))  # over it, no more mail, and no different answer
MAX_TOKEN_LENGTH = 500
MAX_ID = 2**31 - 1  # the largest value an INTEGER column holds

BAD_EMAIL = N_("Enter a valid e-mail address.")
BAD_LANGUAGE = N_("Choose a language from the list.")
NO_DISCUSSION = N_("Choose at least one discussion.")
BAD_DISCUSSION = N_("Choose discussions from the list.")
EXPIRED = N_("This link has expired. Subscribe again to get a new one.")
ALREADY_CONFIRMED = N_("This subscription is already confirmed.")
UNSUBSCRIBED_SINCE = N_("This address has been unsubscribed since. Subscribe again to follow.")


class AlreadyConfirmed(Conflict):
    """A confirmation link followed again: the subscription it names is confirmed already."""

    message = ALREADY_CONFIRMED

    def __init__(self, subscriber_id: int) -> None:
        super().__init__()
        self.subscriber_id = subscriber_id


def confirm_token(secret: str, subscriber_id: int, email: str, *, now: datetime) -> str:
    """Sign the proof, valid for three days from `now`, that a mail reached `email`."""
    payload = [subscriber_id, email, int(now.timestamp())]
    return URLSafeSerializer(secret, salt=CONFIRM_SALT).dumps(payload)


def manage_token(secret: str, subscriber_id: int) -> str:
    """Sign the lasting proof, put in every mail, that lets a reader manage or unsubscribe."""
    return URLSafeSerializer(secret, salt=MANAGE_SALT).dumps(subscriber_id)


def list_headers(url: UrlFor, token: str) -> dict[str, str]:
    """Return the RFC 8058 one-click unsubscribe headers for a mail to the holder of `token`."""
    link = url("newsletter_unsubscribe", token=token)
    if not link.startswith(("https://", "http://")):
        raise ValueError(f"{link!r} is not an http(s) address")
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _loads(secret: str, salt: str, token: str) -> Any:
    if len(token) > MAX_TOKEN_LENGTH:
        raise NotFound("token")
    try:
        return URLSafeSerializer(secret, salt=salt).loads(token)
    except BadData:
        raise NotFound("token") from None


def _is_int(value: Any) -> bool:
    return type(value) is int  # not a bool, which JSON also decodes


async def _confirmable(session: AsyncSession, token: str, secret: str, now: datetime) -> Subscriber:
    """Return the subscriber a confirmation link names; raise unless it can confirm now."""
    payload = _loads(secret, CONFIRM_SALT, token)
    if not (isinstance(payload, list) and len(payload) == 3 and _is_int(payload[0])):
        raise NotFound("token")
    subscriber_id, email, issued = payload
    subscriber = await session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.email != email or not _is_int(issued):
        raise NotFound("token")
    if subscriber.status == SubscriberStatus.CONFIRMED:
        raise AlreadyConfirmed(subscriber_id)
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        raise Conflict(UNSUBSCRIBED_SINCE)
    if now - datetime.fromtimestamp(issued, UTC) > CONFIRM_LIFETIME:
        raise Conflict(EXPIRED)
    return subscriber


async def check_confirm(
    session: AsyncSession, *, token: str, secret: str, now: datetime
) -> Subscriber:
    """Raise NotFound or Conflict unless `token` can confirm; change nothing (GET is safe)."""
    return await _confirmable(session, token, secret, now)


async def confirm(session: AsyncSession, *, token: str, secret: str, now: datetime) -> Subscriber:
    """Confirm the subscription a link names: from now on it receives the newsletter."""
    subscriber = await _confirmable(session, token, secret, now)
    subscriber.status = SubscriberStatus.CONFIRMED.value
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    await session.flush()
    return subscriber


async def subscriber_for_manage(session: AsyncSession, *, token: str, secret: str) -> Subscriber:
    """Return the subscriber a manage link names; raise NotFound for a bad link."""
    subscriber_id = _loads(secret, MANAGE_SALT, token)
    if not _is_int(subscriber_id) or not 0 < subscriber_id <= MAX_ID:
        raise NotFound("token")
    subscriber = await session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFound("token")
    return subscriber


async def chosen_discussions(session: AsyncSession, *, subscriber_id: int) -> list[int]:
    """Return the ids of the discussions a subscriber chose (none when they follow all)."""
    query = (
        select(SubscribedDiscussion.discussion_id)
        .where(SubscribedDiscussion.subscriber_id == subscriber_id)
        .order_by(col(SubscribedDiscussion.discussion_id))
    )
    return list(await session.scalars(query))


def _valid_email(email: str) -> str:
    address = normalise_email(email)
    if address is None:
        raise Invalid(BAD_EMAIL, field="email")
    try:
        clean_address(address)  # an address we could not send to is no use
    except ValueError:
        raise Invalid(BAD_EMAIL, field="email") from None
    return address


def _check_language(language: str, languages: Collection[str]) -> None:
    if language not in languages:
        raise Invalid(BAD_LANGUAGE, field="language")


async def _valid_discussions(
    session: AsyncSession, discussion_ids: Collection[int] | None
) -> list[int] | None:
    """Return the chosen ids, sorted and unique (None for all); raise Invalid if one is wrong."""
    if discussion_ids is None:
        return None
    wanted = set(discussion_ids)
    if not wanted:
        raise Invalid(NO_DISCUSSION, field="discussions")
    if any(not 0 < value <= MAX_ID for value in wanted):
        raise Invalid(BAD_DISCUSSION, field="discussions")
    found = set(await session.scalars(select(Discussion.id).where(col(Discussion.id).in_(wanted))))
    if found != wanted:
        raise Invalid(BAD_DISCUSSION, field="discussions")
    return sorted(wanted)


async def _set_choices(
    session: AsyncSession, subscriber: Subscriber, chosen: list[int] | None
) -> None:
    """Follow every discussion (None) or exactly the `chosen` ones."""
    assert subscriber.id is not None
    await session.execute(
        delete(SubscribedDiscussion).where(col(SubscribedDiscussion.subscriber_id) == subscriber.id)
    )
    subscriber.all_discussions = chosen is None
    session.add_all(
        SubscribedDiscussion(subscriber_id=subscriber.id, discussion_id=discussion_id)
        for discussion_id in chosen or ()
    )
    await session.flush()


async def _hit(
    session: AsyncSession, key: str, rule: tuple[int, timedelta], now: datetime
) -> ratelimit.RateDecision:
    return await ratelimit.hit(session, key=key, limit=rule[0], window=rule[1], now=now)


async def _subscriber(
    session: AsyncSession, email: str, language: str, now: datetime
) -> Subscriber:
    """Return the subscriber with `email`, adding a pending one if there is none."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    # The unique address decides, not a prior SELECT: two people subscribing it at once
    # leave one row and no error.
    await session.execute(
        insert(Subscriber)
        .values(
            email=email,
            language=language,
            all_discussions=True,
            status=SubscriberStatus.PENDING.value,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["email"])
    )
    query = select(Subscriber).where(Subscriber.email == email)
    return (await session.scalars(query.execution_options(populate_existing=True))).one()


async def subscribe(
    session: AsyncSession,
    *,
    email: str,
    language: str,
    discussion_ids: Collection[int] | None,
    languages: Collection[str],
    ip: str,
    postman: Postman,
    secret: str,
    now: datetime,
) -> None:
    """Ask an address to confirm a subscription, or remind it that it is already subscribed.

    The answer is the same either way, so that nobody learns which addresses subscribed; an
    already confirmed subscription keeps its choices until its owner changes them.
    """
    limit, window = SUBSCRIBE_LIMIT
    await ratelimit.enforce(session, key=f"newsletter:ip:{ip}", limit=limit, window=window, now=now)
    address = _valid_email(email)
    _check_language(language, languages)
    chosen = await _valid_discussions(session, discussion_ids)
    subscriber = await _subscriber(session, address, language, now)
    assert subscriber.id is not None
    if subscriber.status == SubscriberStatus.CONFIRMED:
        context = {
            "already": True,
            "link": postman.url(language)(
                "newsletter_manage", token=manage_token(secret, subscriber.id)
            ),
        }
    else:
        subscriber.status = SubscriberStatus.PENDING.value
        subscriber.language = language
        subscriber.confirmed_at = subscriber.unsubscribed_at = None
        await _set_choices(session, subscriber, chosen)
        token = confirm_token(secret, subscriber.id, address, now=now)
        link = postman.url(language)("newsletter_confirm", token=token)
        context = {"already": False, "link": link}
    await _mail(session, postman, address, language, context, now)


async def _mail(
    session: AsyncSession,
    postman: Postman,
    address: str,
    language: str,
    context: dict[str, Any],
    now: datetime,
) -> None:
    """Queue the subscription mail, unless this address was sent too many already."""
    key = "newsletter:mail:" + hashlib.sha256(address.encode()).hexdigest()[:40]
    if not (await _hit(session, key, MAILS_PER_ADDRESS, now)).allowed:
        return  # silently: a stranger must not be able to fill someone's mailbox
    await postman.post(
        session,
        to_address=address,
        to_name="",
        language=language,
        template="newsletter_confirm",
        context=context,
        now=now,
    )


async def update_choices(
    session: AsyncSession,
    *,
    token: str,
    secret: str,
    language: str,
    discussion_ids: Collection[int] | None,
    languages: Collection[str],
    now: datetime,
) -> Subscriber:
    """Change the language and the discussions (None for all) a manage link's subscriber follows."""
    subscriber = await subscriber_for_manage(session, token=token, secret=secret)
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        raise Conflict(UNSUBSCRIBED_SINCE)
    _check_language(language, languages)
    chosen = await _valid_discussions(session, discussion_ids)
    subscriber.language = language
    await _set_choices(session, subscriber, chosen)
    return subscriber


async def unsubscribe(
    session: AsyncSession, *, token: str, secret: str, now: datetime
) -> Subscriber:
    """Stop all mail to a manage link's subscriber; doing it again changes nothing.

    `unsubscribed_at` keeps the first time, so `unsubscribed_at < now` means "already done".
    """
    subscriber = await subscriber_for_manage(session, token=token, secret=secret)
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED.value
        subscriber.unsubscribed_at = now
        await session.flush()
    return subscriber


async def recipients(session: AsyncSession, *, discussion_id: int) -> list[Subscriber]:
    """Return the confirmed subscribers who follow every discussion or this one."""
    chose_it = exists().where(
        col(SubscribedDiscussion.subscriber_id) == col(Subscriber.id),
        col(SubscribedDiscussion.discussion_id) == discussion_id,
    )
    query = (
        select(Subscriber)
        .where(
            Subscriber.status == SubscriberStatus.CONFIRMED.value,
            or_(col(Subscriber.all_discussions), chose_it),
        )
        .order_by(col(Subscriber.id))
    )
    return list(await session.scalars(query))
