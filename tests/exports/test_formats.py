"""An export as CSV, JSON and JSON lines, read back as a spreadsheet or a program would."""

from __future__ import annotations

import csv
import io
import json

from forum.db import Database
from forum.exports.csvfile import BOM
from forum.exports.formats import Format, export_chunks, export_filename
from forum.exports.rows import MODERATOR_COLUMNS, PUBLIC_COLUMNS, Audience
from forum.exports.streaming import export_source
from tests.conftest import NOW
from tests.exports.seeding import FORMULA, PUBLISHED, SLUG, seed


async def _text(db: Database, form: Format, audience: Audience, batch: int = 2) -> str:
    async with db.session() as session:
        source = await export_source(
            session, slug=SLUG, audience=audience, user=None, now=NOW, trusted=True
        )
        return "".join([chunk async for chunk in export_chunks(session, source, form, batch=batch)])


async def test_csv_has_a_bom_a_header_and_one_row_per_post(db: Database) -> None:
    ids = await seed(db)
    text = await _text(db, Format.CSV, Audience.MODERATORS)
    assert text.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(text[len(BOM) :], newline="")))
    assert tuple(rows[0]) == MODERATOR_COLUMNS
    assert len(rows) == len(ids)
    by_id = {int(row["id"]): row for row in rows}
    assert by_id[ids["published"]]["text"] == PUBLISHED  # its line break kept in the cell
    assert by_id[ids["formula"]]["text"] == "'" + FORMULA
    assert by_id[ids["published"]]["key_quote"] == "true"
    assert by_id[ids["published"]]["parent_id"] == ""


async def test_json_is_one_valid_object_ready_for_aggregates(db: Database) -> None:
    ids = await seed(db)
    data = json.loads(await _text(db, Format.JSON, Audience.PUBLIC))
    assert data["discussion"] == SLUG and data["audience"] == "public"
    assert data["columns"] == list(PUBLIC_COLUMNS)
    assert [post["id"] for post in data["posts"]] == sorted(
        [ids["published"], ids["formula"], ids["reply"]]
    )
    assert data["posts"][1]["text"] == FORMULA  # JSON is data: nothing to neutralise


async def test_json_lines_hold_one_object_per_line(db: Database) -> None:
    ids = await seed(db)
    lines = (await _text(db, Format.JSONL, Audience.MODERATORS)).splitlines()
    assert len(lines) == len(ids)
    assert [json.loads(line)["id"] for line in lines] == sorted(ids.values())


async def test_an_empty_export_is_still_valid(db: Database) -> None:
    await seed(db)
    async with db.session() as session:
        source = await export_source(
            session, slug=SLUG, audience=Audience.PUBLIC, user=None, now=NOW
        )
        object.__setattr__(source, "discussion_id", -1)  # a discussion with no post
        text = "".join([c async for c in export_chunks(session, source, Format.JSON)])
    assert json.loads(text)["posts"] == []


def test_file_names_keep_safe_characters_only() -> None:
    assert export_filename("green-skills", Format.CSV) == "green-skills.csv"
    assert export_filename('a"b/é', Format.JSON, "-moderation") == "ab-moderation.json"
