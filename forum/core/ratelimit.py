"""Fixed-window rate limits counted in the database, so that every app process shares them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from forum.core.errors import N_, DomainError
from forum.models import RateLimitCounter
from forum.models.base import table_of
from forum.models.types import UTCDateTime

_TABLE = table_of(RateLimitCounter)


class RateLimited(DomainError):
    """Too many attempts; `retry_after` says in how many seconds to try again (429)."""

    message = N_("Too many attempts. Please wait a few minutes and try again.")

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class RateDecision:
    """Whether an attempt may go ahead, the hits counted so far, and how long to wait if not."""

    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends; 0 when allowed


def _retry_after(window_start: datetime, window: timedelta, now: datetime) -> int:
    """Return the whole seconds (at least 1) until the window that began at window_start ends."""
    return max(1, math.ceil((window_start + window - now).total_seconds()))


def _check(limit: int, window: timedelta) -> None:
    """Refuse a limit or window that could never let anything through."""
    if limit < 1 or window <= timedelta(0):
        raise ValueError("a rate limit needs limit >= 1 and a positive window")


def _upsert(dialect: str) -> Any:
    """Return the INSERT construct that supports ON CONFLICT for `dialect`."""
    if dialect == "sqlite":
        return sqlite.insert(_TABLE)
    if dialect == "postgresql":
        return postgresql.insert(_TABLE)
    raise NotImplementedError(f"rate limits do not support the {dialect} dialect")


async def hit(
    session: AsyncSession, *, key: str, limit: int, window: timedelta, now: datetime
) -> RateDecision:
    """Count one attempt on `key` and say whether it stays within `limit` per `window`."""
    _check(limit, window)
    column = _TABLE.c
    now_value = literal(now, UTCDateTime())
    expired = column.window_start <= literal(now - window, UTCDateTime())
    statement = (
        _upsert(session.get_bind().dialect.name)
        .values(key=key, window_start=now, count=1)
        .on_conflict_do_update(
            index_elements=[column.key],
            set_={
                "count": case((expired, 1), else_=column.count + 1),
                "window_start": case((expired, now_value), else_=column.window_start),
            },
        )
        .returning(column.count, column.window_start)
    )
    count, window_start = (await session.execute(statement)).one()
    if count <= limit:
        return RateDecision(allowed=True, count=count, retry_after=0)
    return RateDecision(
        allowed=False, count=count, retry_after=_retry_after(window_start, window, now)
    )


async def enforce(
    session: AsyncSession, *, key: str, limit: int, window: timedelta, now: datetime
) -> None:
    """Count one attempt on `key`; raise RateLimited once it goes over `limit` per `window`."""
    decision = await hit(session, key=key, limit=limit, window=window, now=now)
    if not decision.allowed:
        raise RateLimited(decision.retry_after)


async def peek(
    session: AsyncSession, *, key: str, limit: int, window: timedelta, now: datetime
) -> RateDecision:
    """Say whether one more attempt on `key` would be allowed, without counting one."""
    _check(limit, window)
    column = _TABLE.c
    statement = select(column.count, column.window_start).where(column.key == key)
    row = (await session.execute(statement)).one_or_none()
    if row is None or row[1] <= now - window:
        return RateDecision(allowed=True, count=0, retry_after=0)
    count, window_start = row
    if count < limit:
        return RateDecision(allowed=True, count=count, retry_after=0)
    return RateDecision(
        allowed=False, count=count, retry_after=_retry_after(window_start, window, now)
    )


async def reset(session: AsyncSession, *, key: str) -> None:
    """Forget every attempt counted on `key` (e.g. after a successful sign-in)."""
    await session.execute(delete(_TABLE).where(_TABLE.c.key == key))


async def forgive(session: AsyncSession, *, key: str) -> None:
    """Take back one attempt counted on `key`: it turned out well (a right password, say)."""
    column = _TABLE.c
    await session.execute(
        update(_TABLE).where(column.key == key, column.count > 0).values(count=column.count - 1)
    )


async def prune(session: AsyncSession, *, older_than: datetime) -> int:
    """Delete the counters whose window began before `older_than`; return how many went."""
    result = await session.execute(
        delete(_TABLE)
        .where(_TABLE.c.window_start < literal(older_than, UTCDateTime()))
        .returning(_TABLE.c.key)
    )
    return len(result.all())
