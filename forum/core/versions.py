"""Every discussion's content version, kept in memory by one background read per process.

A cached page is served when the version it was built at is still current. Asking the
database for that version on every hit costs a connection and a statement, more than the hit
itself; instead each process reads all versions (one small statement) every `INTERVAL`
seconds and page caches compare against what it last read. A page may therefore be at most
`STALE_AFTER` seconds out of date; past that (the reads stopped: the database is away, or the
process never started the reader, as in tests) callers ask the database as before.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.changes import people_version
from forum.core.outage import Outage, is_outage
from forum.db import Database
from forum.models import Discussion

INTERVAL = 0.25  # seconds between reads
STALE_AFTER = 1.0  # seconds after the last read when the versions are no longer trusted


class ContentVersions:
    """The versions last read: by slug, the site's (as `core.content.site_version`), and the
    count of changes to people (`core.changes`), for the cache of who is signed in."""

    def __init__(self) -> None:
        self.by_slug: dict[str, int] = {}
        self.site = 0
        self.people = 0
        self.read_at: float | None = None  # time.monotonic() of the last read

    def of(self, source: str | None) -> int | None:
        """The version of a discussion by its slug, or the site's for None (as last read)."""
        return self.site if source is None else self.by_slug.get(source)

    def fresh(self) -> bool:
        """Say whether the last read is recent enough to serve from."""
        return self.read_at is not None and time.monotonic() - self.read_at < STALE_AFTER

    async def read(self, session: AsyncSession) -> None:
        """Read every discussion's version and the people's: two statements."""
        rows = (
            await session.execute(select(col(Discussion.slug), col(Discussion.content_version)))
        ).all()
        self.by_slug = {slug: int(version) for slug, version in rows}
        # The same sum as site_version: every bump raises it, and so does a new discussion.
        self.site = sum(self.by_slug.values()) + len(self.by_slug)
        self.people = await people_version(session)
        self.read_at = time.monotonic()

    async def keep_reading(self, db: Database) -> None:
        """Read the versions every INTERVAL seconds until cancelled; ride out outages."""
        outage = Outage("content versions")
        while True:
            try:
                async with db.session() as session:
                    await self.read(session)
            except Exception as error:
                if not is_outage(error):
                    raise
                await asyncio.sleep(outage.failed(error))
                continue
            outage.recovered()
            await asyncio.sleep(INTERVAL)
