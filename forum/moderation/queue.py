"""The moderators' queue: pending posts in context, with their authors' track record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from forum.contributions.edits import awaiting_moderation, has_pending_edit
from forum.core.localize import fallback_order, localize
from forum.models import (
    Discussion,
    DiscussionTag,
    Post,
    Question,
    QuestionTranslation,
    Tag,
    TagTranslation,
    User,
)
from forum.models.types import PostStatus

PER_PAGE = 25


@dataclass(frozen=True, slots=True)
class TagChoice:
    slug: str
    kind: str
    label: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    post_id: int
    discussion_id: int
    discussion_slug: str
    question_number: int | None
    question_text: str
    parent_author: str | None
    parent_html: str | None
    author_id: int
    author_name: str
    author_organisation: str
    author_country: str
    author_group: str
    author_trusted: bool
    author_approved: int
    author_rejected: int
    language: str
    html: str
    created_at: datetime
    edited_at: datetime | None
    held_for: tuple[str, ...]
    tags: tuple[TagChoice, ...]
    published_html: str | None = None  # for an edit of a published post: what readers see now


@dataclass(frozen=True, slots=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class QueueFilter:
    discussion_ids: Collection[int] | None  # None: every discussion (admins)
    discussion_slug: str | None = None
    question_number: int | None = None
    language: str | None = None
    rule: str | None = None


def _conditions(queue: QueueFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [awaiting_moderation()]  # edits of published posts too
    if queue.discussion_ids is not None:
        where.append(col(Post.discussion_id).in_(list(queue.discussion_ids)))
    if queue.discussion_slug:
        where.append(col(Discussion.slug) == queue.discussion_slug)
    if queue.question_number is not None:
        where.append(col(Question.number) == queue.question_number)
    if queue.language:
        # an edit waiting is filed under its own language
        shown = func.coalesce(col(Post.pending_language), col(Post.language))
        where.append(shown == queue.language)
    if queue.rule:
        # held_for is a short comma-separated list: match the whole id, not a part of one
        padded = literal(",") + col(Post.held_for) + literal(",")
        where.append(padded.contains(f",{queue.rule},"))
    return where


async def moderation_queue(
    session: AsyncSession, *, queue: QueueFilter, language: str, page: int = 1
) -> QueuePage:
    """Return one page of pending posts, oldest first, each with what a moderator needs."""
    joined = (
        select(Post, Discussion, Question.number, User)  # type: ignore[call-overload]
        .join(Discussion, col(Discussion.id) == col(Post.discussion_id))
        .join(User, col(User.id) == col(Post.author_id))
        .outerjoin(Question, col(Question.id) == col(Post.question_id))
        .where(and_(true(), *_conditions(queue)))
    )
    total = int(await session.scalar(select(func.count()).select_from(joined.subquery())) or 0)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    rows = (
        await session.execute(
            joined.order_by(col(Post.created_at), col(Post.id))
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    ).all()
    if not rows:
        return QueuePage([], total, page, pages)
    context = await _context(session, rows, language)
    return QueuePage([_item(row, context) for row in rows], total, page, pages)


async def _context(session: AsyncSession, rows: Sequence[Any], language: str) -> dict[str, Any]:
    """Load parents, authors' counts, question texts and tags for the posts on a page."""
    posts = [row[0] for row in rows]
    orders = {row[1].id: fallback_order(language, row[1].language_list) for row in rows}
    parent = aliased(Post)
    parents = {
        post_id: (name, html)
        for post_id, name, html in (
            await session.execute(
                select(col(parent.id), col(User.display_name), col(parent.html))
                .join(User, col(User.id) == col(parent.author_id))
                .where(col(parent.id).in_([p.parent_id for p in posts if p.parent_id]))
            )
        ).all()
    }
    authors = {p.author_id for p in posts}
    counts = {
        author: (int(approved or 0), int(rejected or 0))
        for author, approved, rejected in (
            await session.execute(
                select(
                    col(Post.author_id),
                    func.sum(case((col(Post.status) == PostStatus.APPROVED.value, 1), else_=0)),
                    func.sum(case((col(Post.status) == PostStatus.REJECTED.value, 1), else_=0)),
                )
                .where(col(Post.author_id).in_(authors))
                .group_by(col(Post.author_id))
            )
        ).all()
    }
    return {
        "parents": parents,
        "counts": counts,
        "texts": await _question_texts(session, [p.question_id for p in posts if p.question_id]),
        "orders": orders,
        "tags": await _tags(session, orders),
    }


async def _question_texts(
    session: AsyncSession, question_ids: list[int]
) -> dict[int, dict[str, str]]:
    """Load the questions' texts in every language, by question id."""
    texts: dict[int, dict[str, str]] = defaultdict(dict)
    for question_id, language, text in (
        await session.execute(
            select(
                col(QuestionTranslation.question_id),
                col(QuestionTranslation.language),
                col(QuestionTranslation.text),
            ).where(col(QuestionTranslation.question_id).in_(question_ids))
        )
    ).all():
        texts[question_id][language] = text
    return texts


async def _tags(
    session: AsyncSession, orders: dict[int, tuple[str, ...]]
) -> dict[int, tuple[TagChoice, ...]]:
    """Label each discussion's tags in the moderator's best language (`orders` by id)."""
    labels: dict[tuple[int, str, str], dict[str, str]] = {}
    for discussion_id, slug, kind, label_language, label in (
        await session.execute(
            select(
                col(DiscussionTag.discussion_id),
                col(Tag.slug),
                col(Tag.kind),
                col(TagTranslation.language),
                col(TagTranslation.label),
            )
            .join(Tag, col(Tag.id) == col(DiscussionTag.tag_id))
            .join(TagTranslation, col(TagTranslation.tag_id) == col(Tag.id))
            .where(col(DiscussionTag.discussion_id).in_(list(orders)))
            .order_by(col(DiscussionTag.position))
        )
    ).all():
        labels.setdefault((discussion_id, slug, kind), {})[label_language] = label
    tags: dict[int, list[TagChoice]] = defaultdict(list)
    for (discussion_id, slug, kind), texts in labels.items():
        label = localize(texts, orders[discussion_id]).text
        tags[discussion_id].append(TagChoice(slug, kind, label))
    return {key: tuple(value) for key, value in tags.items()}


def _item(row: Any, context: dict[str, Any]) -> QueueItem:
    post, discussion, number, author = row
    parent = context["parents"].get(post.parent_id)
    approved, rejected = context["counts"].get(post.author_id, (0, 0))
    texts = context["texts"].get(post.question_id, {})
    return QueueItem(
        post_id=post.id,
        discussion_id=post.discussion_id,
        discussion_slug=discussion.slug,
        question_number=number,
        question_text=localize(texts, context["orders"][post.discussion_id]).text,
        parent_author=parent[0] if parent else None,
        parent_html=parent[1] if parent else None,
        author_id=author.id,
        author_name=author.display_name,
        author_organisation=author.organisation,
        author_country=author.country,
        author_group=author.stakeholder_group,
        author_trusted=author.trusted,
        author_approved=approved,
        author_rejected=rejected,
        language=post.pending_language or post.language,
        html=post.pending_html if has_pending_edit(post) else post.html,
        created_at=post.created_at,
        edited_at=post.pending_at or post.edited_at,
        held_for=tuple(rule for rule in post.held_for.split(",") if rule),
        tags=context["tags"].get(post.discussion_id, ()),
        published_html=post.html if has_pending_edit(post) else None,
    )
