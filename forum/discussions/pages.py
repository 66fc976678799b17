"""What readers see of discussions: listings, a discussion page, a question, documents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col, select

from forum.core.errors import NotFound
from forum.core.localize import Localized, fallback_order, localize, pick
from forum.models import (
    Discussion,
    DiscussionModerator,
    DiscussionTag,
    DiscussionTranslation,
    Document,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
    Tag,
    TagTranslation,
    User,
)
from forum.models.types import DiscussionStatus


@dataclass(frozen=True, slots=True)
class DiscussionCard:
    id: int
    slug: str
    title: Localized
    summary: Localized
    opens_at: datetime
    closes_at: datetime
    timezone: str
    status: DiscussionStatus


@dataclass(frozen=True, slots=True)
class DiscussionListing:
    open: list[DiscussionCard]
    upcoming: list[DiscussionCard]
    past: list[DiscussionCard]


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
class DocumentLink:
    id: int
    title: str
    filename: str
    language: str
    size_bytes: int


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


@dataclass(frozen=True, slots=True)
class QuestionPage:
    discussion: DiscussionCard
    languages: list[str]
    general_comments: bool
    week: WeekView
    question: QuestionItem
    previous_number: int | None
    next_number: int | None


def discussion_status(discussion: Discussion, now: datetime) -> DiscussionStatus:
    """Derive a discussion's status from its dates."""
    if now < discussion.opens_at:
        return DiscussionStatus.UPCOMING
    if now < discussion.closes_at:
        return DiscussionStatus.OPEN
    return DiscussionStatus.CLOSED


async def _translations(
    session: AsyncSession, discussion_ids: Iterable[int]
) -> dict[int, dict[str, DiscussionTranslation]]:
    rows = await session.scalars(
        select(DiscussionTranslation).where(
            col(DiscussionTranslation.discussion_id).in_(list(discussion_ids))
        )
    )
    grouped: dict[int, dict[str, DiscussionTranslation]] = defaultdict(dict)
    for row in rows:
        grouped[row.discussion_id][row.language] = row
    return grouped


def _card(
    discussion: Discussion,
    translations: dict[str, DiscussionTranslation],
    language: str,
    now: datetime,
) -> DiscussionCard:
    order = fallback_order(language, discussion.language_list)
    assert discussion.id is not None
    return DiscussionCard(
        id=discussion.id,
        slug=discussion.slug,
        title=localize({k: t.title for k, t in translations.items()}, order),
        summary=localize({k: t.summary for k, t in translations.items()}, order),
        opens_at=discussion.opens_at,
        closes_at=discussion.closes_at,
        timezone=discussion.timezone,
        status=discussion_status(discussion, now),
    )


async def discussion_title(session: AsyncSession, *, discussion: Discussion, language: str) -> str:
    """Return the discussion's title for a reader of `language` (its slug if it has none)."""
    rows = await session.execute(
        select(col(DiscussionTranslation.language), col(DiscussionTranslation.title)).where(
            DiscussionTranslation.discussion_id == discussion.id
        )
    )
    titles = {language: title for language, title in rows.all()}
    found = pick(titles, fallback_order(language, discussion.language_list))
    return found[0] if found else discussion.slug


async def list_discussions(
    session: AsyncSession, *, language: str, now: datetime
) -> DiscussionListing:
    """List discussions open now (closing soonest first), upcoming, and past (newest first)."""
    discussions = list(await session.scalars(select(Discussion).order_by(col(Discussion.opens_at))))
    translations = await _translations(session, [d.id for d in discussions if d.id is not None])
    cards = [_card(d, translations[d.id or 0], language, now) for d in discussions]
    return DiscussionListing(
        open=sorted(
            (c for c in cards if c.status is DiscussionStatus.OPEN), key=lambda c: c.closes_at
        ),
        upcoming=[c for c in cards if c.status is DiscussionStatus.UPCOMING],
        past=sorted(
            (c for c in cards if c.status is DiscussionStatus.CLOSED),
            key=lambda c: c.closes_at,
            reverse=True,
        ),
    )


async def _discussion(session: AsyncSession, slug: str) -> Discussion:
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None:
        raise NotFound(slug)
    return discussion


