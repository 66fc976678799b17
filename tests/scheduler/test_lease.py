"""A job's lease: taken only when due and free, by one holder among several."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from forum.db import Database
from forum.scheduler import lease
from tests.conftest import NOW

EVERY = timedelta(minutes=1)


async def _take(db: Database, holder: str, minutes: float = 0) -> bool:
    async with db.transaction() as session:
        return await lease.take(
            session,
            name="newsletter",
            every=EVERY,
            holder=holder,
            now=NOW + timedelta(minutes=minutes),
        )


async def _release(db: Database, holder: str, minutes: float = 0) -> None:
    async with db.transaction() as session:
        await lease.release(
            session, name="newsletter", holder=holder, now=NOW + timedelta(minutes=minutes)
        )


async def test_one_holder_gets_the_lease_until_it_lets_go(db: Database) -> None:
    assert await _take(db, "a:1")
    assert not await _take(db, "b:2")  # held
    await _release(db, "a:1")
    assert not await _take(db, "b:2", minutes=0.5)  # ran half a minute ago: not due
    assert await _take(db, "b:2", minutes=1)
    async with db.session() as session:
        (job,) = await lease.jobs(session)
    assert (job.name, job.holder, job.last_run_at) == ("newsletter", "b:2", NOW)


async def test_a_holder_that_died_lets_go_when_its_lease_ends(db: Database) -> None:
    assert await _take(db, "a:1")
    assert not await _take(db, "b:2", minutes=9)
    assert await _take(db, "b:2", minutes=11)


async def test_racing_schedulers_get_one_lease(db: Database) -> None:
    won = await asyncio.gather(*(_take(db, f"host{n}:1") for n in range(6)))
    assert sorted(won) == [False] * 5 + [True]


async def test_another_holder_cannot_release_a_lease(db: Database) -> None:
    assert await _take(db, "a:1")
    await _release(db, "b:2")
    assert not await _take(db, "c:3", minutes=2)  # still held by a:1
