"""What readers see of discussions: listings, a discussion page, a question, documents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col, select

from forum.core.errors import NotFound
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

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Localized:
    """A translated text and the language it is actually in (after any fallback)."""

    text: str
    language: str


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


def pick(texts: dict[str, T], language: str, fallbacks: Sequence[str]) -> tuple[T, str]:
    """Choose the text in `language`, else the first fallback that has one."""
    for candidate in (language, *fallbacks):
        if candidate in texts:
            return texts[candidate], candidate
    first = next(iter(texts))
    return texts[first], first


def _fallbacks(discussion: Discussion) -> list[str]:
    return [*discussion.language_list[:1], "en", *discussion.language_list[1:]]


def _localize(texts: dict[str, str], language: str, fallbacks: Sequence[str]) -> Localized:
    if not texts:
        return Localized("", language)
    text, actual = pick(texts, language, fallbacks)
    return Localized(text, actual)


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
    fallbacks = _fallbacks(discussion)
    assert discussion.id is not None
    return DiscussionCard(
        id=discussion.id,
        slug=discussion.slug,
        title=_localize({k: t.title for k, t in translations.items()}, language, fallbacks),
        summary=_localize({k: t.summary for k, t in translations.items()}, language, fallbacks),
        opens_at=discussion.opens_at,
        closes_at=discussion.closes_at,
        timezone=discussion.timezone,
        status=discussion_status(discussion, now),
    )


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
    fallbacks = _fallbacks(discussion)
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
            title=_localize(set_titles[s.id or 0], language, fallbacks),
            opens_at=s.opens_at,
            closes_at=s.closes_at,
            is_open=s.opens_at <= now < s.closes_at,
            questions=[
                QuestionItem(q.id or 0, q.number, _localize(texts[q.id or 0], language, fallbacks))
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
    fallbacks = _fallbacks(discussion)
    translations = (await _translations(session, [discussion.id]))[discussion.id]
    moderators = (
        await session.execute(
            select(col(User.display_name), col(User.organisation))
            .join(DiscussionModerator, col(DiscussionModerator.user_id) == col(User.id))
            .where(DiscussionModerator.discussion_id == discussion.id)
            .order_by(col(DiscussionModerator.position))
        )
    ).all()
    tags = await discussion_tags(session, discussion.id, language, fallbacks)
    documents = await session.scalars(
        select(Document)
        .options(defer(Document.content))  # type: ignore[arg-type]
        .where(Document.discussion_id == discussion.id)
        .order_by(col(Document.id))
    )
    weeks, next_opens = await _weeks(session, discussion, language, now)
    chosen_documents = _documents_for(
        [DocumentLink(d.id or 0, d.title, d.filename, d.language, d.size_bytes) for d in documents],
        language,
        fallbacks,
    )
    return DiscussionPage(
        card=_card(discussion, translations, language, now),
        introduction_html=_localize(
            {k: t.introduction_html for k, t in translations.items()}, language, fallbacks
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


def _documents_for(
    documents: list[DocumentLink], language: str, fallbacks: Sequence[str]
) -> list[DocumentLink]:
    """Keep the reader's language's documents, else those of the first fallback that has some."""
    for candidate in (language, *fallbacks):
        chosen = [d for d in documents if d.language == candidate]
        if chosen:
            return chosen
    return documents


async def discussion_tags(
    session: AsyncSession, discussion_id: int, language: str, fallbacks: Sequence[str]
) -> list[TagLabel]:
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
    return [
        TagLabel(slug, kind, _localize(texts, language, fallbacks))
        for (slug, kind), texts in labels.items()
    ]


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
