"""A discussion's documents: checked by their content, kept on disk, linked and downloaded.

A document's bytes live in a file under the data directory,
`documents/<discussion id>/<random token>.<extension>`, never under the name it was sent
with; its row holds that relative path, the name people see (made safe), the type its
content has, its size and its SHA-256. A file is written (temporary name, fsync, rename)
before its row, and removed again unless the transaction commits; a file whose row goes is
removed once the removal is committed. Nothing is half-written either way.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import filetype
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel import col, func, select

from forum.core.errors import N_, Invalid, NotFound
from forum.core.localize import pick
from forum.core.permissions import is_admin, may_organise
from forum.models import Discussion, DiscussionOrganiser, Document, User

DOCUMENTS = "documents"  # the folder under the data directory
MAX_FILENAME = 120
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class DocumentType:
    """A kind of document we take: how its name ends, what it is, what people call it."""

    extension: str
    media_type: str
    label: str  # a msgid


PDF = DocumentType("pdf", "application/pdf", N_("PDF document"))
ODT = DocumentType("odt", "application/vnd.oasis.opendocument.text", N_("OpenDocument text"))
DOCX = DocumentType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    N_("Word document"),
)
TXT = DocumentType("txt", "text/plain", N_("Plain text"))
ALLOWED_TYPES: tuple[DocumentType, ...] = (PDF, ODT, DOCX, TXT)
_BY_MEDIA_TYPE = {kind.media_type: kind for kind in ALLOWED_TYPES}

EMPTY = N_("The file is empty.")
TOO_LARGE = N_("The file is larger than %(limit)s.")
NAME_UNUSABLE = N_("This file name cannot be used.")
NAME_WITH_PATH = N_("The file name holds a folder path. Send the file under its own name only.")
NO_EXTENSION = N_("The file name must end in .pdf, .odt, .docx or .txt.")
REFUSED_TYPE = N_(
    "Only PDF, OpenDocument text (.odt), Word (.docx) and plain text files are taken."
)
NOT_UTF8 = N_("This text file is not in UTF-8. Save it as UTF-8 and send it again.")
WRONG_EXTENSION = N_(
    "The file's name ends in .%(named)s, but its content is something else: %(actual)s (.%(ext)s)."
)


class DocumentRefused(Invalid):
    """The file cannot be taken; `message` says why, about the form's `file` field."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message, field="file", **params)


@dataclass(frozen=True, slots=True)
class DocumentLink:
    id: int
    title: str
    filename: str
    language: str
    size_bytes: int


def tries_path(name: str) -> bool:
    """Say whether an uploaded name holds a folder path ("../../etc/passwd", "C:\\x.pdf")."""
    return "/" in name or "\\" in name


def safe_filename(name: str) -> str:
    """The name people see: its base name, NFC, no control characters, at most 120 characters.

    The extension is kept when the name is shortened. Raise DocumentRefused for a name
    with nothing left, or "." and "..".
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if base in ("", ".", "..") or not base.strip("."):
        raise DocumentRefused(NAME_UNUSABLE)
    if len(base) > MAX_FILENAME:
        stem, dot, extension = base.rpartition(".")
        if dot and 0 < len(extension) < 10 and stem:
            base = stem[: MAX_FILENAME - len(extension) - 1].rstrip() + "." + extension
        else:
            base = base[:MAX_FILENAME]
    return base


def content_type_of(content: bytes) -> DocumentType:
    """What the bytes are, whatever their name says; DocumentRefused for anything else."""
    kind = filetype.guess(content)
    if kind is not None:
        found = _BY_MEDIA_TYPE.get(str(kind.mime))
        if found is None:
            raise DocumentRefused(REFUSED_TYPE)
        return found
    text = content.removeprefix(b"\xef\xbb\xbf")
    if b"\x00" in text:
        raise DocumentRefused(REFUSED_TYPE)
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DocumentRefused(NOT_UTF8 if _looks_like_text(text) else REFUSED_TYPE) from error
    return TXT


def _looks_like_text(content: bytes) -> bool:
    """Text in another encoding (Latin-1, say): no control bytes but tabs and line ends."""
    return all(byte >= 0x20 or byte in b"\t\r\n" for byte in content[:4096])


def check_file(filename: str, content: bytes, max_bytes: int) -> tuple[str, DocumentType]:
    """The safe name and the type of an upload; DocumentRefused saying what is wrong."""
    if not content:
        raise DocumentRefused(EMPTY)
    if len(content) > max_bytes:
        raise DocumentRefused(TOO_LARGE, limit=max_bytes)
    name = safe_filename(filename)
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        raise DocumentRefused(NO_EXTENSION)
    kind = content_type_of(content)
    if extension.lower() != kind.extension:
        raise DocumentRefused(
            WRONG_EXTENSION, named=extension.lower(), actual=kind.label, ext=kind.extension
        )
    return name, kind


@dataclass(frozen=True, slots=True)
class StoredFile:
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    stored_path: str  # relative to the data directory


def store_file(
    session: AsyncSession,
    *,
    data_dir: Path,
    discussion_id: int,
    filename: str,
    content: bytes,
    max_bytes: int,
) -> StoredFile:
    """Check an upload and write it to disk; it is removed again unless `session` commits."""
    name, kind = check_file(filename, content, max_bytes)
    relative = f"{DOCUMENTS}/{discussion_id}/{secrets.token_urlsafe(18)}.{kind.extension}"
    target = data_dir / relative
    _write_atomically(target, content)
    _pending(session)["written"].append(target)
    return StoredFile(
        name, kind.media_type, len(content), hashlib.sha256(content).hexdigest(), relative
    )


def forget_file(session: AsyncSession, *, data_dir: Path, stored_path: str) -> None:
    """Remove a stored file once `session` commits (a rollback keeps it)."""
    _pending(session)["doomed"].append(data_dir / stored_path)


def _write_atomically(target: Path, content: bytes) -> None:
    """Write under a temporary name in the same folder, fsync, then rename into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def _pending(session: AsyncSession) -> dict[str, list[Path]]:
    """Files written and files to remove in this session's transaction; hooks set up once."""
    sync = session.sync_session
    pending: dict[str, list[Path]] | None = sync.info.get("document_files")
    if pending is None:
        pending = {"written": [], "doomed": []}
        sync.info["document_files"] = pending
        event.listen(sync, "after_commit", _committed)
        event.listen(sync, "after_transaction_end", _ended)
    return pending


