"""The moderation log: who did what, where and to whom, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from forum.models import Discussion, ModerationAction, User

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