async def _weeks(
    session: AsyncSession, discussion: Discussion, language: str, now: datetime
) -> tuple[list[WeekView], datetime | None]:
    """Load the sets that have opened, with their questions; and when the next one opens."""
    order = fallback_order(language, discussion.language_list)
    sets = list(
        await session.scalars(
            select(QuestionSet)
            .where(QuestionSet.discussion_id == discussion.id)
            .order_by(col(QuestionSet.position))
        )
    )
    opened = [s for s in sets if s.opens_at <= now]
    upcoming = [s.opens_at for s in sets if s.opens_at > now]
    opened_ids = [s.id for s in opened]
    set_titles: dict[int, dict[str, str]] = defaultdict(dict)
    for set_row in await session.scalars(
        select(QuestionSetTranslation).where(
            col(QuestionSetTranslation.question_set_id).in_(opened_ids)
        )
    ):
        set_titles[set_row.question_set_id][set_row.language] = set_row.title
    questions: dict[int, list[Question]] = defaultdict(list)
    for question in await session.scalars(
        select(Question)
        .where(col(Question.question_set_id).in_(opened_ids))
        .order_by(col(Question.number))
    ):
        questions[question.question_set_id].append(question)
    question_ids = [q.id for group in questions.values() for q in group]
    texts: dict[int, dict[str, str]] = defaultdict(dict)
    for row in await session.scalars(
        select(QuestionTranslation).where(col(QuestionTranslation.question_id).in_(question_ids))
    ):
        texts[row.question_id][row.language] = row.text
    weeks = [
        WeekView(
            id=s.id or 0,
            position=s.position,
            title=localize(set_titles[s.id or 0], order),
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            is_open=s.opens_at <= now < s.closes_at,
            questions=[
                QuestionItem(q.id or 0, q.number, localize(texts[q.id or 0], order))
                for q in questions[s.id or 0]
            ],
        )
        for s in opened
    ]
    return weeks, min(upcoming, default=None)


async def get_discussion_page(
    session: AsyncSession, *, slug: str, language: str, now: datetime
) -> DiscussionPage:
    """Assemble a discussion page in `language`; raise NotFound for an unknown slug."""
    discussion = await _discussion(session, slug)
    assert discussion.id is not None
    order = fallback_order(language, discussion.language_list)
    translations = (await _translations(session, [discussion.id]))[discussion.id]
    moderators = (
        await session.execute(
            select(col(User.display_name), col(User.organisation))
            .join(DiscussionModerator, col(DiscussionModerator.user_id) == col(User.id))
            .where(DiscussionModerator.discussion_id == discussion.id)
            .order_by(col(DiscussionModerator.position))
        )
    ).all()
    tags = await discussion_tags(session, discussion.id, order)
    documents = await session.scalars(
        select(Document)
        .options(defer(Document.content))  # type: ignore[arg-type]
        .where(Document.discussion_id == discussion.id)
        .order_by(col(Document.id))
    )
    weeks, next_opens = await _weeks(session, discussion, language, now)
    chosen_documents = _documents_for(
        [DocumentLink(d.id or 0, d.title, d.filename, d.language, d.size_bytes) for d in documents],
        order,
    )
    return DiscussionPage(
        card=_card(discussion, translations, language, now),
        introduction_html=localize(
            {k: t.introduction_html for k, t in translations.items()}, order
        ),
        languages=discussion.language_list,
        moderation_mode=discussion.moderation_mode,
        moderators=[Person(name, organisation) for name, organisation in moderators],
        tags=tags,
        documents=chosen_documents,
        weeks=weeks,
        next_week_opens_at=next_opens,
        general_comments=discussion.general_comments,
    )


def _documents_for(documents: list[DocumentLink], order: Sequence[str]) -> list[DocumentLink]:
    """Keep the documents of the first language in `order` that has some."""
    by_language: dict[str, list[DocumentLink]] = defaultdict(list)
    for document in documents:
        by_language[document.language].append(document)
    found = pick(by_language, order)
    return found[0] if found else []


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
    session: AsyncSession, *, slug: str, number: int, language: str, now: datetime
) -> QuestionPage:
    """Assemble one question's page; raise NotFound while its set has not opened."""
    discussion = await _discussion(session, slug)
    assert discussion.id is not None
    translations = (await _translations(session, [discussion.id]))[discussion.id]
    weeks, _next = await _weeks(session, discussion, language, now)
    numbers = [q.number for week in weeks for q in week.questions]
    for week in weeks:
        for question in week.questions:
            if question.number == number:
                index = numbers.index(number)
                return QuestionPage(
                    discussion=_card(discussion, translations, language, now),
                    languages=discussion.language_list,
                    general_comments=discussion.general_comments,
                    week=week,
                    question=question,
                    previous_number=numbers[index - 1] if index > 0 else None,
                    next_number=numbers[index + 1] if index + 1 < len(numbers) else None,
                )
    raise NotFound(f"{slug}/questions/{number}")


async def get_document(session: AsyncSession, *, slug: str, document_id: int) -> Document:
    """Return a discussion's document with its content; raise NotFound otherwise."""
    document = await session.scalar(
        select(Document)
        .join(Discussion, col(Discussion.id) == col(Document.discussion_id))
        .where(Discussion.slug == slug, Document.id == document_id)
    )
    if document is None:
        raise NotFound(f"{slug}/documents/{document_id}")
    return document
