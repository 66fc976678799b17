"""Atom feeds of a discussion, a question and a tag, as feedparser reads them."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import httpx
import pytest
from sqlalchemy import update

from forum.core.content import bump_content_version
from forum.db import Database
from forum.models import Post
from forum.models.types import PostStatus
from tests.conftest import NOW, StatementCounter
from tests.topics.conftest import DRAFT, OTHER, SLUG, TAG, add_posts, seed

BASE = "http://127.0.0.1:8000"  # the settings' base_url: feeds link absolutely
DISCUSSION_FEED = "/{lang}/discussions/{slug}/feed.atom"
QUESTION_FEED = "/{lang}/discussions/{slug}/questions/{number}/feed.atom"
TAG_FEED = "/{lang}/tags/{slug}/feed.atom"


def _parse(response: httpx.Response) -> feedparser.FeedParserDict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


async def test_discussion_feed_has_each_published_post_in_its_own_language(
    client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await seed(db)
    spanish = await add_posts(db, seeded, language="es")
    french = await add_posts(db, seeded, number=2, language="fr", minutes_ago=30)
    comment = await add_posts(db, seeded, number=None, language="en", minutes_ago=10)
    feed = _parse(await client.get(DISCUSSION_FEED.format(lang="fr", slug=SLUG)))

    assert feed.feed.title == "L'apprentissage à distance"
    assert feed.feed.language == "fr"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == BASE + DISCUSSION_FEED.format(lang="fr", slug=SLUG)
    assert links["alternate"] == BASE + f"/fr/discussions/{SLUG}"
    ids = [entry.id for entry in feed.entries]
    assert ids == [f"tag:127.0.0.1,2026-03-04:post-{n}" for n in (*comment, *french, *spanish)]
    languages = [entry.content[0].language for entry in feed.entries]
    assert languages == ["en", "fr", "es"]
    newest, answer, first = feed.entries
    assert newest.author == "Lucía <Gómez> & Co"  # escaped in the XML, read back whole
    assert "<em>every</em>" in newest.content[0].value and newest.content[0].type == "text/html"
    assert newest.link == BASE + f"/fr/discussions/{SLUG}/posts/{comment[0]}"
    assert "tags" not in newest  # a general comment answers no question
    assert answer.tags[0].term == "question-2"
    assert answer.tags[0].label.startswith("Question 2 : qu'est-ce qui")
    assert answer.title == "Lucía <Gómez> & Co sur la question 2"
    assert first.updated_parsed < answer.updated_parsed < newest.updated_parsed


async def test_feed_shows_only_what_readers_may_see(
    client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await seed(db)
    shown = await add_posts(db, seeded)
    await add_posts(db, seeded, status=PostStatus.PENDING, minutes_ago=50)
    await add_posts(db, seeded, status=PostStatus.HIDDEN, minutes_ago=40)
    await add_posts(db, seeded, status=PostStatus.REJECTED, minutes_ago=30)
    await add_posts(db, seeded, number=7, minutes_ago=20)  # week 2 has not opened
    await add_posts(db, seeded, slug=DRAFT, minutes_ago=10)
    expected = [f"tag:127.0.0.1,2026-03-04:post-{shown[0]}"]
    for path in (
        DISCUSSION_FEED.format(lang="en", slug=SLUG),
        QUESTION_FEED.format(lang="en", slug=SLUG, number=1),
        TAG_FEED.format(lang="en", slug=TAG),
    ):
        feed = _parse(await client.get(path))
        assert [entry.id for entry in feed.entries] == expected, path


@pytest.mark.parametrize(
    "path",
    [
        DISCUSSION_FEED.format(lang="es", slug=DRAFT),
        DISCUSSION_FEED.format(lang="es", slug="no-such-discussion"),
        QUESTION_FEED.format(lang="es", slug=SLUG, number=7),  # its week opens next week
        QUESTION_FEED.format(lang="es", slug=SLUG, number=99),
        QUESTION_FEED.format(lang="es", slug=DRAFT, number=1),
        TAG_FEED.format(lang="es", slug="no-such-tag"),
    ],
)
async def test_feeds_readers_may_not_see_are_404s(
    client: httpx.AsyncClient, db: Database, path: str
) -> None:
    await seed(db)
    response = await client.get(path)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


async def test_tag_feed_spans_discussions_and_is_titled_in_the_reader_language(
    client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await seed(db)
    here = await add_posts(db, seeded)
    there = await add_posts(db, seeded, slug=OTHER, minutes_ago=30)
    await add_posts(db, seeded, slug=OTHER, tagged=False, minutes_ago=20)
    feed = _parse(await client.get(TAG_FEED.format(lang="es", slug=TAG)))
    assert feed.feed.title == "Acceso a la formación"
    assert [entry.link.split("/posts/")[1] for entry in feed.entries] == [
        str(there[0]),
        str(here[0]),
    ]
    assert feed.entries[0].link.startswith(BASE + f"/es/discussions/{OTHER}/")


async def test_an_edit_changes_updated_but_not_the_entry_id(
    client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await seed(db)
    (post_id,) = await add_posts(db, seeded)
    before = _parse(await client.get(QUESTION_FEED.format(lang="en", slug=SLUG, number=1)))
    async with db.transaction() as session:
        await session.execute(
            update(Post).where(Post.id == post_id).values(edited_at=NOW - timedelta(minutes=1))
        )
        await session.execute(
            update(Post).where(Post.id == post_id).values(html="<p>Texto corregido.</p>")
        )
        await bump_content_version(session, discussion_id=1)
    after = _parse(await client.get(QUESTION_FEED.format(lang="en", slug=SLUG, number=1)))
    assert after.entries[0].id == before.entries[0].id
    assert after.entries[0].updated_parsed > before.entries[0].updated_parsed
    assert after.feed.updated_parsed > before.feed.updated_parsed


async def test_feeds_are_cached_for_anonymous_readers_until_the_content_changes(
    client: httpx.AsyncClient, db: Database
) -> None:
    seeded = await seed(db)
    await add_posts(db, seeded)
    for path in (
        DISCUSSION_FEED.format(lang="en", slug=SLUG),
        TAG_FEED.format(lang="en", slug=TAG),
    ):
        first = await client.get(path)
        second = await client.get(path)
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
        assert second.content == first.content
        assert second.headers["content-type"] == "application/atom+xml; charset=utf-8"
    async with db.transaction() as session:
        await bump_content_version(session, discussion_id=2)  # the other discussion
    tag = await client.get(TAG_FEED.format(lang="en", slug=TAG))
    assert tag.headers["x-cache"] == "miss"  # a tag spans every discussion


@pytest.mark.parametrize(
    "path",
    [
        DISCUSSION_FEED.format(lang="en", slug=SLUG),
        QUESTION_FEED.format(lang="en", slug=SLUG, number=1),
        TAG_FEED.format(lang="en", slug=TAG),
    ],
)
async def test_a_feed_costs_the_same_statements_for_10_or_1000_posts(
    client: httpx.AsyncClient, db: Database, count_statements: StatementCounter, path: str
) -> None:
    seeded = await seed(db)
    counts = []
    for count in (10, 990):
        await add_posts(db, seeded, count=count, minutes_ago=2000)
        await add_posts(db, seeded, number=None, count=1, minutes_ago=2000)
        before = count_statements.count
        response = await client.get(path)
        counts.append(count_statements.count - before)
        assert response.headers["x-cache"] == "miss"
        assert len(_parse(response).entries) == (
            50 if count > 10 else 10 + ("questions" not in path)
        )
    assert counts[0] == counts[1]
