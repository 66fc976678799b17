"""The exports' URLs: moderators' CSV and JSON of every post, and open data of published ones."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from forum.core.content import discussion_version
from forum.exports.formats import MEDIA_TYPES, Format, export_chunks, export_filename
from forum.exports.rows import Audience
from forum.exports.streaming import ExportSource, export_source
from forum.web.request import database, now, viewer


async def _stream(request: Request, source: ExportSource, form: Format) -> AsyncIterator[bytes]:
    """The export's bytes, read batch by batch in a session held open while it streams."""
    async with database(request).session() as session:
        async for chunk in export_chunks(session, source, form):
            yield chunk.encode("utf-8")


async def _export(request: Request, audience: Audience, form: Format) -> Response:
    slug = request.path_params["slug"]
    moment = now(request)
    async with database(request).session() as session:
        source = await export_source(
            session, slug=slug, audience=audience, user=viewer(request), now=moment
        )
        version = await discussion_version(session, slug=slug)
    suffix = "-moderation" if audience is Audience.MODERATORS else ""
    headers = {
        "Content-Disposition": f'attachment; filename="{export_filename(slug, form, suffix)}"'
    }
    if audience is Audience.MODERATORS:
        headers["Cache-Control"] = "private, no-store"
    else:
        # Open data is the same for everyone until the discussion changes (or the minute turns,
        # as the page cache keys it): a reader's cache may keep it and ask again with its tag.
        tag = f'"{version}-{moment.strftime("%Y%m%d%H%M")}"'
        headers.update({"Cache-Control": "public, no-cache", "ETag": tag})
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers=headers)
    return StreamingResponse(
        _stream(request, source, form), media_type=MEDIA_TYPES[form], headers=headers
    )


async def moderation_csv(request: Request) -> Response:
    return await _export(request, Audience.MODERATORS, Format.CSV)


async def moderation_json(request: Request) -> Response:
    return await _export(request, Audience.MODERATORS, Format.JSON)


async def open_csv(request: Request) -> Response:
    return await _export(request, Audience.PUBLIC, Format.CSV)


async def open_json(request: Request) -> Response:
    return await _export(request, Audience.PUBLIC, Format.JSON)


_MODERATION = "/moderation/discussions/{slug}/"
routes: list[BaseRoute] = [
    Route(_MODERATION + "export.csv", moderation_csv, name="moderation_export_csv"),
    Route(_MODERATION + "export.json", moderation_json, name="moderation_export_json"),
    Route("/discussions/{slug}/export.csv", open_csv, name="open_data_csv"),
    Route("/discussions/{slug}/export.json", open_json, name="open_data_json"),
]
