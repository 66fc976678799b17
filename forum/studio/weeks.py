"""Weeks and their questions: added, corrected, moved and removed while nothing said is lost.

Questions are numbered on across the weeks (week one 1-6, week two 7-11) and renumbered
whenever the order changes, except that a question somebody answered keeps its number (its
links are out there): a change that would renumber or remove it is refused with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.content import bump_content_version
from forum.core.errors import N_, Conflict, NotFound
from forum.discussions.checks import (
    TITLE_MAX,
    WEEK_CLOSES_BEFORE_OPENS,
    WEEK_OUTSIDE,
    Problem,
    Refused,
)
from forum.models import (
    Discussion,
    Post,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
    User,
)
from forum.models.types import ChangeKind
from forum.studio.history import record_change
from forum.studio.moments import local_to_utc
from forum.studio.texts import too_long

QUESTION_MAX = 2_000
BAD_MOMENT = N_("Give a date and a time, for example 2027-03-01 09:00.")
QUESTION_EMPTY = N_("Write the question in at least one language.")
ANSWERED_QUESTION = N_(
    "Question %(number)s has contributions: it cannot be removed, and it keeps its number."
)
WEEK_HAS_ANSWERS = N_("Week %(week)s has questions with contributions: it cannot be removed.")
WEEK_SEEN = N_("Week %(week)s has opened: weeks readers have seen keep their place.")
WEEK_REOPENS = N_("Week %(week)s has contributions: its opening cannot move later than now.")
RENUMBERS_ANSWERED = N_(
    "This would renumber question %(number)s, which has contributions; add new questions "
    "to the last week instead."
)


async def posts_per_question(session: AsyncSession, discussion_id: int) -> dict[int, int]:
    rows = await session.execute(
        select(col(Post.question_id), func.count())
        .where(Post.discussion_id == discussion_id, col(Post.question_id).is_not(None))
        .group_by(col(Post.question_id))
    )
    return {int(question_id or 0): int(n) for question_id, n in rows.all()}


async def layout(
    session: AsyncSession, discussion_id: int
) -> tuple[list[QuestionSet], dict[int, list[Question]]]:
    sets = list(
        await session.scalars(
            select(QuestionSet)
            .where(QuestionSet.discussion_id == discussion_id)
            .order_by(col(QuestionSet.position))
        )
    )
    questions: dict[int, list[Question]] = {s.id or 0: [] for s in sets}
    for q in await session.scalars(
        select(Question)
        .where(Question.discussion_id == discussion_id)
        .order_by(col(Question.number))
    ):
        questions[q.question_set_id].append(q)
    return sets, questions


async def renumber(
    session: AsyncSession,
    discussion_id: int,
    sets: Sequence[QuestionSet],
    questions: Mapping[int, Sequence[Question]],
) -> None:
    """Number the questions 1, 2, 3... in week order; refuse to move an answered one."""
    answered = await posts_per_question(session, discussion_id)
    wanted: list[tuple[Question, int]] = []
    number = 0
    for s in sorted(sets, key=lambda s: s.position):
        for q in questions.get(s.id or 0, []):
            number += 1
            wanted.append((q, number))
    for q, new in wanted:
        if q.number != new and answered.get(q.id or 0):
            raise Conflict(RENUMBERS_ANSWERED, number=q.number)
    changing = [(q, new) for q, new in wanted if q.number != new]
    for q, new in changing:  # out of the way first: numbers are unique per discussion
        q.number = -new
    await session.flush()
    for q, new in changing:
        q.number = new
    await session.flush()


def _week_dates(
    discussion: Discussion, opens_text: str, closes_text: str, position: int
) -> tuple[datetime, datetime]:
    opens_at = local_to_utc(opens_text, discussion.timezone)
    closes_at = local_to_utc(closes_text, discussion.timezone)
    problems = [
        Problem(BAD_MOMENT, name)
        for name, value in (("opens_at", opens_at), ("closes_at", closes_at))
        if value is None
    ]
    if opens_at and closes_at:
        if closes_at <= opens_at:
            problems.append(Problem(WEEK_CLOSES_BEFORE_OPENS, "closes_at", {"week": position}))
        elif opens_at < discussion.opens_at or closes_at > discussion.closes_at:
            problems.append(Problem(WEEK_OUTSIDE, "opens_at", {"week": position}))
    if problems:
        raise Refused(problems)
    assert opens_at is not None and closes_at is not None
    return opens_at, closes_at


async def _set_titles(
    session: AsyncSession, question_set_id: int, titles: Mapping[str, str], languages: list[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Write a week's title per language; return what changed, before and after."""
    rows = {
        row.language: row
        for row in await session.scalars(
            select(QuestionSetTranslation).where(
                QuestionSetTranslation.question_set_id == question_set_id
            )
        )
    }
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    for code in languages:
        new = titles.get(code, "").strip()
        row = rows.get(code)
        old = row.title if row else ""
        if new == old:
            continue
        before[code], after[code] = old, new
        if row is None:
            session.add(
                QuestionSetTranslation(question_set_id=question_set_id, language=code, title=new)
            )
        elif new:
            row.title = new
        else:
            await session.delete(row)
    return before, after


