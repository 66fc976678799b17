"""The moderators' queue: pending posts in context, with their authors' track record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from forum.contributions.edits import awaiting_moderation, has_pending_edit
from forum.core.localize import Localized, fallback_order, localize
from forum.core.tags import post_tag_slugs
from forum.models import (
    Discussion,
    DiscussionTag,
    ModerationAction,
    Post,
    Question,
    QuestionTranslation,
    Tag,
    TagTranslation,
    User,
)
from forum.models.types import ModerationVerb, PostStatus
from forum.moderation.places import name_discussions

PER_PAGE = 25
_Parent = aliased(Post, name="parent")
_ParentAuthor = aliased(User, name="parent_author")


@dataclass(frozen=True, slots=True)
class TagChoice:
    slug: str
    kind: str
    label: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    post_id: int
    discussion_id: int
    discussion_slug: str  # for links only
    discussion_title: Localized
    timezone: str  # the discussion's: its times are shown in it
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
    author_approved: int  # posts of theirs published now
    author_rejected: int  # rejections on record, even of posts edited and published since
    language: str
    html: str
    quote_consent: str
    created_at: datetime
    edited_at: datetime | None
    held_for: tuple[str, ...]  # ids of the rules that held it
    held_sections: tuple[str, ...]  # the guideline sections those rules cite, each once
    tags: tuple[TagChoice, ...]  # the discussion's tags to choose from
    topics: tuple[str, ...]  # slugs of the tags the post is filed under now
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
    held: str | None = None  # a guideline section: posts a rule citing it held
    # Which section each guideline rule cites, by rule id (to filter by and to show).
    rule_sections: Mapping[str, str] = field(default_factory=dict)


def _held_by(rules: Collection[str]) -> ColumnElement[bool]:
    """Match posts held by any of `rules` (held_for is a short comma-separated list)."""
    if not rules:
        return false()
    padded = literal(",") + col(Post.held_for) + literal(",")
    return or_(*(padded.contains(f",{rule},") for rule in sorted(rules)))


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
    if queue.held:
        where.append(_held_by([r for r, s in queue.rule_sections.items() if s == queue.held]))
    return where


async def pending_texts(session: AsyncSession, *, queue: QueueFilter) -> list[tuple[int, str, str]]:
    """Every post the queue filter holds, oldest first: its id, the text a moderator reads
    and its author's name. One statement, for finding near-duplicates across the pages.
    """
    shown = func.coalesce(col(Post.pending_source), col(Post.source))
    rows = await session.execute(
        select(col(Post.id), shown, col(User.display_name))
        .join(Discussion, col(Discussion.id) == col(Post.discussion_id))
        .join(User, col(User.id) == col(Post.author_id))
        .outerjoin(Question, col(Question.id) == col(Post.question_id))
        .where(and_(true(), *_conditions(queue)))
        .order_by(col(Post.created_at), col(Post.id))
    )
    return [(int(post_id or 0), str(text), str(name)) for post_id, text, name in rows.all()]


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
            joined.add_columns(col(_ParentAuthor.display_name), col(_Parent.html))
            .outerjoin(_Parent, col(_Parent.id) == col(Post.parent_id))
            .outerjoin(_ParentAuthor, col(_ParentAuthor.id) == col(_Parent.author_id))
            .order_by(col(Post.created_at), col(Post.id))
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    ).all()
    if not rows:
        return QueuePage([], total, page, pages)
    context = await _context(session, rows, language)
    context["rule_sections"] = queue.rule_sections
    return QueuePage([_item(row, context) for row in rows], total, page, pages)


async def _context(session: AsyncSession, rows: Sequence[Any], language: str) -> dict[str, Any]:
    """Load authors' records, question texts, tags and titles for the posts on a page."""
    posts = [row[0] for row in rows]
    orders = {row[1].id: fallback_order(language, row[1].language_list) for row in rows}
    return {
        "counts": await _records(session, {p.author_id for p in posts}),
        "texts": await _question_texts(session, [p.question_id for p in posts if p.question_id]),
        "orders": orders,
        "tags": await _tags(session, orders),
        "topics": await post_tag_slugs(session, [p.id for p in posts]),
        "places": await name_discussions(
            session, list({row[1].id: row[1] for row in rows}.values()), language
        ),
    }


async def _records(session: AsyncSession, authors: set[int]) -> dict[int, tuple[int, int]]:
    """Count each author's published posts, and the rejections the (append-only) log holds.

    A rejected post its author edited and a moderator then approved counts in both.
    """
    published = (
        select(func.count())
        .select_from(Post)
        .where(col(Post.author_id) == col(User.id), col(Post.status) == PostStatus.APPROVED.value)
        .correlate(User)
        .scalar_subquery()
    )
    rejected = (
        select(func.count())
        .select_from(ModerationAction)
        .where(
            col(ModerationAction.user_id) == col(User.id),
            col(ModerationAction.action) == ModerationVerb.REJECT.value,
        )
        .correlate(User)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(col(User.id), published, rejected).where(col(User.id).in_(authors))
    )
    return {author: (int(count or 0), int(refused or 0)) for author, count, refused in rows.all()}


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


def _held_sections(held_for: tuple[str, ...], rule_sections: Mapping[str, str]) -> tuple[str, ...]:
    """The sections the holding rules cite, each once; a rule no longer in force cites none."""
    return tuple(dict.fromkeys(rule_sections[r] for r in held_for if r in rule_sections))


def _item(row: Any, context: dict[str, Any]) -> QueueItem:
    post, discussion, number, author, parent_author, parent_html = row
    approved, rejected = context["counts"].get(post.author_id, (0, 0))
    texts = context["texts"].get(post.question_id, {})
    held_for = tuple(rule for rule in post.held_for.split(",") if rule)
    return QueueItem(
        post_id=post.id,
        discussion_id=post.discussion_id,
        discussion_slug=discussion.slug,
        discussion_title=context["places"][discussion.id].title,
        timezone=discussion.timezone,
        question_number=number,
        question_text=localize(texts, context["orders"][post.discussion_id]).text,
        parent_author=parent_author,
        parent_html=parent_html,
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
        quote_consent=post.quote_consent,
        created_at=post.created_at,
        edited_at=post.pending_at or post.edited_at,
        held_for=held_for,
        held_sections=_held_sections(held_for, context["rule_sections"]),
        tags=context["tags"].get(post.discussion_id, ()),
        topics=context["topics"].get(post.id, ()),
        published_html=post.html if has_pending_edit(post) else None,
    )
