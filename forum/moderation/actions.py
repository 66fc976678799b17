"""What every moderation verb shares: who may act now, the note they give, the log entry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from forum.core.errors import N_, Invalid, PermissionDenied
from forum.core.permissions import check_active, check_moderator
from forum.core.text import unshowable
from forum.models import DiscussionModerator, ModerationAction, Post, User
from forum.models.types import ModerationVerb

MAX_NOTE_CHARS = 2_000

NOTE_TOO_LONG = N_("This note is too long: at most %(limit)s characters.")
NOTE_UNSHOWABLE = N_("This note contains characters that cannot be shown.")


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
