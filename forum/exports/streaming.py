"""Reading a discussion's posts for an export in keyset-paginated batches, in bounded memory.

Each batch costs two fixed statements, whatever its size: the posts with their authors,
questions and weeks (`WHERE id > :last ORDER BY id LIMIT n`), then the batch's tags.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.batches import keyset_batches
from forum.core.errors import NotFound
from forum.core.permissions import check_oversees, is_admin
from forum.core.tags import post_tag_slugs
from forum.discussions.listing import is_published
from forum.exports.rows import Audience, PostRecord
from forum.models import Discussion, Post, Question, QuestionSet, User
from forum.models.types import PostStatus
from forum.moderation.actions import moderated_discussions
from forum.studio.access import organised_ids

BATCH = 500


@dataclass(frozen=True, slots=True)
class ExportSource:
    """The discussion an export reads, once the reader may have it."""

    discussion_id: int
    slug: str
    audience: Audience


async def export_source(
    session: AsyncSession,
    *,
    slug: str,
    audience: Audience,
    user: User | None,
    now: datetime,
    trusted: bool = False,
) -> ExportSource:
    """Find the discussion to export for `audience`; NotFound or PermissionDenied otherwise.

    Open data is any published discussion's; the moderators' export is for the discussion's
    moderators, its organisers and admins; `trusted` is the command line, run by whoever
    holds the database.
    """
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None or discussion.id is None:
        raise NotFound(slug)
    if audience is Audience.PUBLIC:
        if not is_published(discussion, now):
            raise NotFound(slug)
    elif not trusted and not is_admin(user):
        moderated: set[int] = set()
        organised: set[int] = set()
        if user is not None and user.id is not None:
            moderated = await moderated_discussions(session, user_id=user.id)
            organised = await organised_ids(session, user)
        check_oversees(user, discussion.id, moderated, organised)
    return ExportSource(discussion.id, discussion.slug, audience)


async def post_count(session: AsyncSession, source: ExportSource) -> int:
    """How many posts the export holds (for a progress bar)."""
    query = select(func.count()).select_from(Post).where(*_filters(source))
    return int(await session.scalar(query) or 0)


def _filters(source: ExportSource) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [col(Post.discussion_id) == source.discussion_id]
    if source.audience is Audience.PUBLIC:
        filters.append(col(Post.status) == PostStatus.APPROVED.value)
    return filters


async def post_batches(
    session: AsyncSession, source: ExportSource, *, batch: int = BATCH
) -> AsyncIterator[list[PostRecord]]:
    """Yield the export's posts by increasing id, `batch` at a time, two statements each."""
    query = (
        select_columns(
            col(Post.id),
            col(Post.parent_id),
            col(Post.thread_id),
            col(QuestionSet.position),
            col(Question.number),
            col(Post.language),
            col(Post.status),
            col(Post.created_at),
            col(Post.edited_at),
            col(Post.approved_at),
            col(User.stakeholder_group),
            col(User.country),
            col(User.organisation),
            col(User.display_name),
            col(Post.quote_consent),
            col(Post.key_quote),
            col(Post.source),
        )
        .join(User, col(User.id) == col(Post.author_id))
        .outerjoin(Question, col(Question.id) == col(Post.question_id))
        .outerjoin(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
        .where(*_filters(source))
    )
    async for rows in keyset_batches(session, query, col(Post.id), batch=batch):
        tags = await post_tag_slugs(session, [int(row[0]) for row in rows])
        yield [_record(row, source.slug, tags) for row in rows]


def _record(row: Sequence[Any], slug: str, tags: dict[int, tuple[str, ...]]) -> PostRecord:
    (id_, parent, thread, week, question, language, status, created, edited, approved, *rest) = row
    group, country, organisation, name, consent, key_quote, text = rest
    return PostRecord(
        id=id_,
        parent_id=parent,
        thread_id=thread,
        discussion=slug,
        week=week,
        question=question,
        language=language,
        tags=tags.get(id_, ()),
        status=status,
        created_at=created,
        edited_at=edited,
        approved_at=approved,
        author_group=group,
        author_country=country,
        author_organisation=organisation,
        author_name=name,
        quote_consent=consent,
        key_quote=key_quote,
        text=text,
    )
