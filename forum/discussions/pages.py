"""A discussion's page and a question's page: the weeks opened so far, moderators and tags."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import NotFound
from forum.core.localize import Localized, fallback_order, localize
from forum.discussions.documents import DocumentLink, document_links
from forum.discussions.listing import (
    DiscussionCard,
    discussion_card,
    discussion_translations,
    is_published,
)
from forum.models import (
    Discussion,
    DiscussionModerator,
    DiscussionTag,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
    Tag,
    TagTranslation,
    User,
)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    organisation: str


@dataclass(frozen=True, slots=True)
class TagLabel:
    slug: str
    kind: str
    label: Localized


@dataclass(frozen=True, slots=True)
class QuestionItem:
    id: int
    number: int
    text: Localized


@dataclass(frozen=True, slots=True)
class WeekView:
    id: int
    position: int
    title: Localized
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    questions: list[QuestionItem]


@dataclass(frozen=True, slots=True)
class TimelineWeek:
    """A week on the discussion's timeline; an upcoming week shows no title (nor questions)."""

    position: int
    status: str  # "open", "upcoming" or "closed"
    opens_at: datetime
    closes_at: datetime
    title: Localized | None


@dataclass(frozen=True, slots=True)
class DiscussionPage:
    card: DiscussionCard
    introduction_html: Localized
    languages: list[str]
    moderation_mode: str
    moderators: list[Person]
    tags: list[TagLabel]
    documents: list[DocumentLink]
    weeks: list[WeekView]
    next_week_opens_at: datetime | None
    general_comments: bool
    timeline: list[TimelineWeek]

    @property
    def open_weeks(self) -> list[WeekView]:
        return [week for week in self.weeks if week.is_open]

    @property
    def closed_weeks(self) -> list[WeekView]:
        return [week for week in self.weeks if not week.is_open]


@dataclass(frozen=True, slots=True)
class QuestionPage:
    discussion: DiscussionCard
    languages: list[str]
    general_comments: bool
    week: WeekView
    question: QuestionItem
    previous_number: int | None
    next_number: int | None


async def _discussion(
    session: AsyncSession, slug: str, now: datetime, *, preview: bool = False
) -> Discussion:
    """Load a discussion readers may see now (any, for a studio `preview`); else NotFound."""
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None or not (preview or is_published(discussion, now)):
        raise NotFound(slug)
    return discussion


async def _set_titles(session: AsyncSession, set_ids: list[int]) -> dict[int, dict[str, str]]:
    titles: dict[int, dict[str, str]] = defaultdict(dict)
    for row in await session.scalars(
        select(QuestionSetTranslation).where(
            col(QuestionSetTranslation.question_set_id).in_(set_ids)
        )
    ):
        titles[row.question_set_id][row.language] = row.title
    return titles


async def _questions(
    session: AsyncSession, set_ids: list[int], order: Sequence[str]
) -> dict[int, list[QuestionItem]]:
    """Load the questions of the sets, in number order, each in the best language of `order`."""
    questions = list(
        await session.scalars(
            select(Question)
            .where(col(Question.question_set_id).in_(set_ids))
            .order_by(col(Question.number))
        )
    )
    texts: dict[int, dict[str, str]] = defaultdict(dict)
    for row in await session.scalars(
        select(QuestionTranslation).where(
            col(QuestionTranslation.question_id).in_([q.id for q in questions])
        )
    ):
        texts[row.question_id][row.language] = row.text
    by_set: dict[int, list[QuestionItem]] = defaultdict(list)
    for q in questions:
        by_set[q.question_set_id].append(
            QuestionItem(q.id or 0, q.number, localize(texts[q.id or 0], order))
        )
    return by_set


async def _weeks(
    session: AsyncSession, discussion: Discussion, language: str, now: datetime
) -> tuple[list[WeekView], list[TimelineWeek]]:
    """Load the sets that have opened, with their questions; and every set's place in time."""
    order = fallback_order(language, discussion.language_list)
    sets = list(
        await session.scalars(
            select(QuestionSet)
            .where(QuestionSet.discussion_id == discussion.id)
            .order_by(col(QuestionSet.position))
        )
    )
    opened = [s for s in sets if s.opens_at <= now]
    opened_ids = [s.id or 0 for s in opened]
    titles = await _set_titles(session, opened_ids)
    questions = await _questions(session, opened_ids, order)
    weeks = [
        WeekView(
            id=s.id or 0,
            position=s.position,
            title=localize(titles[s.id or 0], order),
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            is_open=s.opens_at <= now < s.closes_at,
            questions=questions[s.id or 0],
        )
        for s in opened
    ]
    by_id = {week.id: week for week in weeks}
    timeline = [
        TimelineWeek(
            position=s.position,
            status="upcoming" if now < s.opens_at else "open" if now < s.closes_at else "closed",
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            title=by_id[s.id].title if s.id in by_id else None,
        )
        for s in sets
    ]
    return weeks, timeline


