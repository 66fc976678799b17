"""Moderating people: trust them, suspend, ban and reinstate them, each logged once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.accounts.accounts import restrict_user
from forum.core.errors import N_, Invalid, NotFound, PermissionDenied
from forum.models import Post, User
from forum.models.types import ModerationVerb, Role, UserState
from forum.moderation.actions import (
    clean_note,
    current_moderator,
    log_action,
    moderated_discussions,
)

NOT_YOURSELF = N_("You cannot take moderation action on your own account.")
NOT_AN_ADMIN = N_("Administrators cannot be moderated.")
NOT_A_MODERATOR = N_("Only an administrator can take action on a moderator.")
NOT_YOUR_DISCUSSIONS = N_("This person has not taken part in a discussion you moderate.")
UNTIL_IN_PAST = N_("Choose a date and time in the future.")


async def _posted_in(session: AsyncSession, user_id: int, discussions: Collection[int]) -> bool:
    found = await session.scalar(
        select(Post.id)
        .where(Post.author_id == user_id, col(Post.discussion_id).in_(list(discussions)))
        .limit(1)
    )
    return found is not None


async def _person(
    session: AsyncSession, actor: User, user_id: int, now: datetime
) -> tuple[User, User]:
    """Return the moderator's row and the person's; raise PermissionDenied or NotFound.

    Admins act on anyone but admins; a moderator acts on contributors who posted in a
    discussion they moderate; nobody acts on themselves.
    """
    moderator = await current_moderator(session, actor, now)
    person = await session.get(User, user_id)
    if person is None:
        raise NotFound(str(user_id))
    if person.id == moderator.id:
        raise PermissionDenied(NOT_YOURSELF)
    if person.role == Role.ADMIN:
        raise PermissionDenied(NOT_AN_ADMIN)
    if moderator.role == Role.ADMIN:
        return moderator, person
    if person.role == Role.MODERATOR:
        raise PermissionDenied(NOT_A_MODERATOR)
    assert moderator.id is not None
    moderated = await moderated_discussions(session, user_id=moderator.id)
    if not await _posted_in(session, user_id, moderated):
        raise PermissionDenied(NOT_YOUR_DISCUSSIONS)
    return moderator, person


async def set_trusted(
    session: AsyncSession, *, actor: User, user_id: int, trusted: bool, now: datetime
) -> User:
    """Let a person's posts skip pre-moderation, or no longer; raise PermissionDenied, NotFound."""
    moderator, person = await _person(session, actor, user_id, now)
    person.trusted = trusted
    verb = ModerationVerb.TRUST if trusted else ModerationVerb.DISTRUST
    log_action(session, actor=moderator, verb=verb, user_id=person.id, now=now)
    await session.flush()
    return person


async def suspend_user(
    session: AsyncSession,
    *,
    actor: User,
    user_id: int,
    until: datetime,
    note: str = "",
    now: datetime,
) -> User:
    """Keep a person from taking part until `until` and sign them out everywhere.

    Raise PermissionDenied, NotFound, or Invalid (field "until" in the past, or "note").
    """
    moderator, person = await _person(session, actor, user_id, now)
    if until <= now:
        raise Invalid(UNTIL_IN_PAST, field="until")
    text = clean_note(note)
    await restrict_user(session, user_id=user_id, state=UserState.SUSPENDED, until=until)
    log_action(
        session, actor=moderator, verb=ModerationVerb.SUSPEND, user_id=user_id, note=text, now=now
    )
    await session.flush()
    return person


async def ban_user(
    session: AsyncSession, *, actor: User, user_id: int, note: str = "", now: datetime
) -> User:
    """Close a person's account and sign them out everywhere.

    Raise PermissionDenied, NotFound, or Invalid (field "note").
    """
    moderator, person = await _person(session, actor, user_id, now)
    text = clean_note(note)
    await restrict_user(session, user_id=user_id, state=UserState.BANNED)
    log_action(
        session, actor=moderator, verb=ModerationVerb.BAN, user_id=user_id, note=text, now=now
    )
    await session.flush()
    return person


async def reinstate_user(
    session: AsyncSession, *, actor: User, user_id: int, note: str = "", now: datetime
) -> User:
    """Lift a suspension or a ban; raise PermissionDenied, NotFound, or Invalid (field "note")."""
    moderator, person = await _person(session, actor, user_id, now)
    text = clean_note(note)
    await restrict_user(session, user_id=user_id, state=UserState.ACTIVE)
    log_action(
        session, actor=moderator, verb=ModerationVerb.REINSTATE, user_id=user_id, note=text, now=now
    )
    await session.flush()
    return person
