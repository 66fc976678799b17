"""A discussion's documents: the links its page shows in the reader's language, and a download."""

from __future__ import annotations

import mimetypes
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col, select

from forum.core.errors import NotFound
from forum.core.localize import pick
from forum.models import Discussion, Document


@dataclass(frozen=True, slots=True)
class DocumentLink:
    id: int
    title: str
    filename: str
    language: str
    size_bytes: int


async def document_links(
    session: AsyncSession, *, discussion_id: int, order: Sequence[str]
) -> list[DocumentLink]:
    """Return the discussion's documents in the first language of `order` that has some."""
    documents = await session.scalars(
        select(Document)
        .options(defer(Document.content))  # type: ignore[arg-type]
        .where(Document.discussion_id == discussion_id)
        .order_by(col(Document.id))
    )
    by_language: dict[str, list[DocumentLink]] = defaultdict(list)
    for d in documents:
        by_language[d.language].append(
            DocumentLink(d.id or 0, d.title, d.filename, d.language, d.size_bytes)
        )
    found = pick(by_language, order)
    return found[0] if found else []


async def get_document(session: AsyncSession, *, slug: str, document_id: int) -> Document:
    """Return a discussion's document with its content; raise NotFound otherwise."""
    document = await session.scalar(
        select(Document)
        .join(Discussion, col(Discussion.id) == col(Document.discussion_id))
        .where(Discussion.slug == slug, Document.id == document_id)
    )
    if document is None:
        raise NotFound(f"{slug}/documents/{document_id}")
    return document


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
    """Store one document of a discussion (the file import and the studio both come here)."""
    del data_dir, max_bytes  # stored in the database for now
    document = Document(
        discussion_id=discussion_id,
        language=language,
        title=title,
        filename=Path(filename).name,
        size_bytes=len(content),
        content=content,
        content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
    )
    session.add(document)
    await session.flush()
    return document


def document_content(document: Document, data_dir: Path) -> bytes:
    """The bytes of a stored document."""
    del data_dir
    return document.content
