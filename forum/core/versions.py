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
# Seconds after a change is first seen during which a page built before it may still be sent
# (`ContentVersions.in_grace`): with the read's own delay, a change reaches readers in
# INTERVAL + GRACE < 1 s, and a busy page is built at most once per GRACE however many
# changes arrive.
GRACE = 0.5
_REMEMBERED = 2.0  # seconds a newer version's first sighting is kept (more than GRACE)


class ContentVersions:
    """The versions last read: by slug, the site's (as `core.content.site_version`), and the
    count of changes to people (`core.changes`), for the cache of who is signed in."""

    def __init__(self) -> None:
        self.by_slug: dict[str, int] = {}
        self.site = 0
        self.people = 0
        self.read_at: float | None = None  # time.monotonic() of the last read
        # By source (slug, or None for the site): (version, time.monotonic()) of each version
        # when first read, oldest first, for the last few seconds.
        self.sightings: dict[str | None, list[tuple[int, float]]] = {}

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
        by_slug = {slug: int(version) for slug, version in rows}
        # The same sum as site_version: every bump raises it, and so does a new discussion.
        site = sum(by_slug.values()) + len(by_slug)
        self.people = await people_version(session)
        moment = time.monotonic()
        if self.read_at is not None:  # what changed since the last read, and when first seen
            self._sighted(None, self.site, site, moment)
            for slug, version in by_slug.items():
                self._sighted(slug, self.by_slug.get(slug), version, moment)
        self.by_slug, self.site, self.read_at = by_slug, site, moment

    def _sighted(self, source: str | None, old: int | None, new: int, moment: float) -> None:
        seen = self.sightings.get(source)
        if seen:
            while seen and moment - seen[0][1] > _REMEMBERED:
                seen.pop(0)
            if not seen:
                del self.sightings[source]
        if old is not None and new != old:
            self.sightings.setdefault(source, []).append((new, moment))

    def changed_for(self, source: str | None, version: int) -> float | None:
        """Seconds since this process first read a version of `source` newer than `version`,
        or None if it read none lately."""
        for seen, moment in self.sightings.get(source, ()):
            if seen > version:
                return time.monotonic() - moment
        return None

    def in_grace(self, source: str | None, version: int) -> bool:
        """Say whether a page built at `version` may still be sent (GRACE): a newer version
        was first read less than GRACE seconds ago, and the versions are fresh."""
        age = self.changed_for(source, version)
        return self.fresh() and age is not None and age < GRACE

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
