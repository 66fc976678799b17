"""Tags as readers see them: the list of every tag, and a tag's page of posts across discussions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from forum.core.errors import NotFound
from forum.core.localize import Localized, fallback_order, localize
from forum.discussions.listing import discussion_translations
from forum.models import Discussion, Post, PostTag, Tag, TagTranslation
from forum.topics.entries import Entry, entries_for, newest_ids, visible, visible_posts

PER_PAGE = 20


@dataclass(frozen=True, slots=True)
class TagItem:
    id: int
    slug: str
    kind: str
    label: Localized
    description: Localized
    posts: int = 0  # published posts filed under it that readers may see


@dataclass(frozen=True, slots=True)
class DiscussionCount:
    slug: str
    title: Localized
    posts: int


@dataclass(frozen=True, slots=True)
class TopicPage:
    tag: TagItem
    entries: list[Entry]  # newest first
    page: int
    pages: int
    total: int  # posts matching the filters
    discussions: list[DiscussionCount]  # every discussion with such posts, most posts first
    discussion: str | None  # the discussion filtered by (its slug), None for all
    language: str | None  # the posts' language filtered by, None for all


def _order(language: str) -> tuple[str, ...]:
    return fallback_order(language, ())


def _items(rows: Sequence[Any], language: str) -> dict[int, TagItem]:
    labels: dict[int, dict[str, str]] = defaultdict(dict)
    descriptions: dict[int, dict[str, str]] = defaultdict(dict)
    tags: dict[int, tuple[str, str]] = {}
    for tag_id, slug, kind, text_language, label, description in rows:
        tags[tag_id] = (slug, kind)
        if text_language is not None:
            labels[tag_id][text_language] = label or ""
            descriptions[tag_id][text_language] = description or ""
    order = _order(language)
    return {
        tag_id: TagItem(
            tag_id,
            slug,
            kind,
            localize(labels[tag_id], order) if labels[tag_id] else Localized(slug, language),
            localize(descriptions[tag_id], order),
        )
        for tag_id, (slug, kind) in tags.items()
    }


def _tag_rows() -> Select[*tuple[Any, ...]]:
    return select(
        col(Tag.id),
        col(Tag.slug),
        col(Tag.kind),
        col(TagTranslation.language),
        col(TagTranslation.label),
        col(TagTranslation.description),
    ).outerjoin(TagTranslation, col(TagTranslation.tag_id) == col(Tag.id))


async def list_tags(session: AsyncSession, *, language: str, now: datetime) -> list[TagItem]:
    """Every tag, labelled for a reader of `language`, with its published posts; by label.

    Two statements whatever the number of tags.
    """
    items = _items((await session.execute(_tag_rows())).all(), language)
    counts = dict(
        (
            await session.execute(
                visible_posts(col(PostTag.tag_id), func.count(col(Post.id)))
                .join(PostTag, col(PostTag.post_id) == col(Post.id))
                .where(*visible(now))
                .group_by(col(PostTag.tag_id))
            )
        ).all()
    )
    return sorted(
        (replace(item, posts=counts.get(item.id, 0)) for item in items.values()),
        key=lambda item: (item.label.text.casefold(), item.slug),
    )


async def get_tag(session: AsyncSession, *, slug: str, language: str) -> TagItem:
    """One tag, labelled for a reader of `language`; NotFound for an unknown slug."""
    rows = (await session.execute(_tag_rows().where(col(Tag.slug) == slug))).all()
    items = _items(rows, language)
    if not items:
        raise NotFound(slug)
    return next(iter(items.values()))


async def _counts(
    session: AsyncSession, tag_id: int, language: str, now: datetime
) -> list[DiscussionCount]:
    rows = (
        await session.execute(
            visible_posts(
                col(Discussion.id),
                col(Discussion.slug),
                col(Discussion.languages),
                func.count(col(Post.id)),
            )
            .join(PostTag, col(PostTag.post_id) == col(Post.id))
            .where(col(PostTag.tag_id) == tag_id, *visible(now))
            .group_by(col(Discussion.id), col(Discussion.slug), col(Discussion.languages))
        )
    ).all()
    translations = await discussion_translations(session, [row[0] for row in rows])
    counts = [
        DiscussionCount(
            slug,
            localize(
                {code: t.title for code, t in translations[discussion_id].items()},
                fallback_order(language, languages.split(",")),
            ),
            posts,
        )
        for discussion_id, slug, languages, posts in rows
    ]
    return sorted(counts, key=lambda count: (-count.posts, count.title.text.casefold()))


async def topic_page(
    session: AsyncSession,
    *,
    slug: str,
    language: str,
    now: datetime,
    discussion: str | None = None,
    post_language: str | None = None,
    page: int = 1,
) -> TopicPage:
    """A tag's page: its published posts across discussions, newest first, a page at a time.

    `discussion` (a slug) and `post_language` narrow the posts; a discussion without such
    posts is ignored. Seven statements whatever the number of posts.
    """
    tag = await get_tag(session, slug=slug, language=language)
    counts = await _counts(session, tag.id, language, now)
    if discussion not in {count.slug for count in counts}:
        discussion = None
    filters = [col(PostTag.tag_id) == tag.id, *visible(now)]
    if discussion is not None:
        filters.append(col(Discussion.slug) == discussion)
    if post_language is not None:
        filters.append(col(Post.language) == post_language)
    total = int(
        await session.scalar(
            visible_posts(func.count(col(Post.id)))
            .join(PostTag, col(PostTag.post_id) == col(Post.id))
            .where(*filters)
        )
        or 0
    )
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    ids = await newest_ids(
        session,
        visible_posts(col(Post.id))
        .join(PostTag, col(PostTag.post_id) == col(Post.id))
        .where(*filters),
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    entries = await entries_for(session, ids, language=language, now=now)
    return TopicPage(
        replace(tag, posts=sum(count.posts for count in counts)),
        entries,
        page,
        pages,
        total,
        counts,
        discussion,
        post_language,
    )
