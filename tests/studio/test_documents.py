"""The studio's documents page: send, rename, replace and remove a discussion's files."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from sqlmodel import col, select, update

from forum.app import create_app
from forum.core.clock import FixedClock
from forum.db import Database
from forum.models import Discussion, DiscussionChange, DiscussionOrganiser, Document, User
from forum.models.types import Role
from forum.settings import Settings
from tests.conftest import NOW, StatementCounter
from tests.factories import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    add_discussion,
    discussion_data,
    docx_bytes,
    odt_bytes,
)
from tests.helpers import csrf_token, make_user, sign_in_as

SLUG = "remote-apprenticeships"
PAGE = f"/{{lang}}/studio/{SLUG}/documents"
ADD = f"/en/studio/{SLUG}/documents/add"


async def _draft(db: Database) -> int:
    """A draft discussion in en, es and fr (readers cannot see it)."""
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW + timedelta(days=7)), now=NOW)
        await session.execute(
            update(Discussion).where(col(Discussion.slug) == SLUG).values(published_at=None)
        )
        found = await session.scalar(select(col(Discussion.id)).where(Discussion.slug == SLUG))
    assert found is not None
    return found


async def _organiser(db: Database, client: httpx.AsyncClient, discussion_id: int) -> User:
    user = await make_user(db, email="organiser@example.org", name="Olga Organiser")
    async with db.transaction() as session:
        session.add(DiscussionOrganiser(discussion_id=discussion_id, user_id=user.id or 0))
    await sign_in_as(client, db, user)
    return user


async def _upload(
    client: httpx.AsyncClient,
    name: str,
    content: bytes,
    *,
    title: str = "Guidance note",
    language: str = "en",
    url: str = ADD,
) -> httpx.Response:
    token = await csrf_token(client, PAGE.format(lang="en"))
    return await client.post(
        url,
        data={"csrf_token": token, "language": language, "title": title},
        files={"file": (name, content, "application/octet-stream")},
    )


def _files(settings: Settings) -> list[Path]:
    folder = settings.data_dir
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


async def _documents(db: Database) -> list[Document]:
    async with db.session() as session:
        return list(await session.scalars(select(Document).order_by(col(Document.id))))


async def _changes(db: Database) -> list[DiscussionChange]:
    """The studio's changes to the discussion (not the import that made it)."""
    async with db.session() as session:
        return list(
            await session.scalars(
                select(DiscussionChange)
                .where(DiscussionChange.what != "import")
                .order_by(col(DiscussionChange.id))
            )
        )


async def _version(db: Database) -> int:
    async with db.session() as session:
        version = await session.scalar(select(col(Discussion.content_version)))
    return int(version or 0)


async def test_the_page_lists_documents_per_language_and_flags_a_missing_one(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _organiser(db, client, await _draft(db))
    assert (
        await _upload(client, "nota.txt", b"Una nota.", language="es", title="Nota")
    ).status_code == 303
    page = await client.get(PAGE.format(lang="en"))
    assert page.status_code == 200
    assert "No document in French." in page.text and "No document in English." in page.text
    assert "No document in Spanish." not in page.text
    assert "Nota" in page.text and "nota.txt" in page.text and "Plain text" in page.text
    assert 'aria-current="page">Documents<' in page.text
    french = await client.get(PAGE.format(lang="fr"))
    assert "Aucun document en français." in french.text
    assert "Texte brut" in french.text


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("note.pdf", PDF_BYTES, "application/pdf"),
        ("note.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
        (
            "note.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("note.txt", b"Une note.\n", "text/plain; charset=utf-8"),
    ],
)
async def test_each_allowed_type_is_stored_and_downloaded_as_what_it_is(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    name: str,
    content: bytes,
    media_type: str,
) -> None:
    discussion_id = await _draft(db)
    organiser = await _organiser(db, client, discussion_id)
    version = await _version(db)
    response = await _upload(client, name, content)
    assert response.status_code == 303
    assert response.headers["location"] == PAGE.format(lang="en") + "?done=1"
    [document] = await _documents(db)
    assert _files(settings) == [settings.data_dir / document.stored_path]
    assert (settings.data_dir / document.stored_path).read_bytes() == content
    [change] = await _changes(db)
    assert (change.what, change.actor_id, change.item) == ("document_add", organiser.id, name)
    assert await _version(db) == version + 1
    download = await client.get(f"/en/discussions/{SLUG}/documents/{document.id}")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == media_type
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].endswith(f"filename*=UTF-8''{name}")
    assert download.headers["cache-control"] == "private, no-store"  # a draft's


