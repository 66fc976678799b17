"""Backups of a SQLite forum, and bringing one back.

A backup is a new folder `forum-backup-<UTC time>` holding:

- `forum.db`, a consistent copy of the database made with SQLite's online backup API (one
  step, on one read snapshot, so the forum may run and write meanwhile), left in rollback
  journal mode so that it is one self-contained file;
- `data/documents/…`, the documents' files the copied database names, each checked against
  the SHA-256 its row holds (a file is never changed in place, only added or removed);
- `manifest.json`: the format, the time, the schema revision, and every file with its size
  and SHA-256.

The folder is written under a hidden temporary name and renamed when complete, so a backup
folder that exists is whole. A restore checks everything first (the targets are empty, every
checksum matches, the schema is one this code knows) and writes nothing when anything is
wrong. PostgreSQL is backed up with its own tools: `pg_commands` says which, for the URL.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from forum.core.errors import N_, DomainError
from forum.discussions.documents import DOCUMENTS

if TYPE_CHECKING:
    from forum.core.i18n import I18n

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "forum.db"
DATA = "data"  # the folder of the backup holding what lived under the data directory
PREFIX = "forum-backup-"
CHUNK = 1024 * 1024
BUSY_TIMEOUT_S = 10.0

USE_PG_DUMP = N_(
    "The database is PostgreSQL: forum backup and forum restore work on SQLite only. Back "
    "PostgreSQL up with pg_dump and bring it back with pg_restore into an empty database, "
    "and keep the data directory's documents beside it (the password, if any, is read from "
    "PGPASSWORD or ~/.pgpass):"
)
NO_DATABASE = N_("There is no database file at %(path)s; nothing was written.")
NO_SCHEMA = N_(
    "The database at %(path)s has no schema yet (run forum migrate); nothing was written."
)
OUTPUT_TAKEN = N_("%(path)s already exists; nothing was written.")
DOCUMENT_MISSING = N_(
    "The document file %(file)s that the database names is missing or differs from its "
    "checksum; no backup was written."
)
NOT_A_BACKUP = N_(
    "%(path)s is not a forum backup (no readable manifest.json); nothing was written."
)
UNSAFE_NAME = N_("The manifest names a file outside the backup (%(file)s); nothing was written.")
FILE_MISSING = N_("%(file)s is in the manifest but not in the backup; nothing was written.")
CHECKSUM_MISMATCH = N_(
    "%(file)s does not match the size or SHA-256 in the manifest: the backup is damaged; "
    "nothing was written."
)
DATABASE_EXISTS = N_(
    "The database file %(path)s already exists: a backup is restored only where there is no "
    "database yet; nothing was written."
)
DATA_NOT_EMPTY = N_(
    "The data directory %(path)s is not empty: a backup is restored only into an empty one; "
    "nothing was written."
)
SCHEMA_TOO_NEW = N_(
    "The backup's schema revision %(revision)s is newer than this code's migrations (up to "
    "%(head)s): install the newer code first; nothing was written."
)
BACKED_UP = N_(
    "Backup written to %(folder)s: the database at schema revision %(revision)s and "
    "%(count)s document files."
)
RESTORED = N_(
    "Restored the database %(database)s (schema revision %(revision)s) and %(count)s "
    "document files under %(data_dir)s."
)
RUN_MIGRATE = N_("The backup's schema is older than this code's: run forum migrate before serving.")


class BackupRefused(DomainError):
    """A backup or restore could not be done; `message` says why, and nothing was written."""


class UsePgDump(DomainError):
    """The database is PostgreSQL; `commands` are what to run instead, for its URL."""

    message = USE_PG_DUMP

    def __init__(self, commands: list[str]) -> None:
        super().__init__()
        self.commands = commands


@dataclass(frozen=True, slots=True)
class Entry:
    """One file of a backup: its path inside the backup (with /), size and SHA-256."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Manifest:
    created_at: str  # ISO 8601, UTC
    schema_revision: str
    files: tuple[Entry, ...]
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": self.format,
                "created_at": self.created_at,
                "schema_revision": self.schema_revision,
                "database": DATABASE,
                "files": [{"path": e.path, "size": e.size, "sha256": e.sha256} for e in self.files],
            },
            indent=2,
        )

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The manifest of the backup in `folder`; BackupRefused when there is none we read."""
        try:
            data: Any = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            manifest = cls(
                created_at=str(data["created_at"]),
                schema_revision=str(data["schema_revision"]),
                files=tuple(
                    Entry(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in data["files"]
                ),
                format=int(data["format"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise BackupRefused(NOT_A_BACKUP, path=str(folder)) from error
        if manifest.format != FORMAT or DATABASE not in {e.path for e in manifest.files}:
            raise BackupRefused(NOT_A_BACKUP, path=str(folder))
        return manifest


@dataclass(frozen=True, slots=True)
class Backup:
    """What `backup` wrote: the folder, the schema revision, and how many documents."""

    folder: Path
    manifest: Manifest

    @property
    def documents(self) -> int:
        return len(self.manifest.files) - 1

    def text(self, i18n: I18n) -> str:
        revision = self.manifest.schema_revision
        params = {"folder": str(self.folder), "revision": revision, "count": self.documents}
        return i18n.gettext(BACKED_UP) % params


@dataclass(frozen=True, slots=True)
class Restored:
    """What `restore` wrote; `behind` when the schema is older than the code's (migrate)."""

    database: Path
    data_dir: Path
    documents: int
    revision: str
    behind: bool

    def text(self, i18n: I18n) -> str:
        said = i18n.gettext(RESTORED) % {
            "database": str(self.database),
            "revision": self.revision,
            "count": self.documents,
            "data_dir": str(self.data_dir),
        }
        return f"{said}\n{i18n.gettext(RUN_MIGRATE)}" if self.behind else said


