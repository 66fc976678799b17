"""The schema's revisions, read without Alembic where the forum serves."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from forum.db import Database
from forum.schema import MIGRATIONS, code_revisions, current_revision, head_revision
from forum.settings import Settings


def _alembic_walk() -> list[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return [script.revision for script in ScriptDirectory.from_config(config).walk_revisions()]


def test_the_code_revisions_are_alembics_own_walk() -> None:
    assert code_revisions() == _alembic_walk()
    assert head_revision() == _alembic_walk()[0]


def _migrations(tmp_path: Path, links: dict[str, str | None]) -> Path:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    for revision, parent in links.items():
        down = "None" if parent is None else f"'{parent}'"
        (versions / f"{revision}_step.py").write_text(
            f'"""step\n\nRevision ID: {revision}\n"""\n\n'
            f"revision: str = '{revision}'\ndown_revision: str | None = {down}\n",
            encoding="utf-8",
        )
    return tmp_path / "migrations"


def test_a_line_of_migrations_is_walked_from_its_head(tmp_path: Path) -> None:
    folder = _migrations(tmp_path, {"b2": "a1", "a1": None, "c3": "b2"})
    assert code_revisions(folder) == ["c3", "b2", "a1"]


@pytest.mark.parametrize(
    "links",
    [
        {"a1": None, "b2": "a1", "c3": "a1"},  # two heads
        {"a1": None, "b2": "zz"},  # a parent no file names
        {"a1": "b2", "b2": "a1"},  # a circle: no head at all
    ],
)
def test_migrations_out_of_line_are_refused(tmp_path: Path, links: dict[str, str | None]) -> None:
    with pytest.raises(RuntimeError):
        code_revisions(_migrations(tmp_path, links))


async def test_the_current_revision_is_the_one_alembic_reads(db: Database) -> None:
    async with db.engine.connect() as connection:
        ours = await current_revision(connection)
        theirs = await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
    assert ours == theirs == head_revision()


async def test_an_empty_database_has_no_revision(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        async with engine.connect() as connection:
            assert await current_revision(connection) is None
    finally:
        await engine.dispose()


SERVE = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    import httpx
    from forum.app import create_app
    from forum.settings import Settings

    async def main() -> None:
        settings = Settings(database_url=sys.argv[1], env="test", secret_key="s" * 40,
                            data_dir=Path(sys.argv[2]))
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                health = await http.get("/healthz")
        await app.state.db.dispose()
        loaded = {name.split(".")[0] for name in sys.modules}
        print(health.status_code, sorted(loaded & {"alembic", "mako"}))

    asyncio.run(main())
    """
)


def test_a_worker_starts_and_answers_its_health_check_without_alembic(
    settings: Settings, tmp_path: Path
) -> None:
    """Alembic (with Mako and Pygments) would cost each worker about 8 MB."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("one database is enough: the imports do not depend on it")
    done = subprocess.run(
        [sys.executable, "-c", SERVE, settings.database_url, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "200 []"
