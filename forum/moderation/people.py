"""Moderating people (trust, suspend, ban, reinstate) and what every moderation verb shares."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.accounts.accounts import restrict_user
from forum.core.errors import N_, Invalid, NotFound, PermissionDenied
from forum.core.permissions import check_active, check_moderator
from forum.core.text import unshowable
from forum.models import DiscussionModerator, ModerationAction, Post, User
from forum.models.types import ModerationVerb, Role, UserState

MAX_NOTE_CHARS = 2_000

NOTE_TOO_LONG = N_("This note is too long: at most %(limit)s characters.")
NOTE_UNSHOWABLE = N_("This note contains characters that cannot be shown.")
NOT_YOURSELF = N_("You cannot take moderation action on your own account.")
NOT_AN_ADMIN = N_("Administrators cannot be moderated.")
NOT_A_MODERATOR = N_("Only an administrator can take action on a moderator.")
NOT_YOUR_DISCUSSIONS = N_("This person has not taken part in a discussion you moderate.")
UNTIL_IN_PAST = N_("Choose a date and time in the future.")


async def moderated_discussions(session: AsyncSession, *, user_id: int) -> set[int]:
    """Return the ids of the discussions `user_id` is assigned to moderate."""
    rows = await session.scalars(
        select(DiscussionModerator.discussion_id).where(DiscussionModerator.user_id == user_id)
    )
    return set(rows)


async def current_moderator(session: AsyncSession, actor: User, now: datetime) -> User:
    """Return the actor's row in this session; raise PermissionDenied unless they moderate now."""
    row = await session.get(User, actor.id) if actor.id is not None else None
    if row is None:
        raise PermissionDenied()
    return check_moderator(check_active(row, now))


def clean_note(note: str) -> str:
    """Return a moderator's note as stored; raise Invalid (field "note") if it cannot be."""
    text = note.replace("\r\n", "\n").replace("\r", "\n").strip()
    if unshowable(text, allow="\n"):
        raise Invalid(NOTE_UNSHOWABLE, field="note")
    if len(text) > MAX_NOTE_CHARS:
        raise Invalid(NOTE_TOO_LONG, field="note", limit=MAX_NOTE_CHARS)
    return text


def log_action(
    session: AsyncSession,
    *,
    actor: User,
    verb: ModerationVerb,
    now: datetime,
    post: Post | None = None,
    user_id: int | None = None,
    section: str = "",
    note: str = "",
) -> ModerationAction:
    """Add one entry to the moderation log; a post's entry also names its author."""
    action = ModerationAction(
        actor_id=actor.id,
        action=verb.value,
        discussion_id=post.discussion_id if post is not None else None,
        post_id=post.id if post is not None else None,
        user_id=post.author_id if post is not None else user_id,
        section=section,
        note=note,
        created_at=now,
    )
    session.add(action)
    return action


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
