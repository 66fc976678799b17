"""Themes: key phrases per question and language, kept until found again."""

from __future__ import annotations

import pytest

from forum.analysis.themes import discussion_themes, extract_themes, key_phrases
from forum.core.errors import NotFound
from forum.db import Database
from forum.models.types import PostStatus
from tests.analysis.helpers import SLUG, loaded_with_the_app, person, posts, setup_discussion
from tests.conftest import NOW

SPANISH = [
    "Los talleres de barrio acogieron a los aprendices durante el cierre de las escuelas.",
    "Gracias a los talleres de barrio, los aprendices siguieron practicando cada semana.",
    "Pedimos más talleres de barrio en los pueblos pequeños.",
]


def test_workers_load_yake_only_when_themes_are_extracted() -> None:
    # YAKE brings NetworkX and about 14 MB with it into every worker otherwise.
    assert loaded_with_the_app("yake", "networkx", "forum.analysis.themes") == [
        "forum.analysis.themes"
    ]


def test_key_phrases_count_their_posts() -> None:
    phrases = key_phrases(SPANISH, "es")
    assert phrases and len(phrases) <= 8
    found = {p.text.casefold(): p.posts for p in phrases}
    assert any("talleres" in text for text in found)
    assert all(1 <= n <= 3 for n in found.values())
    assert key_phrases(["", "  "], "es") == []


async def test_themes_are_kept_per_question_and_language(db: Database) -> None:
    discussion = await setup_discussion(db)
    author = await person(db, "union@example.org", "workers", "CO")
    for text in SPANISH:
        await posts(db, discussion, author, question=2, language="es", text=text)
    await posts(db, discussion, author, question=3, language="fr")
    await posts(db, discussion, author, question=4, language="en", status=PostStatus.PENDING)
    async with db.session() as session:
        assert await discussion_themes(session, discussion_id=discussion) == ([], None)
    async with db.transaction() as session:
        kept = await extract_themes(session, slug=SLUG, now=NOW)
    async with db.transaction() as session:
        again = await extract_themes(session, slug=SLUG, now=NOW)  # replaces, does not add
    async with db.session() as session:
        groups, computed = await discussion_themes(session, discussion_id=discussion)
    assert kept == again == sum(len(g.phrases) for g in groups)
    assert [(g.question_number, g.language) for g in groups] == [(2, "es"), (3, "fr")]
    assert computed == NOW


async def test_an_unknown_discussion_is_not_found(db: Database) -> None:
    async with db.transaction() as session:
        with pytest.raises(NotFound):
            await extract_themes(session, slug="no-such", now=NOW)
