"""Exporting a discussion: the file that makes it again, in a fixed number of statements."""

from __future__ import annotations

import shutil
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from forum.core.errors import NotFound
from forum.db import Database
from forum.discussions.exporting import export_discussion
from forum.discussions.filereading import read_discussion_file
from forum.discussions.importing import import_discussion
from tests.conftest import NOW
from tests.factories import LANGUAGES, add_discussion, discussion_data
from tests.helpers import counting

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SLUG = "remote-apprenticeships"


def _rich(tmp_path: Path) -> dict[str, Any]:
    """A discussion using every key a file may hold, with a document in two languages."""
    (tmp_path / "guide.en.txt").write_text("A guide for tutors at a distance.", encoding="utf-8")
    (tmp_path / "guide.fr.txt").write_text("Un guide pour tuteurs à distance.", encoding="utf-8")
    data = discussion_data(start=START)
    data["general_comments"] = True
    data["organisers"] = ["lea@example.org"]
    data["published_at"] = START - timedelta(days=2)
    data["tags"][0]["description"] = {
        "en": "Who can train, and where.",
        "es": "Quién puede formarse, y dónde.",
        "fr": "Qui peut se former, et où.",
    }
    data["introduction"]["en"] = "Welcome.\n\nTell us **what worked** and what did not.\n"
    data["documents"] = [
        {"language": "en", "title": "Guide for tutors", "file": "guide.en.txt"},
        {"language": "fr", "title": "Guide des tuteurs", "file": "guide.fr.txt"},
    ]
    return data


async def _export(db: Database, data_dir: Path) -> tuple[str, dict[str, bytes]]:
    async with db.session() as session:
        export = await export_discussion(session, SLUG, data_dir=data_dir)
    return export.text, dict(export.files)


async def test_export_holds_what_the_database_holds(db: Database, tmp_path: Path) -> None:
    async with db.transaction() as session:
        await add_discussion(
            session, _rich(tmp_path), now=NOW, base=tmp_path, data_dir=tmp_path / "data"
        )
    text, files = await _export(db, tmp_path / "data")
    data = tomllib.loads(text)
    assert data["slug"] == SLUG and data["state"] == "published"
    assert data["published_at"] == START - timedelta(days=2)
    assert data["opens_at"].utcoffset() == timedelta(hours=1)  # in Europe/Madrid
    assert data["timezone"] == "Europe/Madrid" and data["moderation"] == "pre"
    assert data["general_comments"] is True and data["languages"] == ["en", "es", "fr"]
    assert data["title"]["es"] == "Aprendizaje a distancia"
    assert data["introduction"]["en"] == "Welcome.\n\nTell us **what worked** and what did not."
    assert data["moderators"][1] == {
        "name": "Jean Moreau",
        "organisation": "Union Network",
        "email": "jean@example.org",
    }
    assert data["organisers"] == ["lea@example.org"]
    assert data["tags"][0]["description"]["fr"] == "Qui peut se former, et où."
    assert data["tags"][1] == {
        "slug": "apprenticeships",
        "kind": "subject",
        "label": {"en": "Apprenticeships", "es": "Aprendizaje", "fr": "Apprentissage"},
    }
    assert data["documents"][1] == {
        "language": "fr",
        "title": "Guide des tuteurs",
        "file": "fr/guide.fr.txt",
    }
    assert files["fr/guide.fr.txt"] == "Un guide pour tuteurs à distance.".encode()
    assert [q["number"] for q in data["weeks"][1]["questions"]] == [7, 8, 9, 10, 11]
    assert data["weeks"][1]["title"]["fr"] == "Semaine 2 : garder le contact"


async def test_a_draft_says_so_without_a_publication_date(db: Database) -> None:
    data = discussion_data(start=START)
    data["state"] = "draft"
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
    text, _ = await _export(db, Path("data"))
    exported = tomllib.loads(text)
    assert exported["state"] == "draft" and "published_at" not in exported


async def test_round_trip_into_an_empty_database_gives_the_same_export(
    db: Database, tmp_path: Path, sqlite_template: Path
) -> None:
    async with db.transaction() as session:
        await add_discussion(
            session, _rich(tmp_path), now=NOW, base=tmp_path, data_dir=tmp_path / "data"
        )
    text, files = await _export(db, tmp_path / "data")
    folder = tmp_path / "exported"
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    (folder / "discussion.toml").write_text(text, encoding="utf-8")

    shutil.copy(sqlite_template, tmp_path / "empty.db")
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        spec, read = read_discussion_file(folder / "discussion.toml", LANGUAGES)
        async with empty.transaction() as session:
            await import_discussion(
                session, spec, read, now=NOW + timedelta(days=1), data_dir=tmp_path / "data2"
            )
        assert await _export(empty, tmp_path / "data2") == (text, files)
    finally:
        await empty.dispose()


async def test_export_costs_the_same_statements_whatever_the_size(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug="small", start=START, weeks=1), now=NOW)
        await add_discussion(
            session, discussion_data(start=START, weeks=4, questions_per_week=(7,)), now=NOW
        )
    counts = []
    for slug in ("small", SLUG):
        with counting(db) as counter:
            async with db.session() as session:
                await export_discussion(session, slug, data_dir=Path("data"))
        counts.append(counter.count)
    assert counts[0] == counts[1]


async def test_an_unknown_discussion_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        async with db.session() as session:
            await export_discussion(session, "no-such-discussion", data_dir=Path("data"))