def sqlite_path(database_url: str, data_dir: Path) -> Path:
    """The file of a SQLite URL; UsePgDump, with the commands, for a PostgreSQL one."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise UsePgDump(pg_commands(database_url, data_dir))
    return Path(url.database or "")


def pg_commands(database_url: str, data_dir: Path, dump: str = "forum.dump") -> list[str]:
    """The commands that back up, then restore, the database of `database_url` and the
    documents under `data_dir` (the password stays out of them)."""
    url = make_url(database_url)
    plain = url.set(drivername="postgresql")._replace(password=None)  # never in a command
    dsn = plain.render_as_string(hide_password=False)
    create = ["createdb"]
    for flag, value in (("-h", url.host), ("-p", url.port), ("-U", url.username)):
        if value:
            create += [flag, str(value)]
    folder = shlex.quote(str(data_dir))
    return [
        f"pg_dump --format=custom --file={dump} {shlex.quote(dsn)}",
        f"tar -czf forum-documents.tar.gz -C {folder} {DOCUMENTS}",
        shlex.join([*create, url.database or "forum"]),
        f"pg_restore --no-owner --dbname={shlex.quote(dsn)} {dump}",
        f"mkdir -p {folder} && tar -xzf forum-documents.tar.gz -C {folder}",
    ]


def backup(*, database_url: str, data_dir: Path, output: Path, now: datetime) -> Backup:
    """Write a backup of the database and its documents into a new folder under `output`."""
    source = sqlite_path(database_url, data_dir)
    if not source.is_file():
        raise BackupRefused(NO_DATABASE, path=str(source))
    now = now.astimezone(UTC)
    folder = output / f"{PREFIX}{now:%Y%m%dT%H%M%SZ}"
    if folder.exists():
        raise BackupRefused(OUTPUT_TAKEN, path=str(folder))
    partial = output / f".{folder.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        revision, documents = _copy_database(source, partial / DATABASE)
        entries = [_entry(partial / DATABASE, DATABASE)]
        for stored_path, sha256 in documents:
            name = f"{DATA}/{stored_path}"
            _check_name(name)
            target = partial / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copyfile(data_dir / stored_path, target)
            except OSError as error:
                raise BackupRefused(DOCUMENT_MISSING, file=stored_path) from error
            entry = _entry(target, name)
            if entry.sha256 != sha256:
                raise BackupRefused(DOCUMENT_MISSING, file=stored_path)
            entries.append(entry)
        manifest = Manifest(
            created_at=now.isoformat(), schema_revision=revision, files=tuple(entries)
        )
        (partial / MANIFEST).write_text(manifest.to_json() + "\n", encoding="utf-8")
        _sync_tree(partial)
        partial.rename(folder)
        _sync(output)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Backup(folder=folder, manifest=manifest)


def restore(folder: Path, *, database_url: str, data_dir: Path, revisions: list[str]) -> Restored:
    """Bring the backup in `folder` back where there is no database and no document yet.

    `revisions` are the code's schema revisions, newest first (`code_revisions`). Everything
    is checked before anything is written: BackupRefused says what is wrong.
    """
    target = sqlite_path(database_url, data_dir)
    manifest = Manifest.read(folder)
    for entry in manifest.files:
        _check_name(entry.path)
    if any(Path(f"{target}{end}").exists() for end in ("", "-wal", "-journal")):
        raise BackupRefused(DATABASE_EXISTS, path=str(target))
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupRefused(DATA_NOT_EMPTY, path=str(data_dir))
    for entry in manifest.files:
        path = folder / entry.path
        if not path.is_file():
            raise BackupRefused(FILE_MISSING, file=entry.path)
        if _entry(path, entry.path) != entry:
            raise BackupRefused(CHECKSUM_MISMATCH, file=entry.path)
    revision = _revision(folder / DATABASE, immutable=True) or ""
    if revision not in revisions:
        raise BackupRefused(SCHEMA_TOO_NEW, revision=revision, head=revisions[0])
    documents = [e for e in manifest.files if e.path != DATABASE]
    made_data_dir = not data_dir.exists()
    partial = target.with_name(f".{target.name}.restoring")
    try:
        for entry in documents:
            destination = data_dir / PurePosixPath(entry.path).relative_to(DATA)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / entry.path, destination)
        if documents:
            _sync_tree(data_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / DATABASE, partial)
        _sync(partial)
        partial.rename(target)
        _sync(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        if made_data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:  # it was there and empty: empty it again
            for child in data_dir.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        raise
    return Restored(
        database=target,
        data_dir=data_dir,
        documents=len(documents),
        revision=revision,
        behind=revision != revisions[0],
    )


def _copy_database(source: Path, target: Path) -> tuple[str, list[tuple[str, str]]]:
    """Copy `source` with the backup API; return its revision and documents (path, SHA-256)."""
    reading = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)
    copy = sqlite3.connect(target)
    try:
        reading.backup(copy)  # every page in one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        (check,) = copy.execute("PRAGMA quick_check").fetchone()
        if check != "ok":  # pragma: no cover - a damaged source database
            raise RuntimeError(f"the copy of {source} fails SQLite's check: {check}")
        documents = copy.execute(
            "SELECT stored_path, sha256 FROM documents ORDER BY stored_path"
        ).fetchall()
    except sqlite3.OperationalError as error:
        raise BackupRefused(NO_SCHEMA, path=str(source)) from error
    finally:
        copy.close()
        reading.close()
    revision = _revision(target)
    if revision is None:
        raise BackupRefused(NO_SCHEMA, path=str(source))
    return revision, [(str(path), str(sha)) for path, sha in documents]


def _revision(path: Path, *, immutable: bool = False) -> str | None:
    """The Alembic revision stored in the SQLite file at `path`, or None."""
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
    connection = sqlite3.connect(uri, uri=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        connection.close()
    return str(row[0]) if row else None


def _check_name(name: str) -> None:
    """Refuse a manifest path that could reach outside the backup or the data directory."""
    path = PurePosixPath(name)
    inside = name == DATABASE or (len(path.parts) > 1 and path.parts[0] == DATA)
    if path.is_absolute() or ".." in path.parts or "\\" in name or not inside:
        raise BackupRefused(UNSAFE_NAME, file=name)


def _entry(path: Path, name: str) -> Entry:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return Entry(path=name, size=size, sha256=digest.hexdigest())


def _sync(path: Path) -> None:
    """fsync a file or a folder, so that what was written survives a power loss."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_tree(root: Path) -> None:
    for folder, _, names in os.walk(root):
        for name in names:
            _sync(Path(folder) / name)
        _sync(Path(folder))
