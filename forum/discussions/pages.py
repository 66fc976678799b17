"""A discussion's page and a question's page: the weeks opened so far, moderators and tags."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from forum.core.errors import NotFound
from forum.core.localize import Localized, fallback_order, localize
from forum.discussions.documents import DocumentLink, links_in_language
from forum.discussions.listing import (
    DiscussionCard,
    discussion_card,
    is_published,
    with_translations,
)
from forum.discussions.outline import Outline, discussion_outline
from forum.models import Discussion, DiscussionTranslation


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
    tags: list[TagLabel] = field(default_factory=list)  # the discussion's, for its posts


async def _discussion(
    session: AsyncSession, slug: str, now: datetime, *, preview: bool = False
) -> tuple[Discussion, dict[str, DiscussionTranslation]]:
    """Load a discussion readers may see now (any, for a studio `preview`), with its
    translations by language, in one statement; else NotFound."""
    found = await with_translations(session, col(Discussion.slug) == slug)
    if not found or not (preview or is_published(found[0][0], now)):
        raise NotFound(slug)
    return found[0]


def _weeks(
    outline: Outline, order: Sequence[str], now: datetime
) -> tuple[list[WeekView], list[TimelineWeek]]:
    """The sets that have opened, with their questions; and every set's place in time."""
    questions: dict[int, list[QuestionItem]] = defaultdict(list)
    for q in outline.questions:
        text = localize(outline.question_texts[q.id], order)
        questions[q.set_id].append(QuestionItem(q.id, q.number, text))
    weeks = [
        WeekView(
            id=s.id,
            position=s.position,
            title=localize(outline.set_titles[s.id], order),
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            is_open=s.opens_at <= now < s.closes_at,
            questions=questions[s.id],
        )
        for s in outline.sets
        if s.opens_at <= now
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
        for s in outline.sets
    ]
    return weeks, timeline


def _tag_labels(
    labels: dict[tuple[str, str], dict[str, str]], order: Sequence[str]
) -> list[TagLabel]:
    return [TagLabel(slug, kind, localize(texts, order)) for (slug, kind), texts in labels.items()]


async def get_discussion_page(
    session: AsyncSession, *, slug: str, language: str, now: datetime, preview: bool = False
) -> DiscussionPage:
    """Assemble a discussion page in `language`; raise NotFound for an unknown slug.

    A `preview` shows a discussion not yet published, as readers will see it at `now`.
    Two statements: the discussion with its translations, then its outline.
    """
    discussion, translations = await _discussion(session, slug, now, preview=preview)
    assert discussion.id is not None
    order = fallback_order(language, discussion.language_list)
    outline = await discussion_outline(session, discussion.id)
    weeks, timeline = _weeks(outline, order, now)
    upcoming = [week.opens_at for week in timeline if week.status == "upcoming"]
    return DiscussionPage(
        card=discussion_card(discussion, translations, language, now),
        introduction_html=localize(
            {k: t.introduction_html for k, t in translations.items()}, order
        ),
        languages=discussion.language_list,
        moderation_mode=discussion.moderation_mode,
        moderators=[Person(name, organisation) for name, organisation in outline.moderators],
        tags=_tag_labels(outline.tags, order),
        documents=links_in_language(outline.documents, order),
        weeks=weeks,
        next_week_opens_at=min(upcoming, default=None),
        general_comments=discussion.general_comments,
        timeline=timeline,
    )


async def discussion_tags(
    session: AsyncSession, discussion_id: int, order: Sequence[str]
) -> list[TagLabel]:
    """Return a discussion's tags in order, each labelled in the best language of `order`
    (from its outline: one statement, the one reader of a discussion's tags)."""
    return _tag_labels((await discussion_outline(session, discussion_id)).tags, order)


async def get_question_page(
    session: AsyncSession,
    *,
    slug: str,
    number: int,
    language: str,
    now: datetime,
    preview: bool = False,
) -> QuestionPage:
    """Assemble one question's page; raise NotFound while its set has not opened.

    Two statements: the discussion with its translations, then its outline.
    """
    discussion, translations = await _discussion(session, slug, now, preview=preview)
    assert discussion.id is not None
    order = fallback_order(language, discussion.language_list)
    outline = await discussion_outline(session, discussion.id)
    weeks, _timeline = _weeks(outline, order, now)
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
                    tags=_tag_labels(outline.tags, order),
                )
    raise NotFound(f"{slug}/questions/{number}")
