"""Questions of a week: added at its end, corrected in any language, moved and removed.

A correction keeps the earlier wording in the discussion's history, which is how readers'
answers to the first wording stay understandable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from forum.core.content import bump_content_version
from forum.core.errors import Conflict, NotFound
from forum.discussions.checks import Problem, Refused
from forum.models import Discussion, Question, QuestionTranslation, User
from forum.models.types import ChangeKind
from forum.studio.history import record_change
from forum.studio.texts import too_long
from forum.studio.weeks import (
    ANSWERED_QUESTION,
    QUESTION_EMPTY,
    QUESTION_MAX,
    find_week,
    layout,
    posts_per_question,
    question_texts,
    renumber,
)


def _clean(texts: Mapping[str, str], languages: list[str]) -> dict[str, str]:
    cleaned = {code: texts.get(code, "").strip() for code in languages}
    problems = too_long(cleaned, "text", QUESTION_MAX, languages)
    if not any(cleaned.values()):
        problems.append(Problem(QUESTION_EMPTY, f"text-{languages[0]}"))
    if problems:
        raise Refused(problems)
    return cleaned


async def _write_texts(
    session: AsyncSession, question_id: int, texts: Mapping[str, str], old: Mapping[str, str]
) -> None:
    rows = {
        row.language: row
        for row in await session.scalars(
            select(QuestionTranslation).where(QuestionTranslation.question_id == question_id)
        )
    }
    for code, new in texts.items():
        if new == old.get(code, ""):
            continue
        row = rows.get(code)
        if row is None:
            session.add(QuestionTranslation(question_id=question_id, language=code, text=new))
        elif new:
            row.text = new
        else:
            await session.delete(row)


async def add_question(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    week_id: int,
    texts: Mapping[str, str],
    now: datetime,
) -> Question:
    """Add a question at the end of a week; the numbers after it move on by one."""
    assert discussion.id is not None
    cleaned = _clean(texts, discussion.language_list)
    week = await find_week(session, discussion, week_id)
    sets, questions = await layout(session, discussion.id)
    question = Question(discussion_id=discussion.id, question_set_id=week_id, number=-10_000)
    session.add(question)
    await session.flush()
    assert question.id is not None and week.id is not None
    questions[week.id].append(question)
    await renumber(session, discussion.id, sets, questions)
    await _write_texts(session, question.id, cleaned, {})
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.QUESTION_ADD,
        now=now,
        item=f"question:{question.number}",
        after={"text": {code: text for code, text in cleaned.items() if text}},
    )
    await bump_content_version(session, discussion_id=discussion.id)
    return question


async def _question(session: AsyncSession, discussion: Discussion, question_id: int) -> Question:
    question = await session.get(Question, question_id)
    if question is None or question.discussion_id != discussion.id:
        raise NotFound(f"question {question_id}")
    return question


async def edit_question(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    question_id: int,
    texts: Mapping[str, str],
    now: datetime,
) -> bool:
    """Correct a question's wording; the history keeps the earlier one. Say if it changed."""
    assert discussion.id is not None
    question = await _question(session, discussion, question_id)
    cleaned = _clean(texts, discussion.language_list)
    old = (await question_texts(session, [question_id]))[question_id]
    before = {code: old.get(code, "") for code in cleaned if cleaned[code] != old.get(code, "")}
    if not before:
        return False
    await _write_texts(session, question_id, cleaned, old)
    answered = (await posts_per_question(session, discussion.id)).get(question_id, 0)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.QUESTION_EDIT,
        now=now,
        item=f"question:{question.number}",
        before={"text": before, "contributions": answered},
        after={"text": {code: cleaned[code] for code in before}},
    )
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)
    return True


async def remove_question(
    session: AsyncSession, *, discussion: Discussion, actor: User, question_id: int, now: datetime
) -> None:
    """Remove a question nobody answered; the numbers after it close the gap."""
    assert discussion.id is not None
    question = await _question(session, discussion, question_id)
    if (await posts_per_question(session, discussion.id)).get(question_id):
        raise Conflict(ANSWERED_QUESTION, number=question.number)
    old = (await question_texts(session, [question_id]))[question_id]
    number = question.number
    await session.delete(question)
    await session.flush()
    sets, questions = await layout(session, discussion.id)
    await renumber(session, discussion.id, sets, questions)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.QUESTION_REMOVE,
        now=now,
        item=f"question:{number}",
        before={"text": old},
    )
    await bump_content_version(session, discussion_id=discussion.id)


async def move_question(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    question_id: int,
    step: int,
    now: datetime,
) -> None:
    """Swap a question with the one before (`step` -1) or after (+1) it in its week."""
    assert discussion.id is not None
    question = await _question(session, discussion, question_id)
    sets, questions = await layout(session, discussion.id)
    in_week = questions[question.question_set_id]
    index = in_week.index(question)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(in_week):
        return
    number = question.number
    in_week[index], in_week[other] = in_week[other], in_week[index]
    await renumber(session, discussion.id, sets, questions)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.QUESTION_MOVE,
        now=now,
        item=f"question:{number}",
        before={"number": number},
        after={"number": question.number},
    )
    await bump_content_version(session, discussion_id=discussion.id)
