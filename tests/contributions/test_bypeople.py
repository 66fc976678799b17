"""A person's published contributions: by discussion, a page at a time, nothing unpublished."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from forum.contributions.bypeople import PAGE_SIZE, excerpt, person_contributions
from forum.core.errors import NotFound
from forum.core.text import render_markdown
from forum.db import Database
from forum.models import Discussion, Post, Question, User
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user

TEXT = "Los aprendices siguieron formándose en casa, con un tutor que llamaba cada semana."


async def add_posts(
    db: Database,
    author: User,
    count: int,
    *,
    slug: str = "remote-apprenticeships",
    **values: object,
) -> None:
    """`count` published answers to question 1 of `slug` (question 7 is in week two)."""
    async with db.transaction() as session:
        discussion = await session.scalar(select(Discussion).where(col(Discussion.slug) == slug))
        assert discussion is not None
        number = values.pop("number", 1)
        question = await session.scalar(
            select(Question).where(
                col(Question.discussion_id) == discussion.id, col(Question.number) == number
            )
        )
        assert question is not None
        for index in range(count):
            post = Post(
                discussion_id=discussion.id or 0,
                question_id=question.id,
                author_id=author.id or 0,
                language="es",
                source=f"{TEXT} {index}",
                html=render_markdown(f"{TEXT} {index}"),
                status="approved",
                quote_consent="by_name",
                created_at=NOW - timedelta(minutes=count - index),
            )
            for name, value in values.items():
                setattr(post, name, value)
            session.add(post)


async def two_discussions(db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
        await add_discussion(
            session, discussion_data(slug="green-jobs", start=NOW - timedelta(days=2)), now=NOW
        )


def test_excerpt_is_plain_text_cut_at_a_word() -> None:
    assert excerpt("<p>Uno &amp; <strong>dos</strong></p>") == "Uno & dos"
    long = excerpt("<p>" + "palabra " * 100 + "</p>", limit=30)
    assert long.endswith("…") and len(long) <= 31 and "palab…" not in long


async def test_grouped_by_discussion_published_only(db: Database) -> None:
    await two_discussions(db)
    author = await make_user(db)
    await add_posts(db, author, 2)
    await add_posts(db, author, 3, slug="green-jobs")
    for status in ("pending", "rejected", "hidden"):
        await add_posts(db, author, 1, status=status)
    await add_posts(db, author, 1, number=7)  # week two has not opened
    await add_posts(db, await make_user(db, email="otra@example.org", name="Otra"), 4)
    async with db.session() as session:
        shown = await person_contributions(
            session, user_id=author.id or 0, language="fr", now=NOW, page=1
        )
    assert shown.total == 5 and (shown.page, shown.pages) == (1, 1)
    # published at the same moment: the discussion added last comes first
    assert [(g.slug, len(g.contributions)) for g in shown.groups] == [
        ("green-jobs", 3),
        ("remote-apprenticeships", 2),
    ]
    first = shown.groups[1].contributions[0]
    assert first.question_number == 1 and first.question and first.question.language == "fr"
    assert shown.groups[1].title.language == "fr" and first.excerpt.startswith("Los aprendices")
    assert first.created_at > shown.groups[1].contributions[1].created_at  # newest first


async def test_pages_and_past_the_end(db: Database) -> None:
    await two_discussions(db)
    author = await make_user(db)
    await add_posts(db, author, PAGE_SIZE + 1)
    async with db.session() as session:
        second = await person_contributions(
            session, user_id=author.id or 0, language="en", now=NOW, page=2
        )
        assert (second.total, second.pages, len(second.groups[0].contributions)) == (
            PAGE_SIZE + 1,
            2,
            1,
        )
        for page in (0, 3):
            with pytest.raises(NotFound):
                await person_contributions(
                    session, user_id=author.id or 0, language="en", now=NOW, page=page
                )
        nobody = await person_contributions(session, user_id=999, language="en", now=NOW, page=1)
        assert (nobody.total, nobody.groups, nobody.pages) == (0, [], 1)


async def test_draft_discussion_is_left_out(db: Database) -> None:
    await two_discussions(db)
    author = await make_user(db)
    await add_posts(db, author, 2, slug="green-jobs")
    async with db.transaction() as session:
        await session.execute(
            Discussion.__table__.update()  # type: ignore[attr-defined]
            .where(Discussion.__table__.c.slug == "green-jobs")  # type: ignore[attr-defined]
            .values(published_at=None)
        )
    async with db.session() as session:
        shown = await person_contributions(
            session, user_id=author.id or 0, language="en", now=NOW, page=1
        )
    assert shown.total == 0
