"""Weeks and questions in the studio: numbering on across weeks, and nothing said is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from forum.core.errors import Conflict
from forum.db import Database
from forum.discussions.checks import Refused
from forum.models import DiscussionChange, Question, QuestionSet, QuestionTranslation
from forum.studio.drafts import load_draft
from forum.studio.questions import add_question, edit_question, move_question, remove_question
from forum.studio.weeks import add_week, edit_week, move_week, remove_week
from tests.conftest import NOW
from tests.studio.conftest import admin, answer, running, stored

QUESTION = {
    "en": "Which partners helped most?",
    "es": "¿Qué socios ayudaron más?",
    "fr": "Quels partenaires ont le plus aidé ?",
}


async def numbers(db: Database) -> list[list[int]]:
    async with db.session() as session:
        draft = await load_draft(session, await stored(db))
    return [[q.number for q in week.questions] for week in draft.weeks]


async def week_ids(db: Database) -> list[int]:
    async with db.session() as session:
        draft = await load_draft(session, await stored(db))
    return [week.id for week in draft.weeks]


async def test_a_question_added_to_week_one_numbers_week_two_on(db: Database) -> None:
    await running(db)
    person = await admin(db)
    first = (await week_ids(db))[0]
    async with db.transaction() as session:
        question = await add_question(
            session,
            discussion=await stored(db),
            actor=person,
            week_id=first,
            texts=QUESTION,
            now=NOW,
        )
    assert question.number == 7
    assert await numbers(db) == [[1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12]]


async def test_adding_before_an_answered_question_is_refused_without_a_trace(
    db: Database,
) -> None:
    await running(db, start=NOW - timedelta(days=9))  # both weeks open
    await answer(db, number=8)
    person = await admin(db)
    first = (await week_ids(db))[0]
    with pytest.raises(Conflict) as refused:
        async with db.transaction() as session:
            await add_question(
                session,
                discussion=await stored(db),
                actor=person,
                week_id=first,
                texts=QUESTION,
                now=NOW,
            )
    assert refused.value.params == {"number": 8}
    assert await numbers(db) == [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11]]
    async with db.session() as session:
        kinds = list(await session.scalars(select(DiscussionChange.what)))
    assert kinds == ["import"]


async def test_removing_an_answered_question_is_a_conflict(db: Database) -> None:
    await running(db)
    post = await answer(db, number=2)
    person = await admin(db)
    async with db.session() as session:
        question_id = await session.scalar(select(Question.id).where(Question.number == 2))
    assert question_id is not None and post.id is not None
    with pytest.raises(Conflict) as refused:
        async with db.transaction() as session:
            await remove_question(
                session, discussion=await stored(db), actor=person, question_id=question_id, now=NOW
            )
    assert refused.value.params == {"number": 2}
    assert await numbers(db) == [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11]]


async def test_removing_a_question_closes_the_gap_and_keeps_its_words(db: Database) -> None:
    await running(db)
    person = await admin(db)
    async with db.session() as session:
        question_id = await session.scalar(select(Question.id).where(Question.number == 3))
    assert question_id is not None
    async with db.transaction() as session:
        await remove_question(
            session, discussion=await stored(db), actor=person, question_id=question_id, now=NOW
        )
    assert await numbers(db) == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    async with db.session() as session:
        change = await session.scalar(
            select(DiscussionChange).order_by(col(DiscussionChange.id).desc())
        )
    assert change is not None and change.what == "question_remove"
    assert "Pregunta 3" in change.before


async def test_an_answered_question_is_never_renumbered(db: Database) -> None:
    await running(db)
    await answer(db, number=6)
    person = await admin(db)
    async with db.session() as session:
        first_question = await session.scalar(select(Question.id).where(Question.number == 1))
    assert first_question is not None
    with pytest.raises(Conflict) as refused:
        async with db.transaction() as session:
            await remove_question(
                session,
                discussion=await stored(db),
                actor=person,
                question_id=first_question,
                now=NOW,
            )
    assert refused.value.params == {"number": 6}
    assert await numbers(db) == [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11]]


async def test_editing_an_answered_question_keeps_the_earlier_wording(db: Database) -> None:
    await running(db)
    await answer(db, number=1)
    person = await admin(db)
    async with db.session() as session:
        question_id = await session.scalar(select(Question.id).where(Question.number == 1))
        old = {
            t.language: t.text
            for t in await session.scalars(
                select(QuestionTranslation).where(QuestionTranslation.question_id == question_id)
            )
        }
    assert question_id is not None
    corrected = {**old, "fr": "Question 1 : qu'est-ce qui a réussi aux apprentis de votre région ?"}
    async with db.transaction() as session:
        changed = await edit_question(
            session,
            discussion=await stored(db),
            actor=person,
            question_id=question_id,
            texts=corrected,
            now=NOW,
        )
    assert changed
    async with db.session() as session:
        change = await session.scalar(
            select(DiscussionChange).where(DiscussionChange.what == "question_edit")
        )
    assert change is not None and change.item == "question:1"
    assert old["fr"] in change.before and corrected["fr"] in change.after
    assert '"contributions": 1' in change.before
    assert (await stored(db)).content_version >= 1


async def test_a_question_needs_words_in_one_language(db: Database) -> None:
    await running(db)
    person = await admin(db)
    first = (await week_ids(db))[0]
    with pytest.raises(Refused) as refused:
        async with db.transaction() as session:
            await add_question(
                session,
                discussion=await stored(db),
                actor=person,
                week_id=first,
                texts={"en": " ", "es": "", "fr": ""},
                now=NOW,
            )
    assert [p.place for p in refused.value.problems] == ["text-en"]
    assert await numbers(db) == [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11]]


async def test_a_week_is_added_after_the_last_with_its_dates_in_the_zone(db: Database) -> None:
    await running(db)
    person = await admin(db)
    async with db.transaction() as session:
        week = await add_week(
            session,
            discussion=await stored(db),
            actor=person,
            opens_at="2026-03-16T09:00",
            closes_at="2026-03-20T18:00",
            titles={"en": "Week 3: next steps", "es": "Semana 3: próximos pasos", "fr": ""},
            now=NOW,
        )
    # Europe/Madrid is one hour ahead of UTC in March.
    assert week.opens_at.isoformat() == "2026-03-16T08:00:00+00:00"
    async with db.session() as session:
        draft = await load_draft(session, await stored(db))
    assert len(draft.weeks) == 3 and draft.weeks[2].missing_in(["en", "es", "fr"]) == ["fr"]
    assert [p.params for p in draft.problems(["en", "es", "fr"])] == [
        {"week": 3, "language": "fr"},
        {"week": 3},
    ]


async def test_a_week_that_closes_before_it_opens_is_refused(db: Database) -> None:
    await running(db)
    person = await admin(db)
    with pytest.raises(Refused) as refused:
        async with db.transaction() as session:
            await add_week(
                session,
                discussion=await stored(db),
                actor=person,
                opens_at="2026-03-16T09:00",
                closes_at="2026-03-15T09:00",
                titles={},
                now=NOW,
            )
    assert [p.place for p in refused.value.problems] == ["closes_at"]
    assert len(await week_ids(db)) == 2


async def test_a_week_with_answers_cannot_go_nor_open_later(db: Database) -> None:
    await running(db)
    await answer(db, number=1)
    person = await admin(db)
    first = (await week_ids(db))[0]
    with pytest.raises(Conflict):
        async with db.transaction() as session:
            await remove_week(
                session, discussion=await stored(db), actor=person, week_id=first, now=NOW
            )
    with pytest.raises(Conflict):
        async with db.transaction() as session:
            await edit_week(
                session,
                discussion=await stored(db),
                actor=person,
                week_id=first,
                opens_at="2026-03-10T09:00",
                closes_at="2026-03-20T09:00",
                titles={},
                now=NOW,
            )
    assert len(await week_ids(db)) == 2


async def test_a_week_nobody_saw_can_go_and_the_rest_is_renumbered(db: Database) -> None:
    await running(db)
    person = await admin(db)
    second = (await week_ids(db))[1]
    async with db.transaction() as session:
        await remove_week(
            session, discussion=await stored(db), actor=person, week_id=second, now=NOW
        )
    assert await numbers(db) == [[1, 2, 3, 4, 5, 6]]
    async with db.session() as session:
        assert await session.scalar(select(QuestionSet.id).where(QuestionSet.id == second)) is None


async def test_weeks_readers_have_seen_keep_their_place(db: Database) -> None:
    await running(db)
    person = await admin(db)
    second = (await week_ids(db))[1]
    with pytest.raises(Conflict):
        async with db.transaction() as session:
            await move_week(
                session,
                discussion=await stored(db),
                actor=person,
                week_id=second,
                step=-1,
                now=NOW,
            )


async def test_moving_a_question_swaps_the_numbers(db: Database) -> None:
    await running(db)
    person = await admin(db)
    async with db.session() as session:
        question_id = await session.scalar(select(Question.id).where(Question.number == 7))
    assert question_id is not None
    async with db.transaction() as session:
        await move_question(
            session,
            discussion=await stored(db),
            actor=person,
            question_id=question_id,
            step=1,
            now=NOW,
        )
    async with db.session() as session:
        moved = await session.get(Question, question_id)
    assert moved is not None and moved.number == 8
    assert await numbers(db) == [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11]]
