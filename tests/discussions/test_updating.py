"""Updating a discussion from its file: said first, written with --apply, refused if posts go."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from forum.core.errors import ImportRefused
from forum.core.i18n import load_catalogs
from forum.db import Database
from forum.discussions.documents import document_content
from forum.discussions.exporting import stored_discussion
from forum.discussions.filechanges import Change
from forum.discussions.filereading import validate_discussion
from forum.discussions.updating import update_discussion
from forum.models import (
    Discussion,
    DiscussionChange,
    Document,
    Post,
    Question,
    QuestionSet,
    QuestionTranslation,
    User,
)
from tests.conftest import NOW
from tests.factories import LANGUAGES, add_discussion, discussion_data

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SLUG = "remote-apprenticeships"
CATALOGS = load_catalogs(LANGUAGES)
NEW_FR = "Question 3 : qu'est-ce qui a le mieux marché chez vous ?"


async def _stored(db: Database, data: dict[str, Any], base: Path = Path(".")) -> None:
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW, base=base, data_dir=base / "data")


async def _update(
    db: Database,
    data: dict[str, Any],
    *,
    apply: bool,
    base: Path = Path("."),
    slug: str | None = None,
) -> list[Change]:
    spec, files = validate_discussion(data, source="d.toml", base=base, languages=LANGUAGES)
    async with db.transaction() as session:
        return await update_discussion(
            session, spec, files, now=NOW, apply=apply, source="d.toml", slug=slug,
            data_dir=base / "data",
        )  # fmt: skip


async def _refused(db: Database, data: dict[str, Any], **kw: Any) -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        await _update(db, data, apply=True, **kw)
    return [f"{p.place}: {p.text(CATALOGS['en'])}" for p in caught.value.problems]


def _said(changes: list[Change], language: str = "en") -> list[str]:
    return [change.text(CATALOGS[language]) for change in changes]


def _edited(data: dict[str, Any]) -> dict[str, Any]:
    """A typo fixed, the closing date moved, a third week, a question taken out."""
    data = copy.deepcopy(data)
    data["weeks"][0]["questions"][2]["text"]["fr"] = NEW_FR
    data["closes_at"] = data["closes_at"] + timedelta(days=7)
    third = copy.deepcopy(data["weeks"][1])
    third["opens_at"] += timedelta(days=7)
    third["closes_at"] += timedelta(days=7)
    third["title"] = {
        "en": "Week 3: what comes next",
        "es": "Semana 3: lo que viene",
        "fr": "Semaine 3 : la suite",
    }
    third["questions"] = [{**q, "number": 12 + i} for i, q in enumerate(third["questions"][:3])]
    data["weeks"].append(third)
    del data["weeks"][1]["questions"][4]  # question 11
    return data


async def _snapshot(db: Database) -> tuple[Any, ...]:
    async with db.session() as session:
        version = await session.scalar(select(Discussion.content_version))
        texts = sorted(await session.scalars(select(QuestionTranslation.text)))
        weeks = await session.scalar(select(func.count()).select_from(QuestionSet))
        history = await session.scalar(select(func.count()).select_from(DiscussionChange))
        closes = await session.scalar(select(Discussion.closes_at))
    return version, texts, weeks, history, closes


async def test_dry_run_says_the_changes_and_writes_nothing(db: Database) -> None:
    data = discussion_data(start=START)
    await _stored(db, data)
    before = await _snapshot(db)
    changes = await _update(db, _edited(data), apply=False)
    assert _said(changes) == [
        "The closing date moved from 2026-03-23 09:00+01:00 to 2026-03-30 10:00+02:00.",
        "Week 3 is added, with questions 12-14.",
        "Question 3: the text in French changed.",
        "Question 11 is removed.",
    ]
    assert _said(changes, "fr")[2] == "Question 3\u00a0: le texte en français a changé."
    assert _said(changes, "es")[1] == "Se añade la semana 3, con las preguntas 12-14."
    assert await _snapshot(db) == before


async def test_apply_writes_every_change_and_records_it(db: Database) -> None:
    data = discussion_data(start=START)
    await _stored(db, data)
    await _update(db, _edited(data), apply=True)
    async with db.session() as session:
        stored = await stored_discussion(session, SLUG)
        history = list(
            await session.scalars(
                select(DiscussionChange)
                .where(DiscussionChange.what == "update_from_file")
                .order_by(DiscussionChange.id)
            )
        )
    spec = stored.spec
    assert stored.discussion.content_version == 1
    assert spec.closes_at == START + timedelta(days=7 * 2 + 7 + 7)
    assert [[q.number for q in w.questions] for w in spec.weeks] == [
        [1, 2, 3, 4, 5, 6],
        [7, 8, 9, 10],
        [12, 13, 14],
    ]
    assert spec.weeks[0].questions[2].text["fr"] == NEW_FR
    assert spec.weeks[2].title["fr"] == "Semaine 3 : la suite"
    assert [c.item for c in history] == ["discussion", "week:3", "question:3", "question:11"]
    question_3 = history[2]
    assert json.loads(question_3.before) == {
        "text": {"fr": "Question 3 : qu'est-ce qui a marché pour les apprenants de votre région ?"}
    }
    assert json.loads(question_3.after) == {"text": {"fr": NEW_FR}}
    assert await _update(db, _edited(data), apply=True) == []  # the file and the database agree


async def test_moved_weeks_questions_people_tags_and_texts(db: Database) -> None:
    data = discussion_data(start=START)
    await _stored(db, data)
    edited = copy.deepcopy(data)
    edited["weeks"][1]["opens_at"] += timedelta(days=1)
    moved = edited["weeks"][0]["questions"].pop()  # question 6 goes to week 2
    edited["weeks"][1]["questions"].insert(0, moved)
    edited["summary"]["es"] = "Cómo empresas y escuelas siguieron formando a su aprendizaje."
    edited["moderation"] = "post"
    edited["moderators"] = [edited["moderators"][1]]
    edited["organisers"] = ["lea@example.org"]
    edited["tags"][1]["label"]["fr"] = "Alternance"
    edited["tags"].pop(0)
    changes = await _update(db, edited, apply=True)
    assert _said(changes) == [
        "Contributions will be published at once and read by a moderator after.",
        "The summary in Spanish changed.",
        "ana@example.org is no longer a moderator.",
        "lea@example.org becomes an organiser.",
        "The tag “access-to-training” is taken off the discussion.",
        "The label of the tag “apprenticeships” in French changed.",
        "Week 2 now opens on 2026-03-10 09:00+01:00 instead of 2026-03-09 09:00+01:00.",
        "Question 6 moves from week 1 to week 2.",
    ]
    async with db.session() as session:
        spec = (await stored_discussion(session, SLUG)).spec
        lea = await session.scalar(select(User).where(User.email == "lea@example.org"))
    assert [q.number for q in spec.weeks[1].questions] == [6, 7, 8, 9, 10, 11]
    assert spec.summary["es"].startswith("Cómo empresas y escuelas siguieron")
    assert [m.email for m in spec.moderators] == ["jean@example.org"]
    assert spec.organisers == ("lea@example.org",) and lea is not None
    assert [(t.slug, t.label["fr"]) for t in spec.tags] == [("apprenticeships", "Alternance")]


async def test_documents_are_matched_by_language_and_file_name(
    db: Database, tmp_path: Path
) -> None:
    (tmp_path / "note.en.txt").write_text("A note.", encoding="utf-8")
    (tmp_path / "plan.fr.txt").write_text("Un plan.", encoding="utf-8")
    data = discussion_data(start=START)
    data["documents"] = [
        {"language": "en", "title": "Note", "file": "note.en.txt"},
        {"language": "fr", "title": "Plan", "file": "plan.fr.txt"},
    ]
    await _stored(db, data, tmp_path)
    (tmp_path / "note.en.txt").write_text("A note, corrected.", encoding="utf-8")
    (tmp_path / "guide.es.txt").write_text("Una guía.", encoding="utf-8")
    data["documents"] = [
        {"language": "en", "title": "Short note", "file": "note.en.txt"},
        {"language": "es", "title": "Guía", "file": "guide.es.txt"},
    ]
    changes = await _update(db, data, apply=True, base=tmp_path)
    assert _said(changes) == [
        "The title of the document “note.en.txt” in English changed.",
        "The document “note.en.txt” in English gets a new version of its file.",
        "The document “guide.es.txt” in Spanish is added.",
        "The document “plan.fr.txt” in French is removed.",
    ]
    async with db.session() as session:
        rows = sorted(
            (d.language, d.title, document_content(d, tmp_path / "data"))
            for d in await session.scalars(select(Document))
        )
    assert rows == [
        ("en", "Short note", b"A note, corrected."),
        ("es", "Gu\u00eda", "Una guía.".encode()),
    ]
    kept = sorted(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert kept == sorted([b"A note, corrected.", "Una guía.".encode()])  # the rest is gone


async def _answer(db: Database, number: int) -> None:
    async with db.transaction() as session:
        discussion = await session.scalar(select(Discussion))
        question = await session.scalar(select(Question).where(Question.number == number))
        author = await session.scalar(select(User))
        assert discussion and question and author
        session.add(
            Post(
                discussion_id=discussion.id or 0,
                question_id=question.id,
                author_id=author.id or 0,
                language="es",
                source="En mi centro funcionaron las tutorías por vídeo.",
                html="<p>En mi centro funcionaron las tutorías por vídeo.</p>",
                status="approved",
                quote_consent="by_name",
                created_at=NOW,
            )
        )


async def test_what_would_lose_contributions_is_refused_and_nothing_is_written(
    db: Database,
) -> None:
    data = discussion_data(start=START)
    await _stored(db, data)
    await _answer(db, 11)
    await _answer(db, 2)
    before = await _snapshot(db)
    removed = _edited(data)  # drops question 11 (answered) while fixing a typo
    assert await _refused(db, removed) == [
        "weeks[2]: Question 11 has contributions: it cannot be removed."
    ]
    one_week = copy.deepcopy(data)
    one_week["weeks"] = one_week["weeks"][:1]
    one_week["closes_at"] = one_week["weeks"][0]["closes_at"]
    assert await _refused(db, one_week) == [
        "weeks: Week 2 holds question 11, which has contributions: the week cannot be removed."
    ]
    renumbered = copy.deepcopy(data)
    renumbered["weeks"][0]["questions"][1]["number"] = 20
    assert await _refused(db, renumbered) == [
        "weeks[1].questions[2].number: Question 2 has contributions: it cannot become question 20."
    ]
    other = copy.deepcopy(data)
    other["slug"] = "apprenticeships-at-a-distance"
    assert await _refused(db, other, slug=SLUG) == [
        "slug: A discussion's address cannot change (it is “remote-apprenticeships”, the file "
        "says “apprenticeships-at-a-distance”): links to it would break."
    ]
    assert await _snapshot(db) == before


async def test_a_question_without_contributions_may_go(db: Database) -> None:
    data = discussion_data(start=START)
    await _stored(db, data)
    await _answer(db, 2)
    changes = await _update(db, _edited(data), apply=True)
    assert "Question 11 is removed." in _said(changes)


async def test_updating_an_unknown_discussion_is_refused(db: Database) -> None:
    assert await _refused(db, discussion_data(start=START)) == [
        "slug: There is no discussion with the address “remote-apprenticeships” to update; use "
        "forum import to create it."
    ]


async def test_a_draft_is_published_and_goes_back(db: Database) -> None:
    data = discussion_data(start=START)
    data["state"] = "draft"
    await _stored(db, data)
    published = {**data, "state": "published"}
    assert _said(await _update(db, published, apply=True)) == ["The discussion will be published."]
    async with db.session() as session:
        assert await session.scalar(select(Discussion.published_at)) == NOW
    assert _said(await _update(db, data, apply=True), "es") == [
        "El debate vuelve a ser un borrador: el público dejará de verlo."
    ]
    async with db.session() as session:
        assert await session.scalar(select(Discussion.published_at)) is None
