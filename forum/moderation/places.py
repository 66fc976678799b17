"""Where moderation happens: each discussion's title in the reader's language and its time zone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.localize import Localized, fallback_order, localize
from forum.discussions.listing import discussion_translations
from forum.models import Discussion


@dataclass(frozen=True, slots=True)
class Place:
    """A discussion as moderation pages name it: by its title, with times in its zone."""

    id: int
    slug: str  # for links only, never shown
    title: Localized
    timezone: str


async def discussion_places(
    session: AsyncSession, discussion_ids: Iterable[int | None] | None, language: str
) -> dict[int, Place]:
    """Name the discussions (None: every one) for a reader of `language`, by id.

    Two statements at most, whatever the number of discussions.
    """
    query = select(Discussion)
    if discussion_ids is not None:
        wanted = sorted({i for i in discussion_ids if i is not None})
        if not wanted:
            return {}
        query = query.where(col(Discussion.id).in_(wanted))
    return await name_discussions(session, list(await session.scalars(query)), language)


async def name_discussions(
    session: AsyncSession, discussions: Sequence[Discussion], language: str
) -> dict[int, Place]:
    """Name discussions already loaded, in one statement, for a reader of `language`."""
    if not discussions:
        return {}
    translations = await discussion_translations(session, [d.id for d in discussions if d.id])
    places: dict[int, Place] = {}
    for discussion in discussions:
        assert discussion.id is not None
        titles = {code: row.title for code, row in translations[discussion.id].items()}
        title = localize(titles, fallback_order(language, discussion.language_list))
        shown = title if title.text else Localized(discussion.slug, title.language)
        places[discussion.id] = Place(discussion.id, discussion.slug, shown, discussion.timezone)
    return places
