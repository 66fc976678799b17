"""A discussion's outline, read in one statement, sorted into its parts on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from forum.db import Database
from forum.discussions.outline import discussion_outline
from forum.discussions.pages import discussion_tags
from forum.models import Discussion
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import counting


async def test_outline_holds_every_part_in_order_in_one_statement(db: Database) -> None:
    data = discussion_data(start=NOW - timedelta(days=2), weeks=3, questions_per_week=(2, 3))
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
        await add_discussion(session, {**data, "slug": "another"}, now=NOW)  # not mixed in
    async with db.session() as session:
        discussion_id = await session.scalar(
            select(col(Discussion.id)).where(col(Discussion.slug) == data["slug"])
        )
        assert discussion_id is not None
        with counting(db) as counter:
            outline = await discussion_outline(session, discussion_id)
    assert [sql.split()[0] for sql in counter.statements] in (["BEGIN", "SELECT"], ["SELECT"])
    assert [s.position for s in outline.sets] == [1, 2, 3]
    assert [s.opens_at for s in outline.sets] == [w["opens_at"] for w in data["weeks"]]
    first = outline.sets[0].id
    assert outline.set_titles[first] == {
        "en": "Week 1: staying in touch",
        "es": "Semana 1: mantener el contacto",
        "fr": "Semaine 1 : garder le contact",
    }
    assert [q.number for q in outline.questions] == [1, 2, 3, 4, 5, 6, 7]
    assert [q.set_id for q in outline.questions[:3]] == [first, first, outline.sets[1].id]
    assert outline.question_texts[outline.questions[0].id]["es"].startswith("Pregunta 1:")
    assert list(outline.tags) == [("access-to-training", "topic"), ("apprenticeships", "subject")]
    assert outline.tags[("apprenticeships", "subject")]["fr"] == "Apprentissage"
    assert outline.moderators == [
        ("Ana Ortiz", "Training Centre"),
        ("Jean Moreau", "Union Network"),
    ]
    assert outline.documents == []


async def test_discussion_tags_are_labelled_by_the_fallback_order(db: Database) -> None:
    data = discussion_data(start=NOW - timedelta(days=2), languages=("en", "es"))
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
    async with db.session() as session:
        discussion_id = await session.scalar(select(col(Discussion.id)))
        assert discussion_id is not None
        tags = await discussion_tags(session, discussion_id, ("fr", "es", "en"))
    assert [(t.slug, t.label.text, t.label.language) for t in tags] == [
        ("access-to-training", "Acceso a la formación", "es"),
        ("apprenticeships", "Aprendizaje", "es"),
    ]
