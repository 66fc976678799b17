"""Published posts as feed entries: what readers may see, loaded in a fixed number of statements.

Any page or feed that has post ids (a discussion, a question, a tag, a search) turns them into
entries here: two statements whatever the number of posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from forum.core.localize import Localized, fallback_order, localize
from forum.discussions.listing import published
from forum.models import (
    Discussion,
    Post,
    Question,
    QuestionSet,
    User,
)
from forum.models.types import PostStatus
from forum.studio.weeks import question_texts

FEED_SIZE = 50  # entries in a feed: the latest published posts


@dataclass(frozen=True, slots=True)
class Entry:
    """A published post as a feed or a topic page shows it."""

    id: int
    discussion_slug: str
    author_name: str
    language: str
    html: str  # already sanitised
    created_at: datetime
    updated_at: datetime  # the later of its approval and its last published edit
    question_number: int | None
    question: Localized | None  # the question's text in the reader's language


def visible(now: datetime) -> list[ColumnElement[bool]]:
    """What readers may see: approved posts of published discussions, in weeks that have opened.

    For a query built by `visible_posts`.
    """
    return [
        col(Post.status) == PostStatus.APPROVED.value,
        published(now),
        or_(col(Post.question_id).is_(None), col(QuestionSet.opens_at) <= now),
    ]


def visible_posts(*columns: Any) -> Select[Any]:
    """SELECT `columns` FROM posts with the joins `visible` needs."""
    return (
        select(*columns)
        .select_from(Post)
        .join(Discussion, col(Discussion.id) == col(Post.discussion_id))
        .outerjoin(Question, col(Question.id) == col(Post.question_id))
        .outerjoin(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
    )


def updated(post_approved: datetime | None, edited: datetime | None, created: datetime) -> datetime:
    """When readers last saw the post change: its approval or its last published edit."""
    return max(moment for moment in (post_approved, edited, created) if moment is not None)


async def entries_for(
    session: AsyncSession, post_ids: Sequence[int], *, language: str, now: datetime
) -> list[Entry]:
    """Turn post ids into entries in the ids' order, dropping any readers may not see.

    Two statements whatever the number of ids (one when there are none).
    """
    if not post_ids:
        return []
    query = visible_posts(
        col(Post.id),
        col(Discussion.slug),
        col(Discussion.languages),
        col(User.display_name),
        col(Post.language),
        col(Post.html),
        col(Post.created_at),
        col(Post.approved_at),
        col(Post.edited_at),
        col(Post.question_id),
        col(Question.number),
    )
    rows = (
        await session.execute(
            query.join(User, col(User.id) == col(Post.author_id)).where(
                col(Post.id).in_(list(post_ids)), *visible(now)
            )
        )
    ).all()
    question_ids = {row[9] for row in rows if row[9] is not None}
    texts = await question_texts(session, sorted(question_ids)) if question_ids else {}
    found: dict[int, Entry] = {}
    for row in rows:
        (post_id, slug, languages, name, post_language, html, created, approved, edited) = row[:9]
        question_id, number = row[9], row[10]
        order = fallback_order(language, languages.split(","))
        found[post_id] = Entry(
            id=post_id,
            discussion_slug=slug,
            author_name=name,
            language=post_language,
            html=html,
            created_at=created,
            updated_at=updated(approved, edited, created),
            question_number=number,
            question=None if question_id is None else localize(texts[question_id], order),
        )
    return [found[post_id] for post_id in post_ids if post_id in found]


async def newest_ids(
    session: AsyncSession, query: Select[Any], *, limit: int = FEED_SIZE, offset: int = 0
) -> list[int]:
    """The ids a `visible_posts(Post.id)` query finds, newest published first (one statement)."""
    newest = func.coalesce(col(Post.approved_at), col(Post.created_at))
    ordered = query.order_by(newest.desc(), col(Post.id).desc()).limit(limit).offset(offset)
    return [int(post_id) for post_id in (await session.scalars(ordered)).all()]
