"""What the database holds of a discussion, as the file that would make it again.

`forum export-discussion SLUG` prints it; `forum import --update` compares a file with it.
Reading a discussion costs the same few statements whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import tomli_w
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.errors import NotFound
from forum.discussions.documents import document_content
from forum.discussions.filespec import (
    DiscussionSpec,
    DocumentSpec,
    ModeratorSpec,
    QuestionSpec,
    State,
    TagSpec,
    WeekSpec,
)
from forum.models import (
    Discussion,
    DiscussionModerator,
    DiscussionOrganiser,
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
from forum.models.types import ModerationMode, TagKind


@dataclass(frozen=True)
class Stored:
    """A stored discussion as a spec, with the rows an update changes."""

    discussion: Discussion
    spec: DiscussionSpec
    weeks: Sequence[QuestionSet]  # by position
    questions: Mapping[int, Question]  # by number
    tags: Mapping[str, Tag]  # by slug
    documents: Mapping[tuple[str, str], Document]  # by (language, file name)


@dataclass(frozen=True)
class Export:
    text: str  # the TOML file
    files: Mapping[str, bytes]  # each document's bytes under the path the file names


def document_path(document: Document | DocumentSpec) -> str:
    """Where an exported document is written, beside the file: `en/guidance.pdf`."""
    name = document.filename
    return f"{document.language}/{name}"


async def stored_discussion(session: AsyncSession, slug: str) -> Stored:
    """Everything a file can say about the discussion `slug`; NotFound when there is none."""
    discussion = await session.scalar(select(Discussion).where(Discussion.slug == slug))
    if discussion is None or discussion.id is None:
        raise NotFound(slug)
    did = discussion.id
    languages = discussion.language_list
    texts = list(
        await session.scalars(
            select(DiscussionTranslation).where(DiscussionTranslation.discussion_id == did)
        )
    )
    moderators = (
        await session.execute(
            select(User)
            .join(DiscussionModerator, col(DiscussionModerator.user_id) == col(User.id))
            .where(DiscussionModerator.discussion_id == did)
            .order_by(col(DiscussionModerator.position), col(User.id))
        )
    ).scalars()
    organisers = await session.scalars(
        select(User.email)
        .join(DiscussionOrganiser, col(DiscussionOrganiser.user_id) == col(User.id))
        .where(DiscussionOrganiser.discussion_id == did)
        .order_by(col(User.email))
    )
    tags = list(
        await session.scalars(
            select(Tag)
            .join(DiscussionTag, col(DiscussionTag.tag_id) == col(Tag.id))
            .where(DiscussionTag.discussion_id == did)
            .order_by(col(DiscussionTag.position), col(Tag.slug))
        )
    )
    tag_texts = await session.scalars(
        select(TagTranslation).where(col(TagTranslation.tag_id).in_([t.id for t in tags]))
    )
    documents = list(
        await session.scalars(
            select(Document).where(Document.discussion_id == did).order_by(col(Document.id))
        )
    )
    weeks = list(
        await session.scalars(
            select(QuestionSet)
            .where(QuestionSet.discussion_id == did)
            .order_by(col(QuestionSet.position))
        )
    )
    week_titles = await session.scalars(
        select(QuestionSetTranslation)
        .join(QuestionSet, col(QuestionSet.id) == col(QuestionSetTranslation.question_set_id))
        .where(QuestionSet.discussion_id == did)
    )
    questions = list(
        await session.scalars(
            select(Question).where(Question.discussion_id == did).order_by(col(Question.number))
        )
    )
    question_texts = await session.scalars(
        select(QuestionTranslation)
        .join(Question, col(Question.id) == col(QuestionTranslation.question_id))
        .where(Question.discussion_id == did)
    )

    def by(rows: Any, key: str, attribute: str) -> dict[Any, dict[str, str]]:
        grouped: dict[Any, dict[str, str]] = defaultdict(dict)
        for row in rows:
            if row.language in languages:
                grouped[getattr(row, key)][row.language] = getattr(row, attribute)
        return grouped

    tag_rows = list(tag_texts)
    labels, descriptions = by(tag_rows, "tag_id", "label"), by(tag_rows, "tag_id", "description")
    titles, wordings = (
        by(week_titles, "question_set_id", "title"),
        by(question_texts, "question_id", "text"),
    )
    in_week: dict[int, list[QuestionSpec]] = defaultdict(list)
    for question in questions:
        in_week[question.question_set_id].append(
            QuestionSpec(question.number, wordings.get(question.id, {}))
        )
    spec = DiscussionSpec(
        slug=discussion.slug,
        opens_at=discussion.opens_at,
        closes_at=discussion.closes_at,
        timezone=discussion.timezone,
        moderation=ModerationMode(discussion.moderation_mode),
        general_comments=discussion.general_comments,
        languages=tuple(languages),
        title={t.language: t.title for t in texts},
        summary={t.language: t.summary for t in texts},
        introduction={t.language: t.introduction_source for t in texts},
        moderators=tuple(
            ModeratorSpec(u.display_name, u.organisation, u.email) for u in moderators
        ),
        organisers=tuple(organisers),
        tags=tuple(
            TagSpec(
                tag.slug,
                TagKind(tag.kind),
                labels.get(tag.id, {}),
                {k: v for k, v in descriptions.get(tag.id, {}).items() if v},
            )
            for tag in tags
        ),
        documents=tuple(DocumentSpec(d.language, d.title, document_path(d)) for d in documents),
        weeks=tuple(
            WeekSpec(w.opens_at, w.closes_at, titles.get(w.id, {}), tuple(in_week[w.id or 0]))
            for w in weeks
        ),
        state=State.DRAFT if discussion.published_at is None else State.PUBLISHED,
        published_at=discussion.published_at,
    )
    return Stored(
        discussion=discussion,
        spec=spec,
        weeks=weeks,
        questions={q.number: q for q in questions},
        tags={t.slug: t for t in tags},
        documents={(d.language, d.filename): d for d in documents},
    )


def spec_data(spec: DiscussionSpec) -> dict[str, Any]:
    """The spec as the parsed file that says it, dates in the discussion's own zone."""
    zone = ZoneInfo(spec.timezone)

    def local(value: datetime) -> datetime:
        return value.astimezone(zone).replace(microsecond=0)

    data: dict[str, Any] = {"slug": spec.slug, "state": spec.state.value}
    if spec.published_at is not None:
        data["published_at"] = local(spec.published_at)
    data |= {
        "opens_at": local(spec.opens_at),
        "closes_at": local(spec.closes_at),
        "timezone": spec.timezone,
        "moderation": spec.moderation.value,
        "general_comments": spec.general_comments,
        "languages": list(spec.languages),
        "organisers": list(spec.organisers),
        "title": dict(spec.title),
        "summary": dict(spec.summary),
        "introduction": dict(spec.introduction),
        "moderators": [
            {"name": m.name, "organisation": m.organisation, "email": m.email}
            for m in spec.moderators
        ],
        "tags": [
            {"slug": t.slug, "kind": t.kind.value, "label": dict(t.label)}
            | ({"description": dict(t.description)} if t.description else {})
            for t in spec.tags
        ],
        "documents": [
            {"language": d.language, "title": d.title, "file": d.file} for d in spec.documents
        ],
        "weeks": [
            {
                "opens_at": local(w.opens_at),
                "closes_at": local(w.closes_at),
                "title": dict(w.title),
                "questions": [{"number": q.number, "text": dict(q.text)} for q in w.questions],
            }
            for w in spec.weeks
        ],
    }
    return data


async def export_discussion(session: AsyncSession, slug: str, *, data_dir: Path) -> Export:
    """The discussion `slug` as a file, with its documents' bytes; NotFound when unknown."""
    stored = await stored_discussion(session, slug)
    files = {
        document_path(document): document_content(document, data_dir)
        for document in stored.documents.values()
    }
    return Export(tomli_w.dumps(spec_data(stored.spec), multiline_strings=True), files)
