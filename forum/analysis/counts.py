"""A discussion's figures: published posts and distinct contributors, counted every way.

One service, `discussion_counts`, answers in a fixed number of statements (one GROUP BY per
dimension), whatever the number of posts. The synthesis's placeholders and the open data
read the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Executable, func, literal
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import NotFound
from forum.models import Discussion, Post, PostTag, Question, QuestionSet, Tag, User
from forum.models.types import PostStatus

STATEMENTS = 9  # one to find the discussion, one per dimension below


@dataclass(frozen=True, slots=True)
class Count:
    """Published posts and the distinct people who wrote them, for one value of a dimension.

    `key` is a week's position, a question's number, a tag's slug, a language code, a country
    code or a stakeholder group; None where the posts have none (a general comment has no
    question, a person may not give a country).
    """

    key: Any
    posts: int
    contributors: int


@dataclass(frozen=True, slots=True)
class DiscussionCounts:
    discussion_id: int
    posts: int
    contributors: int
    by_week: list[Count]
    by_question: list[Count]
    by_tag: list[Count]
    by_language: list[Count]
    by_country: list[Count]
    by_group: list[Count]
    # (question number, stakeholder group) -> count; only the pairs that have posts.
    question_group: dict[tuple[int | None, str], Count] = field(default_factory=dict)

    def posts_for(self, *, question: int | None = None, group: str | None = None) -> int:
        """Published posts for a question, a group, or both (none given: all)."""
        if question is not None and group is not None:
            found = self.question_group.get((question, group))
            return found.posts if found else 0
        if question is not None:
            return next((c.posts for c in self.by_question if c.key == question), 0)
        if group is not None:
            return next((c.posts for c in self.by_group if c.key == group), 0)
        return self.posts


def _published(discussion_id: int) -> Sequence[ColumnElement[bool]]:
    return (col(Post.discussion_id) == discussion_id, col(Post.status) == PostStatus.APPROVED)


def _measures() -> tuple[Any, Any]:
    return func.count(col(Post.id)), func.count(func.distinct(col(Post.author_id)))


async def _grouped(session: AsyncSession, query: Executable) -> list[Count]:
    rows = (await session.execute(query)).all()
    counts = [Count(key, int(posts), int(people)) for key, posts, people in rows]
    return sorted(counts, key=lambda c: (c.key is None, str(c.key) if c.key is not None else ""))


async def discussion_counts(session: AsyncSession, *, slug: str) -> DiscussionCounts:
    """Count a discussion's published posts every way; NotFound for an unknown slug.

    STATEMENTS statements, whatever the number of posts.
    """
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None or discussion.id is None:
        raise NotFound(slug)
    return await counts_for(session, discussion_id=discussion.id)


async def counts_for(session: AsyncSession, *, discussion_id: int) -> DiscussionCounts:
    """discussion_counts for a discussion already found: STATEMENTS - 1 statements."""
    where = _published(discussion_id)
    posts, people = _measures()
    total = (await session.execute(select(posts, people).where(*where))).one()
    number = col(Question.number)
    by_week = await _grouped(
        session,
        select(col(QuestionSet.position), posts, people)
        .select_from(Post)
        .outerjoin(Question, col(Question.id) == col(Post.question_id))
        .outerjoin(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
        .where(*where)
        .group_by(col(QuestionSet.position)),
    )
    by_question = await _grouped(
        session,
        select(number, posts, people)
        .select_from(Post)
        .outerjoin(Question, col(Question.id) == col(Post.question_id))
        .where(*where)
        .group_by(number),
    )
    by_tag = await _grouped(
        session,
        select(col(Tag.slug), posts, people)
        .select_from(Post)
        .join(PostTag, col(PostTag.post_id) == col(Post.id))
        .join(Tag, col(Tag.id) == col(PostTag.tag_id))
        .where(*where)
        .group_by(col(Tag.slug)),
    )
    by_language = await _grouped(
        session,
        select(col(Post.language), posts, people).where(*where).group_by(col(Post.language)),
    )
    country = func.nullif(col(User.country), literal(""))
    by_country = await _grouped(
        session,
        select(country, posts, people)
        .select_from(Post)
        .join(User, col(User.id) == col(Post.author_id))
        .where(*where)
        .group_by(country),
    )
    group = col(User.stakeholder_group)
    by_group = await _grouped(
        session,
        select(group, posts, people)
        .select_from(Post)
        .join(User, col(User.id) == col(Post.author_id))
        .where(*where)
        .group_by(group),
    )
    pairs = (
        await session.execute(
            select(number, group, posts, people)
            .select_from(Post)
            .join(User, col(User.id) == col(Post.author_id))
            .outerjoin(Question, col(Question.id) == col(Post.question_id))
            .where(*where)
            .group_by(number, group)
        )
    ).all()
    return DiscussionCounts(
        discussion_id=discussion_id,
        posts=int(total[0]),
        contributors=int(total[1]),
        by_week=by_week,
        by_question=by_question,
        by_tag=by_tag,
        by_language=by_language,
        by_country=by_country,
        by_group=by_group,
        question_group={(q, g): Count((q, g), int(n), int(p)) for q, g, n, p in pairs},
    )
