"""Duplicate a discussion as a new draft: the usual way to start the next one.

Everything organisers set up is copied (settings, texts, weeks and questions, tags,
documents, moderators, organisers), with every date moved so that it opens when asked;
nothing readers wrote is, and the copy is a draft nobody sees until it is published.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.discussions.checks import SLUG_TAKEN, Problem, Refused, slug_problems
from forum.discussions.documents import add_document, document_content
from forum.models import (
    Discussion,
    DiscussionModerator,
    DiscussionOrganiser,
    DiscussionTag,
    DiscussionTranslation,
    Document,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
    User,
)
from forum.models.types import ChangeKind, Role
from forum.studio.history import record_change
from forum.studio.moments import local_to_utc
from forum.studio.setup import BAD_MOMENT


async def duplicate_discussion(
    session: AsyncSession,
    *,
    source: Discussion,
    actor: User,
    slug: str,
    opens_at: str,
    data_dir: Path,
    max_document_bytes: int,
    now: datetime,
) -> Discussion:
    """Copy `source` as a draft at `slug`, opening at `opens_at` (in its zone)."""
    assert source.id is not None
    slug = slug.strip().lower()
    problems = slug_problems(slug)
    if not problems and await session.scalar(select(Discussion.id).where(Discussion.slug == slug)):
        problems.append(Problem(SLUG_TAKEN, "slug", {"slug": slug}))
    opens = local_to_utc(opens_at, source.timezone)
    if opens is None:
        problems.append(Problem(BAD_MOMENT, "opens_at"))
    if problems:
        raise Refused(problems)
    assert opens is not None
    shift = opens - source.opens_at
    copy = Discussion(
        slug=slug,
        opens_at=source.opens_at + shift,
        closes_at=source.closes_at + shift,
        timezone=source.timezone,
        moderation_mode=source.moderation_mode,
        languages=source.languages,
        general_comments=source.general_comments,
        created_at=now,
    )
    session.add(copy)
    await session.flush()
    assert copy.id is not None
    for t in await session.scalars(
        select(DiscussionTranslation).where(DiscussionTranslation.discussion_id == source.id)
    ):
        session.add(
            DiscussionTranslation(
                discussion_id=copy.id,
                language=t.language,
                title=t.title,
                summary=t.summary,
                introduction_source=t.introduction_source,
                introduction_html=t.introduction_html,
            )
        )
    await _copy_weeks(session, source.id, copy.id, shift)
    await _copy_people_and_tags(session, source.id, copy.id, actor)
    for document in await session.scalars(
        select(Document).where(Document.discussion_id == source.id).order_by(col(Document.id))
    ):
        await add_document(
            session,
            data_dir=data_dir,
            discussion_id=copy.id,
            language=document.language,
            title=document.title,
            filename=document.filename,
            content=document_content(document, data_dir),
            max_bytes=max_document_bytes,
        )
    record_change(
        session,
        discussion_id=copy.id,
        actor_id=actor.id,
        what=ChangeKind.DUPLICATE,
        now=now,
        before={"slug": source.slug},
        after={"slug": slug},
    )
    await session.flush()
    return copy


async def _copy_weeks(
    session: AsyncSession, source_id: int, copy_id: int, shift: timedelta
) -> None:
    sets = list(
        await session.scalars(
            select(QuestionSet)
            .where(QuestionSet.discussion_id == source_id)
            .order_by(col(QuestionSet.position))
        )
    )
    set_titles = list(
        await session.scalars(
            select(QuestionSetTranslation).where(
                col(QuestionSetTranslation.question_set_id).in_([s.id for s in sets])
            )
        )
    )
    questions = list(
        await session.scalars(
            select(Question)
            .where(Question.discussion_id == source_id)
            .order_by(col(Question.number))
        )
    )
    texts = list(
        await session.scalars(
            select(QuestionTranslation).where(
                col(QuestionTranslation.question_id).in_([q.id for q in questions])
            )
        )
    )
    new_set: dict[int, int] = {}
    for s in sets:
        week = QuestionSet(
            discussion_id=copy_id,
            position=s.position,
            opens_at=s.opens_at + shift,
            closes_at=s.closes_at + shift,
        )
        session.add(week)
        await session.flush()
        assert s.id is not None and week.id is not None
        new_set[s.id] = week.id
    for st in set_titles:
        session.add(
            QuestionSetTranslation(
                question_set_id=new_set[st.question_set_id], language=st.language, title=st.title
            )
        )
    new_question: dict[int, int] = {}
    for q in questions:
        question = Question(
            discussion_id=copy_id, question_set_id=new_set[q.question_set_id], number=q.number
        )
        session.add(question)
        await session.flush()
        assert q.id is not None and question.id is not None
        new_question[q.id] = question.id
    for qt in texts:
        session.add(
            QuestionTranslation(
                question_id=new_question[qt.question_id], language=qt.language, text=qt.text
            )
        )


async def _copy_people_and_tags(
    session: AsyncSession, source_id: int, copy_id: int, actor: User
) -> None:
    for m in await session.scalars(
        select(DiscussionModerator).where(DiscussionModerator.discussion_id == source_id)
    ):
        session.add(
            DiscussionModerator(discussion_id=copy_id, user_id=m.user_id, position=m.position)
        )
    organisers = set(
        await session.scalars(
            select(DiscussionOrganiser.user_id).where(
                DiscussionOrganiser.discussion_id == source_id
            )
        )
    )
    if actor.role != Role.ADMIN and actor.id is not None:
        organisers.add(actor.id)
    for user_id in organisers:
        session.add(DiscussionOrganiser(discussion_id=copy_id, user_id=user_id))
    for link in await session.scalars(
        select(DiscussionTag).where(DiscussionTag.discussion_id == source_id)
    ):
        session.add(
            DiscussionTag(discussion_id=copy_id, tag_id=link.tag_id, position=link.position)
        )
