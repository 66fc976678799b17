"""Backups: a SQLite forum and its documents copied while it runs, and brought back only where
nothing is yet, whole and as it was; PostgreSQL is pointed to pg_dump and pg_restore."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import col, select

from forum.backups import (
    DATABASE,
    MANIFEST,
    BackupRefused,
    UsePgDump,
    backup,
    restore,
)
from forum.cli import main
from forum.core.i18n import load_catalogs
from forum.core.text import render_markdown
from forum.db import Database
from forum.discussions.documents import document_content
from forum.models import Discussion, Document, Post, Question
from forum.schema import code_revisions
from tests.conftest import NOW, SECRET
from tests.factories import add_discussion, discussion_data
from tests.helpers import make_user

GUIDE_EN = b"A short guide for tutors who teach at a distance.\n"
GUIDE_FR = "Un petit guide pour les tuteurs qui enseignent à distance.\n".encode()
ANSWERS = (
    "Weekly calls with a tutor kept the apprentices going.",
    "Las llamadas semanales con un tutor mantuvieron la motivación.",
    "Les appels hebdomadaires avec un tuteur ont soutenu les apprentis.",
)


@dataclass(frozen=True)
class Place:
    """Where a forum keeps its database file and its data directory."""

    database: Path
    data_dir: Path

    @property
    def url(self) -> str:
        return f"sqlite+aiosqlite:///{self.database}"


@pytest.fixture
def forum(tmp_path: Path, sqlite_template: Path) -> Place:
    """A migrated SQLite forum with nothing in it yet."""
    place = Place(tmp_path / "live" / "forum.db", tmp_path / "live" / "data")
    place.database.parent.mkdir()
    shutil.copy(sqlite_template, place.database)
    return place


@pytest.fixture
def elsewhere(tmp_path: Path) -> Place:
    """Where a backup is restored: no database file, no data directory."""
    return Place(tmp_path / "restored" / "forum.db", tmp_path / "restored" / "data")


@pytest.fixture
def revisions() -> list[str]:
    return code_revisions()


async def fill(place: Place, tmp_path: Path) -> None:
    """A discussion with a document in two languages and three published answers."""
    (tmp_path / "guide.en.txt").write_bytes(GUIDE_EN)
    (tmp_path / "guide.fr.txt").write_bytes(GUIDE_FR)
    data = discussion_data(start=NOW)
    data["documents"] = [
        {"language": "en", "title": "Guide for tutors", "file": "guide.en.txt"},
        {"language": "fr", "title": "Guide des tuteurs", "file": "guide.fr.txt"},
    ]
    db = Database(place.url)
    try:
        async with db.transaction() as session:
            await add_discussion(session, data, now=NOW, base=tmp_path, data_dir=place.data_dir)
        author = await make_user(db)
        async with db.transaction() as session:
            discussion = await session.scalar(select(Discussion))
            question = await session.scalar(select(Question).where(col(Question.number) == 1))
            assert discussion is not None and question is not None
            for text, language in zip(ANSWERS, ("en", "es", "fr"), strict=True):
                session.add(
                    Post(
                        discussion_id=discussion.id or 0,
                        question_id=question.id,
                        author_id=author.id or 0,
                        language=language,
                        source=text,
                        html=render_markdown(text),
                        status="approved",
                        quote_consent="by_name",
                        created_at=NOW,
                    )
                )
    finally:
        await db.dispose()


async def contents(place: Place) -> tuple[list[tuple[str, str]], dict[str, bytes]]:
    """The posts (language, text) and each document's bytes by title, as `place` holds them."""
    db = Database(place.url)
    try:
        async with db.session() as session:
            posts = (await session.scalars(select(Post).order_by(col(Post.id)))).all()
            documents = (await session.scalars(select(Document))).all()
            files = {d.title: document_content(d, place.data_dir) for d in documents}
    finally:
        await db.dispose()
    return [(post.language, post.source) for post in posts], files


def take(place: Place, output: Path) -> Path:
    return backup(database_url=place.url, data_dir=place.data_dir, output=output, now=NOW).folder


def nothing_written(place: Place) -> bool:
    return not place.database.exists() and (
        not place.data_dir.exists() or not any(place.data_dir.iterdir())
    )


