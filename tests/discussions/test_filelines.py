"""Finding the line of a place in a discussion file, the way a person reads the file."""

from __future__ import annotations

from forum.core.errors import ImportRefused
from forum.discussions.filelines import place_lines

TEXT = '''slug = "remote-apprenticeships"
title.en = "Apprenticeships at a distance"
introduction = { en = "Welcome." }

[summary]
en = """
How firms and schools
kept = apprentices learning.
"""
es = "Cómo empresas y escuelas mantuvieron la formación."

[[weeks]]
opens_at = 2026-03-02T08:00:00Z

[[weeks.questions]]
number = 1

[[weeks]]
closes_at = 2026-03-20T18:00:00Z

[[weeks.questions]]
number = 2

[[weeks.questions]]
number = 3
[weeks.questions.text]
fr = "Question 3 : qu'est-ce qui a marché ?"
'''


def test_tables_arrays_and_keys_have_their_lines() -> None:
    lines = place_lines(TEXT)
    assert lines["slug"] == 1
    assert lines["title.en"] == 2
    assert lines["introduction"] == 3
    assert lines["summary.en"] == 6
    assert lines["summary.es"] == 10  # the multi-line string's own lines are skipped
    assert "summary.kept" not in lines
    assert lines["weeks[1]"] == 12
    assert lines["weeks[1].questions[1].number"] == 16
    assert lines["weeks[2].closes_at"] == 19
    assert lines["weeks[2].questions[1].number"] == 22
    assert lines["weeks[2].questions[2].text.fr"] == 27


def test_a_place_not_written_points_at_what_holds_it() -> None:
    refusal = ImportRefused([], source="d.toml", lines=place_lines(TEXT))
    assert refusal.line("weeks[2].opens_at") == 18  # the second [[weeks]]
    assert refusal.line("introduction.fr") == 3  # inside an inline table
    assert refusal.line("weeks") == 12
    assert refusal.line("closes_at") is None  # not in the file at all
