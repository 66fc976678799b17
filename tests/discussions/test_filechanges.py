"""Saying what a file changes: one plain sentence per change, with its old and new values."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from forum.core.i18n import load_catalogs
from forum.discussions.filechanges import describe, numbers
from forum.discussions.filereading import validate_discussion
from forum.discussions.filespec import DiscussionSpec
from tests.factories import LANGUAGES, discussion_data

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CATALOGS = load_catalogs(LANGUAGES)


def _spec(data: dict[str, Any]) -> DiscussionSpec:
    return validate_discussion(data, source="d.toml", base=Path("."), languages=LANGUAGES)[0]


def test_numbers_are_written_as_ranges() -> None:
    assert numbers([11, 9, 10, 14]) == "9-11, 14"
    assert numbers([3]) == "3"
    assert numbers([]) == ""


def test_the_same_file_changes_nothing() -> None:
    data = discussion_data(start=START)
    assert describe(_spec(data), _spec(copy.deepcopy(data)), lambda _: False) == []


def test_settings_order_and_removed_weeks_in_plain_words() -> None:
    data = discussion_data(start=START, weeks=3, questions_per_week=(2,))
    new = copy.deepcopy(data)
    new["timezone"] = "America/Lima"
    new["general_comments"] = True
    new["opens_at"] = START - timedelta(days=1)
    new["moderators"].reverse()
    new["tags"].reverse()
    new["weeks"] = new["weeks"][:2]
    new["weeks"][1]["title"]["es"] = "Semana 2: seguir en contacto"
    changes = describe(_spec(data), _spec(new), lambda _: False)
    assert [c.text(CATALOGS["en"]) for c in changes] == [
        "The opening date moved from 2026-03-02 03:00-05:00 to 2026-03-01 03:00-05:00.",
        "The time zone changed from Europe/Madrid to America/Lima.",
        "General comments are now taken.",
        "The moderators are listed in another order.",
        "The tags are listed in another order.",
        "The title of week 2 in Spanish changed.",
        "Week 3 is removed.",
        "Question 5 is removed.",
        "Question 6 is removed.",
    ]
    week_3 = changes[6]
    assert (week_3.item, week_3.before["questions"], week_3.after) == ("week:3", [5, 6], {})
    assert changes[5].before == {"title": {"es": "Semana 2: mantener el contacto"}}
    assert changes[1].text(CATALOGS["fr"]) == (
        "Le fuseau horaire passe de Europe/Madrid à America/Lima."
    )