def reseal(folder: Path) -> None:
    """Write the manifest's checksum of the database again, as if the change were genuine."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    content = (folder / DATABASE).read_bytes()
    for entry in manifest["files"]:
        if entry["path"] == DATABASE:
            entry["size"], entry["sha256"] = len(content), hashlib.sha256(content).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


async def test_round_trip_brings_back_rows_and_file_bytes(
    forum: Place, elsewhere: Place, tmp_path: Path, revisions: list[str]
) -> None:
    await fill(forum, tmp_path)
    folder = take(forum, tmp_path / "backups")
    assert folder.name == "forum-backup-20260304T120000Z"
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["schema_revision"] == revisions[0]
    assert manifest["created_at"] == "2026-03-04T12:00:00+00:00"
    sizes = sorted(entry["size"] for entry in manifest["files"] if entry["path"] != DATABASE)
    assert sizes == sorted([len(GUIDE_EN), len(GUIDE_FR)])
    assert not (folder / f"{DATABASE}-wal").exists()  # one self-contained file

    done = restore(
        folder, database_url=elsewhere.url, data_dir=elsewhere.data_dir, revisions=revisions
    )
    assert done.documents == 2 and done.revision == revisions[0] and not done.behind
    posts, files = await contents(elsewhere)
    assert posts == list(zip(("en", "es", "fr"), ANSWERS, strict=True))
    assert files == {"Guide for tutors": GUIDE_EN, "Guide des tuteurs": GUIDE_FR}
    assert (posts, files) == await contents(forum)


def test_restore_refuses_a_database_that_exists(
    forum: Place, tmp_path: Path, revisions: list[str]
) -> None:
    folder = take(forum, tmp_path / "backups")
    before = forum.database.read_bytes()
    with pytest.raises(BackupRefused) as refused:
        restore(folder, database_url=forum.url, data_dir=tmp_path / "empty", revisions=revisions)
    assert "already exists" in str(refused.value) and forum.database.read_bytes() == before
    assert not (tmp_path / "empty").exists()


def test_restore_refuses_a_data_directory_that_is_not_empty(
    forum: Place, elsewhere: Place, tmp_path: Path, revisions: list[str]
) -> None:
    folder = take(forum, tmp_path / "backups")
    elsewhere.data_dir.mkdir(parents=True)
    (elsewhere.data_dir / "notes.txt").write_text("Notas de otra instalación.", encoding="utf-8")
    with pytest.raises(BackupRefused) as refused:
        restore(
            folder, database_url=elsewhere.url, data_dir=elsewhere.data_dir, revisions=revisions
        )
    assert refused.value.message.startswith("The data directory")
    assert not elsewhere.database.exists()
    assert [p.name for p in elsewhere.data_dir.iterdir()] == ["notes.txt"]


async def test_restore_refuses_a_damaged_file(
    forum: Place, elsewhere: Place, tmp_path: Path, revisions: list[str]
) -> None:
    await fill(forum, tmp_path)
    folder = take(forum, tmp_path / "backups")
    document = next((folder / "data" / "documents").rglob("*.txt"))
    document.write_bytes(document.read_bytes().replace(b"guide", b"gu1de"))  # same size
    with pytest.raises(BackupRefused) as refused:
        restore(
            folder, database_url=elsewhere.url, data_dir=elsewhere.data_dir, revisions=revisions
        )
    assert refused.value.params["file"] == document.relative_to(folder).as_posix()
    assert "SHA-256" in refused.value.message and nothing_written(elsewhere)


def test_restore_refuses_a_missing_file_and_a_path_outside_the_backup(
    forum: Place, elsewhere: Place, tmp_path: Path, revisions: list[str]
) -> None:
    folder = take(forum, tmp_path / "backups")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for path, expected in (("data/documents/9/gone.pdf", "not in the backup"), ("../x", "outside")):
        listed = manifest | {"files": [*manifest["files"], {"path": path, "size": 1, "sha256": ""}]}
        (folder / MANIFEST).write_text(json.dumps(listed), encoding="utf-8")
        with pytest.raises(BackupRefused) as refused:
            restore(
                folder, database_url=elsewhere.url, data_dir=elsewhere.data_dir, revisions=revisions
            )
        assert expected in refused.value.message and nothing_written(elsewhere)
    (folder / MANIFEST).unlink()
    with pytest.raises(BackupRefused, match="not a forum backup"):
        restore(
            folder, database_url=elsewhere.url, data_dir=elsewhere.data_dir, revisions=revisions
        )


def test_restore_refuses_a_schema_newer_than_the_code(
    forum: Place, elsewhere: Place, tmp_path: Path, revisions: list[str]
) -> None:
    folder = take(forum, tmp_path / "backups")
    with sqlite3.connect(folder / DATABASE) as copy:
        copy.execute("UPDATE alembic_version SET version_num = '9001'")
    copy.close()
    reseal(folder)  # a backup made by newer code: its checksums are right
    with pytest.raises(BackupRefused) as refused:
        restore(
            folder, database_url=elsewhere.url, data_dir=elsewhere.data_dir, revisions=revisions
        )
    assert refused.value.params == {"revision": "9001", "head": revisions[0]}
    assert nothing_written(elsewhere)


def test_an_older_schema_is_restored_and_says_to_migrate(
    forum: Place, elsewhere: Place, tmp_path: Path, revisions: list[str]
) -> None:
    folder = take(forum, tmp_path / "backups")
    newer = ["9001", *revisions]  # the code has moved on since the backup
    done = restore(folder, database_url=elsewhere.url, data_dir=elsewhere.data_dir, revisions=newer)
    assert done.behind and elsewhere.database.is_file()
    assert "forum migrate" in done.text(load_catalogs(["en"])["en"]).splitlines()[1]


async def test_backup_refuses_a_document_file_that_went_missing(
    forum: Place, tmp_path: Path
) -> None:
    await fill(forum, tmp_path)
    next((forum.data_dir / "documents").rglob("*.txt")).unlink()
    with pytest.raises(BackupRefused) as refused:
        take(forum, tmp_path / "backups")
    assert refused.value.params["file"].startswith("documents/")
    assert list((tmp_path / "backups").iterdir()) == []  # not even the partial folder


Ticking = tuple[threading.Event, list[int]]


@pytest.fixture
def ticking(forum: Place) -> Iterator[Ticking]:
    """Another connection writing two rows per transaction, as fast as it can, until told."""
    with sqlite3.connect(forum.database) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE ticks (n INTEGER NOT NULL, padding BLOB)")
        setup.executemany(  # a few megabytes, so that a copy takes a while
            "INSERT INTO ticks VALUES (0, randomblob(4000)), (0, randomblob(4000))",
            [()] * 1500,
        )
    setup.close()
    stop, written = threading.Event(), [3000]

    def write() -> None:
        connection = sqlite3.connect(forum.database, timeout=10, isolation_level=None)
        while not stop.is_set():
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO ticks VALUES (1, NULL), (1, NULL)")
            connection.execute("COMMIT")
            written[0] += 2
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    yield stop, written
    stop.set()
    writer.join(timeout=30)


def test_backup_while_another_connection_writes_is_consistent(
    forum: Place, elsewhere: Place, tmp_path: Path, revisions: list[str], ticking: Ticking
) -> None:
    stop, written = ticking
    while written[0] < 3200:  # the writer is under way
        threading.Event().wait(0.005)
    at_start = written[0]
    folder = take(forum, tmp_path / "backups")
    at_end = written[0]
    stop.set()
    assert at_end > at_start  # commits went on while the copy was made
    with sqlite3.connect(f"{(folder / DATABASE).as_uri()}?mode=ro", uri=True) as copy:
        (rows,) = copy.execute("SELECT count(*) FROM ticks").fetchone()
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    assert rows % 2 == 0 and at_start <= rows <= at_end + 2  # whole transactions only
    restore(folder, database_url=elsewhere.url, data_dir=elsewhere.data_dir, revisions=revisions)
    with sqlite3.connect(elsewhere.database) as restored:
        assert restored.execute("SELECT count(*) FROM ticks").fetchone() == (rows,)
    restored.close()


URL = "postgresql+asyncpg://forum:s3cret@db.example.org:5433/forum"


def test_postgresql_is_refused_with_the_commands_for_its_url(tmp_path: Path) -> None:
    for attempt in (
        lambda: backup(database_url=URL, data_dir=Path("data"), output=tmp_path, now=NOW),
        lambda: restore(tmp_path, database_url=URL, data_dir=Path("data"), revisions=["1"]),
    ):
        with pytest.raises(UsePgDump) as refused:
            attempt()
        assert refused.value.commands == [
            "pg_dump --format=custom --file=forum.dump postgresql://forum@db.example.org:5433/forum",
            "tar -czf forum-documents.tar.gz -C data documents",
            "createdb -h db.example.org -p 5433 -U forum forum",
            "pg_restore --no-owner --dbname=postgresql://forum@db.example.org:5433/forum "
            "forum.dump",
            "mkdir -p data && tar -xzf forum-documents.tar.gz -C data",
        ]
    assert list(tmp_path.iterdir()) == []


def cli(place: Place, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("FORUM_DATABASE_URL", place.url)
    monkeypatch.setenv("FORUM_DATA_DIR", str(place.data_dir))
    monkeypatch.setenv("FORUM_ENV", "test")
    monkeypatch.setenv("FORUM_SECRET_KEY", SECRET)
    return main(list(args))


def test_commands_say_what_they_did_and_exit_with_their_codes(
    forum: Place,
    elsewhere: Place,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli(forum, monkeypatch, "backup", "--output", str(tmp_path / "b")) == 0
    (folder,) = (tmp_path / "b").iterdir()
    assert capsys.readouterr().out.startswith(f"Backup written to {folder}:")
    assert cli(forum, monkeypatch, "restore", str(folder), "--language", "es") == 1
    assert "ya existe: una copia de seguridad solo se restaura" in capsys.readouterr().err
    assert cli(elsewhere, monkeypatch, "restore", str(folder), "--language", "fr") == 0
    assert capsys.readouterr().out.startswith("Restaurés\u00a0: la base de données")
    postgres = Place(Path("unused"), tmp_path / "pg-data")
    monkeypatch.setenv("FORUM_DATABASE_URL", URL)
    assert main(["backup", "--output", str(tmp_path / "pg")]) == 2
    said = capsys.readouterr().err
    assert said.startswith("The database is PostgreSQL") and "\n  pg_dump --format=custom" in said
    assert "s3cret" not in said and not (tmp_path / "pg").exists()
    assert not postgres.data_dir.exists()
