"""The one fallback order: the reader's language, the discussion's own, English, the rest."""

from __future__ import annotations

import pytest

from forum.core.localize import Localized, fallback_order, localize, pick
from forum.models import WeeklySummary
from tests.conftest import NOW

TITLES = {
    "en": "Apprenticeships at a distance",
    "es": "Aprendizaje a distancia",
    "fr": "L'apprentissage à distance",
}


@pytest.mark.parametrize(
    ("reader", "languages", "expected"),
    [
        ("fr", ["es", "en", "fr"], ("fr", "es", "en")),
        ("en", ["es", "fr"], ("en", "es", "fr")),
        ("fr", ["es", "fr"], ("fr", "es", "en")),
        ("es", ["fr"], ("es", "fr", "en")),
        ("en", ["en", "es", "fr"], ("en", "es", "fr")),
        ("es", [], ("es", "en")),
    ],
)
def test_fallback_order_tries_reader_then_discussion_then_english_then_the_rest(
    reader: str, languages: list[str], expected: tuple[str, ...]
) -> None:
    assert fallback_order(reader, languages) == expected


def test_fallback_order_uses_the_site_default_given() -> None:
    assert fallback_order("en", ["fr", "es"], default="es") == ("en", "fr", "es")


def test_localize_shows_the_readers_language_when_there_is_one() -> None:
    assert localize(TITLES, fallback_order("fr", ["es", "en", "fr"])) == Localized(
        "L'apprentissage à distance", "fr"
    )


def test_localize_falls_back_to_the_discussions_own_language_before_english() -> None:
    texts = {"en": TITLES["en"], "es": TITLES["es"]}
    shown = localize(texts, fallback_order("fr", ["es", "en", "fr"]))
    assert shown == Localized("Aprendizaje a distancia", "es")


def test_localize_prefers_english_to_the_discussions_other_languages() -> None:
    texts = {"en": TITLES["en"], "fr": TITLES["fr"]}
    shown = localize(texts, fallback_order("es", ["es", "fr"]))
    assert shown == Localized("Apprenticeships at a distance", "en")


def test_localize_takes_any_text_there_is_as_a_last_resort() -> None:
    shown = localize({"pt": "Aprendizagem à distância"}, fallback_order("fr", ["es"]))
    assert shown == Localized("Aprendizagem à distância", "pt")


def test_localize_of_no_text_is_empty_in_the_readers_language() -> None:
    assert localize({}, fallback_order("es", ["fr", "en"])) == Localized("", "es")


def test_pick_returns_any_kind_of_translation_with_its_language() -> None:
    summaries = {
        language: WeeklySummary(
            question_set_id=1, language=language, source=text, html=text, updated_at=NOW
        )
        for language, text in TITLES.items()
        if language != "en"
    }
    found = pick(summaries, fallback_order("en", ["fr", "es"]))
    assert found is not None and found == (summaries["fr"], "fr")
    assert pick({}, fallback_order("en", ["fr"])) is None
