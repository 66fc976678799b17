"""Discussions as readers find them: the cards of the listing, their status and titles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.localize import Localized, fallback_order, localize, pick
from forum.models import Discussion, DiscussionTranslation
from forum.models.types import DiscussionStatus


@dataclass(frozen=True, slots=True)
class DiscussionCard:
    id: int
    slug: str
    title: Localized
    summary: Localized
    opens_at: datetime
    closes_at: datetime
    timezone: str
    status: DiscussionStatus


@dataclass(frozen=True, slots=True)
class DiscussionListing:
    open: list[DiscussionCard]
    upcoming: list[DiscussionCard]
    past: list[DiscussionCard]


def is_published(discussion: Discussion, now: datetime) -> bool:
    """Say whether readers may see the discussion now (a draft or a scheduled one they may not)."""
    return discussion.published_at is not None and discussion.published_at <= now


def published(now: datetime) -> ColumnElement[bool]:
    """The SQL condition is_published checks: the discussions readers may see now."""
    return and_(col(Discussion.published_at).is_not(None), col(Discussion.published_at) <= now)


def discussion_status(discussion: Discussion, now: datetime) -> DiscussionStatus:
    """Derive a discussion's status from its dates (an archived one is closed)."""
    if discussion.archived_at is not None and discussion.archived_at <= now:
        return DiscussionStatus.CLOSED
    if now < discussion.opens_at:
        return DiscussionStatus.UPCOMING
    if now < discussion.closes_at:
        return DiscussionStatus.OPEN
    return DiscussionStatus.CLOSED


async def discussion_translations(
    session: AsyncSession, discussion_ids: Iterable[int]
) -> dict[int, dict[str, DiscussionTranslation]]:
    """Load the translations of the discussions, by discussion id then language, at once."""
    rows = await session.scalars(
        select(DiscussionTranslation).where(
            col(DiscussionTranslation.discussion_id).in_(list(discussion_ids))
        )
    )
    grouped: dict[int, dict[str, DiscussionTranslation]] = defaultdict(dict)
    for row in rows:
        grouped[row.discussion_id][row.language] = row
    return grouped


async def with_translations(
    session: AsyncSession, where: ColumnElement[bool]
) -> list[tuple[Discussion, dict[str, DiscussionTranslation]]]:
    """Load the discussions `where` picks, each with its translations by language, in one
    statement (a join), in the order they open."""
    rows = await session.execute(
        select(Discussion, DiscussionTranslation)
        .outerjoin(
            DiscussionTranslation,
            col(DiscussionTranslation.discussion_id) == col(Discussion.id),
        )
        .where(where)
        .order_by(col(Discussion.opens_at), col(Discussion.id))
    )
    found: dict[int, tuple[Discussion, dict[str, DiscussionTranslation]]] = {}
    for discussion, translation in rows.all():
        _discussion, texts = found.setdefault(discussion.id or 0, (discussion, {}))
        if translation is not None:
            texts[translation.language] = translation
    return list(found.values())


def discussion_card(
    discussion: Discussion,
    translations: dict[str, DiscussionTranslation],
    language: str,
    now: datetime,
) -> DiscussionCard:
    """Describe a discussion for a reader of `language`: its title, summary, dates, status."""
    order = fallback_order(language, discussion.language_list)
    assert discussion.id is not None
    return DiscussionCard(
        id=discussion.id,
        slug=discussion.slug,
        title=localize({k: t.title for k, t in translations.items()}, order),
        summary=localize({k: t.summary for k, t in translations.items()}, order),
        opens_at=discussion.opens_at,
        closes_at=discussion.closes_at,
        timezone=discussion.timezone,
        status=discussion_status(discussion, now),
    )


async def discussion_title(session: AsyncSession, *, discussion: Discussion, language: str) -> str:
    """Return the discussion's title for a reader of `language` (its slug if it has none)."""
    rows = await session.execute(
        select(col(DiscussionTranslation.language), col(DiscussionTranslation.title)).where(
            DiscussionTranslation.discussion_id == discussion.id
        )
    )
    titles: dict[str, str] = dict(rows.all())
    found = pick(titles, fallback_order(language, discussion.language_list))
    return found[0] if found else discussion.slug


async def list_discussions(
    session: AsyncSession, *, language: str, now: datetime
) -> DiscussionListing:
    """List discussions open now (closing soonest first), upcoming, and past (newest first)."""
    cards = [
        discussion_card(discussion, texts, language, now)
        for discussion, texts in await with_translations(session, published(now))
    ]
    return DiscussionListing(
        open=sorted(
            (c for c in cards if c.status is DiscussionStatus.OPEN), key=lambda c: c.closes_at
        ),
        upcoming=[c for c in cards if c.status is DiscussionStatus.UPCOMING],
        past=sorted(
            (c for c in cards if c.status is DiscussionStatus.CLOSED),
            key=lambda c: c.closes_at,
            reverse=True,
        ),
    )
