"""Discussion pages: the list of discussions, a discussion, and its documents."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from forum.contributions.reading import discussion_view
from forum.discussions.documents import get_document
from forum.discussions.listing import list_discussions
from forum.live.sessions import discussion_sessions
from forum.web.cache import cached_page
from forum.web.request import database, now, page_i18n, render

INLINE_TYPES = ("application/pdf", "text/plain", "image/png", "image/jpeg")


async def home(request: Request) -> Response:
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
    return render(
        request,
        "discussions/discussion.html",
        {"page": view.page, "answers": view.answers, "summaries": view.summaries, "live": live},
        i18n=i18n,
    )


async def document(request: Request) -> Response:
    async with database(request).session() as session:
        doc = await get_document(
            session, slug=request.path_params["slug"], document_id=request.path_params["id"]
        )
    disposition = "inline" if doc.content_type in INLINE_TYPES else "attachment"
    media_type = doc.content_type
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    return Response(
        doc.content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(doc.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=3600",
        },
    )


routes: list[BaseRoute] = [
    Route("/", home, name="home"),
    Route("/discussions/{slug}", discussion, name="discussion"),
    Route("/discussions/{slug}/documents/{id:id}", document, name="document"),
]
