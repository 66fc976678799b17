"""Everything the forum holds about one person, gathered to hand to them as JSON.

The account, the reports the person made, their newsletter subscriptions and the discussions
those follow take four statements (`personal_data`). Their posts, which may be thousands,
are read BATCH at a time by id, each batch with its posts' earlier versions (two statements
a batch, `post_batches`), so the download (`json_chunks`) is written as it is read, in
memory bounded by a batch whatever the number of posts. Nothing here changes anything.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from forum.core.batches import keyset_batches
from forum.core.errors import NotFound
from forum.models import (
    Post,
    PostRevision,
    Report,
    SubscribedDiscussion,
    Subscriber,
    User,
)
from forum.models.discussions import Discussion

FORMAT_VERSION = 1
BATCH = 500  # posts read and written at a time


@dataclass(frozen=True, slots=True)
class Revision:
    number: int
    language: str
    text: str
    status: str
    written_at: datetime
    replaced_at: datetime


@dataclass(frozen=True, slots=True)
class PostRecord:
    id: int
    discussion: str
    question_id: int | None
    in_reply_to: int | None
    language: str
    text: str
    status: str
    quote_consent: str
    created_at: datetime
    edited_at: datetime | None
    pending_text: str | None
    revisions: tuple[Revision, ...]


@dataclass(frozen=True, slots=True)
class ReportRecord:
    post_id: int
    section: str
    note: str
    created_at: datetime
    resolution: str


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    email: str
    language: str
    status: str
    all_discussions: bool
    discussions: tuple[str, ...]
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Profile:
    email: str
    display_name: str
    organisation: str
    country: str
    stakeholder_group: str
    preferred_language: str
    role: str
    state: str
    created_at: datetime
    email_confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ConsentChoices:
    default_quote_consent: str | None  # the last choice, offered with the next post
    notify_replies: bool
    notify_moderation: bool


@dataclass(frozen=True, slots=True)
class PersonalData:
    """All but the posts, which `post_batches` reads."""

    profile: Profile
    consent: ConsentChoices
    reports: tuple[ReportRecord, ...]
    subscriptions: tuple[SubscriptionRecord, ...]


async def _revisions(session: AsyncSession, post_ids: list[int]) -> dict[int, list[Revision]]:
    rows = await session.scalars(
        select(PostRevision)
        .where(col(PostRevision.post_id).in_(post_ids))
        .order_by(col(PostRevision.post_id), col(PostRevision.number))
    )
    found: dict[int, list[Revision]] = {}
    for revision in rows:
        found.setdefault(revision.post_id, []).append(
            Revision(
                revision.number,
                revision.language,
                revision.source,
                revision.status,
                revision.written_at,
                revision.replaced_at,
            )
        )
    return found


def _post_record(row: Sequence[Any], revisions: list[Revision]) -> PostRecord:
    post_id, slug, question_id, in_reply_to, language, text, status, consent, *rest = row
    created_at, edited_at, pending_text = rest
    return PostRecord(
        id=int(post_id),
        discussion=slug,
        question_id=question_id,
        in_reply_to=in_reply_to,
        language=language,
        text=text,
        status=status,
        quote_consent=consent,
        created_at=created_at,
        edited_at=edited_at,
        pending_text=pending_text,
        revisions=tuple(revisions),
    )


async def post_batches(
    session: AsyncSession, *, user_id: int, batch: int = BATCH
) -> AsyncIterator[list[PostRecord]]:
    """Yield the person's posts by increasing id, `batch` at a time, with their revisions."""
    query = (
        select_columns(
            col(Post.id),
            col(Discussion.slug),
            col(Post.question_id),
            col(Post.in_reply_to_id),
            col(Post.language),
            col(Post.source),
            col(Post.status),
            col(Post.quote_consent),
            col(Post.created_at),
            col(Post.edited_at),
            col(Post.pending_source),
        )
        .join(Discussion, col(Discussion.id) == col(Post.discussion_id))
        .where(col(Post.author_id) == user_id)
    )
    async for rows in keyset_batches(session, query, col(Post.id), batch=batch):
        revisions = await _revisions(session, [int(row[0]) for row in rows])
        yield [_post_record(row, revisions.get(int(row[0]), [])) for row in rows]


