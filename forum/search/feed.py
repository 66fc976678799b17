"""A search as a feed: the newest published posts that match, as the topics' feeds hold them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from forum.search.query import Query
from forum.search.searching import Filters, newest_matches
from forum.topics.entries import FEED_SIZE, entries_for
from forum.topics.feeds import Feed


async def search_feed(
    session: AsyncSession,
    query: Query,
    filters: Filters,
    *,
    title: str,
    language: str,
    now: datetime,
) -> Feed:
    """The latest posts readers may see that match `query` and `filters`, newest first.

    At most four statements whatever the number of posts; an empty query gives an empty feed.
    """
    ids = await newest_matches(session, query, filters, now=now, limit=FEED_SIZE)
    entries = await entries_for(session, ids, language=language, now=now)
    return Feed(title, max((entry.updated_at for entry in entries), default=now), entries)
