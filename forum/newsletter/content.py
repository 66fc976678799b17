"""What the newsletter mails say: discussions, question sets and digests, loaded in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.links import UrlFor
from forum.core.localize import fallback_order, localize, pick
from forum.core.text import text_of
from forum.models import (
    Discussion,
    DiscussionTranslation,
    Post,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
    User,
    WeeklySummary,
)
from forum.models.types import PostStatus

EXCERPT_CHARS = 300


@dataclass(frozen=True, slots=True)
class DiscussionInfo:
    """A discussion with its titles and summaries in every language it has."""

    id: int
    slug: str
    timezone: str
    opens_at: datetime
    closes_at: datetime
    languages: list[str]
    titles: dict[str, str]
    summaries: dict[str, str]


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    id: int
    number: int
    texts: dict[str, str]


@dataclass(frozen=True, slots=True)
class SetInfo:
    """A question set (a week) with its titles and questions."""

    id: int
    discussion_id: int
    position: int
    closes_at: datetime
    titles: dict[str, str]
    questions: list[QuestionInfo] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DigestPost:
    id: int
    question_id: int | None
    language: str
    author: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class DigestMaterial:
    """Everything a digest shows, in all languages; each reader gets their own context."""

    posts: list[DigestPost]
    questions: dict[int, QuestionInfo]
    summaries: dict[str, WeeklySummary]

    def __bool__(self) -> bool:
        return bool(self.posts or self.summaries)


def excerpt(html: str, limit: int = EXCERPT_CHARS) -> str:
    """Return the first `limit` characters of the text of sanitised `html`, cut at a word."""
    text = text_of(html)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


async def load_discussions(
    session: AsyncSession, discussions: Iterable[Discussion]
) -> dict[int, DiscussionInfo]:
    """Gather the titles and summaries of `discussions` in one query."""
    rows = {d.id: d for d in discussions if d.id is not None}
    titles: dict[int, dict[str, str]] = defaultdict(dict)
    summaries: dict[int, dict[str, str]] = defaultdict(dict)
    for row in await session.scalars(
        select(DiscussionTranslation).where(col(DiscussionTranslation.discussion_id).in_(rows))
    ):
        titles[row.discussion_id][row.language] = row.title
        summaries[row.discussion_id][row.language] = row.summary
    return {
        key: DiscussionInfo(
            id=key,
            slug=d.slug,
            timezone=d.timezone,
            opens_at=d.opens_at,
            closes_at=d.closes_at,
            languages=d.language_list,
            titles=titles[key],
            summaries=summaries[key],
        )
        for key, d in rows.items()
    }


async def load_sets(session: AsyncSession, sets: Iterable[QuestionSet]) -> list[SetInfo]:
    """Gather the titles and questions of `sets` in three queries."""
    infos = {
        s.id: SetInfo(s.id, s.discussion_id, s.position, s.closes_at, {})
        for s in sets
        if s.id is not None
    }
    for title in await session.scalars(
        select(QuestionSetTranslation).where(col(QuestionSetTranslation.question_set_id).in_(infos))
    ):
        infos[title.question_set_id].titles[title.language] = title.title
    questions = await session.scalars(
        select(Question)
        .where(col(Question.question_set_id).in_(infos))
        .order_by(col(Question.number))
    )
    by_id: dict[int, QuestionInfo] = {}
    for question in questions:
        info = QuestionInfo(question.id or 0, question.number, {})
        by_id[info.id] = info
        infos[question.question_set_id].questions.append(info)
    await _fill_question_texts(session, by_id)
    return list(infos.values())


async def _fill_question_texts(session: AsyncSession, questions: dict[int, QuestionInfo]) -> None:
    for row in await session.scalars(
        select(QuestionTranslation).where(col(QuestionTranslation.question_id).in_(questions))
    ):
        questions[row.question_id].texts[row.language] = row.text


async def load_digest(
    session: AsyncSession, discussion_id: int, start: datetime, end: datetime
) -> DigestMaterial:
    """Load the posts approved in [start, end), their questions, and the week's summary."""
    rows = (
        await session.execute(
            select(Post, col(User.display_name))
            .join(User, col(User.id) == col(Post.author_id))
            .where(
                Post.discussion_id == discussion_id,
                Post.status == PostStatus.APPROVED.value,
                col(Post.approved_at) >= start,
                col(Post.approved_at) < end,
            )
            .order_by(col(Post.approved_at), col(Post.id))
        )
    ).all()
    posts = [
        DigestPost(post.id or 0, post.question_id, post.language, name, excerpt(post.html))
        for post, name in rows
    ]
    question_ids = {p.question_id for p in posts if p.question_id is not None}
    questions = {
        q.id or 0: QuestionInfo(q.id or 0, q.number, {})
        for q in await session.scalars(select(Question).where(col(Question.id).in_(question_ids)))
    }
    await _fill_question_texts(session, questions)
    summaries = await _week_summaries(session, discussion_id, end)
    return DigestMaterial(posts, questions, summaries)


