"""Figures in a synthesis, read from the record: `{posts question=3 group=workers}`.

The grammar, small on purpose::

    placeholder := "{" measure ( " " filter "=" value )* "}"
    measure     := "posts"          the published posts
                 | "contributors"   the distinct people who wrote them
    filter      := question (its number) | week (its number) | group (a stakeholder group:
                   government, employers, workers, training_provider, ngo, academia,
                   international, individual, other) | country (a two-letter code, e.g. CO)
                 | language (en, es, fr: one of the discussion's) | tag (a tag's slug)

Each filter may appear once; they all must hold. Anything between braces that starts with a
lower-case word and has only `name=value` words after it is read as a placeholder, so a
mistyped one (`{post question=3}`) is a problem for the checker rather than text.
All the figures of a text are counted in one statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.accounts.profiles import country_codes
from forum.core.errors import N_
from forum.models import DiscussionTag, Post, PostTag, Question, QuestionSet, Tag, User
from forum.models.types import PostStatus, StakeholderGroup

PLACEHOLDER = re.compile(r"\{(?P<measure>[a-z_]+)(?P<filters>(?:[ \t]+[a-z_]+=[^\s{}=]*)*)[ \t]*\}")
MEASURES = ("posts", "contributors")
FILTERS = ("question", "week", "group", "country", "language", "tag")

UNKNOWN_MEASURE = N_("“%(text)s”: a figure is {posts …} or {contributors …}.")
UNKNOWN_FILTER = N_(
    "“%(text)s”: “%(name)s” is not a filter; use question, week, group, country, language or tag."
)
REPEATED_FILTER = N_("“%(text)s”: the filter “%(name)s” is given twice.")
UNKNOWN_VALUE = N_("“%(text)s”: %(name)s=%(value)s names nothing in this discussion.")


@dataclass(frozen=True, slots=True)
class Figure:
    """One placeholder of a text: where it stands and what it counts."""

    start: int
    end: int
    line: int
    text: str
    measure: str
    filters: tuple[tuple[str, str], ...]

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.measure, tuple(sorted(self.filters))


@dataclass(frozen=True, slots=True)
class FigureProblem:
    line: int
    message: str
    params: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The values a filter may take in one discussion."""

    questions: frozenset[str]
    weeks: frozenset[str]
    languages: frozenset[str]
    tags: frozenset[str]

    def allows(self, name: str, value: str) -> bool:
        if name == "group":
            return value in {group.value for group in StakeholderGroup}
        if name == "country":
            return value.upper() in country_codes()
        allowed = {
            "question": self.questions,
            "week": self.weeks,
            "language": self.languages,
            "tag": self.tags,
        }
        return value in allowed[name]


def find_figures(source: str) -> Iterator[Figure]:
    """Yield every placeholder of `source`, known or not, in order."""
    for match in PLACEHOLDER.finditer(source):
        pairs = tuple(
            (name, value)
            for name, _, value in (word.partition("=") for word in match["filters"].split())
        )
        yield Figure(
            start=match.start(),
            end=match.end(),
            line=source.count("\n", 0, match.start()) + 1,
            text=match[0],
            measure=match["measure"],
            filters=pairs,
        )


def figure_problems(figure: Figure, vocabulary: Vocabulary) -> list[FigureProblem]:
    """Say everything wrong with one placeholder (nothing when it can be counted)."""
    problems: list[FigureProblem] = []

    def add(message: str, **params: object) -> None:
        problems.append(FigureProblem(figure.line, message, {"text": figure.text, **params}))

    if figure.measure not in MEASURES:
        add(UNKNOWN_MEASURE)
    seen: set[str] = set()
    for name, value in figure.filters:
        if name not in FILTERS:
            add(UNKNOWN_FILTER, name=name)
        elif name in seen:
            add(REPEATED_FILTER, name=name)
        elif not vocabulary.allows(name, value):
            add(UNKNOWN_VALUE, name=name, value=value)
        seen.add(name)
    return problems


async def vocabulary(
    session: AsyncSession, *, discussion_id: int, languages: Sequence[str]
) -> Vocabulary:
    """Read what the filters may name in a discussion: two statements."""
    rows = await session.execute(
        select(col(Question.number), col(QuestionSet.position))
        .join(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
        .where(Question.discussion_id == discussion_id)
    )
    numbers = rows.all()
    tags = await session.scalars(
        select(col(Tag.slug))
        .join(DiscussionTag, col(DiscussionTag.tag_id) == col(Tag.id))
        .where(DiscussionTag.discussion_id == discussion_id)
    )
    return Vocabulary(
        questions=frozenset(str(number) for number, _ in numbers),
        weeks=frozenset(str(position) for _, position in numbers),
        languages=frozenset(languages),
        tags=frozenset(tags.all()),
    )


def _condition(filters: tuple[tuple[str, str], ...]) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [literal(True)]
    for name, value in filters:
        if name == "question":
            conditions.append(col(Question.number) == int(value))
        elif name == "week":
            conditions.append(col(QuestionSet.position) == int(value))
        elif name == "group":
            conditions.append(col(User.stakeholder_group) == value)
        elif name == "country":
            conditions.append(col(User.country) == value.upper())
        elif name == "language":
            conditions.append(col(Post.language) == value)
        elif name == "tag":
            tagged = (
                select(literal(1))
                .select_from(PostTag)
                .join(Tag, col(Tag.id) == col(PostTag.tag_id))
                .where(col(PostTag.post_id) == col(Post.id), col(Tag.slug) == value)
            )
            conditions.append(tagged.exists())
    return and_(*conditions)


async def count_figures(
    session: AsyncSession, *, discussion_id: int, figures: Sequence[Figure]
) -> dict[tuple[str, tuple[tuple[str, str], ...]], int]:
    """Count every (checked) figure over the discussion's published posts: one statement."""
    keys = list(dict.fromkeys(figure.key for figure in figures))
    if not keys:
        return {}
    columns = [
        (
            func.count(distinct(case((_condition(filters), col(Post.author_id)))))
            if measure == "contributors"
            else func.coalesce(func.sum(case((_condition(filters), 1), else_=0)), 0)
        )
        for measure, filters in keys
    ]
    statement = (
        select(*columns)
        .select_from(Post)
        .join(User, col(User.id) == col(Post.author_id))
        .outerjoin(Question, col(Question.id) == col(Post.question_id))
        .outerjoin(QuestionSet, col(QuestionSet.id) == col(Question.question_set_id))
        .where(Post.discussion_id == discussion_id, Post.status == PostStatus.APPROVED.value)
    )
    row = (await session.execute(statement)).one()
    return {key: int(value or 0) for key, value in zip(keys, row, strict=True)}
