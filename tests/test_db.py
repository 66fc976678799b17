"""The database layer: SQLite pragmas, write transactions, and rollbacks."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import col

import forum.db
from forum.db import Database
from forum.models import Tag, User

_NOW = datetime(2026, 5, 1, tzinfo=UTC)


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


async def test_writers_in_one_process_take_turns_before_sqlite_has_to_wait(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With SQLite's busy timeout at 0, concurrent write transactions of one process still all
    commit: they queue in the process, in order, instead of polling SQLite's busy handler."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL writers lock rows, not the file")
    monkeypatch.setattr(forum.db, "SQLITE_BUSY_TIMEOUT_MS", 0)
    db = Database(database_url)
    order: list[int] = []

    async def writer(index: int) -> None:
        async with db.transaction() as session:
            await session.scalar(select(func.count()).select_from(User))
            order.append(index)
            await asyncio.sleep(0.002)  # another task's turn, were it not waiting
            session.add(User(email=f"t{index}@example.org", display_name="T", created_at=_NOW))

    try:
        await asyncio.gather(*(writer(i) for i in range(20)))
        async with db.session() as session:
            assert await session.scalar(select(func.count()).select_from(User)) == 20
    finally:
        await db.dispose()
    assert order == list(range(20))  # first come, first served


async def test_a_write_opened_inside_a_write_does_not_wait_for_its_own_turn(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write transaction opened while the same task holds the turn goes straight to SQLite,
    as before writers took turns: SQLite's busy timeout (0 here) answers, not a hang."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    monkeypatch.setattr(forum.db, "SQLITE_BUSY_TIMEOUT_MS", 0)
    db = Database(database_url)
    try:
        async with db.transaction() as outer:
            await outer.scalar(select(func.count()).select_from(User))
            async with asyncio.timeout(forum.db.WRITE_TURN_TIMEOUT_S / 2):
                async with db.session() as reading:  # reads never wait for a turn
                    assert await reading.scalar(select(func.count()).select_from(User)) == 0
                with pytest.raises(OperationalError, match="database is locked"):
                    async with db.transaction() as nested:
                        await nested.execute(text("DELETE FROM tags"))
    finally:
        await db.dispose()


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


async def test_a_writer_never_waits_for_a_readers_connection(database_url: str) -> None:
    """On SQLite the writer has connections of its own: with every reading connection taken
    (five and ten more), a write transaction still goes through at once."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    db = Database(database_url)
    try:
        async with contextlib.AsyncExitStack() as readers:
            for _ in range(15):
                reading = await readers.enter_async_context(db.session())
                await reading.scalar(select(func.count()).select_from(User))
            async with asyncio.timeout(5):  # the reading pool would make it wait 30 s
                async with db.transaction() as session:
                    session.add(Tag(slug="while-reading", kind="topic"))
        async with db.session() as session:
            assert await session.scalar(select(func.count()).select_from(Tag)) == 1
    finally:
        await db.dispose()
