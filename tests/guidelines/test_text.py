"""The community guidelines people read: numbered sections, the same in every language."""

from __future__ import annotations

from pathlib import Path

import pytest

from forum.guidelines.text import GuidelinesError, load_guidelines, parse_guidelines
from tests.paths import ROOT

SECTIONS = [
    "respect",
    "on-topic",
    "personal-data",
    "no-advertising",
    "sources",
    "languages",
    "quality",
    "moderation",
]


def test_shipped_guidelines_have_the_same_sections_in_every_language() -> None:
    books = load_guidelines(ROOT / "forum" / "data" / "guidelines", ("en", "es", "fr"))
    for language, book in books.items():
        assert [s.id for s in book.sections] == SECTIONS, language
        assert [s.number for s in book.sections] == list(range(1, 9))
        assert all("<p>" in s.html or "<li>" in s.html for s in book.sections)
    assert books["es"].title == "Normas de la comunidad"
    assert books["fr"].section("personal-data") is not None


def test_sections_parse_with_title_and_introduction() -> None:
    book = parse_guidelines(
        "# Normas\n\nIntro **clara**.\n\n## {#respect} Respeto\n\nSea amable.\n",
        language="es",
        source="es.md",
    )
    assert book.title == "Normas" and "<strong>clara</strong>" in book.introduction_html
    assert [(s.id, s.number, s.heading) for s in book.sections] == [("respect", 1, "Respeto")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("No title\n", "es.md:1: the file must start"),
        ("# T\n\n## Respeto\n", "es.md:3: a section heading needs an id"),
        ("# T\n## {#respect} A\n## {#respect} B\n", "es.md:3: section 'respect' twice"),
    ],
)
def test_malformed_file_names_line_and_reason(text: str, message: str) -> None:
    with pytest.raises(GuidelinesError, match=message):
        parse_guidelines(text, language="es", source="es.md")


def test_languages_must_share_sections(tmp_path: Path) -> None:
    (tmp_path / "en.md").write_text("# G\n## {#respect} Respect\nBe kind.\n", encoding="utf-8")
    (tmp_path / "fr.md").write_text("# C\n## {#on-topic} Sujet\nRestez.\n", encoding="utf-8")
    with pytest.raises(GuidelinesError, match="fr.md: sections"):
        load_guidelines(tmp_path, ("en", "fr"))
    with pytest.raises(GuidelinesError, match="es.md: cannot be read"):
        load_guidelines(tmp_path, ("en", "es"))
