"""The search service on both databases: stems and accents per language, who sees what,
filters, paging, and the index following every change to a post or a discussion."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from forum.contributions.edits import publish_edit
from forum.contributions.posting import Draft, PostLimits, create_post, edit_post
from forum.db import Database
from forum.models import Discussion, Post, QuestionSet, User
from forum.models.types import PostStatus, Role
from forum.moderation.posts import approve_post, hide_post, reject_post, restore_post
from forum.search.query import parse_query
from forum.search.searching import PAGE_SIZE, Filters, SearchResults, search
from forum.studio.texts import update_texts
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_postman, make_user
from tests.moderation.test_posts import GUIDELINES

SLUG = "remote-apprenticeships"
START = NOW - timedelta(days=2)
ES_POST = "La formación profesional dual abrió puertas a las jóvenes de nuestra comarca."
ES_OTHER = "Las formaciones cortas en radio comunitaria llegaron a quienes no tienen internet."
FR_POST = "Nos apprentissages en atelier ont tenu grâce au carnet de bord partagé."
EN_POST = "Community radio lessons reached learners who had no broadband at home."


async def write(db: Database, author: User, text: str, language: str, question: int = 1) -> Post:
    async with db.transaction() as session:
        return await create_post(
            session,
            author=author,
            discussion_slug=SLUG,
            question_number=question,
            parent_id=None,
            draft=Draft(source=text, language=language, quote_consent="by_name"),
            limits=PostLimits(),
            now=NOW,
        )


async def find(db: Database, typed: str, reader: str = "en", **filters: Any) -> SearchResults:
    page = filters.pop("page", 1)
    async with db.session() as session:
        return await search(
            session, parse_query(typed), Filters(**filters), language=reader, now=NOW, page=page
        )


async def edit(db: Database, editor: User, post: Post, text: str, language: str) -> None:
    async with db.transaction() as session:
        draft = Draft(source=text, language=language, quote_consent="by_name")
        await edit_post(
            session, editor=editor, post_id=post.id or 0, draft=draft, limits=PostLimits(), now=NOW
        )


def ids(results: SearchResults) -> list[int]:
    return [hit.post_id for hit in results.posts]


@pytest.fixture
async def admin(db: Database) -> User:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(slug=SLUG, start=START), now=NOW)
    return await make_user(db, email="admin@example.org", name="Ada Admin", role=Role.ADMIN)


async def test_spanish_stems_and_accents_find_the_same_posts(db: Database, admin: User) -> None:
    first = await write(db, admin, ES_POST, "es")
    second = await write(db, admin, ES_OTHER, "es")
    for typed in ("formacion", "formación", "formaciones", "FORMACIÓN"):
        assert sorted(ids(await find(db, typed))) == sorted([first.id, second.id]), typed


async def test_french_plural_finds_the_singular(db: Database, admin: User) -> None:
    post = await write(db, admin, FR_POST, "fr")
    assert ids(await find(db, "apprentissage")) == [post.id]
    assert ids(await find(db, "apprentissages")) == [post.id]


async def test_phrases_and_left_out_words(db: Database, admin: User) -> None:
    spanish = await write(db, admin, ES_OTHER, "es")
    english = await write(db, admin, EN_POST, "en")
    assert sorted(ids(await find(db, "radio"))) == sorted([spanish.id, english.id])
    assert ids(await find(db, '"radio comunitaria"')) == [spanish.id]
    assert ids(await find(db, '"comunitaria radio"')) == []
    assert ids(await find(db, "radio -broadband")) == [spanish.id]
    assert ids(await find(db, '-"radio comunitaria" radio')) == [english.id]
    assert (await find(db, "-radio")).posts == []  # nothing wanted: nothing found


async def test_the_passage_marks_the_match_and_escapes_the_rest(db: Database, admin: User) -> None:
    await write(db, admin, ES_POST + " <b>negrita</b> & más", "es")
    hit = (await find(db, "formaciones <script>")).posts
    assert hit == []  # "script" is not in the post: every word must be there
    (hit,) = (await find(db, "formaciones")).posts
    assert "<mark>formación</mark>" in hit.passage
    # The post shows "<b>" as text (Markdown escapes raw HTML): so does the passage.
    assert "<b>" not in hit.passage and "&lt;b&gt;negrita&lt;/b&gt; &amp; más" in hit.passage
    assert hit.discussion.text == "Apprenticeships at a distance"
    assert hit.question_number == 1 and hit.author_name == "Ada Admin"


async def test_only_published_posts_of_open_weeks_are_found(db: Database, admin: User) -> None:
    author = await make_user(db)  # pre-moderation: their post waits
    pending = await write(db, author, ES_POST, "es")
    assert pending.status == PostStatus.PENDING
    assert ids(await find(db, "formacion")) == []
    published = await write(db, admin, ES_OTHER, "es")
    assert ids(await find(db, "formacion")) == [published.id]
    async with db.transaction() as session:  # the week is moved to the future
        await session.execute(update(QuestionSet).values(opens_at=NOW + timedelta(days=30)))
    assert ids(await find(db, "formacion")) == []


async def test_drafts_are_not_searched(db: Database, admin: User) -> None:
    await write(db, admin, ES_POST, "es")
    async with db.transaction() as session:
        await session.execute(update(Discussion).values(published_at=None))
    assert ids(await find(db, "formacion")) == []
    assert (await find(db, "apprenticeships")).texts == []


Verb = Callable[..., Awaitable[Any]]


async def act(db: Database, verb: Verb, **kwargs: Any) -> None:
    async with db.transaction() as session:
        await verb(session, now=NOW, **kwargs)


async def test_every_moderation_verb_shows_in_the_results(db: Database, admin: User) -> None:
    postman = make_postman()
    author = await make_user(db)
    post = await write(db, author, ES_POST, "es")
    await act(db, approve_post, actor=admin, post_id=post.id, tag_slugs=(), postman=postman)
    assert ids(await find(db, "formacion")) == [post.id]
    await act(db, hide_post, actor=admin, post_id=post.id)
    assert ids(await find(db, "formacion")) == []
    await act(db, restore_post, actor=admin, post_id=post.id)
    assert ids(await find(db, "formacion")) == [post.id]
    other = await write(db, author, ES_OTHER, "es")
    await act(
        db,
        reject_post,
        actor=admin,
        post_id=other.id,
        section="respect",
        note="",
        guidelines=GUIDELINES,
        postman=postman,
    )
    assert ids(await find(db, "radio")) == []


async def test_an_edit_is_found_once_readers_see_it(db: Database, admin: User) -> None:
    author = await make_user(db)
    post = await write(db, author, ES_POST, "es")
    await act(db, approve_post, actor=admin, post_id=post.id, tag_slugs=(), postman=make_postman())
    await edit(db, author, post, ES_OTHER, "es")
    # The edit waits for a moderator: readers, and the search, keep the published text.
    assert ids(await find(db, "dual")) == [post.id]
    assert ids(await find(db, "comunitaria")) == []
    async with db.transaction() as session:
        row = await session.get(Post, post.id)
        assert row is not None and await publish_edit(session, row, NOW)
    assert ids(await find(db, "dual")) == []
    assert ids(await find(db, "comunitaria")) == [post.id]


async def test_an_edit_in_place_is_indexed(db: Database, admin: User) -> None:
    post = await write(db, admin, ES_POST, "es")
    await edit(db, admin, post, FR_POST, "fr")
    assert ids(await find(db, "formacion")) == []
    assert ids(await find(db, "apprentissages")) == [post.id]


async def test_filters(db: Database, admin: User) -> None:
    author = await make_user(db, email="pierre@example.org", name="Pierre Roux", language="fr")
    spanish = await write(db, admin, ES_OTHER, "es", question=2)
    english = await write(db, admin, EN_POST, "en")
    async with db.transaction() as session:  # Pierre's post is published too
        french = await create_post(
            session,
            author=author,
            discussion_slug=SLUG,
            question_number=1,
            parent_id=None,
            draft=Draft("La radio associative a porté nos cours.", "fr", "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
        await session.execute(
            update(Post).where(col(Post.id) == french.id).values(status="approved")
        )
        await session.execute(
            update(User)
            .where(col(User.id) == author.id)
            .values(country="FR", stakeholder_group="government")
        )
    every = sorted([spanish.id, english.id, french.id])
    assert sorted(ids(await find(db, "radio"))) == every
    assert ids(await find(db, "radio", language="fr")) == [french.id]
    assert ids(await find(db, "radio", discussion=SLUG, question=2)) == [spanish.id]
    assert ids(await find(db, "radio", discussion="elsewhere")) == []
    assert ids(await find(db, "radio", country="FR")) == [french.id]
    assert ids(await find(db, "radio", group="government")) == [french.id]
    assert ids(await find(db, "radio", group="workers")) == []
    assert ids(await find(db, "radio", until=(NOW - timedelta(days=1)).date())) == []
    assert sorted(ids(await find(db, "radio", since=NOW.date()))) == every
    assert ids(await find(db, "radio", tag="apprenticeships")) == []


async def test_paging_and_sorting_by_date(db: Database, admin: User) -> None:
    written = [await write(db, admin, f"{EN_POST} Note {n}.", "en") for n in range(PAGE_SIZE + 3)]
    first = await find(db, "radio", sort="date")
    assert first.total == PAGE_SIZE + 3 and first.pages == 2
    second = await find(db, "radio", sort="date", page=2)
    newest_first = [post.id for post in reversed(written)]
    assert ids(first) + ids(second) == newest_first


async def test_discussion_texts_and_questions_are_found_and_follow_the_studio(
    db: Database, admin: User
) -> None:
    texts = (await find(db, "entreprises", reader="fr")).texts  # the French summary
    assert [hit.slug for hit in texts] == [SLUG]
    assert "<mark>entreprises</mark>" in texts[0].passage
    questions = (await find(db, "apprenants")).texts
    assert {hit.question_number for hit in questions} >= {1}
    async with db.transaction() as session:
        discussion = await session.scalar(select(Discussion).where(Discussion.slug == SLUG))
        assert discussion is not None
        texts_now = {
            "title": {
                "en": "Apprenticeships at a distance",
                "es": "Aprendizaje a distancia",
                "fr": "L'apprentissage à distance",
            },
            "summary": {"en": "Firms.", "es": "Empresas.", "fr": "Coopératives."},
            "introduction": {"en": "Welcome.", "es": "Bienvenida.", "fr": "Bienvenue."},
        }
        await update_texts(session, discussion=discussion, actor=admin, texts=texts_now, now=NOW)
    assert (await find(db, "entreprises", reader="fr")).texts == []
    assert [hit.slug for hit in (await find(db, "cooperatives")).texts] == [SLUG]