async def test_a_download_names_the_file_as_rfc_6266_says(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _organiser(db, client, await _draft(db))
    await _upload(client, 'Informe "final" ñ.docx', docx_bytes())
    [document] = await _documents(db)
    download = await client.get(f"/en/discussions/{SLUG}/documents/{document.id}")
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Informe _final_ _.docx"; filename*=')
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert " " not in encoded and unquote(encoded) == 'Informe "final" ñ.docx'
    assert download.headers["etag"] == f'"{document.sha256}"'


async def test_a_drafts_document_is_absent_for_readers(
    client: httpx.AsyncClient, db: Database
) -> None:
    discussion_id = await _draft(db)
    await _organiser(db, client, discussion_id)
    await _upload(client, "note.pdf", PDF_BYTES)
    [document] = await _documents(db)
    path = f"/en/discussions/{SLUG}/documents/{document.id}"
    client.cookies.clear()
    assert (await client.get(path)).status_code == 404
    reader = await make_user(db, email="reader@example.org")
    await sign_in_as(client, db, reader)
    assert (await client.get(path)).status_code == 404
    async with db.transaction() as session:
        await session.execute(update(Discussion).values(published_at=NOW - timedelta(hours=1)))
    published = await client.get(path)
    assert published.status_code == 200
    assert published.headers["content-disposition"].startswith("inline;")  # a PDF opens
    assert published.headers["cache-control"] == "public, no-cache"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.txt", EXE_BYTES, "Only PDF, OpenDocument text (.odt), Word (.docx) and plain"),
        ("photo.pdf", PNG_BYTES, "Only PDF, OpenDocument text (.odt), Word (.docx) and plain"),
        (
            "note.txt",
            PDF_BYTES,
            "ends in .txt, but its content is something else: PDF document (.pdf)",
        ),
        ("../../etc/passwd.txt", b"root:x:0:0", "The file name holds a folder path."),
        ("..\\..\\boot.txt", b"x", "The file name holds a folder path."),
        ("note.txt", b"", "The file is empty."),
        ("..", b"x", "This file name cannot be used."),
        ("latin.txt", "café".encode("latin-1"), "This text file is not in UTF-8."),
    ],
)
async def test_a_refused_file_says_why_next_to_the_field_and_writes_nothing(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    name: str,
    content: bytes,
    message: str,
) -> None:
    await _organiser(db, client, await _draft(db))
    response = await _upload(client, name, content, title="Kept title")
    assert response.status_code == 422
    text = response.text.replace("&#34;", '"').replace("&#39;", "'")
    field = re.search(r'<p class="field-error" id="e-file">([^<]*)</p>', text)
    assert field is not None and message in field.group(1)
    assert 'value="Kept title"' in response.text
    assert await _documents(db) == [] and await _changes(db) == []
    assert _files(settings) == []


