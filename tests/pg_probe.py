"""Tell whether the PostgreSQL at a URL answers: exit 0 if it does, 1 with the reason if not."""

from __future__ import annotations

import asyncio
import sys

import asyncpg
from sqlalchemy.engine import make_url


async def probe(url: str) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=5)
    await connection.close()


if __name__ == "__main__":
    try:
        asyncio.run(probe(sys.argv[1]))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
        sys.exit(1)
