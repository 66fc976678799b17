"""Discussions as the studio holds them: every text in every language, weeks, questions, tags.

`load_drafts` reads any number of discussions in a fixed number of statements, for the
studio's list (what blocks publishing) and for the pages that edit them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.discussions.checks import Draft, DraftQuestion, DraftTag, DraftWeek, Problem, check_draft
from forum.models import (
    Discussion,
    DiscussionTag,
    DiscussionTranslation,
    Post,
    Question,
    QuestionSet,
    QuestionSetTranslation,
    QuestionTranslation,
    Tag,
    TagTranslation,
)


@dataclass(frozen=True, slots=True)
class StudioQuestion:
    id: int
    number: int
    text: dict[str, str]
    posts: int  # contributions of any status: while there are some, it cannot go

    def missing_in(self, languages: Sequence[str]) -> list[str]:
        return [code for code in languages if not self.text.get(code, "").strip()]


@dataclass(frozen=True, slots=True)
class StudioWeek:
    id: int
    position: int
    title: dict[str, str]
    questions: list[StudioQuestion]
    set: QuestionSet

    @property
    def posts(self) -> int:
        return sum(question.posts for question in self.questions)

    def missing_in(self, languages: Sequence[str]) -> list[str]:
        return [code for code in languages if not self.title.get(code, "").strip()]


@dataclass(frozen=True, slots=True)
class StudioTag:
    id: int
    slug: str
    kind: str
    label: dict[str, str]
    description: dict[str, str]


@dataclass(slots=True)
class StudioDiscussion:
    """One discussion with every language of every text, as organisers edit it."""

    discussion: Discussion
    title: dict[str, str] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)
    introduction: dict[str, str] = field(default_factory=dict)
    weeks: list[StudioWeek] = field(default_factory=list)
    tags: list[StudioTag] = field(default_factory=list)

    @property
    def id(self) -> int:
        assert self.discussion.id is not None
        return self.discussion.id

    @property
    def languages(self) -> list[str]:
        return self.discussion.language_list

    @property
    def question_count(self) -> int:
        return sum(len(week.questions) for week in self.weeks)

    def draft(self) -> Draft:
        d = self.discussion
        return Draft(
            slug=d.slug,
            opens_at=d.opens_at,
            closes_at=d.closes_at,
            timezone=d.timezone,
            languages=d.language_list,
            title=self.title,
            summary=self.summary,
            introduction=self.introduction,
            weeks=[
                DraftWeek(
                    opens_at=week.set.opens_at,
                    closes_at=week.set.closes_at,
                    title=week.title,
                    questions=[DraftQuestion(q.number, q.text) for q in week.questions],
                )
                for week in self.weeks
            ],
            tags=[DraftTag(tag.slug, tag.label) for tag in self.tags],
        )

    def problems(self, offered: Sequence[str]) -> list[Problem]:
        """What still blocks publishing (or, once published, what readers will miss)."""
        return check_draft(self.draft(), offered)


async def load_drafts(
    session: AsyncSession, discussions: Sequence[Discussion]
) -> dict[int, StudioDiscussion]:
    """Load the discussions' texts, weeks, questions and tags: seven statements, any number."""
    ids = [d.id for d in discussions if d.id is not None]
    found = {d.id: StudioDiscussion(d) for d in discussions if d.id is not None}
    if not ids:
        return {}
    for t in await session.scalars(
        select(DiscussionTranslation).where(col(DiscussionTranslation.discussion_id).in_(ids))
    ):
        one = found[t.discussion_id]
        one.title[t.language] = t.title
        one.summary[t.language] = t.summary
        one.introduction[t.language] = t.introduction_source
    sets = list(
        await session.scalars(
            select(QuestionSet)
            .where(col(QuestionSet.discussion_id).in_(ids))
            .order_by(col(QuestionSet.discussion_id), col(QuestionSet.position))
        )
    )
    set_titles: dict[int, dict[str, str]] = defaultdict(dict)
    for st in await session.scalars(
        select(QuestionSetTranslation).where(
            col(QuestionSetTranslation.question_set_id).in_([s.id for s in sets])
        )
    ):
        set_titles[st.question_set_id][st.language] = st.title
    questions = list(
        await session.scalars(
            select(Question)
            .where(col(Question.discussion_id).in_(ids))
            .order_by(col(Question.number))
        )
    )
    texts: dict[int, dict[str, str]] = defaultdict(dict)
    for qt in await session.scalars(
        select(QuestionTranslation)
        .join(Question, col(Question.id) == col(QuestionTranslation.question_id))
        .where(col(Question.discussion_id).in_(ids))
    ):
        texts[qt.question_id][qt.language] = qt.text
    rows = await session.execute(
        select(col(Post.question_id), func.count())
        .where(col(Post.discussion_id).in_(ids), col(Post.question_id).is_not(None))
        .group_by(col(Post.question_id))
    )
    counts = {int(question_id or 0): int(n) for question_id, n in rows.all()}
    by_set: dict[int, list[StudioQuestion]] = defaultdict(list)
    for q in questions:
        assert q.id is not None
        by_set[q.question_set_id].append(
            StudioQuestion(q.id, q.number, texts[q.id], counts.get(q.id, 0))
        )
    for s in sets:
        assert s.id is not None
        found[s.discussion_id].weeks.append(
            StudioWeek(s.id, s.position, set_titles[s.id], by_set[s.id], s)
        )
    await _load_tags(session, ids, found)
    return found


async def _load_tags(
    session: AsyncSession, ids: list[int], found: dict[int, StudioDiscussion]
) -> None:
    rows = await session.execute(
        select(DiscussionTag, Tag, TagTranslation)
        .join(Tag, col(Tag.id) == col(DiscussionTag.tag_id))
        .outerjoin(TagTranslation, col(TagTranslation.tag_id) == col(Tag.id))
        .where(col(DiscussionTag.discussion_id).in_(ids))
        .order_by(col(DiscussionTag.discussion_id), col(DiscussionTag.position))
    )
    tags: dict[tuple[int, int], StudioTag] = {}
    for link, tag, translation in rows.all():
        assert tag.id is not None
        key = (link.discussion_id, tag.id)
        if key not in tags:
            tags[key] = StudioTag(tag.id, tag.slug, tag.kind, {}, {})
            found[link.discussion_id].tags.append(tags[key])
        if translation is not None:
            tags[key].label[translation.language] = translation.label
            tags[key].description[translation.language] = translation.description


async def load_draft(session: AsyncSession, discussion: Discussion) -> StudioDiscussion:
    """One discussion as the studio edits it."""
    return (await load_drafts(session, [discussion]))[discussion.id or 0]
