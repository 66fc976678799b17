"""What newsletter mails say about a discussion, in each reader's language or the best next."""

from __future__ import annotations

from datetime import timedelta

from forum.newsletter.content import DiscussionInfo, QuestionInfo, SetInfo, set_context
from tests.conftest import NOW
from tests.helpers import site_links

BASE = "https://forum.example.org"


def spanish_first() -> DiscussionInfo:
    """A discussion in Spanish first, then English; nothing in French."""
    return DiscussionInfo(
        id=1,
        slug="aprendizaje",
        timezone="Europe/Madrid",
        opens_at=NOW,
        closes_at=NOW + timedelta(days=21),
        languages=["es", "en"],
        titles={"es": "Aprendizaje a distancia", "en": "Apprenticeships at a distance"},
        summaries={"es": "Cómo siguió la formación.", "en": "How training went on."},
    )


def week() -> SetInfo:
    question = QuestionInfo(7, 7, {"es": "¿Qué funcionó?", "en": "What worked?"})
    return SetInfo(
        2, 1, 2, NOW + timedelta(days=13), {"es": "Semana 2", "en": "Week 2"}, [question]
    )


def test_set_context_speaks_the_readers_language_when_it_can() -> None:
    context = set_context(spanish_first(), week(), "en", site_links(BASE)("en"))
    assert context["discussion"]["title"] == "Apprenticeships at a distance"
    assert context["week"]["title"] == "Week 2"
    assert [q["text"] for q in context["questions"]] == ["What worked?"]


def test_set_context_falls_back_to_the_discussions_own_language_before_english() -> None:
    context = set_context(spanish_first(), week(), "fr", site_links(BASE)("fr"))
    assert context["discussion"]["title"] == "Aprendizaje a distancia"
    assert context["discussion"]["summary"] == "Cómo siguió la formación."
    assert context["week"]["title"] == "Semana 2"
    assert [q["text"] for q in context["questions"]] == ["¿Qué funcionó?"]
    assert context["questions"][0]["url"] == f"{BASE}/fr/discussions/aprendizaje/questions/7"