async def test_the_refusal_is_in_the_readers_language(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _organiser(db, client, await _draft(db))
    token = await csrf_token(client, PAGE.format(lang="fr"))
    response = await client.post(
        f"/fr/studio/{SLUG}/documents/add",
        data={"csrf_token": token, "language": "fr", "title": "Note"},
        files={"file": ("note.txt", PDF_BYTES, "text/plain")},
    )
    assert response.status_code == 422
    assert "Document PDF (.pdf)" in response.text and "Il y a un problème" in response.text


async def test_missing_title_language_and_file_are_all_said_at_once(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _organiser(db, client, await _draft(db))
    token = await csrf_token(client, PAGE.format(lang="en"))
    response = await client.post(ADD, data={"csrf_token": token, "language": "de", "title": "   "})
    assert response.status_code == 422
    for message in (
        "Give the document a title.",
        "Choose one of the discussion&#39;s languages.",
        "Choose a file to send.",
    ):
        assert message in response.text
    assert await _documents(db) == []


async def test_a_file_a_little_too_large_gets_the_limit_in_the_readers_words(
    db: Database, settings: Settings, clock: FixedClock
) -> None:
    small = dataclasses.replace(settings, max_document_bytes=2 * 1024 * 1024)
    async for client in _client(small, clock):
        await _organiser(db, client, await _draft(db))
        token = await csrf_token(client, PAGE.format(lang="es"))
        response = await client.post(
            f"/es/studio/{SLUG}/documents/add",
            data={"csrf_token": token, "language": "es", "title": "Grande"},
            files={"file": ("grande.txt", b"x" * (2 * 1024 * 1024 + 10), "text/plain")},
        )
        assert response.status_code == 422
        assert "El archivo ocupa más de 2 MB." in response.text
        far_too_large = await client.post(
            f"/es/studio/{SLUG}/documents/add",
            data={"csrf_token": token, "language": "es", "title": "Enorme"},
            files={"file": ("enorme.txt", b"x" * (3 * 1024 * 1024), "text/plain")},
        )
        assert far_too_large.status_code == 413
        assert "Lo que ha enviado es demasiado grande." in far_too_large.text
    assert await _documents(db) == [] and _files(small) == []


async def _client(settings: Settings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await app.state.db.dispose()


async def test_the_upload_takes_more_than_other_forms_may_send(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    await _organiser(db, client, await _draft(db))
    content = b"word " * (settings.max_body_bytes // 5 + 1000)  # over the 1 MiB of other forms
    assert (await _upload(client, "long.txt", content)).status_code == 303
    [document] = await _documents(db)
    assert document.size_bytes == len(content)
    token = await csrf_token(client, PAGE.format(lang="en"))
    retitle = f"/en/studio/{SLUG}/documents/{document.id}/title"
    too_long = await client.post(retitle, data={"csrf_token": token, "title": "x" * len(content)})
    assert too_long.status_code == 413


async def test_rename_replace_and_remove(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    await _organiser(db, client, await _draft(db))
    await _upload(client, "note.txt", b"First words.")
    [document] = await _documents(db)
    first_file = settings.data_dir / document.stored_path
    base = f"/en/studio/{SLUG}/documents/{document.id}"
    token = await csrf_token(client, PAGE.format(lang="en"))

    empty = await client.post(base + "/title", data={"csrf_token": token, "title": " "})
    assert empty.status_code == 422
    assert f'id="e-title-{document.id}">Give the document a title.' in empty.text
    renamed = await client.post(base + "/title", data={"csrf_token": token, "title": "Better"})
    assert renamed.status_code == 303
    assert [d.title for d in await _documents(db)] == ["Better"]

    refused = await client.post(
        base + "/file",
        data={"csrf_token": token},
        files={"file": ("setup.txt", EXE_BYTES, "text/plain")},
    )
    assert refused.status_code == 422 and f'id="e-file-{document.id}"' in refused.text
    assert _files(settings) == [first_file]
    replaced = await client.post(
        base + "/file",
        data={"csrf_token": token},
        files={"file": ("new.pdf", PDF_BYTES, "application/pdf")},
    )
    assert replaced.status_code == 303
    [document] = await _documents(db)
    assert (document.title, document.filename, document.content_type) == (
        "Better",
        "new.pdf",
        "application/pdf",
    )
    assert _files(settings) == [settings.data_dir / document.stored_path]  # the first one went

    removed = await client.post(base + "/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    assert await _documents(db) == [] and _files(settings) == []
    again = await client.post(base + "/remove", data={"csrf_token": token})
    assert again.status_code == 404
    kinds = [(c.what, c.item) for c in await _changes(db)]
    assert kinds == [
        ("document_add", "note.txt"),
        ("document_edit", "note.txt"),
        ("document_edit", "new.pdf"),
        ("document_remove", "new.pdf"),
    ]


async def test_only_organisers_and_admins_reach_the_page(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _draft(db)
    page = PAGE.format(lang="en")
    assert (await client.get(page)).status_code == 303  # sign in first
    contributor = await make_user(db, email="someone@example.org")
    await sign_in_as(client, db, contributor)
    assert (await client.get(page)).status_code == 403
    token = await csrf_token(client, "/en/account/profile")
    sent = await client.post(
        ADD,
        data={"csrf_token": token, "language": "en", "title": "Note"},
        files={"file": ("note.txt", b"A note.", "text/plain")},
    )
    assert sent.status_code == 403 and await _documents(db) == []
    admin = await make_user(db, email="admin@example.org", role=Role.ADMIN)
    await sign_in_as(client, db, admin)
    assert (await client.get(page)).status_code == 200
    assert (await client.get("/en/studio/unknown/documents")).status_code == 404


async def test_the_page_costs_the_same_statements_with_more_documents(
    client: httpx.AsyncClient, db: Database, count_statements: StatementCounter
) -> None:
    await _organiser(db, client, await _draft(db))
    counts = []
    for number in range(4):
        if number in (1, 3):
            await _upload(client, f"note-{number}.txt", b"A note.", language="es")
        before = count_statements.count
        assert (await client.get(PAGE.format(lang="en"))).status_code == 200
        counts.append(count_statements.count - before)
    assert counts[0] == counts[-1]
