"""SQLite connections for the one writer of a process, run on the event loop's own thread.

aiosqlite hands every call to a thread of its own and the answer back to the event loop. A
write transaction of ten statements thus waits ten times for the loop to come round, and
under load each wait is as long as the other requests' work queued before it: a post held
SQLite's write lock for 20 to 200 ms to run about 1 ms of SQL. These connections run each
call at once in the calling thread instead, so a write transaction runs from BEGIN to COMMIT
without giving the loop away. Only short write transactions use them (`forum.db`); reads keep
aiosqlite's threads, so a long read never stalls the loop.

SQLite's own busy handler would sleep inside the call and stall the loop, so these
connections have none (`busy_timeout` 0): a statement that finds the database locked by
another process (SQLITE_BUSY, which changes nothing) is tried again after an asyncio sleep,
for at most the database's busy timeout, then its error is raised as before.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiosqlite

FIRST_PAUSE_S = 0.001  # the first sleep after SQLITE_BUSY; each next one doubles ...
LONGEST_PAUSE_S = 0.05  # ... up to this


def _busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run in the caller's thread, without a hop."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], busy_timeout_s: float) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._busy_timeout_s = busy_timeout_s

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")  # as aiosqlite says it
        deadline = time.monotonic() + self._busy_timeout_s
        pause = FIRST_PAUSE_S
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_S)


def inline_creator(
    args: Sequence[Any], options: Mapping[str, Any], busy_timeout_s: float
) -> Callable[[], Awaitable[InlineConnection]]:
    """Return the `async_creator` of an engine whose connections are InlineConnections;
    `args` and `options` are what the engine's dialect would pass to `sqlite3.connect`."""

    def connect() -> sqlite3.Connection:
        # Made in aiosqlite's thread, used in the loop's: one call at a time, never two.
        connection: sqlite3.Connection = sqlite3.connect(
            *args, **{**options, "timeout": 0, "check_same_thread": False}
        )
        return connection

    async def create() -> InlineConnection:
        connection = InlineConnection(connect, busy_timeout_s)
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own
        await connection  # starts aiosqlite's thread, which opens the file
        return connection

    return create
