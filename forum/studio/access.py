"""Who reaches a discussion in the studio: admins, and the discussion's organisers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import NotFound
from forum.core.permissions import check_organises, check_signed_in, is_admin
from forum.models import Discussion, DiscussionOrganiser, User


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
