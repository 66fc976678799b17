"""Who moderates which discussion: admins assign and remove moderators."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.accounts.profiles import normalise_email
from forum.core.errors import N_, Conflict, Invalid, NotFound
from forum.core.permissions import check_admin
from forum.models import Discussion, DiscussionModerator, User
from forum.models.types import Role, UserState

NO_SUCH_PERSON = N_("Nobody with this e-mail address has an account.")


@dataclass(frozen=True, slots=True)
class Assigned:
    user_id: int
    name: str
    email: str
    organisation: str


async def _discussion(session: AsyncSession, slug: str) -> Discussion:
    discussion = (await session.scalars(select(Discussion).where(Discussion.slug == slug))).first()
    if discussion is None or discussion.id is None:
        raise NotFound(slug)
    return discussion


async def discussion_moderators(session: AsyncSession, *, slug: str) -> list[Assigned]:
    """List a discussion's moderators in their order."""
    discussion = await _discussion(session, slug)
    rows = (
        await session.execute(
            select(col(User.id), col(User.display_name), col(User.email), col(User.organisation))
            .join(DiscussionModerator, col(DiscussionModerator.user_id) == col(User.id))
            .where(DiscussionModerator.discussion_id == discussion.id)
            .order_by(col(DiscussionModerator.position))
        )
    ).all()
    return [Assigned(int(user_id or 0), name, email, org) for user_id, name, email, org in rows]


async def find_person(session: AsyncSession, email: str) -> User:
    """The account with this address (not a closed one); Invalid on the `email` field otherwise."""
    address = normalise_email(email)
    person = (
        None
        if address is None
        else (await session.scalars(select(User).where(User.email == address))).first()
    )
    if person is None or person.id is None or person.state in (UserState.BANNED, UserState.DELETED):
        raise Invalid(NO_SUCH_PERSON, field="email")
    return person


async def assign_moderator(
    session: AsyncSession, *, actor: User | None, slug: str, email: str
) -> User:
    """Make the person with `email` a moderator of the discussion (admins only)."""
    check_admin(actor)
    return await add_moderator(session, discussion=await _discussion(session, slug), email=email)


async def add_moderator(session: AsyncSession, *, discussion: Discussion, email: str) -> User:
    """Make the person with `email` a moderator of `discussion` (the caller checked who asks)."""
    person = await find_person(session, email)
    if await session.get(DiscussionModerator, (discussion.id, person.id)) is not None:
        raise Conflict(N_("This person already moderates this discussion."))
    last = await session.scalar(
        select(func.max(DiscussionModerator.position)).where(
            DiscussionModerator.discussion_id == discussion.id
        )
    )
    assert discussion.id is not None and person.id is not None
    session.add(
        DiscussionModerator(
            discussion_id=discussion.id, user_id=person.id, position=(last or 0) + 1
        )
    )
    if person.role == Role.CONTRIBUTOR:
        person.role = Role.MODERATOR.value
    await session.flush()
    return person


async def remove_moderator(
    session: AsyncSession, *, actor: User | None, slug: str, user_id: int
) -> None:
    """Take a person off a discussion's moderators (admins only)."""
    check_admin(actor)
    await take_off_moderator(session, discussion=await _discussion(session, slug), user_id=user_id)


async def take_off_moderator(
    session: AsyncSession, *, discussion: Discussion, user_id: int
) -> None:
    """Take a person off `discussion`'s moderators (the caller checked who asks)."""
    removed = await session.execute(
        delete(DiscussionModerator).where(
            col(DiscussionModerator.discussion_id) == discussion.id,
            col(DiscussionModerator.user_id) == user_id,
        )
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise Conflict(N_("This person does not moderate this discussion."))
