"""The demo: live threads in three languages, posts waiting for a moderator, loaded once."""

from __future__ import annotations

import tomllib

import httpx
from sqlmodel import col, func, select
from starlette.applications import Starlette

from forum.accounts.accounts import sign_in
from forum.core.clock import FixedClock
from forum.db import Database
from forum.discussions.demo import DEMO_DIR, demo_specs, load_demo_discussion
from forum.models import Discussion, Post, PostTag, Synthesis, SynthesisText, User, WeeklySummary
from forum.settings import SUPPORTED_LANGUAGES, Settings
from forum.synthesis.demo import Publisher
from tests.conftest import NOW
from tests.core.test_french_typography import MISSING, NOT_PROSE


async def _load(
    db: Database, settings: Settings, publisher: Publisher | None = None
) -> list[int | None]:
    added = []
    for spec, files, source in demo_specs(NOW.date(), SUPPORTED_LANGUAGES):
        async with db.transaction() as session:
            added.append(
                await load_demo_discussion(
                    session,
                    spec,
                    files,
                    now=NOW,
                    source=source,
                    data_dir=settings.data_dir,
                    publisher=publisher,
                )
            )
    return added


async def _posts(db: Database) -> list[Post]:
    async with db.session() as session:
        return list(await session.scalars(select(Post).order_by(col(Post.id))))


async def test_demo_discussion_shows_live_threads_in_three_languages(
    db: Database, client: httpx.AsyncClient, settings: Settings
) -> None:
    await _load(db, settings)

    posts = await _posts(db)
    published = [post for post in posts if post.status == "approved"]
    assert len(published) >= 12
    assert {post.language for post in published} == {"en", "es", "fr"}
    replies = [post for post in published if post.parent_id is not None]
    assert len(replies) >= 6 and any(post.depth == 2 for post in replies)
    async with db.session() as session:
        tagged = set(await session.scalars(select(PostTag.post_id)))
        authors = list(
            await session.scalars(
                select(User).where(col(User.id).in_({post.author_id for post in published}))
            )
        )
    assert sum(post.id in tagged for post in published if post.parent_id is None) >= 6
    assert len({user.stakeholder_group for user in authors}) >= 5
    assert len({user.country for user in authors}) >= 5
    page = await client.get("/es/discussions/skills-in-crisis/questions/1")
    assert "En nuestro centro de Cusco" in page.text and "Grace Wanjiru" in page.text


async def test_demo_leaves_posts_waiting_for_a_moderator(db: Database, settings: Settings) -> None:
    await _load(db, settings)
    pending = [post for post in await _posts(db) if post.status == "pending"]
    assert len(pending) >= 3
    assert {post.language for post in pending} == {"en", "es", "fr"}


async def test_demo_loaded_twice_adds_nothing(db: Database, settings: Settings) -> None:
    first = await _load(db, settings)
    posts = len(await _posts(db))
    async with db.session() as session:
        people = await session.scalar(select(func.count()).select_from(User))

    second = await _load(db, settings)

    assert any(first) and second == [None] * len(second)
    assert len(await _posts(db)) == posts
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == people


async def test_demo_people_cannot_sign_in(
    db: Database, clock: FixedClock, settings: Settings
) -> None:
    await _load(db, settings)
    async with db.session() as session:
        people = list(await session.scalars(select(User).where(col(User.email).like("demo.%"))))
    assert len(people) >= 6
    assert all(person.password_hash == "" for person in people)
    for person in people[:: max(1, len(people) // 8)]:  # argon2 is slow on purpose: a sample
        for password in ("", "demo", person.email):
            async with db.transaction() as session:
                result = await sign_in(
                    session, email=person.email, password=password, ip=person.email, now=clock.now()
                )
            assert result.user is None


def _french(value: object) -> list[str]:
    """Every French text of a demo file: the values under "fr" keys."""
    if isinstance(value, dict):
        found = [value["fr"]] if isinstance(value.get("fr"), str) else []
        return found + [text for item in value.values() for text in _french(item)]
    if isinstance(value, list):
        return [text for item in value for text in _french(item)]
    return []


async def test_demo_french_keeps_french_typography(db: Database, settings: Settings) -> None:
    await _load(db, settings)
    french = [post.source for post in await _posts(db) if post.language == "fr"]
    for path in DEMO_DIR.glob("*.toml"):
        french += _french(tomllib.loads(path.read_text(encoding="utf-8")))
    french.append((DEMO_DIR / "documents" / "guidance-note.fr.txt").read_text(encoding="utf-8"))
    assert len(french) > 20
    assert [text for text in french if MISSING.search(NOT_PROSE.sub("x", text))] == []


async def test_the_past_discussion_has_a_whole_life(db: Database, settings: Settings) -> None:
    await _load(db, settings)
    async with db.session() as session:
        discussion = await session.scalar(
            select(Discussion).where(Discussion.slug == "youth-guarantee")
        )
        assert discussion is not None
        posts = list(await session.scalars(select(Post).where(Post.discussion_id == discussion.id)))
        authors = list(
            await session.scalars(
                select(User).where(col(User.id).in_({post.author_id for post in posts}))
            )
        )
        summaries = list(await session.scalars(select(WeeklySummary)))
    assert 180 <= len(posts) <= 220 and all(post.status == "approved" for post in posts)
    assert {post.language for post in posts} == {"en", "es", "fr"}
    assert sum(post.parent_id is not None for post in posts) >= 20
    assert len({user.stakeholder_group for user in authors}) >= 7
    assert len({user.country for user in authors}) >= 20
    quoted = [post for post in posts if post.key_quote]
    assert len(quoted) >= 10 and all(post.quote_consent != "not_at_all" for post in quoted)
    assert {post.quote_consent for post in posts} == {"by_name", "anonymously", "not_at_all"}
    # each post was written while its week was open, after the discussion was published
    assert discussion.published_at is not None
    assert all(discussion.opens_at <= post.created_at < discussion.closes_at for post in posts)
    assert {summary.language for summary in summaries} == {"en", "es", "fr"}
    assert len(summaries) == 6


async def test_the_past_discussion_publishes_its_checked_synthesis(
    app: Starlette, client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    publisher = Publisher(
        catalogs=app.state.catalogs,
        links=app.state.site_links,
        postman=app.state.postman,
        secret=settings.secret_key,
    )
    await _load(db, settings, publisher)
    async with db.session() as session:
        texts = {row.language: row for row in await session.scalars(select(SynthesisText))}
        synthesis = await session.scalar(select(Synthesis))
    assert synthesis is not None and synthesis.published_at == NOW
    assert set(texts) == {"en", "es", "fr"}
    for language, row in texts.items():
        assert row.published_source == row.source and "[#q" not in row.source
        assert f'href="/{language}/discussions/youth-guarantee/posts/' in row.published_html
        assert "<h3>" in row.published_html and "{posts" not in row.published_html
    page = (await client.get("/es/discussions/youth-guarantee")).text
    assert 'id="synthesis"' in page and "Yo terminé la secundaria hace dos años" in page
