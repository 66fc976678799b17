"""Everything the forum holds about one person, gathered to hand to them as JSON.

Six statements whatever the number of posts: the account, the posts, their earlier
versions, the reports the person made, their newsletter subscriptions and the discussions
those follow. Nothing here changes anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

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
    profile: Profile
    consent: ConsentChoices
    posts: tuple[PostRecord, ...]
    reports: tuple[ReportRecord, ...]
    subscriptions: tuple[SubscriptionRecord, ...]


async def _revisions(session: AsyncSession, user_id: int) -> dict[int, list[Revision]]:
    rows = await session.execute(
        select(PostRevision)
        .join(Post, col(Post.id) == col(PostRevision.post_id))
        .where(col(Post.author_id) == user_id)
        .order_by(col(PostRevision.post_id), col(PostRevision.number))
    )
    found: dict[int, list[Revision]] = {}
    for (revision,) in rows.all():
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


async def _posts(session: AsyncSession, user_id: int) -> tuple[PostRecord, ...]:
    revisions = await _revisions(session, user_id)
    rows = await session.execute(
        select(Post, col(Discussion.slug))
        .join(Discussion, col(Discussion.id) == col(Post.discussion_id))
        .where(col(Post.author_id) == user_id)
        .order_by(col(Post.id))
    )
    return tuple(
        PostRecord(
            id=post.id or 0,
            discussion=slug,
            question_id=post.question_id,
            in_reply_to=post.in_reply_to_id,
            language=post.language,
            text=post.source,
            status=post.status,
            quote_consent=post.quote_consent,
            created_at=post.created_at,
            edited_at=post.edited_at,
            pending_text=post.pending_source,
            revisions=tuple(revisions.get(post.id or 0, ())),
        )
        for post, slug in rows.all()
    )


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
        posts=await _posts(session, user_id),
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


def as_json_data(data: PersonalData, *, generated_at: datetime) -> dict[str, Any]:
    """The download: plain JSON values, dates in ISO 8601 (UTC)."""
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": generated_at.isoformat(),
        **_plain(asdict(data)),
    }
