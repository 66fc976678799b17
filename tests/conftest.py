"""Shared fixtures: a migrated database per backend, an app on it, a client, a clock."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel
from starlette.applications import Starlette

from forum.app import create_app
from forum.cli import migrate
from forum.core.clock import FixedClock
from forum.db import Database
from forum.search.indexing import SEARCH_TABLES
from forum.settings import Settings

T = TypeVar("T")
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday, inside the test discussion
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SECRET = "test-secret-key-0123456789-abcdefghijklmnop"


def in_thread(function: Callable[..., T], *args: Any) -> T:
    """Run `function` on a worker thread: Playwright's sync API keeps a loop running here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result(timeout=300)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    return in_thread(asyncio.run, coroutine)


def _pg_admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_reachable(url: str) -> str | None:
    try:
        connection = await asyncpg.connect(_pg_admin_dsn(url), timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        return f"{type(error).__name__}: {error}"
    await connection.close()
    return None


def _postgres_url() -> str:
    url = os.environ.get("FORUM_TEST_DATABASE_URL", "")
    if not url:
        if IN_CI:
            pytest.fail("CI must run the PostgreSQL half: set FORUM_TEST_DATABASE_URL", False)
        pytest.skip("PostgreSQL half skipped: FORUM_TEST_DATABASE_URL is not set")
    problem = run_async(_pg_reachable(url))
    if problem:
        if IN_CI:
            pytest.fail(f"CI must run the PostgreSQL half, but {url} is unreachable: {problem}")
        pytest.skip(f"PostgreSQL half skipped: {url} unreachable ({problem})")
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "forum.db"
    in_thread(
        migrate, Settings(database_url=f"sqlite+aiosqlite:///{path}", env="test", secret_key=SECRET)
    )
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own for this test run, migrated once, dropped at the end."""
    base = _postgres_url()
    name = f"forum_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(_pg_admin_dsn(base))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    run_async(admin(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        in_thread(migrate, Settings(database_url=url, env="test", secret_key=SECRET))
        yield url
    finally:
        run_async(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a clean, migrated database, once per backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "forum.db"
        shutil.copy(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    names = [table.name for table in SQLModel.metadata.sorted_tables] + list(SEARCH_TABLES)
    tables = ", ".join(f'"{name}"' for name in names)

    async def truncate() -> None:
        connection = await asyncpg.connect(_pg_admin_dsn(url))
        try:
            await connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        finally:
            await connection.close()

    run_async(truncate())
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, env="test", secret_key=SECRET, data_dir=tmp_path / "data"
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    yield database
    await database.dispose()


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[Starlette]:
    application = create_app(settings, clock=clock)
    yield application
    await application.state.db.dispose()


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class StatementCounter:
    """Count the SQL statements an engine runs while it is attached."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, *args: object) -> None:
        self.statements.append(str(args[2]))

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(app: Starlette) -> Iterator[StatementCounter]:
    from tests.helpers import counting

    with counting(app.state.db) as counter:
        yield counter
