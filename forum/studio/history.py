"""A discussion's history in the studio: every change, who made it and when, kept for good."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.models import DiscussionChange, User
from forum.models.types import ChangeKind


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    id: int
    what: ChangeKind
    item: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    actor: str  # the person's display name; empty for the system or a file import
    created_at: datetime


def record_change(
    session: AsyncSession,
    *,
    discussion_id: int,
    actor_id: int | None,
    what: ChangeKind,
    now: datetime,
    item: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Add one entry to the discussion's history, in the caller's transaction.

    `before` and `after` hold what changed, as plain JSON values: a question's earlier and
    new wording by language, say. Entries are never changed nor removed.
    """
    session.add(
        DiscussionChange(
            discussion_id=discussion_id,
            actor_id=actor_id,
            what=what.value,
            item=item,
            before=json.dumps(before, ensure_ascii=False, sort_keys=True) if before else "",
            after=json.dumps(after, ensure_ascii=False, sort_keys=True) if after else "",
            created_at=now,
        )
    )


async def discussion_history(
    session: AsyncSession, discussion_id: int, *, limit: int = 200
) -> list[ChangeEntry]:
    """The latest changes first, with who made them: one statement."""
    rows = await session.execute(
        select(DiscussionChange, col(User.display_name))
        .outerjoin(User, col(User.id) == col(DiscussionChange.actor_id))
        .where(DiscussionChange.discussion_id == discussion_id)
        .order_by(col(DiscussionChange.created_at).desc(), col(DiscussionChange.id).desc())
        .limit(limit)
    )
    return [
        ChangeEntry(
            id=change.id or 0,
            what=ChangeKind(change.what),
            item=change.item,
            before=json.loads(change.before) if change.before else {},
            after=json.loads(change.after) if change.after else {},
            actor=name or "",
            created_at=change.created_at,
        )
        for change, name in rows.all()
    ]
