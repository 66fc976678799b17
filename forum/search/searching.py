"""The one search service: published posts and discussion texts a reader may see, ranked.

Both back-ends answer through `matching.match`; everything else (who may see what, the
filters, paging, what a result shows) is the same SQL for both. A page of results costs
a fixed number of statements: the page, the count, the titles, the questions, the texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy import CTE, ColumnElement, Select, and_, exists, func, literal_column, or_, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.localize import Localized, fallback_order, localize
from forum.core.text import text_of
from forum.discussions.listing import discussion_translations, published
from forum.models import (
    Discussion,
    Post,
    PostTag,
    Question,
    QuestionSet,
    Tag,
    User,
)
from forum.models.types import PostStatus
from forum.search.highlight import passage
from forum.search.indexing import dialect_of
from forum.search.matching import Match, match
from forum.search.query import Query
from forum.studio.weeks import question_texts

PAGE_SIZE = 20
COUNT_CAP = 1_000  # matches counted exactly; past that, "more than 1,000"
RANK_WINDOW = 5_000  # unfiltered, the best matches among this many newest (see _window_floor)
MAX_PAGE = COUNT_CAP // PAGE_SIZE  # past that, a reader narrows the search
TEXT_HITS = 5
SORTS = ("relevance", "date")


@dataclass(frozen=True, slots=True)
class Filters:
    """What a reader narrowed the search to; empty values narrow nothing."""

    discussion: str = ""  # a slug
    question: int | None = None  # a number, within `discussion`
    language: str = ""
    tag: str = ""  # a slug
    group: str = ""
    country: str = ""
    since: date | None = None
    until: date | None = None
    sort: str = "relevance"


@dataclass(frozen=True, slots=True)
class PostHit:
    post_id: int
    slug: str
    discussion: Localized
    question_number: int | None
    question: Localized | None
    author_id: int
    author_name: str
    author_group: str
    language: str
    created_at: datetime
    timezone: str
    passage: Markup


@dataclass(frozen=True, slots=True)
class TextHit:
    slug: str
    discussion: Localized
    question_number: int | None
    passage: Markup
    language: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: Query
    filters: Filters
    posts: list[PostHit] = field(default_factory=list)
    texts: list[TextHit] = field(default_factory=list)
    total: int = 0
    page: int = 1

    @property
    def more(self) -> bool:
        """More matches than were counted: the page says "more than" the cap."""
        return self.total > COUNT_CAP

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // PAGE_SIZE)))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _visible(statement: Select[Any], now: datetime) -> Select[Any]:
    """Only what any reader may see: published posts of published discussions, open weeks."""
    return (
        statement.join(Discussion, col(Discussion.id) == Post.discussion_id)
        .join(User, col(User.id) == Post.author_id)
        .outerjoin(Question, col(Question.id) == Post.question_id)
        .outerjoin(QuestionSet, col(QuestionSet.id) == Question.question_set_id)
        .where(
            col(Post.status) == PostStatus.APPROVED.value,
            published(now),
            or_(col(Post.question_id).is_(None), col(QuestionSet.opens_at) <= now),
        )
    )


def _filtered(statement: Select[Any], filters: Filters) -> Select[Any]:
    conditions: list[Any] = []
    if filters.discussion:
        conditions.append(col(Discussion.slug) == filters.discussion)
        if filters.question is not None:
            conditions.append(col(Question.number) == filters.question)
    if filters.language:
        conditions.append(col(Post.language) == filters.language)
    if filters.group:
        conditions.append(col(User.stakeholder_group) == filters.group)
    if filters.country:
        conditions.append(col(User.country) == filters.country)
    if filters.since:
        conditions.append(col(Post.created_at) >= _day_start(filters.since))
    if filters.until:
        conditions.append(col(Post.created_at) < _day_start(filters.until + timedelta(days=1)))
    if filters.tag:
        tagged = (
            select(PostTag.post_id)
            .join(Tag, col(Tag.id) == PostTag.tag_id)
            .where(col(PostTag.post_id) == Post.id, col(Tag.slug) == filters.tag)
        )
        conditions.append(exists(tagged))
    return statement.where(and_(*conditions)) if conditions else statement


async def search(
    session: AsyncSession,
    query: Query,
    filters: Filters,
    *,
    language: str,
    now: datetime,
    page: int = 1,
) -> SearchResults:
    """Search what readers may see now; an empty query finds nothing (and costs nothing)."""
    page = min(max(page, 1), MAX_PAGE)
    if not query.searchable:
        return SearchResults(query, filters, page=page)
    dialect = dialect_of(session)
    found = match(dialect, "post_search", query, filters.language)
    floor = await _window_floor(session, found, filters)
    # The index answers first, on its own: then each match is joined to its post once
    # (left to choose, SQLite's planner may walk the posts and ask the index for each).
    # Counting needs no rank: its own list of matches is cheaper.
    counted = _matching_posts(_index_matches(found, floor, ranked=False), filters, now)
    count = select(func.count()).select_from(counted.limit(COUNT_CAP + 1).subquery())
    total = await session.scalar(count) or 0
    by_date = filters.sort == "date"
    matches = _index_matches(found, floor, ranked=not by_date)
    base = _matching_posts(matches, filters, now)
    rows = await _page_rows(session, base, None if by_date else matches.c.rank, page)
    posts = await _post_hits(session, rows, query, language)
    texts = (
        await text_hits(session, query, filters, language=language, now=now) if page == 1 else []
    )
    return SearchResults(query, filters, posts, texts, total, page)


async def newest_matches(
    session: AsyncSession, query: Query, filters: Filters, *, now: datetime, limit: int
) -> list[int]:
    """The ids of the newest posts readers may see that match, newest first: a search's feed.

    No count, passages or texts; two statements at most (the window, then the ids).
    """
    if not query.searchable:
        return []
    found = match(dialect_of(session), "post_search", query, filters.language)
    floor = await _window_floor(session, found, filters)
    base = _matching_posts(_index_matches(found, floor, ranked=False), filters, now)
    newest = base.order_by(col(Post.created_at).desc(), col(Post.id).desc()).limit(limit)
    return [int(post_id) for post_id in (await session.scalars(newest)).all()]


def _index_matches(found: Match, floor: int, *, ranked: bool) -> CTE:
    columns = [found.key.label("id")] + ([found.rank.label("rank")] if ranked else [])
    return (
        select(*columns)
        .select_from(table(found.table))
        .where(found.condition, found.key >= floor)
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )


def _matching_posts(matches: CTE, filters: Filters, now: datetime) -> Select[Any]:
    joined = select(Post.id).join_from(Post, matches, matches.c.id == Post.id)
    return _filtered(_visible(joined, now), filters)


async def _window_floor(session: AsyncSession, found: Match, filters: Filters) -> int:
    """The smallest post id worth ranking: that of the RANK_WINDOW-th newest match.

    Ranking costs a computation per match: over a common word in 100,000 posts, more than
    the whole page. So when the index alone can say which posts qualify (no filter but the
    language), the best matches are taken among the RANK_WINDOW newest, and the count and
    the pages stop there too (past COUNT_CAP they say "more than" anyway). With another
    filter, every match is ranked, as few posts then qualify.
    """
    narrowed = (filters.discussion, filters.tag, filters.group, filters.country)
    if any(narrowed) or filters.since or filters.until:
        return 0
    statement = (
        select(found.key)
        .select_from(table(found.table))
        .where(found.condition)
        .order_by(found.key.desc())
        .limit(1)
        .offset(RANK_WINDOW - 1)
    )
    return int(await session.scalar(statement) or 0)


async def _page_rows(
    session: AsyncSession, base: Select[Any], rank: ColumnElement[Any] | None, page: int
) -> list[Any]:
    """A page of matches, best first, or newest first when there is no `rank`."""
    columns = tuple(
        col(column)
        for column in (
            Post.id,
            Post.language,
            Post.html,
            Post.created_at,
            Post.question_id,
            Post.author_id,
            User.display_name,
            User.stakeholder_group,
            Discussion.id,
            Discussion.slug,
            Discussion.languages,
            Discussion.timezone,
            Question.number,
        )
    )
    order = (
        (col(Post.created_at).desc(), col(Post.id).desc())
        if rank is None
        else (rank, col(Post.id).desc())
    )
    statement = base.with_only_columns(*columns).order_by(*order)
    result = await session.execute(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return list(result.all())


async def _post_hits(
    session: AsyncSession, rows: list[Any], query: Query, language: str
) -> list[PostHit]:
    if not rows:
        return []
    titles = await discussion_translations(session, {row[8] for row in rows})
    questions = await question_texts(
        session, sorted({row[4] for row in rows if row[4] is not None})
    )
    hits = []
    for (
        post_id,
        post_language,
        html,
        created_at,
        question_id,
        author_id,
        name,
        group,
        discussion_id,
        slug,
        languages,
        zone,
        number,
    ) in rows:
        order = fallback_order(language, languages.split(","))
        title = localize({k: t.title for k, t in titles.get(discussion_id, {}).items()}, order)
        question = localize(questions[question_id], order) if question_id in questions else None
        hits.append(
            PostHit(
                post_id,
                slug,
                title,
                number,
                question,
                author_id,
                name,
                group,
                post_language,
                created_at,
                zone,
                passage(text_of(html), post_language, query),
            )
        )
    return hits


async def text_hits(
    session: AsyncSession, query: Query, filters: Filters, *, language: str, now: datetime
) -> list[TextHit]:
    """The discussions and questions whose own words match, best first (a few)."""
    found = match(dialect_of(session), "text_search", query)
    discussion_id: ColumnElement[Any] = literal_column("text_search.discussion_id")
    question_id: ColumnElement[Any] = literal_column("text_search.question_id")
    statement = (
        select(discussion_id, question_id, literal_column("text_search.language"))
        .select_from(table("text_search"))
        .join(Discussion, col(Discussion.id) == discussion_id)
        .outerjoin(Question, col(Question.id) == question_id)
        .outerjoin(QuestionSet, col(QuestionSet.id) == Question.question_set_id)
        .where(found.condition, published(now))
        .where(or_(question_id.is_(None), col(QuestionSet.opens_at) <= now))
        .order_by(found.rank)
        .limit(TEXT_HITS)
        .add_columns(col(Discussion.slug), col(Discussion.languages), col(Question.number))
    )
    if filters.discussion:
        statement = statement.where(col(Discussion.slug) == filters.discussion)
    rows = list((await session.execute(statement)).all())
    if not rows:
        return []
    titles = await discussion_translations(session, {row[0] for row in rows})
    questions = await question_texts(
        session, sorted({row[1] for row in rows if row[1] is not None})
    )
    hits = []
    for found_discussion, found_question, text_language, slug, languages, number in rows:
        order = fallback_order(language, languages.split(","))
        translations = titles.get(found_discussion, {})
        title = localize({k: t.title for k, t in translations.items()}, order)
        if found_question is None:
            row = translations.get(text_language)
            words = f"{row.summary} {text_of(row.introduction_html)}" if row else ""
        else:
            words = questions.get(found_question, {}).get(text_language, "")
        shown = passage(words, text_language, query, size=30)
        hits.append(TextHit(slug, title, number, shown, text_language))
    return hits
