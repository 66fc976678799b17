"""The database schema's revision: bringing it up (`migrate`), reading it, and checking it.

The app refuses to start on a schema older than its code, and `/healthz` says so, rather
than answering every page with a 500; `forum migrate` is the one way forward.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from forum.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaBehind(Exception):
    """The database's schema is not the one the code expects."""

    def __init__(self, found: str | None, expected: str, *, where: str = "") -> None:
        self.found, self.expected = found, expected
        if where:
            said = f"There is no database at {where} (FORUM_DATABASE_URL)"
        else:
            said = "The database has " + (f"revision {found}" if found else "no schema at all")
        super().__init__(
            f"{said}; this version of the forum needs revision {expected}. "
            "Run `forum migrate` first (in the folder, or with the settings, the forum runs with)."
        )


# A migration file's own lines naming itself and its parent, as Alembic writes them.
_LINK = re.compile(
    r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(?:['\"]([^'\"]+)['\"]|None)\s*$", re.M
)
VERSION_TABLE = "alembic_version"  # where Alembic keeps the database's revision


def code_revisions(migrations: Path = MIGRATIONS) -> list[str]:
    """The schema revisions the code's migrations know, the newest (head) first.

    Read from each migration file's `revision` and `down_revision` lines rather than through
    Alembic, whose import would cost every worker about 8 MB for one answer at start; a test
    holds this to Alembic's own walk. The migrations form one line, as they always have.
    """
    parents: dict[str, str | None] = {}
    for path in sorted((migrations / "versions").glob("*.py")):
        links = dict(_LINK.findall(path.read_text(encoding="utf-8")))
        if "revision" not in links:
            raise RuntimeError(f"{path.name} names no revision")
        parents[links["revision"]] = links.get("down_revision") or None
    heads = set(parents) - {parent for parent in parents.values() if parent is not None}
    if len(heads) != 1:
        raise RuntimeError(f"the migrations must have one head, not {sorted(heads)}")
    walked = [heads.pop()]
    while (parent := parents[walked[-1]]) is not None:
        if parent not in parents or parent in walked:
            raise RuntimeError(f"the migration {walked[-1]} follows an unknown one, {parent}")
        walked.append(parent)
    if len(walked) != len(parents):
        raise RuntimeError("the migrations do not form one line")
    return walked


def head_revision() -> str:
    """The newest revision the code's migrations know."""
    return code_revisions()[0]


async def current_revision(connection: AsyncConnection) -> str | None:
    """The revision the connected database is at; None when it has no schema yet.

    Alembic's one-row table is read directly, so a worker (and its health check) never
    imports Alembic. Two rows (branches, which these migrations never make) read as neither.
    """

    def read(sync: Connection) -> str | None:
        if not inspect(sync).has_table(VERSION_TABLE):
            return None
        found = sync.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        return ", ".join(sorted(found)) or None

    return await connection.run_sync(read)


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite database URL (None for another database or one in memory)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().resolve()


def check_schema(settings: Settings) -> None:
    """Raise SchemaBehind unless the database exists and is at the newest migration.

    An SQLite file that is not there is not created by asking (that would leave an empty
    database wherever the command happened to run).
    """
    expected = head_revision()
    path = sqlite_file(settings.database_url)
    if path is not None and not path.is_file():
        raise SchemaBehind(None, expected, where=str(path))
    found = asyncio.run(revision_of(settings.database_url))
    if found != expected:
        raise SchemaBehind(found, expected)


async def ensure_current(connection: AsyncConnection, expected: str) -> str:
    """Return the connected database's revision; SchemaBehind unless it is `expected`."""
    found = await current_revision(connection)
    if found != expected:
        raise SchemaBehind(found, expected)
    return found


async def revision_of(url: str) -> str | None:
    """The revision of the database at `url` (a connection of its own)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await current_revision(connection)
    finally:
        await engine.dispose()


def migrate(settings: Settings, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database schema up to `revision` with Alembic; return (before, after)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = settings.database_url
    config.attributes["data_dir"] = settings.data_dir  # where documents' files are kept
    path = sqlite_file(settings.database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)  # the data folder, on a first migrate
    before = asyncio.run(revision_of(settings.database_url))
    command.upgrade(config, revision)
    return before, asyncio.run(revision_of(settings.database_url))