async def _moderators(session: AsyncSession, discussion_id: int) -> list[Person]:
    rows = await session.execute(
        select(col(User.display_name), col(User.organisation))
        .join(DiscussionModerator, col(DiscussionModerator.user_id) == col(User.id))
        .where(DiscussionModerator.discussion_id == discussion_id)
        .order_by(col(DiscussionModerator.position))
    )
    return [Person(name, organisation) for name, organisation in rows.all()]


async def get_discussion_page(
    session: AsyncSession, *, slug: str, language: str, now: datetime, preview: bool = False
) -> DiscussionPage:
    """Assemble a discussion page in `language`; raise NotFound for an unknown slug.

    A `preview` shows a discussion not yet published, as readers will see it at `now`.
    """
    discussion = await _discussion(session, slug, now, preview=preview)
    assert discussion.id is not None
    order = fallback_order(language, discussion.language_list)
    translations = (await discussion_translations(session, [discussion.id]))[discussion.id]
    weeks, timeline = await _weeks(session, discussion, language, now)
    upcoming = [week.opens_at for week in timeline if week.status == "upcoming"]
    return DiscussionPage(
        card=discussion_card(discussion, translations, language, now),
        introduction_html=localize(
            {k: t.introduction_html for k, t in translations.items()}, order
        ),
        languages=discussion.language_list,
        moderation_mode=discussion.moderation_mode,
        moderators=await _moderators(session, discussion.id),
        tags=await discussion_tags(session, discussion.id, order),
        documents=await document_links(session, discussion_id=discussion.id, order=order),
        weeks=weeks,
        next_week_opens_at=min(upcoming, default=None),
        general_comments=discussion.general_comments,
        timeline=timeline,
    )


async def discussion_tags(
    session: AsyncSession, discussion_id: int, order: Sequence[str]
) -> list[TagLabel]:
    """Return a discussion's tags in order, each labelled in the best language of `order`."""
    rows = (
        await session.execute(
            select(
                col(Tag.slug),
                col(Tag.kind),
                col(TagTranslation.language),
                col(TagTranslation.label),
            )
            .join(DiscussionTag, col(DiscussionTag.tag_id) == col(Tag.id))
            .join(TagTranslation, col(TagTranslation.tag_id) == col(Tag.id))
            .where(DiscussionTag.discussion_id == discussion_id)
            .order_by(col(DiscussionTag.position), col(TagTranslation.language))
        )
    ).all()
    labels: dict[tuple[str, str], dict[str, str]] = {}
    for slug, kind, tag_language, label in rows:
        labels.setdefault((slug, kind), {})[tag_language] = label
    return [TagLabel(slug, kind, localize(texts, order)) for (slug, kind), texts in labels.items()]


async def get_question_page(
    session: AsyncSession,
    *,
    slug: str,
    number: int,
    language: str,
    now: datetime,
    preview: bool = False,
) -> QuestionPage:
    """Assemble one question's page; raise NotFound while its set has not opened."""
    discussion = await _discussion(session, slug, now, preview=preview)
    assert discussion.id is not None
    translations = (await discussion_translations(session, [discussion.id]))[discussion.id]
    weeks, _timeline = await _weeks(session, discussion, language, now)
    numbers = [q.number for week in weeks for q in week.questions]
    for week in weeks:
        for question in week.questions:
            if question.number == number:
                index = numbers.index(number)
                return QuestionPage(
                    discussion=discussion_card(discussion, translations, language, now),
                    languages=discussion.language_list,
                    general_comments=discussion.general_comments,
                    week=week,
                    question=question,
                    previous_number=numbers[index - 1] if index > 0 else None,
                    next_number=numbers[index + 1] if index + 1 < len(numbers) else None,
                )
    raise NotFound(f"{slug}/questions/{number}")
