"""A discussion's outline in one statement: its weeks and their titles, its questions and
their texts, its tags and their labels, its moderators and its documents.

A discussion's page and each question's page need all of these together, and each is a
short list, so they are read as one UNION ALL of rows of a single shape (kind, id, owner,
position, opens, closes, language, text, extra, extra2) and sorted out here, in Python. Each
part is a plain join on its own index (the discussion's id leads every one), so the
statement costs what the parts would alone, without a round trip each, and returns the same
rows on SQLite and PostgreSQL. Texts in every language come back; pages pick one by the one
fallback order (`core/localize`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, cast, literal_column, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from forum.discussions.documents import DocumentLink
from forum.models import (
    DiscussionModerator,
    DiscussionTag,
    Document,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
    Tag,
    TagTranslation,
    User,
)
from forum.models.types import UTCDateTime

# What a row of the statement is part of (its first column).
_SET, _QUESTION, _TAG, _MODERATOR, _DOCUMENT = "set", "question", "tag", "moderator", "document"


@dataclass(frozen=True, slots=True)
class OutlineSet:
    id: int
    position: int
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class OutlineQuestion:
    id: int
    set_id: int
    number: int


@dataclass
class Outline:
    """Everything in every language; lists in the order pages show them."""

    sets: list[OutlineSet] = field(default_factory=list)  # by position
    set_titles: dict[int, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    questions: list[OutlineQuestion] = field(default_factory=list)  # by number
    question_texts: dict[int, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    # (slug, kind) -> language -> label, in the discussion's order of its tags
    tags: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    moderators: list[tuple[str, str]] = field(default_factory=list)  # (name, organisation)
    documents: list[DocumentLink] = field(default_factory=list)  # by id, every language


def _none(type_: Any) -> Any:
    """A typed NULL, so every part of the UNION has the same column types on PostgreSQL."""
    return cast(null(), type_)


def _kind(name: str) -> Any:
    return literal_column(f"'{name}'", String).label("kind")


def _statement(discussion_id: int) -> Any:
    no_time = _none(UTCDateTime())
    sets = (
        select(
            _kind(_SET),
            col(QuestionSet.id).label("id"),
            _none(Integer).label("owner"),
            col(QuestionSet.position).label("position"),
            col(QuestionSet.opens_at).label("opens"),
            col(QuestionSet.closes_at).label("closes"),
            col(QuestionSetTranslation.language).label("language"),
            col(QuestionSetTranslation.title).label("text"),
            _none(String).label("extra"),
            _none(String).label("extra2"),
        )
        .outerjoin(
            QuestionSetTranslation,
            col(QuestionSetTranslation.question_set_id) == col(QuestionSet.id),
        )
        .where(col(QuestionSet.discussion_id) == discussion_id)
    )
    questions = (
        select(
            _kind(_QUESTION),
            col(Question.id),
            col(Question.question_set_id),
            col(Question.number),
            no_time,
            no_time,
            col(QuestionTranslation.language),
            col(QuestionTranslation.text),
            _none(String),
            _none(String),
        )
        .outerjoin(QuestionTranslation, col(QuestionTranslation.question_id) == col(Question.id))
        .where(col(Question.discussion_id) == discussion_id)
    )
    tags = (
        select(
            _kind(_TAG),
            col(Tag.id),
            _none(Integer),
            col(DiscussionTag.position),
            no_time,
            no_time,
            col(TagTranslation.language),
            col(TagTranslation.label),
            col(Tag.slug),
            col(Tag.kind),
        )
        .join(DiscussionTag, col(DiscussionTag.tag_id) == col(Tag.id))
        .join(TagTranslation, col(TagTranslation.tag_id) == col(Tag.id))
        .where(col(DiscussionTag.discussion_id) == discussion_id)
    )
    moderators = (
        select(
            _kind(_MODERATOR),
            col(User.id),
            _none(Integer),
            col(DiscussionModerator.position),
            no_time,
            no_time,
            _none(String),
            col(User.display_name),
            col(User.organisation),
            _none(String),
        )
        .join(DiscussionModerator, col(DiscussionModerator.user_id) == col(User.id))
        .where(col(DiscussionModerator.discussion_id) == discussion_id)
    )
    documents = select(
        _kind(_DOCUMENT),
        col(Document.id),
        col(Document.size_bytes),
        col(Document.id),
        no_time,
        no_time,
        col(Document.language),
        col(Document.title),
        col(Document.filename),
        _none(String),
    ).where(col(Document.discussion_id) == discussion_id)
    return union_all(sets, questions, tags, moderators, documents)


async def discussion_outline(session: AsyncSession, discussion_id: int) -> Outline:
    """Read the discussion's outline, in every language, in one statement."""
    rows = (await session.execute(_statement(discussion_id))).all()
    return fold(rows)


def fold(rows: Sequence[Any]) -> Outline:
    """Sort the statement's rows into their parts, each in the order pages show it."""
    outline = Outline()
    parts: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        parts[row.kind].append(row)
    sets: dict[int, OutlineSet] = {}
    for row in parts[_SET]:
        sets[row.id] = OutlineSet(row.id, row.position, row.opens, row.closes)
        if row.language is not None:
            outline.set_titles[row.id][row.language] = row.text
    outline.sets = sorted(sets.values(), key=lambda s: (s.position, s.id))
    questions: dict[int, OutlineQuestion] = {}
    for row in parts[_QUESTION]:
        questions[row.id] = OutlineQuestion(row.id, row.owner, row.position)
        if row.language is not None:
            outline.question_texts[row.id][row.language] = row.text
    outline.questions = sorted(questions.values(), key=lambda q: (q.number, q.id))
    for row in sorted(parts[_TAG], key=lambda r: (r.position, r.id, r.language)):
        outline.tags.setdefault((row.extra, row.extra2), {})[row.language] = row.text
    outline.moderators = [
        (row.text, row.extra) for row in sorted(parts[_MODERATOR], key=lambda r: (r.position, r.id))
    ]
    outline.documents = [
        DocumentLink(row.id, row.text, row.extra, row.language, row.owner)
        for row in sorted(parts[_DOCUMENT], key=lambda r: r.id)
    ]
    return outline
