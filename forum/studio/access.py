"""Who reaches a discussion in the studio: admins, and the discussion's organisers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import NotFound
from forum.core.localize import Localized, fallback_order, localize
from forum.core.permissions import check_organises, check_signed_in, is_admin
from forum.models import Discussion, DiscussionOrganiser, DiscussionTranslation, User
from forum.models.types import DiscussionState


async def organised_ids(session: AsyncSession, user: User) -> set[int]:
    """The ids of the discussions `user` organises (admins organise all, without a list)."""
    rows = await session.scalars(
        select(col(DiscussionOrganiser.discussion_id)).where(DiscussionOrganiser.user_id == user.id)
    )
    return set(rows.all())


async def studio_discussion(session: AsyncSession, slug: str, user: User | None) -> Discussion:
    """Load a discussion for the studio: NotFound, SignInRequired or PermissionDenied otherwise.

    Two statements at most (one for an admin).
    """
    signed_in = check_signed_in(user)
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None:
        raise NotFound(slug)
    assert discussion.id is not None
    organised = set() if is_admin(signed_in) else await organised_ids(session, signed_in)
    check_organises(signed_in, discussion.id, organised)
    return discussion


@dataclass(frozen=True, slots=True)
class StudioHead:
    """What every studio page of a discussion shows at its top: its name and state."""

    slug: str
    title: Localized
    state: DiscussionState
    timezone: str
    languages: list[str]


def discussion_state(discussion: Discussion, now: datetime) -> DiscussionState:
    """Draft, scheduled (published or to be, not open yet), open, closed or archived."""
    if discussion.archived_at is not None and discussion.archived_at <= now:
        return DiscussionState.ARCHIVED
    if discussion.published_at is None:
        return DiscussionState.DRAFT
    if now >= discussion.closes_at:
        return DiscussionState.CLOSED
    if discussion.published_at > now or now < discussion.opens_at:
        return DiscussionState.SCHEDULED
    return DiscussionState.OPEN


async def studio_head(
    session: AsyncSession, discussion: Discussion, language: str, now: datetime
) -> StudioHead:
    """Name the discussion for an organiser reading `language`: one statement."""
    assert discussion.id is not None
    rows = await session.execute(
        select(col(DiscussionTranslation.language), col(DiscussionTranslation.title)).where(
            DiscussionTranslation.discussion_id == discussion.id
        )
    )
    titles = {code: title for code, title in rows.all() if title}
    order = fallback_order(language, discussion.language_list)
    return StudioHead(
        slug=discussion.slug,
        title=localize(titles, order) if titles else Localized(discussion.slug, ""),
        state=discussion_state(discussion, now),
        timezone=discussion.timezone,
        languages=discussion.language_list,
    )
