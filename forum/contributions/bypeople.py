"""A person's published contributions, a page at a time, grouped by discussion."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import NotFound
from forum.core.localize import Localized, fallback_order, localize
from forum.discussions.listing import published
from forum.models import Discussion, Post, Question, QuestionSet, QuestionTranslation
from forum.models.types import PostStatus
from forum.moderation.places import name_discussions

PAGE_SIZE = 20
EXCERPT_CHARS = 240
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Contribution:
    post_id: int
    question_number: int | None  # None: a general comment
    question: Localized | None
    created_at: datetime
    language: str
    excerpt: str  # plain text, to be escaped where it is shown


@dataclass(slots=True)
class DiscussionGroup:
    slug: str  # for links only
    title: Localized
    timezone: str
    contributions: list[Contribution] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PersonContributions:
    groups: list[DiscussionGroup]
    total: int
    page: int
    pages: int


def excerpt(sanitised_html: str, limit: int = EXCERPT_CHARS) -> str:
    """The words of a post's html as plain text, cut at a word near `limit` characters."""
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", sanitised_html))).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:.") + "…"


def _shown(user_id: int, now: datetime) -> list[ColumnElement[bool]]:
    """Published posts by the person, in published discussions, in weeks that have opened."""
    return [
        col(Post.author_id) == user_id,
        col(Post.status) == PostStatus.APPROVED.value,
        published(now),
        or_(col(Post.question_id).is_(None), col(QuestionSet.opens_at) <= now),
    ]


def _from_posts(query: Any) -> Any:  # a select of sqlmodel's, whatever its columns
    """Join what says whether a post is shown: its discussion, its question and week."""
    return (
        query.join(Discussion, col(Discussion.id) == col(Post.discussion_id))
        .outerjoin(Question, col(Question.id) == col(Post.question_id))
        .outerjoin(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
    )


async def person_contributions(
    session: AsyncSession, *, user_id: int, language: str, now: datetime, page: int
) -> PersonContributions:
    """Return one page of the person's published contributions; NotFound past the last page.

    Five statements at most, whatever the number of posts.
    """
    conditions = _shown(user_id, now)
    total = await session.scalar(_from_posts(select(func.count(col(Post.id)))).where(*conditions))
    total = int(total or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    if page < 1 or page > pages:
        raise NotFound(f"people/{user_id}?page={page}")
    rows = (
        await session.execute(
            _from_posts(select(Post, Discussion, col(Question.number)))
            .where(*conditions)
            .order_by(
                col(Discussion.published_at).desc(),
                col(Discussion.id).desc(),
                col(Post.created_at).desc(),
                col(Post.id).desc(),
            )
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    ).all()
    discussions = {d.id: d for _post, d, _number in rows}
    places = await name_discussions(session, list(discussions.values()), language)
    questions = await _question_texts(session, [p.question_id for p, _d, _n in rows])
    groups: list[DiscussionGroup] = []
    for post, discussion, number in rows:
        assert post.id is not None and discussion.id is not None
        if not groups or groups[-1].slug != discussion.slug:
            place = places[discussion.id]
            groups.append(DiscussionGroup(discussion.slug, place.title, discussion.timezone))
        question = None
        if post.question_id is not None:
            order = fallback_order(language, discussion.language_list)
            question = localize(questions.get(post.question_id, {}), order)
        groups[-1].contributions.append(
            Contribution(
                post.id, number, question, post.created_at, post.language, excerpt(post.html)
            )
        )
    return PersonContributions(groups, total, page, pages)


async def _question_texts(
    session: AsyncSession, question_ids: list[int | None]
) -> dict[int, dict[str, str]]:
    """Every language's text of these questions, in one statement."""
    wanted = sorted({i for i in question_ids if i is not None})
    if not wanted:
        return {}
    texts: dict[int, dict[str, str]] = {}
    rows = await session.scalars(
        select(QuestionTranslation).where(col(QuestionTranslation.question_id).in_(wanted))
    )
    for row in rows:
        texts.setdefault(row.question_id, {})[row.language] = row.text
    return texts
