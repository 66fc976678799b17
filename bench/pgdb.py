"""A throw-away PostgreSQL database on the local server: created, migrated, dropped."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/"


def _admin_dsn(url: str) -> str:
    """The URL as asyncpg takes it, on the server's `postgres` database."""
    from sqlalchemy.engine import make_url

    made = make_url(url).set(drivername="postgresql", database="postgres")
    return made.render_as_string(hide_password=False)


def _check_local(url: str) -> None:
    from sqlalchemy.engine import make_url

    made = make_url(url)
    if made.get_backend_name() != "postgresql" or made.host not in ("127.0.0.1", "localhost"):
        raise SystemExit(
            f"bench: a local PostgreSQL server only (postgresql+asyncpg://…@127.0.0.1), not {url}"
        )


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_admin_dsn(url), timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def postgres_database(server: str = DEFAULT_SERVER) -> Iterator[str]:
    """Create `bench_<random hex>` on `server`, yield its URL, drop it afterwards.

    The database is dropped WITH (FORCE) whatever happens, Ctrl-C included; it is empty
    (not migrated): seed.seed_url migrates it.
    """
    from sqlalchemy.engine import make_url

    _check_local(server)
    name = f"bench_{secrets.token_hex(6)}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def after_bulk_insert(url: str) -> None:
    """Move the posts' id sequence past the ids written by hand; vacuum and analyze.

    The bench writes posts with their ids, which leaves PostgreSQL's `posts_id_seq` behind:
    without this the app's next post would collide. VACUUM (ANALYZE) is what autovacuum does
    soon after a load this size: the planner's statistics, and the visibility map that lets
    an index-only scan skip the table.
    """
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('posts', 'id'), "
            "(SELECT COALESCE(MAX(id), 1) FROM posts))"
        )
        await connection.execute("VACUUM (ANALYZE)")
    finally:
        await connection.close()