def _committed(session: Session) -> None:
    pending: dict[str, list[Path]] = session.info["document_files"]
    for path in pending["doomed"]:
        path.unlink(missing_ok=True)
    pending["written"].clear()
    pending["doomed"].clear()


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    pending: dict[str, list[Path]] = session.info["document_files"]
    for path in pending["written"]:  # not committed: the rows that named them are gone
        path.unlink(missing_ok=True)
    pending["written"].clear()
    pending["doomed"].clear()


async def add_document(
    session: AsyncSession,
    *,
    data_dir: Path,
    discussion_id: int,
    language: str,
    title: str,
    filename: str,
    content: bytes,
    max_bytes: int,
) -> Document:
    """Store one document of a discussion (the file import and the studio both come here).

    Raise DocumentRefused for a file we do not take; the caller's transaction keeps the
    row and the file together.
    """
    stored = store_file(
        session,
        data_dir=data_dir,
        discussion_id=discussion_id,
        filename=filename,
        content=content,
        max_bytes=max_bytes,
    )
    document = Document(
        discussion_id=discussion_id,
        language=language,
        title=title.strip()[:MAX_TITLE],
        filename=stored.filename,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        stored_path=stored.stored_path,
        sha256=stored.sha256,
    )
    session.add(document)
    await session.flush()
    return document


def document_file(document: Document, data_dir: Path) -> Path:
    """Where a stored document's bytes are; NotFound if its path leaves the documents folder."""
    root = (data_dir / DOCUMENTS).resolve()
    path = (data_dir / document.stored_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound(f"document {document.id}")
    return path


def document_content(document: Document, data_dir: Path) -> bytes:
    """The bytes of a stored document."""
    return document_file(document, data_dir).read_bytes()


async def document_links(
    session: AsyncSession, *, discussion_id: int, order: Sequence[str]
) -> list[DocumentLink]:
    """Return the discussion's documents in the first language of `order` that has some."""
    documents = await session.scalars(
        select(Document).where(Document.discussion_id == discussion_id).order_by(col(Document.id))
    )
    return links_in_language(
        [DocumentLink(d.id or 0, d.title, d.filename, d.language, d.size_bytes) for d in documents],
        order,
    )


def links_in_language(links: Sequence[DocumentLink], order: Sequence[str]) -> list[DocumentLink]:
    """Keep the links (in the order given) in the first language of `order` that has some."""
    by_language: dict[str, list[DocumentLink]] = defaultdict(list)
    for link in links:
        by_language[link.language].append(link)
    found = pick(by_language, order)
    return found[0] if found else []


@dataclass(frozen=True, slots=True)
class Download:
    document: Document
    published: bool  # readers may see the discussion: caches may keep the file


async def get_document(
    session: AsyncSession, *, slug: str, document_id: int, user: User | None, now: datetime
) -> Download:
    """A discussion's document for `user`; NotFound when it is not there or not for them.

    A draft's (or a scheduled discussion's) documents are for its organisers and admins
    only: to anybody else they do not exist.
    """
    row = (
        await session.execute(
            select(Document, col(Discussion.published_at))
            .join(Discussion, col(Discussion.id) == col(Document.discussion_id))
            .where(Discussion.slug == slug, Document.id == document_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"{slug}/documents/{document_id}")
    document, published_at = row
    published = published_at is not None and published_at <= now
    if not published and not is_admin(user):
        organises = user is not None and bool(
            await session.scalar(
                select(func.count())
                .select_from(DiscussionOrganiser)
                .where(
                    DiscussionOrganiser.discussion_id == document.discussion_id,
                    DiscussionOrganiser.user_id == user.id,
                )
            )
        )
        if not may_organise(
            user, document.discussion_id, {document.discussion_id} if organises else set()
        ):
            raise NotFound(f"{slug}/documents/{document_id}")
    return Download(document, published)
