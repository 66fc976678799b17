"""Rate-limit counters: fixed windows, independent keys, resets, pruning, no lost updates."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.core.clock import FixedClock
from forum.core.ratelimit import (
    RateDecision,
    RateLimited,
    enforce,
    forgive,
    hit,
    peek,
    prune,
    reset,
)
from forum.db import Database
from forum.models import RateLimitCounter

WINDOW = timedelta(minutes=10)
LIMIT = 10
KEY = "sign-in:ip:192.0.2.1"


async def _hit(db: Database, clock: FixedClock, key: str = KEY) -> RateDecision:
    async with db.transaction() as session:
        return await hit(session, key=key, limit=LIMIT, window=WINDOW, now=clock.now())


async def _peek(db: Database, clock: FixedClock, key: str = KEY) -> RateDecision:
    async with db.session() as session:
        return await peek(session, key=key, limit=LIMIT, window=WINDOW, now=clock.now())


async def _rows(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(RateLimitCounter)) or 0)


async def test_limit_then_refusal(db: Database, clock: FixedClock) -> None:
    for expected in range(1, LIMIT + 1):
        assert await _hit(db, clock) == RateDecision(allowed=True, count=expected, retry_after=0)
        clock.advance(timedelta(seconds=5))
    refused = await _hit(db, clock)
    assert not refused.allowed
    assert refused.count == LIMIT + 1
    assert 1 <= refused.retry_after <= 600
    assert refused.retry_after == 600 - 5 * LIMIT


async def test_enforce_over_the_limit_raises_rate_limited_with_the_wait(
    db: Database, clock: FixedClock
) -> None:
    for _ in range(LIMIT):
        async with db.transaction() as session:
            await enforce(session, key=KEY, limit=LIMIT, window=WINDOW, now=clock.now())
    clock.advance(timedelta(seconds=30))
    with pytest.raises(RateLimited) as refused:
        async with db.transaction() as session:
            await enforce(session, key=KEY, limit=LIMIT, window=WINDOW, now=clock.now())
    assert refused.value.retry_after == 600 - 30
    assert refused.value.message == "Too many attempts. Please wait a few minutes and try again."


async def test_retry_after_is_at_least_one_second(db: Database, clock: FixedClock) -> None:
    for _ in range(LIMIT):
        await _hit(db, clock)
    clock.advance(WINDOW - timedelta(milliseconds=300))
    refused = await _hit(db, clock)
    assert not refused.allowed and refused.retry_after == 1


async def test_window_resets_when_clock_passes_it(db: Database, clock: FixedClock) -> None:
    for _ in range(LIMIT + 3):
        await _hit(db, clock)
    clock.advance(WINDOW - timedelta(seconds=1))
    assert not (await _hit(db, clock)).allowed
    clock.advance(timedelta(seconds=1))
    fresh = await _hit(db, clock)
    assert fresh == RateDecision(allowed=True, count=1, retry_after=0)
    # The new window began at the reset, not at the first hit of the old one.
    for _ in range(LIMIT - 1):
        await _hit(db, clock)
    clock.advance(WINDOW - timedelta(seconds=1))
    assert not (await _hit(db, clock)).allowed


async def test_keys_are_independent(db: Database, clock: FixedClock) -> None:
    for _ in range(LIMIT + 1):
        await _hit(db, clock, "a")
    assert not (await _hit(db, clock, "a")).allowed
    assert await _hit(db, clock, "b") == RateDecision(allowed=True, count=1, retry_after=0)


async def test_reset_clears_the_counter(db: Database, clock: FixedClock) -> None:
    for _ in range(LIMIT + 1):
        await _hit(db, clock)
    await _hit(db, clock, "other")
    async with db.transaction() as session:
        await reset(session, key=KEY)
    assert (await _hit(db, clock)).count == 1
    assert (await _hit(db, clock, "other")).count == 2
    async with db.transaction() as session:
        await reset(session, key="never-seen")


async def test_forgive_takes_back_one_attempt(db: Database, clock: FixedClock) -> None:
    for _ in range(3):
        await _hit(db, clock)
    async with db.transaction() as session:
        await forgive(session, key=KEY)
        await forgive(session, key="never-counted")
    assert (await _peek(db, clock)).count == 2
    assert (await _hit(db, clock)).count == 3


async def test_peek_does_not_count(db: Database, clock: FixedClock) -> None:
    assert await _peek(db, clock) == RateDecision(allowed=True, count=0, retry_after=0)
    for _ in range(LIMIT - 1):
        await _hit(db, clock)
    assert await _peek(db, clock) == RateDecision(allowed=True, count=LIMIT - 1, retry_after=0)
    assert await _peek(db, clock) == RateDecision(allowed=True, count=LIMIT - 1, retry_after=0)
    assert (await _hit(db, clock)).allowed
    clock.advance(timedelta(minutes=4))
    assert await _peek(db, clock) == RateDecision(allowed=False, count=LIMIT, retry_after=360)
    clock.advance(timedelta(minutes=6))
    assert await _peek(db, clock) == RateDecision(allowed=True, count=0, retry_after=0)


async def test_concurrent_hits_lose_no_update(db: Database, clock: FixedClock) -> None:
    # return_exceptions: let every transaction end before asserting, even when one fails.
    results = await asyncio.gather(*(_hit(db, clock) for _ in range(30)), return_exceptions=True)
    decisions = [r for r in results if isinstance(r, RateDecision)]
    assert len(decisions) == 30, [r for r in results if not isinstance(r, RateDecision)]
    assert sorted(d.count for d in decisions) == list(range(1, 31))
    assert sum(d.allowed for d in decisions) == LIMIT
    assert all(d.allowed == (d.count <= LIMIT) for d in decisions)


async def test_prune_removes_only_old_rows(db: Database, clock: FixedClock) -> None:
    await _hit(db, clock, "old")
    clock.advance(timedelta(hours=1))
    await _hit(db, clock, "new")
    async with db.transaction() as session:
        removed = await prune(session, older_than=clock.now() - timedelta(minutes=30))
    assert removed == 1
    assert await _rows(db) == 1
    assert (await _hit(db, clock, "new")).count == 2
    assert (await _hit(db, clock, "old")).count == 1


@pytest.mark.parametrize(("limit", "window"), [(0, WINDOW), (1, timedelta(0))])
async def test_nonsense_limits_are_refused(
    db: Database, clock: FixedClock, limit: int, window: timedelta
) -> None:
    async with db.session() as session:
        with pytest.raises(ValueError):
            await hit(session, key=KEY, limit=limit, window=window, now=clock.now())
