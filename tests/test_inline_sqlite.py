"""SQLite's writer connections: a write transaction runs without giving the event loop away,
and waits for another process's lock with asyncio sleeps, never inside SQLite."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import forum.db
from forum.db import Database
from forum.models import Tag, User
from tests.helpers import listening

_NOW = datetime(2026, 5, 1, tzinfo=UTC)


class Ticker:
    """Count the event loop's turns while it runs."""

    def __init__(self) -> None:
        self.turns = 0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            self.turns += 1
            await asyncio.sleep(0)

    async def __aenter__(self) -> Ticker:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


@pytest.fixture
async def sqlite_db(database_url: str) -> AsyncIterator[Database]:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL's writers go through asyncpg")
    db = Database(database_url)
    yield db
    await db.dispose()


def _file(db: Database) -> str:
    path = make_url(db.url).database
    assert path
    return path


async def test_a_write_transaction_runs_without_giving_the_loop_away(sqlite_db: Database) -> None:
    """Every statement of a write, BEGIN to the last, runs in one turn of the loop: no other
    task runs between them, so no other task's work lengthens the time the write holds
    SQLite's lock. A read still hands its statements to aiosqlite's thread."""
    seen: list[tuple[str, int]] = []
    async with Ticker() as ticker:

        def note(*args: object) -> None:
            seen.append((str(args[2]).split()[0], ticker.turns))

        with listening(sqlite_db, note):
            async with sqlite_db.transaction() as session:
                await session.scalar(select(func.count()).select_from(User))
                session.add(User(email="w@example.org", display_name="W", created_at=_NOW))
                await session.flush()
                session.add(Tag(slug="inline", kind="topic"))
                await session.flush()
            written = len(seen)
            async with sqlite_db.session() as session:
                await session.scalar(select(func.count()).select_from(User))
                await session.scalar(select(func.count()).select_from(Tag))
    writes, reads = seen[:written], seen[written:]
    assert [kind for kind, _ in writes[:3]] == ["BEGIN", "SELECT", "INSERT"], writes
    assert len({turn for _, turn in writes}) == 1, writes
    assert len({turn for _, turn in reads}) == len(reads), reads  # a turn of the loop each


async def test_a_writer_waits_for_another_process_without_stalling_the_loop(
    sqlite_db: Database,
) -> None:
    """Another connection holds the write lock for 0.2 s: the write waits with asyncio
    sleeps (the loop keeps turning), then commits."""
    other = sqlite3.connect(_file(sqlite_db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    asyncio.get_running_loop().call_later(0.2, other.execute, "COMMIT")
    try:
        async with Ticker() as ticker:
            started = time.monotonic()
            async with sqlite_db.transaction() as session:
                session.add(Tag(slug="after-the-other", kind="topic"))
            waited = time.monotonic() - started
            turns = ticker.turns
    finally:
        other.close()
    assert waited >= 0.2
    assert turns > 20  # a stalled loop would have turned once or twice
    async with sqlite_db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Tag)) == 1


async def test_a_writer_gives_up_after_the_busy_timeout(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock that is never released: after the busy timeout the write fails with SQLite's
    own error, having written nothing."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    monkeypatch.setattr(forum.db, "SQLITE_BUSY_TIMEOUT_MS", 150)
    db = Database(database_url)
    other = sqlite3.connect(_file(db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            async with db.transaction() as session:
                await session.execute(text("DELETE FROM tags"))
        waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
        await db.dispose()
    assert 0.1 <= waited < 2.0, waited
