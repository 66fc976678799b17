"""Discussion pages: the list of discussions, a discussion, and its documents."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from forum.contributions.reading import discussion_view
from forum.discussions.documents import document_file, get_document
from forum.discussions.listing import list_discussions
from forum.live.sessions import discussion_sessions
from forum.synthesis.service import published_synthesis
from forum.web.cache import cached_page
from forum.web.request import database, now, page_i18n, render, settings_of, viewer

INLINE_TYPES = ("application/pdf", "text/plain")  # the others are saved, not opened


async def home(request: Request) -> Response:
    """The discussions open now, upcoming and past; cached for anonymous readers like the
    pages that span discussions (any discussion's change, or the minute, renews it)."""
    return await cached_page(request, lambda: _home(request), site_wide=True)


async def _home(request: Request) -> Response:
    i18n = page_i18n(request)
    async with database(request).session() as session:
        listing = await list_discussions(session, language=i18n.language, now=now(request))
    return render(request, "pages/home.html", {"listing": listing}, i18n=i18n)


async def discussion(request: Request) -> Response:
    return await cached_page(request, lambda: _discussion(request))


async def _discussion(request: Request) -> Response:
    i18n = page_i18n(request)
    async with database(request).session() as session:
        view = await discussion_view(
            session, slug=request.path_params["slug"], language=i18n.language, now=now(request)
        )
        live = await discussion_sessions(
            session,
            discussion_id=view.page.card.id,
            languages=view.page.languages,
            language=i18n.language,
            now=now(request),
        )
        synthesis = await published_synthesis(
            session,
            discussion_id=view.page.card.id,
            languages=view.page.languages,
            language=i18n.language,
        )
    return render(
        request,
        "discussions/discussion.html",
        {
            "page": view.page,
            "answers": view.answers,
            "summaries": view.summaries,
            "live": live,
            "synthesis": synthesis,
        },
        i18n=i18n,
    )


async def document(request: Request) -> Response:
    """A document, streamed from disk as the type its content is, never sniffed as another.

    A draft's documents are there for its organisers only; anybody else gets 404.
    """
    data_dir = settings_of(request).data_dir
    async with database(request).session() as session:
        download = await get_document(
            session,
            slug=request.path_params["slug"],
            document_id=request.path_params["id"],
            user=viewer(request),
            now=now(request),
        )
    doc = download.document
    path = document_file(doc, data_dir)
    media_type = doc.content_type
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    disposition = "inline" if doc.content_type in INLINE_TYPES else "attachment"
    return FileResponse(
        path,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(disposition, doc.filename),
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{doc.sha256}"',
            # Published: anybody may keep it, asking again whether it changed; a draft's: nobody.
            "Cache-Control": "public, no-cache" if download.published else "private, no-store",
        },
    )


def content_disposition(disposition: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback name, and the real one in RFC 5987 `filename*`."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\%;' else "_" for c in filename
    )
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


routes: list[BaseRoute] = [
    Route("/", home, name="home"),
    Route("/discussions/{slug}", discussion, name="discussion"),
    Route("/discussions/{slug}/documents/{id:id}", document, name="document"),
]