async def _reports(session: AsyncSession, user_id: int) -> tuple[ReportRecord, ...]:
    rows = await session.scalars(
        select(Report).where(col(Report.reporter_id) == user_id).order_by(col(Report.id))
    )
    return tuple(
        ReportRecord(
            report.post_id, report.section, report.note, report.created_at, report.resolution
        )
        for report in rows
    )


async def _subscriptions(session: AsyncSession, user: User) -> tuple[SubscriptionRecord, ...]:
    mine = or_(col(Subscriber.user_id) == user.id, col(Subscriber.email) == user.email)
    subscribers = list(
        await session.scalars(select(Subscriber).where(mine).order_by(col(Subscriber.id)))
    )
    chosen: dict[int, list[str]] = {}
    if subscribers:
        rows = await session.execute(
            select(col(SubscribedDiscussion.subscriber_id), col(Discussion.slug))
            .join(Discussion, col(Discussion.id) == col(SubscribedDiscussion.discussion_id))
            .join(Subscriber, col(Subscriber.id) == col(SubscribedDiscussion.subscriber_id))
            .where(mine)
            .order_by(col(Discussion.slug))
        )
        for subscriber_id, slug in rows.all():
            chosen.setdefault(subscriber_id, []).append(slug)
    return tuple(
        SubscriptionRecord(
            email=subscriber.email,
            language=subscriber.language,
            status=subscriber.status,
            all_discussions=subscriber.all_discussions,
            discussions=tuple(chosen.get(subscriber.id or 0, ())),
            created_at=subscriber.created_at,
            confirmed_at=subscriber.confirmed_at,
            unsubscribed_at=subscriber.unsubscribed_at,
        )
        for subscriber in subscribers
    )


async def personal_data(session: AsyncSession, *, user_id: int) -> PersonalData:
    """Gather what is held about a person; NotFound when there is no such account."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(str(user_id))
    profile = Profile(
        email=user.email,
        display_name=user.display_name,
        organisation=user.organisation,
        country=user.country,
        stakeholder_group=user.stakeholder_group,
        preferred_language=user.preferred_language,
        role=user.role,
        state=user.state,
        created_at=user.created_at,
        email_confirmed_at=user.email_confirmed_at,
    )
    consent = ConsentChoices(user.quote_consent, user.notify_replies, user.notify_moderation)
    return PersonalData(
        profile=profile,
        consent=consent,
        reports=await _reports(session, user_id),
        subscriptions=await _subscriptions(session, user),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _json(value: Any) -> str:
    """One value as the download writes it: UTF-8 as is, no spaces, dates in ISO 8601."""
    return json.dumps(_plain(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


async def json_chunks(
    data: PersonalData, posts: AsyncIterator[list[PostRecord]], *, generated_at: datetime
) -> AsyncIterator[str]:
    """The download, a chunk at a time: the account first, then the posts a batch at a
    chunk, then the reports and subscriptions (plain JSON values, dates in UTC)."""
    head = {
        "format_version": FORMAT_VERSION,
        "generated_at": generated_at,
        "profile": asdict(data.profile),
        "consent": asdict(data.consent),
    }
    yield _json(head)[:-1] + ',"posts":['
    first = True
    async for batch in posts:
        yield ("" if first else ",") + ",".join(_json(asdict(post)) for post in batch)
        first = False
    tail = {
        "reports": [asdict(report) for report in data.reports],
        "subscriptions": [asdict(subscription) for subscription in data.subscriptions],
    }
    yield "]," + _json(tail)[1:] + "\n"
