"""Documents: what a file is, by its content; its name made safe; kept on disk in step with rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select, update

from forum.core.errors import NotFound
from forum.db import Database
from forum.discussions.documents import (
    NAME_UNUSABLE,
    NOT_UTF8,
    REFUSED_TYPE,
    TOO_LARGE,
    WRONG_EXTENSION,
    DocumentRefused,
    add_document,
    check_file,
    document_content,
    document_file,
    document_links,
    forget_file,
    get_document,
    safe_filename,
    tries_path,
)
from forum.models import Discussion, DiscussionOrganiser, Document
from forum.models.types import Role
from tests.conftest import NOW
from tests.factories import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    add_discussion,
    discussion_data,
    docx_bytes,
    odt_bytes,
    zipped,
)
from tests.helpers import make_user

LIMIT = 1024 * 1024
SLUG = "remote-apprenticeships"


def _files(data_dir: Path) -> list[Path]:
    """Every file under the data directory, temporary ones included."""
    return sorted(p for p in data_dir.rglob("*") if p.is_file()) if data_dir.exists() else []


async def _discussion(db: Database) -> int:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
        found = await session.scalar(select(col(Discussion.id)).where(Discussion.slug == SLUG))
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("note.pdf", PDF_BYTES, "application/pdf"),
        ("note.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
        (
            "note.DOCX",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("note.txt", "Une note, en français.\n".encode(), "text/plain"),
        ("note.txt", b"\xef\xbb\xbfWith a byte order mark", "text/plain"),
        ("page.txt", b"<html><script>alert(1)</script></html>", "text/plain"),
    ],
)
def test_allowed_files_are_typed_by_their_content(
    name: str, content: bytes, media_type: str
) -> None:
    safe, kind = check_file(name, content, LIMIT)
    assert safe == name
    assert kind.media_type == media_type


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.txt", EXE_BYTES, REFUSED_TYPE),
        ("photo.pdf", PNG_BYTES, REFUSED_TYPE),
        ("archive.pdf", zipped([("a.txt", b"x")]), REFUSED_TYPE),
        ("binary.txt", b"a\x00b", REFUSED_TYPE),
        ("latin.txt", "café".encode("latin-1"), NOT_UTF8),
        ("note.txt", PDF_BYTES, WRONG_EXTENSION),
        ("note.pdf", b"plain words", WRONG_EXTENSION),
        ("note.odt", docx_bytes(), WRONG_EXTENSION),
        ("note", PDF_BYTES, "The file name must end in .pdf, .odt, .docx or .txt."),
        ("..", PDF_BYTES, NAME_UNUSABLE),
        ("", PDF_BYTES, NAME_UNUSABLE),
        ("note.pdf", b"", "The file is empty."),
    ],
)
def test_refused_files_say_why(name: str, content: bytes, message: str) -> None:
    with pytest.raises(DocumentRefused) as refused:
        check_file(name, content, LIMIT)
    assert refused.value.message == message
    assert refused.value.field == "file"


def test_a_file_over_the_limit_is_refused_with_the_limit() -> None:
    with pytest.raises(DocumentRefused) as refused:
        check_file("big.txt", b"x" * 11, 10)
    assert refused.value.message == TOO_LARGE
    assert refused.value.params == {"limit": 10}


def test_a_name_says_what_the_content_is_not() -> None:
    with pytest.raises(DocumentRefused) as refused:
        check_file("note.txt", PDF_BYTES, LIMIT)
    assert refused.value.params == {"named": "txt", "actual": "PDF document", "ext": "pdf"}


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\ana\\informe.pdf", "informe.pdf"),
        ("a\x00b\u202e\nc.txt", "abc.txt"),
        ("Cafe\u0301.txt", "Café.txt"),
        ("x" * 200 + ".docx", "x" * 115 + ".docx"),
    ],
)
def test_names_are_made_safe(given: str, safe: str) -> None:
    assert safe_filename(given) == safe
    assert len(safe_filename(given)) <= 120


@pytest.mark.parametrize("name", [".", "..", "   ", "dir/..", "\x01\x02"])
def test_names_with_nothing_left_are_refused(name: str) -> None:
    with pytest.raises(DocumentRefused):
        safe_filename(name)


def test_a_name_with_a_folder_path_is_noticed() -> None:
    assert tries_path("../../etc/passwd") and tries_path("C:\\x.pdf")
    assert not tries_path("informe final.pdf")


async def test_a_document_is_written_under_a_name_of_its_own(db: Database, tmp_path: Path) -> None:
    discussion_id = await _discussion(db)
    data_dir = tmp_path / "data"
    async with db.transaction() as session:
        document = await add_document(
            session,
            data_dir=data_dir,
            discussion_id=discussion_id,
            language="fr",
            title="  Note d'orientation ",
            filename="../Note d'orientation.pdf",
            content=PDF_BYTES,
            max_bytes=LIMIT,
        )
    assert document.title == "Note d'orientation"
    assert document.filename == "Note d'orientation.pdf"
    assert document.content_type == "application/pdf"
    assert document.size_bytes == len(PDF_BYTES)
    assert document.stored_path.startswith(f"documents/{discussion_id}/")
    assert document.stored_path.endswith(".pdf") and "orientation" not in document.stored_path
    assert document_content(document, data_dir) == PDF_BYTES
    assert _files(data_dir) == [data_dir / document.stored_path]  # no temporary file is left


async def test_nothing_is_left_on_disk_when_the_transaction_fails(
    db: Database, tmp_path: Path
) -> None:
    discussion_id = await _discussion(db)
    data_dir = tmp_path / "data"
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await add_document(
                session,
                data_dir=data_dir,
                discussion_id=discussion_id,
                language="en",
                title="Note",
                filename="note.txt",
                content=b"A note.",
                max_bytes=LIMIT,
            )
            assert len(_files(data_dir)) == 1
            raise RuntimeError("something after the document failed")
    assert _files(data_dir) == []
    async with db.session() as session:
        assert list(await session.scalars(select(Document))) == []


async def test_a_refused_file_writes_nothing(db: Database, tmp_path: Path) -> None:
    discussion_id = await _discussion(db)
    with pytest.raises(DocumentRefused):
        async with db.transaction() as session:
            await add_document(
                session,
                data_dir=tmp_path / "data",
                discussion_id=discussion_id,
                language="en",
                title="Note",
                filename="setup.txt",
                content=EXE_BYTES,
                max_bytes=LIMIT,
            )
    assert _files(tmp_path / "data") == []


async def test_a_forgotten_file_goes_only_when_its_removal_commits(
    db: Database, tmp_path: Path
) -> None:
    discussion_id = await _discussion(db)
    data_dir = tmp_path / "data"
    async with db.transaction() as session:
        document = await add_document(
            session,
            data_dir=data_dir,
            discussion_id=discussion_id,
            language="en",
            title="Note",
            filename="note.txt",
            content=b"A note.",
            max_bytes=LIMIT,
        )
    path = data_dir / document.stored_path
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            forget_file(session, data_dir=data_dir, stored_path=document.stored_path)
            raise RuntimeError("the removal is rolled back")
    assert path.is_file()
    async with db.transaction() as session:
        forget_file(session, data_dir=data_dir, stored_path=document.stored_path)
    assert not path.exists()


async def test_a_stored_path_outside_the_documents_folder_is_not_served(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("no")
    document = Document(
        discussion_id=1,
        language="en",
        title="x",
        filename="x.txt",
        content_type="text/plain",
        size_bytes=2,
        stored_path="documents/../secret.txt",
        sha256="",
    )
    with pytest.raises(NotFound):
        document_file(document, tmp_path)


async def test_links_come_in_the_readers_language(db: Database, tmp_path: Path) -> None:
    discussion_id = await _discussion(db)
    async with db.transaction() as session:
        for language in ("en", "es"):
            await add_document(
                session,
                data_dir=tmp_path,
                discussion_id=discussion_id,
                language=language,
                title=f"Note {language}",
                filename="note.txt",
                content=b"A note.",
                max_bytes=LIMIT,
            )
    async with db.session() as session:
        spanish = await document_links(session, discussion_id=discussion_id, order=["es", "en"])
        french = await document_links(session, discussion_id=discussion_id, order=["fr", "en"])
    assert [link.title for link in spanish] == ["Note es"]
    assert [link.title for link in french] == ["Note en"]


async def test_a_drafts_documents_are_for_its_organisers_only(db: Database, tmp_path: Path) -> None:
    discussion_id = await _discussion(db)
    async with db.transaction() as session:
        document = await add_document(
            session,
            data_dir=tmp_path,
            discussion_id=discussion_id,
            language="en",
            title="Note",
            filename="note.txt",
            content=b"A note.",
            max_bytes=LIMIT,
        )
        await session.execute(
            update(Discussion).where(col(Discussion.id) == discussion_id).values(published_at=None)
        )
    assert document.id is not None
    reader = await make_user(db, email="reader@example.org")
    organiser = await make_user(db, email="organiser@example.org")
    admin = await make_user(db, email="admin@example.org", role=Role.ADMIN)
    async with db.transaction() as session:
        session.add(DiscussionOrganiser(discussion_id=discussion_id, user_id=organiser.id or 0))
    async with db.session() as session:
        for user in (None, reader):
            with pytest.raises(NotFound):
                await get_document(session, slug=SLUG, document_id=document.id, user=user, now=NOW)
        for user in (organiser, admin):
            download = await get_document(
                session, slug=SLUG, document_id=document.id, user=user, now=NOW
            )
            assert download.document.id == document.id and not download.published
