"""A job's lease in the database: of several schedulers, one runs each job when it is due.

Taking the lease is one UPDATE that only succeeds if the job is due and nobody holds an
unexpired lease; both databases make that atomic (a row lock on PostgreSQL, the write
transaction on SQLite), so machines racing for it cannot both win.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.models import ScheduledJob

LEASE = timedelta(minutes=10)  # a holder that died lets go after this long


async def take(
    session: AsyncSession, *, name: str, every: timedelta, holder: str, now: datetime
) -> bool:
    """Take the lease of job `name` if it is due (not run for `every`); say whether we did."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    first = insert(ScheduledJob).values(name=name, holder="", last_error="")
    await session.execute(first.on_conflict_do_nothing())  # two schedulers' first run: one row
    result = await session.execute(
        update(ScheduledJob)
        .where(
            col(ScheduledJob.name) == name,
            or_(col(ScheduledJob.lease_until).is_(None), col(ScheduledJob.lease_until) < now),
            or_(
                col(ScheduledJob.last_run_at).is_(None),
                col(ScheduledJob.last_run_at) <= now - every,
            ),
        )
        .values(holder=holder, lease_until=now + LEASE)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(
    session: AsyncSession, *, name: str, holder: str, now: datetime, error: str = ""
) -> None:
    """Let go of the lease; a run that ended (even failed) counts as the job's last run."""
    await session.execute(
        update(ScheduledJob)
        .where(and_(col(ScheduledJob.name) == name, col(ScheduledJob.holder) == holder))
        .values(lease_until=None, last_run_at=now, last_error=error[:1000])
    )


async def jobs(session: AsyncSession) -> list[ScheduledJob]:
    """Every job the scheduler has run or tried, by name."""
    return list((await session.scalars(select(ScheduledJob).order_by(ScheduledJob.name))).all())
