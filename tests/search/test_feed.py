"""A search's Atom feed (`/{lang}/search/feed.atom?q=…`): the newest matches readers may see,
valid Atom, linked from the results, cached, hostile queries harmless, and a fixed number of
statements whatever the number of posts."""

from __future__ import annotations

import html

import feedparser
import httpx
from sqlalchemy import update
from sqlmodel import col, select

from forum.core.content import bump_content_version
from forum.db import Database
from forum.models import Discussion, Post, User
from forum.models.types import PostStatus
from forum.topics.entries import FEED_SIZE
from tests.conftest import StatementCounter
from tests.helpers import make_user
from tests.paths import CORPORA
from tests.search.test_routes import HOSTILE, _fill
from tests.search.test_routes import admin as admin  # a fixture
from tests.search.test_searching import EN_POST, ES_OTHER, ES_POST, FR_POST, SLUG, write

FEED = "/{lang}/search/feed.atom"


def _parse(response: httpx.Response) -> feedparser.FeedParserDict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


async def _bump(db: Database) -> None:
    async with db.transaction() as session:
        discussion_id = await session.scalar(select(Discussion.id))
        assert discussion_id is not None
        await bump_content_version(session, discussion_id=discussion_id)


async def test_the_feed_holds_the_newest_matches_in_their_own_language(
    client: httpx.AsyncClient, db: Database, admin: User
) -> None:
    first = await write(db, admin, ES_POST, "es")
    second = await write(db, admin, ES_OTHER, "es")
    await write(db, admin, FR_POST, "fr")
    parsed = _parse(await client.get(FEED.format(lang="es"), params={"q": "formacion"}))
    assert parsed.feed.title == "Búsqueda: formacion"
    assert [entry.link.split("/es/", 1)[1] for entry in parsed.entries] == [
        f"discussions/{SLUG}/posts/{post.id}" for post in (second, first)
    ]
    assert [entry.content[0].language for entry in parsed.entries] == ["es", "es"]
    assert "radio comunitaria" in parsed.entries[0].content[0].value
    assert parsed.entries[0].author == "Ada Admin"


async def test_the_feed_leaves_out_what_readers_may_not_see(
    client: httpx.AsyncClient, db: Database, admin: User
) -> None:
    shown = await write(db, admin, EN_POST, "en")
    hidden = await write(db, admin, f"{EN_POST} Hidden later.", "en")
    contributor = await make_user(db, email="kofi@example.org", name="Kofi Mensah")
    pending = await write(db, contributor, f"{EN_POST} Still waiting.", "en")
    async with db.transaction() as session:
        await session.execute(
            update(Post).where(col(Post.id) == hidden.id).values(status=PostStatus.HIDDEN)
        )
    assert pending.status == PostStatus.PENDING
    parsed = _parse(await client.get(FEED.format(lang="en"), params={"q": "radio"}))
    found = [entry.link.rsplit("/", 1)[1] for entry in parsed.entries]
    assert found == [str(shown.id)]


async def test_filters_narrow_the_feed_and_the_page_links_it(
    client: httpx.AsyncClient, db: Database, admin: User
) -> None:
    english = await write(db, admin, EN_POST, "en")
    await write(db, admin, EN_POST, "en", question=2)
    parsed = _parse(
        await client.get(
            FEED.format(lang="en"), params={"q": "radio", "discussion": SLUG, "question": "1"}
        )
    )
    assert [entry.link.rsplit("/", 1)[1] for entry in parsed.entries] == [str(english.id)]
    page = (
        await client.get(
            "/en/search", params={"q": "radio", "discussion": SLUG, "question": "1", "sort": "date"}
        )
    ).text
    href = html.escape(f"/en/search/feed.atom?q=radio&discussion={SLUG}&question=1")
    assert f'<link rel="alternate" type="application/atom+xml" href="{href}"' in page
    assert f'<a href="{href}" type="application/atom+xml">' in page
    assert "sort=date" not in href


async def test_a_page_without_a_query_links_no_feed(client: httpx.AsyncClient) -> None:
    page = (await client.get("/en/search")).text
    assert "application/atom+xml" not in page
    parsed = _parse(await client.get(FEED.format(lang="en")))
    assert parsed.entries == []


async def test_hostile_queries_give_a_valid_feed(
    client: httpx.AsyncClient, db: Database, admin: User
) -> None:
    await write(db, admin, EN_POST, "en")
    xss = (CORPORA / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()[:40]
    for typed in [*HOSTILE, *xss]:
        response = await client.get(FEED.format(lang="fr"), params={"q": typed})
        assert _parse(response).feed.title.startswith("Recherche\xa0: ")
        assert b"<script" not in response.content.lower()


async def test_the_feed_is_cached_until_the_content_changes(
    client: httpx.AsyncClient, db: Database, admin: User
) -> None:
    await write(db, admin, EN_POST, "en")
    path = FEED.format(lang="en")
    first = await client.get(path, params={"q": "radio"})
    again = await client.get(path, params={"q": "radio"})
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.content == first.content
    newer = await write(db, admin, f"{EN_POST} A second one.", "en")
    after = await client.get(path, params={"q": "radio"})
    assert after.headers["x-cache"] == "miss"
    assert _parse(after).entries[0].link.endswith(f"/posts/{newer.id}")


async def test_the_feed_costs_the_same_statements_for_10_or_1000_posts(
    client: httpx.AsyncClient, db: Database, admin: User, count_statements: StatementCounter
) -> None:
    template = await write(db, admin, EN_POST, "en")
    counts = []
    for target in (10, 1_000):
        await _fill(db, template, target)
        await _bump(db)
        before = count_statements.count
        response = await client.get(FEED.format(lang="en"), params={"q": "radio"})
        counts.append(count_statements.count - before)
        assert response.headers["x-cache"] == "miss"
        assert len(_parse(response).entries) == min(target, FEED_SIZE)
    assert counts[0] == counts[1]
