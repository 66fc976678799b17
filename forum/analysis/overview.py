"""A discussion's analysis page, as one service: who may read it, and everything it shows.

A fixed number of statements, whatever the number of posts: the discussion, the reader's
moderated and organised discussions, the counts (counts.STATEMENTS - 1), its questions, its
title, the themes kept and the key quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.analysis.charts import BarChart, bar_chart
from forum.analysis.counts import DiscussionCounts, counts_for
from forum.analysis.representation import Gap, representation_gaps
from forum.analysis.themes import ThemeGroup, discussion_themes
from forum.core.errors import NotFound
from forum.core.localize import Localized, fallback_order, localize
from forum.core.permissions import check_oversees, check_signed_in, is_admin
from forum.models import Discussion, Post, Question, Tag, TagTranslation, User
from forum.models.types import PostStatus
from forum.moderation.actions import moderated_discussions
from forum.moderation.places import name_discussions
from forum.studio.access import organised_ids


@dataclass(frozen=True, slots=True)
class KeyQuote:
    post_id: int
    question_number: int | None
    language: str
    html: str
    consent: str  # a QuoteConsent
    author_name: str
    organisation: str
    group: str
    country: str


@dataclass(frozen=True, slots=True)
class Analysis:
    slug: str  # for links only
    title: Localized
    languages: list[str]
    counts: DiscussionCounts
    charts: dict[str, BarChart]  # by dimension: week, question, tag, language, country, group
    question_numbers: list[int]
    gaps: list[Gap]
    threshold: int
    themes: list[ThemeGroup]
    themes_computed_at: datetime | None
    key_quotes: list[KeyQuote]
    tag_labels: dict[str, Localized]  # by slug, in the reader's best language


async def analysable_discussion(
    session: AsyncSession, *, slug: str, user: User | None
) -> Discussion:
    """The discussion if `user` may read its analysis: its moderators, organisers, admins.

    NotFound, SignInRequired or PermissionDenied otherwise; three statements at most.
    """
    signed_in = check_signed_in(user)
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None or discussion.id is None:
        raise NotFound(slug)
    if is_admin(signed_in):
        return discussion
    assert signed_in.id is not None
    moderated = await moderated_discussions(session, user_id=signed_in.id)
    organised = await organised_ids(session, signed_in)
    check_oversees(signed_in, discussion.id, moderated, organised)
    return discussion


async def key_quotes(session: AsyncSession, *, discussion_id: int) -> list[KeyQuote]:
    """The published posts marked as key quotes, in question order, with their consent."""
    rows = await session.execute(
        select_columns(
            col(Post.id),
            col(Question.number),
            col(Post.language),
            col(Post.html),
            col(Post.quote_consent),
            col(User.display_name),
            col(User.organisation),
            col(User.stakeholder_group),
            col(User.country),
        )
        .join(User, col(User.id) == col(Post.author_id))
        .outerjoin(Question, col(Question.id) == col(Post.question_id))
        .where(
            col(Post.discussion_id) == discussion_id,
            col(Post.status) == PostStatus.APPROVED.value,
            col(Post.key_quote),
        )
        .order_by(col(Question.number), col(Post.id))
    )
    return [KeyQuote(int(row[0] or 0), *row[1:]) for row in rows.all()]


async def tag_labels(
    session: AsyncSession, slugs: list[str], order: tuple[str, ...]
) -> dict[str, Localized]:
    """Label tags (by slug) in the first language of `order` they have. One statement."""
    if not slugs:
        return {}
    texts: dict[str, dict[str, str]] = {slug: {} for slug in slugs}
    rows = await session.execute(
        select_columns(col(Tag.slug), col(TagTranslation.language), col(TagTranslation.label))
        .join(TagTranslation, col(TagTranslation.tag_id) == col(Tag.id))
        .where(col(Tag.slug).in_(slugs))
    )
    for slug, language, label in rows.all():
        texts[slug][language] = label
    labels = {slug: localize(found, order) for slug, found in texts.items()}
    return {
        slug: label if label.text else Localized(slug, label.language)
        for slug, label in labels.items()
    }


async def discussion_analysis(
    session: AsyncSession, *, slug: str, user: User | None, language: str, threshold: int
) -> Analysis:
    """Everything the analysis page shows, for a reader of `language`."""
    discussion = await analysable_discussion(session, slug=slug, user=user)
    assert discussion.id is not None
    counts = await counts_for(session, discussion_id=discussion.id)
    numbers = list(
        (
            await session.scalars(
                select(col(Question.number))
                .where(col(Question.discussion_id) == discussion.id)
                .order_by(col(Question.number))
            )
        ).all()
    )
    place = (await name_discussions(session, [discussion], language))[discussion.id]
    themes, computed = await discussion_themes(session, discussion_id=discussion.id)
    dimensions = {
        "week": counts.by_week,
        "question": counts.by_question,
        "tag": counts.by_tag,
        "language": counts.by_language,
        "country": counts.by_country,
        "group": counts.by_group,
    }
    return Analysis(
        slug=discussion.slug,
        title=place.title,
        languages=discussion.language_list,
        counts=counts,
        charts={name: bar_chart(name, found) for name, found in dimensions.items()},
        question_numbers=numbers,
        gaps=representation_gaps(counts, numbers, threshold=threshold),
        threshold=threshold,
        themes=themes,
        themes_computed_at=computed,
        key_quotes=await key_quotes(session, discussion_id=discussion.id),
        tag_labels=await tag_labels(
            session,
            [str(c.key) for c in counts.by_tag],
            fallback_order(language, discussion.language_list),
        ),
    )
