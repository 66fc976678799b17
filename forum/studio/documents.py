"""A discussion's documents in the studio: listed per language, added, retitled, replaced, removed.

Every change goes into the discussion's history and tells page caches that readers would
now see the discussion differently. The files themselves are written and removed by
forum.discussions.documents, in step with the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.content import bump_content_version
from forum.core.errors import N_, FormInvalid, NotFound
from forum.discussions.documents import (
    ALLOWED_TYPES,
    MAX_TITLE,
    NAME_WITH_PATH,
    DocumentRefused,
    add_document,
    check_file,
    forget_file,
    store_file,
    tries_path,
)
from forum.models import Discussion, Document, User
from forum.models.types import ChangeKind
from forum.studio.history import record_change

CHOOSE_FILE = N_("Choose a file to send.")
TITLE_MISSING = N_("Give the document a title.")
TITLE_TOO_LONG = N_("A title can be at most 200 characters long.")
LANGUAGE_UNKNOWN = N_("Choose one of the discussion's languages.")
_LABELS = {kind.media_type: kind.label for kind in ALLOWED_TYPES}


class DocumentFormInvalid(FormInvalid):
    """Fields refused; `refusal` is the file's own reason when the file was refused."""

    def __init__(self, errors: dict[str, str], refusal: DocumentRefused | None = None) -> None:
        super().__init__(errors)
        self.refusal = refusal


@dataclass(frozen=True, slots=True)
class StudioDocument:
    id: int
    language: str
    title: str
    filename: str
    type_label: str  # a msgid: "PDF document", "Plain text"...
    size_bytes: int


@dataclass(frozen=True, slots=True)
class LanguageDocuments:
    language: str
    documents: list[StudioDocument] = field(default_factory=list)


async def studio_documents(
    session: AsyncSession, discussion: Discussion
) -> list[LanguageDocuments]:
    """The discussion's documents, language by language in its own order: one statement.

    A language of the discussion with no document comes with an empty list (the page flags
    it); a document in a language the discussion no longer offers comes last, so that it can
    still be removed.
    """
    rows = await session.scalars(
        select(Document)
        .where(Document.discussion_id == discussion.id)
        .order_by(col(Document.language), col(Document.id))
    )
    groups = {code: LanguageDocuments(code) for code in discussion.language_list}
    for document in rows:
        group = groups.setdefault(document.language, LanguageDocuments(document.language))
        group.documents.append(_studio_document(document))
    return list(groups.values())


def _studio_document(document: Document) -> StudioDocument:
    return StudioDocument(
        id=document.id or 0,
        language=document.language,
        title=document.title,
        filename=document.filename,
        type_label=_LABELS.get(document.content_type, N_("Other file")),
        size_bytes=document.size_bytes,
    )


def _title_error(title: str) -> str | None:
    if not title:
        return TITLE_MISSING
    if len(title) > MAX_TITLE:
        return TITLE_TOO_LONG
    return None


def _file_refusal(filename: str, content: bytes, max_bytes: int) -> DocumentRefused | None:
    try:
        if tries_path(filename):
            raise DocumentRefused(NAME_WITH_PATH)
        check_file(filename, content, max_bytes)
    except DocumentRefused as refusal:
        return refusal
    return None


def _check_upload(
    errors: dict[str, str], filename: str, content: bytes, max_bytes: int, name: str = "file"
) -> None:
    """Raise DocumentFormInvalid with `errors` and whatever is wrong with the file."""
    refusal = None
    if not filename and not content:
        errors[name] = CHOOSE_FILE
    else:
        refusal = _file_refusal(filename, content, max_bytes)
        if refusal is not None:
            errors[name] = refusal.message
    if errors:
        raise DocumentFormInvalid(errors, refusal)


async def upload_document(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    language: str,
    title: str,
    filename: str,
    content: bytes,
    data_dir: Path,
    max_bytes: int,
    now: datetime,
) -> Document:
    """Add a document in one of the discussion's languages; every refusal at once."""
    assert discussion.id is not None
    title = title.strip()
    errors: dict[str, str] = {}
    if language not in discussion.language_list:
        errors["language"] = LANGUAGE_UNKNOWN
    if (problem := _title_error(title)) is not None:
        errors["title"] = problem
    _check_upload(errors, filename, content, max_bytes)
    document = await add_document(
        session,
        data_dir=data_dir,
        discussion_id=discussion.id,
        language=language,
        title=title,
        filename=filename,
        content=content,
        max_bytes=max_bytes,
    )
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.DOCUMENT_ADD,
        now=now,
        item=document.filename,
        after=_described(document),
    )
    await bump_content_version(session, discussion_id=discussion.id)
    return document


async def _document(session: AsyncSession, discussion: Discussion, document_id: int) -> Document:
    """The discussion's document, locked until the change commits (two replacing it wait)."""
    document = await session.scalar(
        select(Document)
        .where(Document.id == document_id, Document.discussion_id == discussion.id)
        .with_for_update()
    )
    if document is None:
        raise NotFound(f"{discussion.slug}/documents/{document_id}")
    return document


def _described(document: Document) -> dict[str, object]:
    return {
        "language": document.language,
        "title": document.title,
        "filename": document.filename,
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
    }


async def retitle_document(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    document_id: int,
    title: str,
    now: datetime,
) -> Document:
    """Give a document another title; the same title changes nothing."""
    assert discussion.id is not None
    title = title.strip()
    if (problem := _title_error(title)) is not None:
        raise DocumentFormInvalid({"title": problem})
    document = await _document(session, discussion, document_id)
    if document.title == title:
        return document
    before = document.title
    document.title = title
    session.add(document)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.DOCUMENT_EDIT,
        now=now,
        item=document.filename,
        before={"title": before},
        after={"title": title},
    )
    await bump_content_version(session, discussion_id=discussion.id)
    return document


async def replace_document(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    document_id: int,
    filename: str,
    content: bytes,
    data_dir: Path,
    max_bytes: int,
    now: datetime,
) -> Document:
    """Put another file in a document's place: same title and language, new content.

    The earlier file is removed once this commits.
    """
    assert discussion.id is not None
    document = await _document(session, discussion, document_id)
    _check_upload({}, filename, content, max_bytes)
    before = _described(document)
    stored = store_file(
        session,
        data_dir=data_dir,
        discussion_id=discussion.id,
        filename=filename,
        content=content,
        max_bytes=max_bytes,
    )
    forget_file(session, data_dir=data_dir, stored_path=document.stored_path)
    document.filename = stored.filename
    document.content_type = stored.content_type
    document.size_bytes = stored.size_bytes
    document.sha256 = stored.sha256
    document.stored_path = stored.stored_path
    session.add(document)
    await session.flush()
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.DOCUMENT_EDIT,
        now=now,
        item=document.filename,
        before=before,
        after=_described(document),
    )
    await bump_content_version(session, discussion_id=discussion.id)
    return document


async def remove_document(
    session: AsyncSession,
    *,
    discussion: Discussion,
    actor: User,
    document_id: int,
    data_dir: Path,
    now: datetime,
) -> None:
    """Remove a document; its file goes once this commits."""
    assert discussion.id is not None
    document = await _document(session, discussion, document_id)
    forget_file(session, data_dir=data_dir, stored_path=document.stored_path)
    await session.delete(document)
    record_change(
        session,
        discussion_id=discussion.id,
        actor_id=actor.id,
        what=ChangeKind.DOCUMENT_REMOVE,
        now=now,
        item=document.filename,
        before=_described(document),
    )
    await bump_content_version(session, discussion_id=discussion.id)
