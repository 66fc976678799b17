"""Mail people about what others did with their posts: for now, a reply to one of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from forum.core.errors import PermissionDenied
from forum.core.permissions import check_can_contribute
from forum.discussions.listing import discussion_title
from forum.mail.compose import Postman
from forum.models import Discussion, OutboxMessage, Post, User
from forum.models.types import PostStatus


def _reachable(user: User, now: datetime) -> bool:
    """Say whether the account is active (not banned, not suspended now) and confirmed."""
    try:
        check_can_contribute(user, now)
    except PermissionDenied:
        return False
    return True


async def _recipient(
    session: AsyncSession, reply: Post, parent: Post | None, now: datetime
) -> User | None:
    """Return the author of the post `reply` answers, if they want to hear of it; else None."""
    if reply.in_reply_to_id is None or reply.status != PostStatus.APPROVED:
        return None
    if parent is None or parent.id != reply.in_reply_to_id:
        parent = await session.get(Post, reply.in_reply_to_id)
    if parent is None or parent.author_id == reply.author_id:
        return None
    author = await session.get(User, parent.author_id)
    if author is None or not author.notify_replies or not _reachable(author, now):
        return None
    return author


def reply_mail_key(post_id: int) -> str:
    """The outbox's key of the mail telling a post's author of the reply `post_id`."""
    return f"reply:{post_id}"


async def _already_queued(session: AsyncSession, dedupe_key: str) -> bool:
    found = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    return found is not None


async def notify_reply(
    session: AsyncSession,
    *,
    reply: Post,
    postman: Postman,
    now: datetime,
    parent: Post | None = None,
    discussion: Discussion | None = None,
    replier: User | None = None,
    written_now: bool = False,
    claimed_until: datetime | None = None,
) -> str | None:
    """Mail the author of the post `reply` answers, once, in their language; return the
    mail's key in the outbox (`reply_mail_key`) if it was queued now, else None.

    Nothing is sent unless the reply is approved, answers someone else's post, and that
    person wants such mail and has an active, confirmed account. The caller may pass the
    rows it has just read (the post answered, the discussion, the replier): they are not read
    again. A reply `written_now`, in this transaction, cannot have had its mail queued yet, so
    the outbox is not searched first (its unique key would refuse a second one anyway).
    `claimed_until`: the caller sends the mail itself (`mail.worker.send_claimed`); until
    then no other sender takes it.
    """
    author = await _recipient(session, reply, parent, now)
    dedupe_key = reply_mail_key(reply.id or 0)
    if author is None or (not written_now and await _already_queued(session, dedupe_key)):
        return None
    if discussion is None or discussion.id != reply.discussion_id:
        discussion = await session.get(Discussion, reply.discussion_id)
    if replier is None or replier.id != reply.author_id:
        replier = await session.get(User, reply.author_id)
    assert discussion is not None and replier is not None  # the foreign keys guarantee them
    queued = await postman.post(
        session,
        to_address=author.email,
        to_name=author.display_name,
        language=author.preferred_language,
        template="reply_to_you",
        context={
            "name": author.display_name,
            "replier": replier.display_name,
            "title": await discussion_title(
                session, discussion=discussion, language=author.preferred_language
            ),
            "slug": discussion.slug,
            "post_id": reply.id,
        },
        now=now,
        dedupe_key=dedupe_key,
        claimed_until=claimed_until,
    )
    return dedupe_key if queued else None
