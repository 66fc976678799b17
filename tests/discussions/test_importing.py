"""Importing a discussion file: every rule checked, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from sqlalchemy import func, select

from forum.core.errors import ImportRefused
from forum.db import Database
from forum.discussions.importing import import_discussion, read_discussion_file, shift_dates
from forum.models import Discussion, Question, Tag, TagTranslation, User
from tests.conftest import NOW
from tests.factories import LANGUAGES, add_discussion, discussion_data

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _problems(data: dict[str, Any], tmp_path: Path) -> list[str]:
    path = tmp_path / "discussion.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        read_discussion_file(path, LANGUAGES)
    assert all(p.file == str(path) for p in caught.value.problems)
    return [f"{p.place}: {p.reason}" for p in caught.value.problems]


def test_valid_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(tomli_w.dumps(discussion_data(start=START)), encoding="utf-8")
    spec, files = read_discussion_file(path, LANGUAGES)
    assert spec.slug == "remote-apprenticeships"
    assert [q.number for w in spec.weeks for q in w.questions] == list(range(1, 12))
    assert files == {}


def test_missing_translation_is_refused(tmp_path: Path) -> None:
    data = discussion_data(start=START)
    del data["weeks"][1]["questions"][2]["text"]["fr"]
    assert _problems(data, tmp_path) == ["weeks[2].questions[3].text: missing translation: fr"]


def test_question_number_used_twice_is_refused(tmp_path: Path) -> None:
    data = discussion_data(start=START)
    data["weeks"][1]["questions"][0]["number"] = 4
    assert _problems(data, tmp_path) == [
        "weeks[2].questions[1].number: question 4 is already used at weeks[1].questions[4]"
    ]


def test_set_closing_before_it_opens_is_refused(tmp_path: Path) -> None:
    data = discussion_data(start=START)
    week = data["weeks"][0]
    week["closes_at"] = week["opens_at"] - timedelta(hours=1)
    assert _problems(data, tmp_path) == ["weeks[1].closes_at: closes before it opens"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = discussion_data(start=START)
    data["languages"] = ["en", "es", "fr", "de"]
    data["timezone"] = "Mars/Olympus"
    data["weeks"][0]["opens_at"] = START - timedelta(days=30)
    problems = _problems(data, tmp_path)
    assert "languages: de not among en, es, fr" in problems
    assert "timezone: 'Mars/Olympus' is not a known time zone" in problems
    assert "weeks[1]: runs outside the discussion's dates" in problems
    assert "title: missing translation: de" in problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(slug="Not A Slug"), "slug: String should match pattern"),
        (lambda d: d.update(moderation="sometimes"), "moderation: Input should be 'pre' or 'post'"),
        (lambda d: d.update(colour="blue"), "colour: Extra inputs are not permitted"),
        (lambda d: d.pop("weeks"), "weeks: Field required"),
        (
            lambda d: d["weeks"][0]["questions"][0].update(number="one"),
            "weeks[1].questions[1].number:",
        ),
        (lambda d: d["moderators"][0].update(email="not an address"), "moderators[1].email:"),
        (
            lambda d: d["title"].update(en="   "),
            "title.en: String should have at least 1 character",
        ),
    ],
)
def test_shape_errors_name_their_place(change: Any, expected: str, tmp_path: Path) -> None:
    data = discussion_data(start=START)
    change(data)
    problems = _problems(data, tmp_path)
    assert any(p.startswith(expected) for p in problems), problems


def test_naive_datetime_is_refused(tmp_path: Path) -> None:
    data = discussion_data(start=START)
    data["opens_at"] = START.replace(tzinfo=None)
    assert _problems(data, tmp_path) == [
        "opens_at: needs a time zone offset, e.g. 2026-03-02T08:00:00Z"
    ]


def test_broken_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('slug = "x"\ntitle = {en = \n', encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"broken.toml: is not valid TOML: .*line 2"):
        read_discussion_file(path, LANGUAGES)


def test_missing_document_file_is_refused(tmp_path: Path) -> None:
    data = discussion_data(start=START)
    data["documents"] = [{"language": "en", "title": "Note", "file": "gone.pdf"}]
    problems = _problems(data, tmp_path)
    assert len(problems) == 1 and problems[0].startswith("documents[1].file: cannot read")


async def test_import_writes_everything(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=START), now=NOW)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 11
        assert await session.scalar(select(func.count()).select_from(TagTranslation)) == 6
        emails = set(await session.scalars(select(User.email)))
    assert emails == {"ana@example.org", "jean@example.org"}


async def test_second_import_of_same_slug_is_refused_and_writes_nothing(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=START), now=NOW)
    with pytest.raises(ImportRefused, match="exists already"):
        async with db.transaction() as session:
            await add_discussion(session, discussion_data(start=START), now=NOW)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Discussion)) == 1


async def test_failure_midway_leaves_nothing_half_imported(db: Database) -> None:
    """A tag clash found after the discussion row was written rolls everything back."""
    async with db.transaction() as session:
        session.add(Tag(slug="apprenticeships", kind="topic"))
    with pytest.raises(ImportRefused, match="exists already as a topic"):
        async with db.transaction() as session:
            await add_discussion(session, discussion_data(start=START), now=NOW)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Discussion)) == 0
        assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert await session.scalar(select(func.count()).select_from(Tag)) == 1


async def test_shared_tags_and_moderators_are_reused(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug="first", start=START), now=NOW)
        await add_discussion(session, discussion_data(slug="second", start=START), now=NOW)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Tag)) == 2
        assert await session.scalar(select(func.count()).select_from(User)) == 2


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


async def test_import_discussion_rejects_unvalidated_duplicates(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=START), now=NOW)
    spec_source = discussion_data(start=START)
    from forum.discussions.importing import validate_discussion

    spec, files = validate_discussion(spec_source, source="x", base=Path("."), languages=LANGUAGES)
    with pytest.raises(ImportRefused):
        async with db.transaction() as session:
            await import_discussion(session, spec, files, now=NOW, data_dir=Path("unused"))
