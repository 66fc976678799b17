"""The async engine and the one session factory, for SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from forum.core.changes import LOCAL, LocalChanges
from forum.inline_sqlite import inline_creator
from forum.settings import SQLITE_SYNCHRONOUS

SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_TURN_TIMEOUT_S = 10.0  # a writer waits this long for its process's turn, then for SQLite
WRITE_OVERFLOW = 4  # writer connections beyond the one, for writers that gave up their turn

# Set while a task holds its process's SQLite write turn, so a write transaction opened inside
# it goes straight on (to SQLite's busy timeout, as before) instead of waiting for itself.
_holding_write_turn: ContextVar[bool] = ContextVar("holding_write_turn", default=False)


class Database:
    """Own the engines and hand out read sessions and write transactions from them: one
    engine on PostgreSQL; on SQLite, one for reads and one for this process's writer."""

    def __init__(self, url: str, *, echo: bool = False, synchronous: str = "FULL") -> None:
        """`synchronous` is SQLite's `PRAGMA synchronous` (FULL or NORMAL) on each connection."""
        if synchronous not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"synchronous={synchronous!r} is not one of {SQLITE_SYNCHRONOUS}")
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            options["pool_pre_ping"] = True
        # Reads (and, on PostgreSQL, writes) go through this engine.
        self.engine: AsyncEngine = create_async_engine(url, **options)
        writes = self.engine
        if self.is_sqlite:
            _configure_sqlite(self.engine, synchronous, SQLITE_BUSY_TIMEOUT_MS)
            writes = self._inline_writes(url, echo, synchronous)
        # Write transactions run on an engine view whose option makes SQLite BEGIN IMMEDIATE,
        # so concurrent writers queue on the busy timeout instead of failing on upgrade.
        self._writer = writes.execution_options(forum_write=True)
        # One-statement reads run on a view whose option sends no BEGIN on SQLite.
        self._single = self.engine.execution_options(forum_single_read=True)
        # Every engine, for whoever listens to their events (statement counts).
        self.engines: tuple[AsyncEngine, ...] = tuple(dict.fromkeys((self.engine, writes)))
        # Commits of this Database's sessions that changed people (`core.changes`).
        self.changes = LocalChanges()
        # SQLite lets one writer in at a time. Its busy handler makes the others poll with
        # growing sleeps, so under load a writer may wait seconds while the file is free, and
        # each waiting writer holds a pooled connection. The writers of one process take
        # turns on an asyncio lock instead (first come, first served; one per event loop), and
        # only writers of other processes meet the busy timeout.
        self._write_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _inline_writes(self, url: str, echo: bool, synchronous: str) -> AsyncEngine:
        """The engine of this process's SQLite writer: its own small pool, so a writer never
        waits for a reader's connection, of connections run on the loop's thread
        (`forum.inline_sqlite`). An in-memory database has no second engine: it would be
        another database."""
        parsed = make_url(url)
        if parsed.database in (None, "", ":memory:"):
            return self.engine
        args, options = self.engine.dialect.create_connect_args(parsed)
        engine = create_async_engine(
            url,
            echo=echo,
            async_creator=inline_creator(args, options, SQLITE_BUSY_TIMEOUT_MS / 1000),
            pool_size=1,  # one writer at a time; more only when a writer gives up its turn
            max_overflow=WRITE_OVERFLOW,
        )
        _configure_sqlite(engine, synchronous, busy_timeout_ms=0)
        return engine

    @property
    def people_changes(self) -> int:
        """How many commits of this Database's sessions changed people."""
        return self.changes.count

    def _open(self, bind: AsyncEngine) -> AsyncSession:
        return AsyncSession(bind, expire_on_commit=False, info={LOCAL: self.changes})

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Open a session for reading; nothing it does is committed."""
        async with self._open(self.engine) as session:
            yield session

    @asynccontextmanager
    async def single_read(self) -> AsyncIterator[AsyncSession]:
        """Open a session for ONE reading statement: SQLite gets no BEGIN (a lone statement
        reads one consistent snapshot by itself), saving a statement and a round trip. A
        reader of two statements or more needs `session()`, whose BEGIN keeps them consistent.
        """
        async with self._open(self._single) as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Open a write transaction: committed on success, rolled back on any error."""
        async with self._write_turn():
            async with self._open(self._writer) as session:
                async with session.begin():
                    yield session

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        """On SQLite, wait for this process's write turn (at most WRITE_TURN_TIMEOUT_S)."""
        if not self.is_sqlite or _holding_write_turn.get():
            yield
            return
        turn = self._write_turns.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        try:
            async with asyncio.timeout(WRITE_TURN_TIMEOUT_S):
                await turn.acquire()
        except TimeoutError:  # a writer holding on for that long: let SQLite decide, as before
            yield
            return
        holding = _holding_write_turn.set(True)
        try:
            yield
        finally:
            _holding_write_turn.reset(holding)
            turn.release()

    async def ping(self) -> None:
        """Run a trivial query; raise if the database cannot be reached."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        for engine in self.engines:
            await engine.dispose()


def _configure_sqlite(engine: AsyncEngine, synchronous: str, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit BEGIN is DEFERRED only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get("forum_single_read", False):
            return  # one statement in autocommit mode: its own snapshot
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("forum_write") else "BEGIN")