async def add_week(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    opens_at: str,
    closes_at: str,
    titles: Mapping[str, str],
    now: datetime,
) -> QuestionSet:
    """Add a week after the last one."""
    assert discussion.id is not None
    sets, _ = await layout(session, discussion.id)
    position = len(sets) + 1
    problems = too_long(titles, "title", TITLE_MAX, discussion.language_list)
    if problems:
        raise Refused(problems)
    opens, closes = _week_dates(discussion, opens_at, closes_at, position)
    week = QuestionSet(
        discussion_id=discussion.id,
        position=max((s.position for s in sets), default=0) + 1,
        opens_at=opens,
        closes_at=closes,
    )
    session.add(week)
    await session.flush()
    assert week.id is not None
    _, after = await _set_titles(session, week.id, titles, discussion.language_list)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.WEEK_ADD,
        now=now,
        item=f"week:{position}",
        after={"opens_at": opens.isoformat(), "closes_at": closes.isoformat(), "title": after},
    )
    await bump_content_version(session, discussion_id=discussion.id)
    return week


async def find_week(session: AsyncSession, discussion: Discussion, week_id: int) -> QuestionSet:
    week = await session.get(QuestionSet, week_id)
    if week is None or week.discussion_id != discussion.id:
        raise NotFound(f"week {week_id}")
    return week


async def week_number(session: AsyncSession, week: QuestionSet) -> int:
    """The week's place as readers count it (1 for the first), whatever its position value."""
    earlier = await session.scalar(
        select(func.count())
        .select_from(QuestionSet)
        .where(
            QuestionSet.discussion_id == week.discussion_id,
            col(QuestionSet.position) < week.position,
        )
    )
    return int(earlier or 0) + 1


async def edit_week(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    week_id: int,
    opens_at: str,
    closes_at: str,
    titles: Mapping[str, str],
    now: datetime,
) -> None:
    """Change a week's dates and title; a week with contributions cannot open later than now."""
    assert discussion.id is not None
    week = await find_week(session, discussion, week_id)
    number = await week_number(session, week)
    problems = too_long(titles, "title", TITLE_MAX, discussion.language_list)
    if problems:
        raise Refused(problems)
    opens, closes = _week_dates(discussion, opens_at, closes_at, number)
    answered = await posts_per_question(session, discussion.id)
    _, questions = await layout(session, discussion.id)
    has_posts = any(answered.get(q.id or 0) for q in questions[week_id])
    if has_posts and opens > now and opens != week.opens_at:
        raise Conflict(WEEK_REOPENS, week=number)
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for name, old, new in (
        ("opens_at", week.opens_at, opens),
        ("closes_at", week.closes_at, closes),
    ):
        if old != new:
            before[name], after[name] = old.isoformat(), new.isoformat()
    week.opens_at, week.closes_at = opens, closes
    old_titles, new_titles = await _set_titles(session, week_id, titles, discussion.language_list)
    if new_titles or old_titles:
        before["title"], after["title"] = old_titles, new_titles
    if not after and not before:
        return
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.WEEK_EDIT,
        now=now,
        item=f"week:{number}",
        before=before,
        after=after,
    )
    await session.flush()
    await bump_content_version(session, discussion_id=discussion.id)


async def remove_week(
    session: AsyncSession, *, discussion: Discussion, actor: User, week_id: int, now: datetime
) -> None:
    """Remove a week and its questions, unless one of them has contributions (409)."""
    assert discussion.id is not None
    week = await find_week(session, discussion, week_id)
    number = await week_number(session, week)
    sets, questions = await layout(session, discussion.id)
    answered = await posts_per_question(session, discussion.id)
    if any(answered.get(q.id or 0) for q in questions[week_id]):
        raise Conflict(WEEK_HAS_ANSWERS, week=number)
    texts = await question_texts(session, [q.id or 0 for q in questions[week_id]])
    for q in questions.pop(week_id):
        await session.delete(q)
    await session.delete(week)
    await session.flush()
    remaining = [s for s in sets if s.id != week_id]
    await renumber(session, discussion.id, remaining, questions)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.WEEK_REMOVE,
        now=now,
        item=f"week:{number}",
        before={"questions": [texts.get(q, {}) for q in sorted(texts)]},
    )
    await bump_content_version(session, discussion_id=discussion.id)


async def move_week(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    week_id: int,
    step: int,
    now: datetime,
) -> None:
    """Swap a week with the one before (`step` -1) or after (+1); their dates stay in order.

    The two weeks exchange their places and their dates (the first slot stays first), so
    only their titles and questions move. Weeks readers have seen do not move.
    """
    assert discussion.id is not None
    week = await find_week(session, discussion, week_id)
    sets, questions = await layout(session, discussion.id)
    index = next(i for i, s in enumerate(sets) if s.id == week_id)
    other_index = index + (1 if step > 0 else -1)
    if not 0 <= other_index < len(sets):
        return
    other = sets[other_index]
    published = discussion.published_at is not None
    for w, s in ((index + 1, week), (other_index + 1, other)):
        if published and s.opens_at <= now:
            raise Conflict(WEEK_SEEN, week=w)
    week.opens_at, other.opens_at = other.opens_at, week.opens_at
    week.closes_at, other.closes_at = other.closes_at, week.closes_at
    first, second = week.position, other.position
    week.position = -1
    await session.flush()
    other.position = first
    await session.flush()
    week.position = second
    await session.flush()
    sets[index], sets[other_index] = other, week
    await renumber(session, discussion.id, sets, questions)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.WEEK_MOVE,
        now=now,
        item=f"week:{index + 1}",
        before={"position": index + 1},
        after={"position": other_index + 1},
    )
    await bump_content_version(session, discussion_id=discussion.id)


async def question_texts(
    session: AsyncSession, question_ids: Sequence[int]
) -> dict[int, dict[str, str]]:
    texts: dict[int, dict[str, str]] = {q: {} for q in question_ids}
    for row in await session.scalars(
        select(QuestionTranslation).where(col(QuestionTranslation.question_id).in_(question_ids))
    ):
        texts[row.question_id][row.language] = row.text
    return texts
