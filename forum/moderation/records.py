"""Public and moderators' records: the moderation log and a discussion's transparency figures."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from forum.core.errors import NotFound
from forum.models import Discussion, ModerationAction, Post, Report, User
from forum.models.types import PostStatus

_Actor = aliased(User, name="actor")
_Subject = aliased(User, name="subject")
# A log entry with the names of who acted, where and upon whom, in LogEntry's order.
_LOG_COLUMNS = (
    select(
        col(ModerationAction.id),
        col(ModerationAction.created_at),
        col(_Actor.display_name),
        col(ModerationAction.action),
        col(Discussion.slug),
        col(ModerationAction.post_id),
        col(ModerationAction.user_id),
        col(_Subject.display_name),
        col(ModerationAction.section),
        col(ModerationAction.note),
    )
    .outerjoin(_Actor, col(_Actor.id) == col(ModerationAction.actor_id))
    .outerjoin(Discussion, col(Discussion.id) == col(ModerationAction.discussion_id))
    .outerjoin(_Subject, col(_Subject.id) == col(ModerationAction.user_id))
)


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    created_at: datetime
    actor_name: str | None  # None: the system did it (e.g. hid a post enough readers reported)
    action: str
    discussion_slug: str | None
    post_id: int | None
    user_id: int | None
    subject_name: str | None  # the person acted upon, if any
    section: str
    note: str


@dataclass(frozen=True, slots=True)
class Transparency:
    received: int  # every post ever sent to the discussion, whatever became of it
    approved: int
    pending: int
    rejected_by_section: list[tuple[str, int]]  # by guidelines section ("" if none was cited)
    hidden: int
    reports_received: int

    @property
    def rejected(self) -> int:
        return sum(count for _, count in self.rejected_by_section)


def _log_filters(
    discussion_ids: Collection[int] | None, action: str | None, actor_id: int | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [true()]
    if discussion_ids is not None:
        where.append(col(ModerationAction.discussion_id).in_(list(discussion_ids)))
    if action:
        where.append(col(ModerationAction.action) == action)
    if actor_id is not None:
        where.append(col(ModerationAction.actor_id) == actor_id)
    return where


def _entry(row: Sequence[Any]) -> LogEntry:
    id_, created_at, actor, action, slug, post_id, user_id, subject, section, note = row
    return LogEntry(
        id=id_,
        created_at=created_at,
        actor_name=actor,
        action=action,
        discussion_slug=slug,
        post_id=post_id,
        user_id=user_id,
        subject_name=subject,
        section=section,
        note=note,
    )


async def moderation_log(
    session: AsyncSession,
    *,
    discussion_ids: Collection[int] | None,
    action: str | None = None,
    actor_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[LogEntry], int]:
    """Return one page of the log, newest first, and how many entries match in all.

    `discussion_ids` None shows every entry, including those about no discussion (admins).
    """
    where = _log_filters(discussion_ids, action, actor_id)
    total = int(
        await session.scalar(select(func.count()).select_from(ModerationAction).where(*where)) or 0
    )
    if not total:
        return [], 0
    per_page = max(per_page, 1)
    page = min(max(page, 1), -(-total // per_page))
    rows = await session.execute(
        _LOG_COLUMNS.where(*where)
        .order_by(col(ModerationAction.created_at).desc(), col(ModerationAction.id).desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return [_entry(row) for row in rows.all()], total


async def transparency(session: AsyncSession, *, discussion_slug: str) -> Transparency:
    """Count what became of the posts sent to a discussion, and the reports readers made."""
    discussion_id = await session.scalar(
        select(col(Discussion.id)).where(col(Discussion.slug) == discussion_slug)
    )
    if discussion_id is None:
        raise NotFound(discussion_slug)
    rows = await session.execute(
        select(col(Post.status), col(Post.rejection_section), func.count())
        .where(col(Post.discussion_id) == discussion_id)
        .group_by(col(Post.status), col(Post.rejection_section))
    )
    by_status: dict[str, int] = {}
    rejected: list[tuple[str, int]] = []
    for status, section, count in rows.all():
        by_status[status] = by_status.get(status, 0) + int(count)
        if status == PostStatus.REJECTED.value:
            rejected.append((section, int(count)))
    reports = await session.scalar(
        select(func.count())
        .select_from(Report)
        .join(Post, col(Post.id) == col(Report.post_id))
        .where(col(Post.discussion_id) == discussion_id)
    )
    return Transparency(
        received=sum(by_status.values()),
        approved=by_status.get(PostStatus.APPROVED.value, 0),
        pending=by_status.get(PostStatus.PENDING.value, 0),
        rejected_by_section=sorted(rejected),
        hidden=by_status.get(PostStatus.HIDDEN.value, 0),
        reports_received=int(reports or 0),
    )
