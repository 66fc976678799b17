"""The moderators' weekly summaries: one per question set and language, written in Markdown."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.contributions.posting import clean_source
from forum.core.content import bump_content_version
from forum.core.errors import N_, Invalid, NotFound
from forum.core.permissions import check_moderates
from forum.core.text import MULTILINE, render_markdown, unshowable
from forum.models import Discussion, QuestionSet, User, WeeklySummary
from forum.moderation.actions import current_moderator, moderated_discussions

MAX_SUMMARY_CHARS = 20_000

SUMMARY_LANGUAGE = N_("Choose a language from the list.")
SUMMARY_TOO_LONG = N_("This summary is too long: at most %(limit)s characters.")
SUMMARY_UNSHOWABLE = N_("This contains characters that cannot be shown.")


def _clean_summary(source: str) -> str:
    """Return the summary as stored ("" to delete it); raise Invalid (field "source")."""
    text = clean_source(source)
    if not text.strip():
        return ""
    if unshowable(text, allow=MULTILINE):
        raise Invalid(SUMMARY_UNSHOWABLE, field="source")
    if len(text) > MAX_SUMMARY_CHARS:
        raise Invalid(SUMMARY_TOO_LONG, field="source", limit=MAX_SUMMARY_CHARS)
    return text


async def _moderated_discussion(
    session: AsyncSession, actor: User, slug: str, now: datetime
) -> Discussion:
    """Load a discussion the actor moderates; raise PermissionDenied or NotFound."""
    moderator = await current_moderator(session, actor, now)
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None:
        raise NotFound(slug)
    assert moderator.id is not None and discussion.id is not None
    moderated = await moderated_discussions(session, user_id=moderator.id)
    check_moderates(moderator, discussion.id, moderated)
    return discussion


async def _opened_week(
    session: AsyncSession, discussion: Discussion, position: int, now: datetime
) -> QuestionSet:
    """Load the discussion's week at `position`; raise NotFound unless it has opened."""
    question_set = await session.scalar(
        select(QuestionSet).where(
            QuestionSet.discussion_id == discussion.id, QuestionSet.position == position
        )
    )
    if question_set is None or question_set.opens_at > now:
        raise NotFound(f"{discussion.slug}/weeks/{position}")
    return question_set


async def _upsert(session: AsyncSession, values: dict[str, Any]) -> WeeklySummary:
    """Insert the summary, or overwrite the one of that set and language, in one statement."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = insert(WeeklySummary).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["question_set_id", "language"],
        set_={
            name: statement.excluded[name] for name in ("source", "html", "author_id", "updated_at")
        },
    )
    returning = statement.returning(WeeklySummary).execution_options(populate_existing=True)
    return (await session.scalars(returning)).one()


async def _delete(session: AsyncSession, question_set_id: int, language: str) -> bool:
    """Delete the summary of a set in one language; say whether there was one."""
    result = cast(
        "CursorResult[Any]",
        await session.execute(
            delete(WeeklySummary).where(
                col(WeeklySummary.question_set_id) == question_set_id,
                col(WeeklySummary.language) == language,
            )
        ),
    )
    return result.rowcount == 1


async def save_summary(
    session: AsyncSession,
    *,
    actor: User,
    discussion_slug: str,
    week_position: int,
    language: str,
    source: str,
    now: datetime,
) -> WeeklySummary | None:
    """Write a week's summary in one language; an empty source deletes it (and returns None).

    Raise PermissionDenied, NotFound (unknown discussion, or a week not opened yet), or
    Invalid (field "language" or "source").
    """
    discussion = await _moderated_discussion(session, actor, discussion_slug, now)
    question_set = await _opened_week(session, discussion, week_position, now)
    assert question_set.id is not None
    if language not in discussion.language_list:
        raise Invalid(SUMMARY_LANGUAGE, field="language")
    text = _clean_summary(source)
    if not text:
        if await _delete(session, question_set.id, language):
            await bump_content_version(session, discussion_id=discussion.id or 0)
        return None
    summary = await _upsert(
        session,
        {
            "question_set_id": question_set.id,
            "language": language,
            "source": text,
            "html": render_markdown(text),
            "author_id": actor.id,
            "updated_at": now,
        },
    )
    await bump_content_version(session, discussion_id=discussion.id or 0)
    return summary


async def summaries_for(
    session: AsyncSession, *, discussion_id: int
) -> dict[int, dict[str, WeeklySummary]]:
    """Return the discussion's summaries by question set id, then by language, in one query."""
    rows = await session.scalars(
        select(WeeklySummary)
        .join(QuestionSet, col(QuestionSet.id) == col(WeeklySummary.question_set_id))
        .where(QuestionSet.discussion_id == discussion_id)
    )
    grouped: dict[int, dict[str, WeeklySummary]] = defaultdict(dict)
    for row in rows:
        grouped[row.question_set_id][row.language] = row
    return dict(grouped)
