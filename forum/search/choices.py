"""What a reader may narrow a search to: the published discussions and the tags, named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.localize import DEFAULT_LANGUAGE, fallback_order, localize
from forum.discussions.listing import discussion_translations, published
from forum.models import Discussion, Tag, TagTranslation


@dataclass(frozen=True, slots=True)
class SearchChoices:
    discussions: list[tuple[str, str]]  # (slug, title), newest first
    tags: list[tuple[str, str]]  # (slug, label), by label


async def search_choices(session: AsyncSession, *, language: str, now: datetime) -> SearchChoices:
    """The filters' choices in the reader's language (three statements, whatever their number)."""
    discussions = list(
        await session.scalars(
            select(Discussion).where(published(now)).order_by(col(Discussion.opens_at).desc())
        )
    )
    titles = await discussion_translations(session, [d.id for d in discussions if d.id])
    named = []
    for discussion in discussions:
        order = fallback_order(language, discussion.language_list)
        texts = {code: row.title for code, row in titles.get(discussion.id or 0, {}).items()}
        named.append((discussion.slug, localize(texts, order).text))
    rows = await session.execute(
        select(Tag.slug, TagTranslation.language, TagTranslation.label).join(
            TagTranslation, col(TagTranslation.tag_id) == Tag.id
        )
    )
    labels: dict[str, dict[str, str]] = {}
    for slug, tag_language, label in rows:
        labels.setdefault(slug, {})[tag_language] = label
    order = fallback_order(language, (DEFAULT_LANGUAGE,))
    tags = sorted(
        ((slug, localize(texts, order).text) for slug, texts in labels.items()),
        key=lambda pair: pair[1].casefold(),
    )
    return SearchChoices(named, tags)
