"""Publishing a discussion now or at a set time, taking it back, closing it early, archiving it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.content import bump_content_version
from forum.core.errors import N_, Conflict
from forum.discussions.checks import Problem, Refused
from forum.models import Discussion, Post, QuestionSet, User
from forum.models.types import ChangeKind
from forum.studio.drafts import load_draft
from forum.studio.history import record_change
from forum.studio.moments import local_to_utc

NOT_READY = N_("It cannot be published yet: correct what is listed first.")
BAD_WHEN = N_("Give a date and a time in the future, for example 2027-03-01 09:00.")
ALREADY_PUBLISHED = N_("The discussion is published already.")
SEEN_ALREADY = N_(
    "Readers have seen this discussion and some have written: it stays published. "
    "Close it early or archive it instead."
)
NOT_CLOSABLE = N_("Only an open or scheduled discussion can be closed early.")
NOT_ARCHIVABLE = N_("Close the discussion before archiving it.")
NOT_ARCHIVED = N_("The discussion is not archived.")


async def _check_ready(
    session: AsyncSession, discussion: Discussion, offered: Sequence[str]
) -> None:
    problems = (await load_draft(session, discussion)).problems(offered)
    if problems:
        raise Refused([Problem(NOT_READY, "when"), *problems])


def _record(
    session: AsyncSession,
    discussion: Discussion,
    actor: User,
    what: ChangeKind,
    now: datetime,
    **after: str,
) -> None:
    assert discussion.id is not None
    record_change(
        session, discussion_id=discussion.id, actor_id=actor.id, what=what, now=now, after=after
    )


async def publish(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    offered: Sequence[str],
    now: datetime,
    when: str = "",
) -> None:
    """Show the discussion to readers now, or from `when` (a time in the discussion's zone).

    Refused while the checker lists a problem: a missing translation, a week without a
    question, dates that do not hold.
    """
    assert discussion.id is not None
    if discussion.published_at is not None and discussion.published_at <= now:
        raise Conflict(ALREADY_PUBLISHED)
    at = now
    if when.strip():
        chosen = local_to_utc(when, discussion.timezone)
        if chosen is None or chosen <= now:
            raise Refused([Problem(BAD_WHEN, "when")])
        at = chosen
    await _check_ready(session, discussion, offered)
    discussion.published_at = at
    what = ChangeKind.PUBLISH if at == now else ChangeKind.SCHEDULE
    _record(session, discussion, actor, what, now, published_at=at.isoformat())
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)


async def unpublish(
    session: AsyncSession, *, discussion: Discussion, actor: User, now: datetime
) -> None:
    """Take a discussion back to a draft: while it is scheduled, or if nobody wrote in it."""
    assert discussion.id is not None
    if discussion.published_at is None:
        return
    posts = await session.scalar(
        select(func.count()).select_from(Post).where(Post.discussion_id == discussion.id)
    )
    if posts:
        raise Conflict(SEEN_ALREADY)
    discussion.published_at = None
    _record(session, discussion, actor, ChangeKind.UNPUBLISH, now)
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)


async def close_early(
    session: AsyncSession, *, discussion: Discussion, actor: User, now: datetime
) -> None:
    """Close the discussion now: no new contributions; weeks still open close with it."""
    assert discussion.id is not None
    if discussion.published_at is None or now >= discussion.closes_at:
        raise Conflict(NOT_CLOSABLE)
    before = discussion.closes_at
    discussion.closes_at = now
    if discussion.opens_at > now:
        discussion.opens_at = now
    for week in await session.scalars(
        select(QuestionSet).where(
            QuestionSet.discussion_id == discussion.id, col(QuestionSet.closes_at) > now
        )
    ):
        week.closes_at = max(now, week.opens_at)
    assert discussion.id is not None
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.CLOSE,
        now=now,
        before={"closes_at": before.isoformat()},
        after={"closes_at": now.isoformat()},
    )
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)


async def archive(
    session: AsyncSession, *, discussion: Discussion, actor: User, now: datetime
) -> None:
    """Archive a closed discussion: still readable, listed among past ones, never changing."""
    assert discussion.id is not None
    if discussion.published_at is None or now < discussion.closes_at:
        raise Conflict(NOT_ARCHIVABLE)
    if discussion.archived_at is not None:
        return
    discussion.archived_at = now
    _record(session, discussion, actor, ChangeKind.ARCHIVE, now)
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)


async def unarchive(
    session: AsyncSession, *, discussion: Discussion, actor: User, now: datetime
) -> None:
    assert discussion.id is not None
    if discussion.archived_at is None:
        raise Conflict(NOT_ARCHIVED)
    discussion.archived_at = None
    _record(session, discussion, actor, ChangeKind.UNARCHIVE, now)
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)
