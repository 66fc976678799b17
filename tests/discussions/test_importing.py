"""Creating a discussion from a file: all of it written, or nothing, and refusals said plainly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from forum.core.errors import ImportRefused
from forum.core.i18n import load_catalogs
from forum.db import Database
from forum.discussions.documents import document_content
from forum.discussions.filereading import validate_discussion
from forum.discussions.importing import import_discussion, shift_dates
from forum.models import (
    Discussion,
    DiscussionChange,
    DiscussionOrganiser,
    Document,
    Question,
    Tag,
    TagTranslation,
    User,
)
from tests.conftest import NOW
from tests.factories import LANGUAGES, add_discussion, discussion_data

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
EN = load_catalogs(["en"])["en"]


async def _refused(db: Database, data: dict[str, Any]) -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        async with db.transaction() as session:
            await add_discussion(session, data, now=NOW)
    return [f"{p.place}: {p.text(EN)}" for p in caught.value.problems]


async def _count(db: Database, model: Any) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_import_writes_everything(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=START), now=NOW)
    async with db.session() as session:
        discussion = await session.scalar(select(Discussion))
        assert discussion is not None and discussion.published_at == NOW
        assert await session.scalar(select(func.count()).select_from(Question)) == 11
        assert await session.scalar(select(func.count()).select_from(TagTranslation)) == 6
        emails = set(await session.scalars(select(User.email)))
        history = list(await session.scalars(select(DiscussionChange)))
    assert emails == {"ana@example.org", "jean@example.org"}
    assert [(c.what, c.item, c.after) for c in history] == [
        ("import", "discussion", '{"file": "test.toml"}')
    ]


async def test_a_draft_with_organisers_and_tag_descriptions(db: Database) -> None:
    data = discussion_data(start=START)
    data["state"] = "draft"
    data["organisers"] = ["lea@example.org", "ana@example.org"]
    data["tags"][0]["description"] = {
        "en": "Who can train, and where.",
        "es": "Quién puede formarse, y dónde.",
        "fr": "Qui peut se former, et où.",
    }
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
    async with db.session() as session:
        discussion = await session.scalar(select(Discussion))
        organisers = set(
            await session.scalars(
                select(User.email).join(DiscussionOrganiser, DiscussionOrganiser.user_id == User.id)
            )
        )
        description = await session.scalar(
            select(TagTranslation.description)
            .where(TagTranslation.language == "fr")
            .join(Tag, Tag.id == TagTranslation.tag_id)
            .where(Tag.slug == "access-to-training")
        )
    assert discussion is not None and discussion.published_at is None
    assert organisers == {"lea@example.org", "ana@example.org"}
    assert description == "Qui peut se former, et où."


async def test_documents_are_stored_through_the_documents_service(
    db: Database, tmp_path: Path
) -> None:
    (tmp_path / "note.es.txt").write_text("Una nota breve sobre la formación.", encoding="utf-8")
    data = discussion_data(start=START)
    data["documents"] = [{"language": "es", "title": "Nota", "file": "note.es.txt"}]
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW, base=tmp_path, data_dir=tmp_path / "data")
    async with db.session() as session:
        document = await session.scalar(select(Document))
    assert document is not None and (document.language, document.filename) == ("es", "note.es.txt")
    assert (
        document_content(document, tmp_path / "data")
        == "Una nota breve sobre la formación.".encode()
    )


async def test_second_import_of_same_slug_is_refused_and_writes_nothing(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=START), now=NOW)
    data = discussion_data(start=START)
    data["weeks"][0]["title"]["en"] = "Week 1: keeping in touch"
    assert await _refused(db, data) == [
        "slug: A discussion with this address exists already; use forum import --update to "
        "change it."
    ]
    assert await _count(db, Discussion) == 1


async def test_a_tag_of_another_kind_is_refused_before_anything_is_written(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Tag(slug="apprenticeships", kind="topic"))
    assert await _refused(db, discussion_data(start=START)) == [
        "tags[2].kind: The tag “apprenticeships” exists already as a topic."
    ]
    assert await _count(db, Discussion) == 0
    assert await _count(db, User) == 0
    assert await _count(db, Tag) == 1


async def test_shared_tags_and_moderators_are_reused(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug="first", start=START), now=NOW)
        await add_discussion(session, discussion_data(slug="second", start=START), now=NOW)
    assert await _count(db, Tag) == 2
    assert await _count(db, User) == 2


async def test_import_discussion_checks_the_address_itself(db: Database) -> None:
    """A spec read earlier (the address was free then) is still refused once it is taken."""
    spec, files = validate_discussion(
        discussion_data(start=START), source="x.toml", base=Path("."), languages=LANGUAGES
    )
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=START), now=NOW)
    with pytest.raises(ImportRefused) as caught:
        async with db.transaction() as session:
            await import_discussion(
                session, spec, files, now=NOW, source="x.toml", data_dir=Path("unused")
            )
    assert caught.value.source == "x.toml"
    assert [p.place for p in caught.value.problems] == ["slug"]


def test_shift_dates_moves_every_datetime() -> None:
    data = {
        "reference_date": datetime(2026, 1, 5).date(),
        "opens_at": START,
        "weeks": [{"opens_at": START}],
    }
    shifted = shift_dates(data, datetime(2026, 1, 8).date())
    assert shifted["opens_at"] == START + timedelta(days=3)
    assert shifted["weeks"][0]["opens_at"] == START + timedelta(days=3)
    assert "reference_date" not in shifted
