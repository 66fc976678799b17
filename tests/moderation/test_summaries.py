"""Weekly summaries: who may write them, which weeks and languages, sanitising, caches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from forum.core.errors import Invalid, NotFound, PermissionDenied
from forum.db import Database
from forum.models import Discussion, QuestionSet, User, WeeklySummary
from forum.models.types import Role
from forum.moderation.summaries import (
    MAX_SUMMARY_CHARS,
    SUMMARY_LANGUAGE,
    SUMMARY_TOO_LONG,
    SUMMARY_UNSHOWABLE,
    save_summary,
    summaries_for,
)
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data, three
from tests.helpers import listening, make_user, user_row

SLUG = "remote-apprenticeships"
OTHER = "green-skills"
START = NOW - timedelta(days=2)  # week one opened two days ago, week two opens in five days
ES = "Esta semana, **varias empresas** contaron cómo un tutor jubilado acompañó a sus aprendices."
ES_LATER = "Tras revisar las respuestas, destacamos el papel de los tutores y las llamadas cortas."
FR = "Cette semaine, plusieurs écoles ont décrit un carnet de bord partagé avec les entreprises."
EN = "This week, several unions described weekly check-ins between apprentices and mentors."


@dataclass(frozen=True)
class World:
    ana: User  # moderates SLUG
    lucia: User  # moderates OTHER only
    admin: User
    maria: User  # a contributor


@pytest.fixture
async def world(db: Database) -> World:
    other = discussion_data(slug=OTHER, start=START)
    other["moderators"] = [
        {"name": "Lucía Gómez", "organisation": "Red de Empleo Verde", "email": "lucia@example.org"}
    ]
    other["tags"] = [
        {
            "slug": "green-jobs",
            "kind": "topic",
            "label": three("Green jobs", "Empleos verdes", "Emplois verts"),
        }
    ]
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug=SLUG, start=START), now=NOW)
        await add_discussion(session, other, now=NOW)
    admin = await make_user(db, email="admin@example.org", name="Admin", role=Role.ADMIN)
    maria = await make_user(db)
    ana, lucia = [await user_row(db, f"{name}@example.org") for name in ("ana", "lucia")]
    assert ana is not None and lucia is not None
    return World(ana, lucia, admin, maria)


async def save(
    db: Database,
    actor: User,
    source: str,
    *,
    slug: str = SLUG,
    week: int = 1,
    language: str = "es",
    **changes: Any,
) -> WeeklySummary | None:
    async with db.transaction() as session:
        return await save_summary(
            session,
            actor=actor,
            discussion_slug=slug,
            week_position=week,
            language=language,
            source=source,
            now=changes.get("now", NOW),
        )


async def stored(db: Database) -> list[WeeklySummary]:
    async with db.session() as session:
        rows = await session.scalars(
            select(WeeklySummary).order_by(
                col(WeeklySummary.question_set_id), col(WeeklySummary.language)
            )
        )
        return list(rows)


async def version(db: Database, slug: str = SLUG) -> int:
    async with db.session() as session:
        value = await session.scalar(
            select(Discussion.content_version).where(Discussion.slug == slug)
        )
        assert value is not None
        return value


async def week_id(db: Database, slug: str = SLUG, position: int = 1) -> int:
    async with db.session() as session:
        found = await session.scalar(
            select(QuestionSet.id)
            .join(Discussion, col(Discussion.id) == col(QuestionSet.discussion_id))
            .where(Discussion.slug == slug, QuestionSet.position == position)
        )
        assert found is not None
        return int(found)


# --- saving, updating, deleting ----------------------------------------------------------


async def test_a_moderator_saves_a_summary(db: Database, world: World) -> None:
    summary = await save(db, world.ana, ES)

    assert summary is not None
    [row] = await stored(db)
    assert (row.question_set_id, row.language) == (await week_id(db), "es")
    assert (row.source, row.author_id, row.updated_at) == (ES, world.ana.id, NOW)
    assert "<strong>varias empresas</strong>" in row.html
    assert (summary.source, summary.html) == (row.source, row.html)
    assert await version(db) == 1
    assert await version(db, OTHER) == 0


async def test_saving_again_updates_the_one_row_of_that_language(
    db: Database, world: World
) -> None:
    await save(db, world.ana, ES)
    later = NOW + timedelta(hours=3)
    summary = await save(db, world.admin, ES_LATER + "\r\n\r\n", now=later)
    await save(db, world.ana, FR, language="fr")

    assert summary is not None and summary.source == ES_LATER
    es, fr = await stored(db)
    assert (es.language, es.source, es.author_id, es.updated_at) == (
        "es",
        ES_LATER,
        world.admin.id,
        later,
    )
    assert "varias empresas" not in es.html
    assert (fr.language, fr.source) == ("fr", FR)
    assert await version(db) == 3


async def test_an_empty_source_deletes_that_language_only(db: Database, world: World) -> None:
    await save(db, world.ana, ES)
    await save(db, world.ana, FR, language="fr")

    assert await save(db, world.ana, " \n\t\n ") is None

    [row] = await stored(db)
    assert row.language == "fr"
    assert await version(db) == 3
    assert await save(db, world.ana, "") is None  # nothing left to delete: caches stay valid
    assert await version(db) == 3


# --- who may, and what ---------------------------------------------------------------------


async def test_a_moderator_of_another_discussion_is_refused(db: Database, world: World) -> None:
    with pytest.raises(PermissionDenied):
        await save(db, world.lucia, ES)
    with pytest.raises(PermissionDenied):
        await save(db, world.maria, ES)
    assert await stored(db) == []
    assert await version(db) == 0
    assert await save(db, world.lucia, ES, slug=OTHER) is not None  # her own discussion


async def test_a_week_must_exist_and_have_opened(db: Database, world: World) -> None:
    with pytest.raises(NotFound):
        await save(db, world.ana, ES, week=2)  # opens in five days
    with pytest.raises(NotFound):
        await save(db, world.ana, ES, week=9)
    with pytest.raises(NotFound):
        await save(db, world.ana, ES, slug="no-such-discussion")
    assert await stored(db) == []
    assert await save(db, world.ana, ES, week=2, now=NOW + timedelta(days=5)) is not None


async def test_the_language_must_be_one_of_the_discussion(db: Database, world: World) -> None:
    with pytest.raises(Invalid) as caught:
        await save(db, world.ana, ES, language="de")
    assert (caught.value.field, caught.value.message) == ("language", SUMMARY_LANGUAGE)
    assert await stored(db) == []


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x" * (MAX_SUMMARY_CHARS + 1), SUMMARY_TOO_LONG),
        ("Resumen con un carácter nulo\x00 en medio.", SUMMARY_UNSHOWABLE),
        ("Un résumé avec une séquence \x1b[31m de terminal.", SUMMARY_UNSHOWABLE),
    ],
)
async def test_a_source_that_cannot_be_kept_is_refused(
    db: Database, world: World, source: str, message: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await save(db, world.ana, source)
    assert (caught.value.field, caught.value.message) == ("source", message)
    assert await stored(db) == []
    assert await version(db) == 0


async def test_tabs_newlines_and_the_longest_source_are_kept(db: Database, world: World) -> None:
    text = "- Primer punto\n\n\tcódigo con tabulador\n"
    summary = await save(db, world.ana, text)
    assert summary is not None and summary.source == text.rstrip()
    longest = "y" * MAX_SUMMARY_CHARS
    summary = await save(db, world.ana, longest, language="en")
    assert summary is not None and summary.source == longest


async def test_markdown_is_rendered_and_sanitised(db: Database, world: World) -> None:
    source = (
        "Résumé <script>alert('x')</script> de la semaine.\n\n"
        "[Voir le rapport](javascript:alert(1)) et [la source](https://example.org/rapport)."
    )
    summary = await save(db, world.ana, source, language="fr")

    assert summary is not None
    assert "<script" not in summary.html
    assert 'href="javascript' not in summary.html
    assert '<a href="https://example.org/rapport" rel="nofollow ugc noopener">' in summary.html
    assert summary.source == source  # the Markdown is kept as written, for editing


# --- reading them back ---------------------------------------------------------------------


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: object) -> None:
        self.count += 1


@pytest.fixture
def statements(db: Database) -> Iterator[_Counter]:
    counter = _Counter()
    with listening(db, counter):
        yield counter


async def test_summaries_for_groups_by_week_and_language_in_one_query(
    db: Database, world: World, statements: _Counter
) -> None:
    await save(db, world.ana, ES)
    await save(db, world.ana, FR, language="fr")
    await save(db, world.ana, EN, week=2, language="en", now=NOW + timedelta(days=6))
    await save(db, world.lucia, ES, slug=OTHER)
    async with db.session() as session:
        discussion = await session.scalar(select(Discussion).where(Discussion.slug == SLUG))
        assert discussion is not None and discussion.id is not None
        statements.count = 0
        grouped = await summaries_for(session, discussion_id=discussion.id)
        assert statements.count == 1

    first, second = await week_id(db), await week_id(db, position=2)
    assert set(grouped) == {first, second}
    assert {language: s.source for language, s in grouped[first].items()} == {"es": ES, "fr": FR}
    assert {language: s.source for language, s in grouped[second].items()} == {"en": EN}
