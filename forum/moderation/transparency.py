"""A discussion's public transparency figures: what became of its posts, and reports made."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from forum.core.errors import NotFound
from forum.models import Discussion, ModerationAction, Post, Report
from forum.models.types import ModerationVerb, PostStatus


@dataclass(frozen=True, slots=True)
class Transparency:
    received: int  # every post ever sent to the discussion, whatever became of it
    approved: int
    pending: int
    # Rejections on record by guidelines section ("" if none was cited), from the log: a post
    # rejected, then edited and approved, counts here and among the published.
    rejected_by_section: list[tuple[str, int]]
    hidden: int
    reports_received: int

    @property
    def rejected(self) -> int:
        return sum(count for _, count in self.rejected_by_section)


async def transparency(session: AsyncSession, *, discussion_slug: str) -> Transparency:
    """Count what became of the posts sent to a discussion, and the reports readers made."""
    discussion_id = await session.scalar(
        select(col(Discussion.id)).where(col(Discussion.slug) == discussion_slug)
    )
    if discussion_id is None:
        raise NotFound(discussion_slug)
    rows = await session.execute(
        select(col(Post.status), func.count())
        .where(col(Post.discussion_id) == discussion_id)
        .group_by(col(Post.status))
    )
    by_status: dict[str, int] = {}
    for status, count in rows.all():
        by_status[status] = by_status.get(status, 0) + int(count)
    rejected = await session.execute(
        select(col(ModerationAction.section), func.count())
        .where(
            col(ModerationAction.discussion_id) == discussion_id,
            col(ModerationAction.action) == ModerationVerb.REJECT.value,
        )
        .group_by(col(ModerationAction.section))
    )
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
        rejected_by_section=sorted((section, int(count)) for section, count in rejected.all()),
        hidden=by_status.get(PostStatus.HIDDEN.value, 0),
        reports_received=int(reports or 0),
    )
