"""The database layer: SQLite pragmas, write transactions, and rollbacks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlmodel import col

from forum.db import Database
from forum.models import Tag, User


async def test_sqlite_runs_in_wal_with_foreign_keys(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    async with db.session() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == 10_000
        # FULL (2) by default: a commit survives a power loss
        assert (await session.execute(text("PRAGMA synchronous"))).scalar() == 2


async def test_sqlite_synchronous_normal_is_applied_on_every_connection(
    database_url: str,
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    db = Database(database_url, synchronous="NORMAL")
    try:
        async with db.session() as first, db.session() as second:
            for session in (first, second):
                assert (await session.execute(text("PRAGMA synchronous"))).scalar() == 1
    finally:
        await db.dispose()
    with pytest.raises(ValueError, match="OFF"):
        Database(database_url, synchronous="OFF")


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            session.add(Tag(slug="half-written", kind="topic"))
            await session.flush()
            raise RuntimeError("boom")
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Tag)) == 0


async def test_concurrent_writers_wait_instead_of_failing(db: Database) -> None:
    """Twenty transactions that read then write at once all commit (no 'database is locked')."""

    async def writer(index: int) -> None:
        async with db.transaction() as session:
            count = await session.scalar(select(func.count()).select_from(User))
            await asyncio.sleep(0.005)
            session.add(
                User(
                    email=f"w{index}@example.org",
                    display_name=f"W {count}",
                    created_at=datetime.now(UTC),
                )
            )

    await asyncio.gather(*(writer(i) for i in range(20)))
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 20


async def test_datetimes_come_back_aware_utc(db: Database) -> None:
    moment = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    async with db.transaction() as session:
        session.add(User(email="t@example.org", display_name="T", created_at=moment))
    async with db.session() as session:
        user = await session.scalar(select(User))
    assert user is not None
    assert user.created_at == moment and user.created_at.tzinfo is not None


async def test_ping_fails_on_unreachable_database(tmp_path: object) -> None:
    broken = Database("sqlite+aiosqlite:////nonexistent-dir/forum.db")
    with pytest.raises(Exception):  # noqa: B017  (any driver error will do)
        await broken.ping()
    await broken.dispose()


async def test_single_read_sends_one_statement_and_no_begin(db: Database) -> None:
    """A one-statement read (the viewer's session lookup) costs just that statement."""
    from tests.helpers import counting

    async with db.transaction() as session:
        session.add(Tag(slug="alone", kind="topic"))
    with counting(db) as counter:
        async with db.single_read() as session:
            found = await session.scalar(select(col(Tag.slug)))
    assert found == "alone"
    assert [sql.split()[0] for sql in counter.statements] == ["SELECT"]
    with counting(db) as counter:  # a reading session still begins (SQLite counts the BEGIN)
        async with db.session() as session:
            await session.scalar(select(col(Tag.slug)))
    assert counter.count == (2 if db.is_sqlite else 1)
