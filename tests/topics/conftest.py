"""Two published discussions sharing their tags, and a draft, with posts written straight in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from forum.core.content import bump_content_version
from forum.core.text import render_markdown
from forum.db import Database
from forum.models import Discussion, Post, PostTag, Question, Tag
from forum.models.types import PostStatus
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user

SLUG = "remote-apprenticeships"
OTHER = "green-jobs"
DRAFT = "still-a-draft"
TAG = "access-to-training"
TEXTS = {
    "en": "Our firm kept *every* apprentice on a video call each morning.",
    "es": "Nuestra empresa mantuvo a cada aprendiz en una videollamada cada mañana.",
    "fr": "Notre atelier a gardé chaque apprenti en visioconférence chaque matin.",
}


@dataclass
class Seeded:
    author_id: int
    tag_id: int
    questions: dict[tuple[str, int], int]  # (discussion slug, number) -> question id


async def seed(db: Database) -> Seeded:
    """Discussions open since yesterday: week 1 (questions 1-6) is open, week 2 is not yet."""
    async with db.transaction() as session:
        for slug in (SLUG, OTHER, DRAFT):
            data = discussion_data(slug=slug, start=NOW - timedelta(days=1))
            await add_discussion(session, data, now=NOW)
        await session.execute(
            update(Discussion).where(col(Discussion.slug) == DRAFT).values(published_at=None)
        )
    author = await make_user(db, name="Lucía <Gómez> & Co")
    async with db.session() as session:
        tag_id = await session.scalar(select(col(Tag.id)).where(col(Tag.slug) == TAG))
        rows = (
            await session.execute(
                select(col(Discussion.slug), col(Question.number), col(Question.id)).join(
                    Discussion, col(Discussion.id) == col(Question.discussion_id)
                )
            )
        ).all()
    assert tag_id is not None and author.id is not None
    return Seeded(author.id, tag_id, {(slug, number): qid for slug, number, qid in rows})


async def add_posts(
    db: Database,
    seeded: Seeded,
    *,
    slug: str = SLUG,
    number: int | None = 1,
    count: int = 1,
    language: str = "es",
    status: PostStatus = PostStatus.APPROVED,
    tagged: bool = True,
    minutes_ago: int = 60,
) -> list[int]:
    """Write `count` posts straight into the database, each a minute newer than the last."""
    ids = []
    async with db.transaction() as session:
        discussion_id = await session.scalar(
            select(col(Discussion.id)).where(col(Discussion.slug) == slug)
        )
        assert discussion_id is not None
        for index in range(count):
            moment = NOW - timedelta(minutes=minutes_ago - index)
            post = Post(
                discussion_id=discussion_id,
                question_id=None if number is None else seeded.questions[(slug, number)],
                author_id=seeded.author_id,
                language=language,
                source=TEXTS[language],
                html=render_markdown(TEXTS[language]),
                status=status.value,
                quote_consent="by_name",
                created_at=moment,
                approved_at=moment if status is PostStatus.APPROVED else None,
            )
            session.add(post)
            await session.flush()
            assert post.id is not None
            post.thread_id = post.id
            ids.append(post.id)
            if tagged:
                session.add(PostTag(post_id=post.id, tag_id=seeded.tag_id))
        await bump_content_version(session, discussion_id=discussion_id)
    return ids