async def _week_summaries(
    session: AsyncSession, discussion_id: int, end: datetime
) -> dict[str, WeeklySummary]:
    """Return the summaries of the latest set open at the period's last moment, by language."""
    current = (
        select(col(QuestionSet.id))
        .where(
            QuestionSet.discussion_id == discussion_id,
            col(QuestionSet.opens_at) < end,
            col(QuestionSet.closes_at) >= end,
        )
        .order_by(col(QuestionSet.position).desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = await session.scalars(
        select(WeeklySummary).where(col(WeeklySummary.question_set_id) == current)
    )
    return {row.language: row for row in rows}


def discussion_context(info: DiscussionInfo, language: str, url: UrlFor) -> dict[str, Any]:
    """Describe a discussion for a reader of `language`."""
    order = fallback_order(language, info.languages)
    return {
        "discussion": {
            "title": localize(info.titles, order).text,
            "summary": localize(info.summaries, order).text,
            "opens_at": info.opens_at,
            "closes_at": info.closes_at,
            "timezone": info.timezone,
            "url": url("discussion", slug=info.slug),
        }
    }


def set_context(info: DiscussionInfo, week: SetInfo, language: str, url: UrlFor) -> dict[str, Any]:
    """Describe a newly opened question set, its questions linked, for a reader."""
    order = fallback_order(language, info.languages)
    return discussion_context(info, language, url) | {
        "week": {
            "number": week.position,
            "title": localize(week.titles, order).text,
            "closes_at": week.closes_at,
        },
        "questions": [
            {
                "number": q.number,
                "text": localize(q.texts, order).text,
                "url": url("question", slug=info.slug, number=q.number),
            }
            for q in week.questions
        ],
    }


def digest_context(
    info: DiscussionInfo,
    material: DigestMaterial,
    period: tuple[datetime, datetime],
    language: str,
    url: UrlFor,
) -> dict[str, Any]:
    """Describe a digest for a reader: the summary first, then posts grouped by question."""
    discussion_url = url("discussion", slug=info.slug)
    groups: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for post in material.posts:
        groups[post.question_id].append(
            {
                "author": post.author,
                "excerpt": post.excerpt,
                "language": post.language,
                "foreign": post.language != language,
                "url": url("post", slug=info.slug, id=post.id),
            }
        )
    ordered = sorted(
        (key for key in groups if key is not None), key=lambda key: material.questions[key].number
    )
    sections = [
        _question_section(material.questions[key], language, info, url) | {"posts": groups[key]}
        for key in ordered
    ]
    if None in groups:
        sections.append({"number": None, "text": "", "url": discussion_url, "posts": groups[None]})
    return discussion_context(info, language, url) | {
        "period_start": period[0],
        "period_end": period[1],
        "summary": _summary(material, language, info),
        "sections": sections,
        "post_count": len(material.posts),
    }


def _summary(
    material: DigestMaterial, language: str, info: DiscussionInfo
) -> dict[str, Any] | None:
    """Show the week's summary in the reader's best language, if the moderators wrote one."""
    found = pick(material.summaries, fallback_order(language, info.languages))
    if found is None:
        return None
    chosen, actual = found
    return {"html": Markup(chosen.html), "text": chosen.source, "language": actual}


def _question_section(
    question: QuestionInfo, language: str, info: DiscussionInfo, url: UrlFor
) -> dict[str, Any]:
    return {
        "number": question.number,
        "text": localize(question.texts, fallback_order(language, info.languages)).text,
        "url": url("question", slug=info.slug, number=question.number),
    }
