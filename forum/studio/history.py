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
from forum.models.types import ChangeKind, UserState


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    id: int
    what: ChangeKind
    item: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    actor: str  # the person's display name; empty for the system or a file import
    created_at: datetime
    former: bool = False  # made by a person whose account was deleted since (no name left)

    @property
    def item_kind(self) -> str:
        """ "question", "week", "tag"... (people are named in the values, not here)."""
        return self.item.partition(":")[0]

    @property
    def item_name(self) -> str:
        return self.item.partition(":")[2]

    def rows(self) -> list[ChangeRow]:
        """What changed, one value a row: which, in which language, before and after."""
        found: list[ChangeRow] = []
        for key in sorted(set(self.before) | set(self.after)):
            old, new = self.before.get(key), self.after.get(key)
            if isinstance(old, dict) or isinstance(new, dict):
                old_map = old if isinstance(old, dict) else {}
                new_map = new if isinstance(new, dict) else {}
                for language in sorted(set(old_map) | set(new_map)):
                    found.append(
                        ChangeRow(
                            key,
                            language,
                            _plain(old_map.get(language)),
                            _plain(new_map.get(language)),
                        )
                    )
            elif key.endswith("_at"):
                found.append(ChangeRow(key, "", _moment(old), _moment(new)))
            else:
                found.append(ChangeRow(key, "", _plain(old), _plain(new)))
        return found


@dataclass(frozen=True, slots=True)
class ChangeRow:
    key: str  # "title", "text", "opens_at"...
    language: str  # the language of a translated text; empty otherwise
    before: str | datetime
    after: str | datetime


def _moment(value: Any) -> str | datetime:
    try:
        return datetime.fromisoformat(str(value)) if value else ""
    except ValueError:
        return str(value)


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " · ".join(_plain(item) for item in value if item)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


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
        select(DiscussionChange, col(User.display_name), col(User.state))
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
            former=state == UserState.DELETED.value,
        )
        for change, name, state in rows.all()
    ]
