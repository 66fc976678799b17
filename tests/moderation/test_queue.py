"""The moderators' queue: whose posts, in what order, with what context and filters."""

from __future__ import annotations

from datetime import timedelta

from forum.contributions.posting import Draft, PostLimits, create_post, edit_post
from forum.db import Database
from forum.models import Post, User
from forum.moderation.queue import QueueFilter, moderation_queue
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import listening, make_user

TEXTS = [
    ("Los tutores de empresa llamaban cada semana a sus aprendices.", "es"),
    ("Our union negotiated paid time for apprentices to study online.", "en"),
    ("Nous avons prêté des ordinateurs aux apprentis qui n'en avaient pas.", "fr"),
]


async def _setup(db: Database) -> tuple[int, int, User]:
    async with db.transaction() as session:
        await add_discussion(
            session, discussion_data(slug="first", start=NOW - timedelta(days=1)), now=NOW
        )
        await add_discussion(
            session, discussion_data(slug="second", start=NOW - timedelta(days=1)), now=NOW
        )
    author = await make_user(db)
    for slug in ("first", "second"):
        for text, language in TEXTS:
            async with db.transaction() as session:
                await create_post(
                    session,
                    author=author,
                    discussion_slug=slug,
                    question_number=2,
                    parent_id=None,
                    draft=Draft(text, language, "by_name"),
                    limits=PostLimits(),
                    now=NOW,
                )
    return 1, 2, author


async def test_queue_lists_only_assigned_discussions_oldest_first(db: Database) -> None:
    first, _second, _author = await _setup(db)
    async with db.session() as session:
        page = await moderation_queue(session, queue=QueueFilter({first}), language="en")
    assert page.total == 3 and [i.discussion_slug for i in page.items] == ["first"] * 3
    assert [i.language for i in page.items] == ["es", "en", "fr"]
    item = page.items[0]
    assert item.question_number == 2 and item.question_text.startswith("Question 2")
    assert item.author_name == "María Pérez" and item.author_approved == 0
    assert [t.slug for t in item.tags] == ["access-to-training", "apprenticeships"]


async def test_queue_filters_by_language_question_and_discussion(db: Database) -> None:
    await _setup(db)
    async with db.session() as session:
        everything = await moderation_queue(session, queue=QueueFilter(None), language="es")
        spanish = await moderation_queue(
            session, queue=QueueFilter(None, language="es"), language="es"
        )
        second = await moderation_queue(
            session,
            queue=QueueFilter(None, discussion_slug="second", question_number=2),
            language="es",
        )
        other_question = await moderation_queue(
            session, queue=QueueFilter(None, question_number=1), language="es"
        )
    assert everything.total == 6 and spanish.total == 2 and second.total == 3
    assert other_question.total == 0 and other_question.items == []


async def test_queue_costs_the_same_statements_for_any_size(db: Database) -> None:
    await _setup(db)
    counted: list[str] = []

    def count(*args: object) -> None:
        counted.append(str(args[2]))

    sizes = []
    with listening(db, count):
        for queue in (QueueFilter({1}, language="fr"), QueueFilter(None)):  # 1 post, then 6
            before = len(counted)
            async with db.session() as session:
                page = await moderation_queue(session, queue=queue, language="en")
            assert page.items
            sizes.append(len(counted) - before)
    assert sizes[0] == sizes[1] <= 8


async def test_queue_falls_back_to_the_discussions_own_language_before_english(
    db: Database,
) -> None:
    data = discussion_data(
        slug="spanish-first", start=NOW - timedelta(days=1), languages=("es", "en")
    )
    async with db.transaction() as session:
        await add_discussion(session, data, now=NOW)
    author = await make_user(db)
    async with db.transaction() as session:
        await create_post(
            session,
            author=author,
            discussion_slug="spanish-first",
            question_number=2,
            parent_id=None,
            draft=Draft(*TEXTS[0], "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
    async with db.session() as session:
        page = await moderation_queue(session, queue=QueueFilter(None), language="fr")
    item = page.items[0]
    assert item.question_text.startswith("Pregunta 2")
    assert [t.label for t in item.tags] == ["Acceso a la formación", "Aprendizaje"]


async def test_queue_shows_an_edit_of_a_published_post_in_its_own_language(
    db: Database,
) -> None:
    first, _second, author = await _setup(db)
    async with db.transaction() as session:
        post = await session.get(Post, 1)
        assert post is not None
        post.status = "approved"  # published: its author's edit now waits beside it
        await edit_post(
            session,
            editor=author,
            post_id=1,
            draft=Draft(TEXTS[2][0], "fr", "by_name"),
            limits=PostLimits(),
            now=NOW + timedelta(hours=1),
        )
    async with db.session() as session:
        page = await moderation_queue(session, queue=QueueFilter({first}), language="en")
        french = await moderation_queue(
            session, queue=QueueFilter({first}, language="fr"), language="en"
        )
    edit = page.items[0]
    assert page.total == 3 and edit.post_id == 1
    assert (edit.language, edit.edited_at) == ("fr", NOW + timedelta(hours=1))
    assert "prêté des ordinateurs" in edit.html
    assert edit.published_html is not None and "tutores de empresa" in edit.published_html
    assert [item.post_id for item in french.items] == [1, 3]
