"""The topics each post is filed under: one reader for the pages, the queue and the exports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.models import PostTag, Tag


async def post_tag_slugs(
    session: AsyncSession, post_ids: Collection[int]
) -> dict[int, tuple[str, ...]]:
    """The tag slugs of each post, alphabetically, in one statement (posts without: absent)."""
    if not post_ids:
        return {}
    found: dict[int, list[str]] = defaultdict(list)
    for post_id, slug in (
        await session.execute(
            select(col(PostTag.post_id), col(Tag.slug))
            .join(Tag, col(Tag.id) == col(PostTag.tag_id))
            .where(col(PostTag.post_id).in_(list(post_ids)))
            .order_by(col(PostTag.post_id), col(Tag.slug))
        )
    ).all():
        found[post_id].append(slug)
    return {post_id: tuple(slugs) for post_id, slugs in found.items()}
