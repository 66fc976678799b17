"""Migrations produce exactly the schema the models describe, on both databases."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection, make_url
from sqlmodel import SQLModel

import forum.models  # noqa: F401
from forum.db import Database
from forum.models.types import UTCDateTime
from forum.schema import MIGRATIONS, migrate
from forum.search.indexing import SEARCH_TABLES
from forum.settings import Settings
from tests.conftest import NOW, SECRET, _pg_admin_dsn, _postgres_url, in_thread, run_async


def _not_search_index(name: str | None, kind: str, parents: dict[str, Any]) -> bool:
    """The search index's tables (and SQLite's FTS5 shadow tables) are made by SQL, not models."""
    table = name if kind == "table" else parents.get("table_name")
    return not (table or "").startswith(SEARCH_TABLES)


def _diff(connection: Connection) -> list[Any]:
    opts = {"compare_type": True, "include_name": _not_search_index}
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, SQLModel.metadata))


async def test_migrated_schema_matches_models(db: Database) -> None:
    async with db.engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    assert diff == []


async def test_migrations_reach_head(db: Database) -> None:
    async with db.engine.connect() as connection:
        version = await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
    assert version == "0016"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no schema yet, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}"
        return
    base = _postgres_url()
    name = f"forum_migration_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(_pg_admin_dsn(base))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    run_async(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        run_async(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _downgrade(settings: Settings, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = settings.database_url
    config.attributes["data_dir"] = settings.data_dir
    command.downgrade(config, revision)


_DISCUSSIONS = sa.table(
    "discussions",
    sa.column("id", sa.Integer()),
    sa.column("slug", sa.String()),
    sa.column("opens_at", UTCDateTime()),
    sa.column("closes_at", UTCDateTime()),
    sa.column("timezone", sa.String()),
    sa.column("moderation_mode", sa.String()),
    sa.column("languages", sa.String()),
    sa.column("general_comments", sa.Boolean()),
    sa.column("content_version", sa.Integer()),
    sa.column("created_at", UTCDateTime()),
)
_DOCUMENTS = sa.table(
    "documents",
    sa.column("id", sa.Integer()),
    sa.column("discussion_id", sa.Integer()),
    sa.column("language", sa.String()),
    sa.column("title", sa.String()),
    sa.column("filename", sa.String()),
    sa.column("content_type", sa.String()),
    sa.column("size_bytes", sa.Integer()),
    sa.column("content", sa.LargeBinary()),
    sa.column("stored_path", sa.String()),
    sa.column("sha256", sa.String()),
)


async def test_documents_move_from_the_database_to_files_and_back(
    empty_database: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=empty_database, env="test", secret_key=SECRET, data_dir=tmp_path / "data"
    )
    in_thread(migrate, settings, "0009")
    content = "Une note accentuée, déjà là.\n".encode()
    db = Database(empty_database)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(
                _DISCUSSIONS.insert().values(
                    id=1,
                    slug="old",
                    opens_at=NOW,
                    closes_at=NOW,
                    timezone="UTC",
                    moderation_mode="post",
                    languages="fr",
                    general_comments=False,
                    content_version=0,
                    created_at=NOW,
                )
            )
            await connection.execute(
                _DOCUMENTS.insert().values(
                    id=1,
                    discussion_id=1,
                    language="fr",
                    title="Note",
                    filename="../note.TXT",
                    content_type="text/plain",
                    size_bytes=len(content),
                    content=content,
                )
            )
        in_thread(migrate, settings)
        async with db.engine.connect() as connection:
            row = (
                await connection.execute(sa.select(_DOCUMENTS.c.stored_path, _DOCUMENTS.c.sha256))
            ).one()
        assert row.stored_path.startswith("documents/1/") and row.stored_path.endswith(".txt")
        assert (settings.data_dir / row.stored_path).read_bytes() == content
        assert row.sha256 == hashlib.sha256(content).hexdigest()
        assert [p.name for p in (settings.data_dir / "documents" / "1").iterdir()] == [
            row.stored_path.rsplit("/", 1)[1]
        ]

        in_thread(_downgrade, settings, "0009")
        async with db.engine.connect() as connection:
            back = await connection.scalar(sa.select(_DOCUMENTS.c.content))
        assert bytes(back) == content
    finally:
        await db.dispose()
