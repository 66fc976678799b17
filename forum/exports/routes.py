"""The exports' URLs: moderators' CSV and JSON of every post, and open data of published ones."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from forum.analysis.counts import DiscussionCounts, counts_for
from forum.core.content import discussion_version
from forum.exports.formats import MEDIA_TYPES, Format, counts_csv, export_chunks, export_filename
from forum.exports.rows import Audience
from forum.exports.streaming import ExportSource, export_source
from forum.web.request import database, now, viewer


async def _stream(
    request: Request, source: ExportSource, form: Format, counts: DiscussionCounts | None
) -> AsyncIterator[bytes]:
    """The export's bytes, read batch by batch in a session held open while it streams."""
    async with database(request).session() as session:
        async for chunk in export_chunks(session, source, form, counts=counts):
            yield chunk.encode("utf-8")


def _headers(
    request: Request, audience: Audience, filename: str, version: int | None
) -> tuple[dict[str, str], bool]:
    """The download's headers, and whether the reader's copy is still good (open data only)."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if audience is Audience.MODERATORS:
        headers["Cache-Control"] = "private, no-store"
        return headers, False
    # Open data is the same for everyone until the discussion changes (or the minute turns,
    # as the page cache keys it): a reader's cache may keep it and ask again with its tag.
    tag = f'"{version}-{now(request).strftime("%Y%m%d%H%M")}"'
    headers.update({"Cache-Control": "public, no-cache", "ETag": tag})
    return headers, request.headers.get("if-none-match") == tag


async def _export(request: Request, audience: Audience, form: Format) -> Response:
    slug = request.path_params["slug"]
    async with database(request).session() as session:
        source = await export_source(
            session, slug=slug, audience=audience, user=viewer(request), now=now(request)
        )
        version = await discussion_version(session, slug=slug)
        public_json = audience is Audience.PUBLIC and form is Format.JSON
        counts = (
            await counts_for(session, discussion_id=source.discussion_id) if public_json else None
        )
    suffix = "-moderation" if audience is Audience.MODERATORS else ""
    headers, fresh = _headers(request, audience, export_filename(slug, form, suffix), version)
    if fresh:
        return Response(status_code=304, headers=headers)
    return StreamingResponse(
        _stream(request, source, form, counts), media_type=MEDIA_TYPES[form], headers=headers
    )


async def moderation_csv(request: Request) -> Response:
    return await _export(request, Audience.MODERATORS, Format.CSV)


async def moderation_json(request: Request) -> Response:
    return await _export(request, Audience.MODERATORS, Format.JSON)


async def open_csv(request: Request) -> Response:
    return await _export(request, Audience.PUBLIC, Format.CSV)


async def open_json(request: Request) -> Response:
    return await _export(request, Audience.PUBLIC, Format.JSON)


async def open_counts_csv(request: Request) -> Response:
    """The open data's aggregate counts as CSV (the JSON export holds them as `counts`)."""
    slug = request.path_params["slug"]
    async with database(request).session() as session:
        source = await export_source(
            session, slug=slug, audience=Audience.PUBLIC, user=None, now=now(request)
        )
        version = await discussion_version(session, slug=slug)
        counts = await counts_for(session, discussion_id=source.discussion_id)
    filename = export_filename(slug, Format.CSV, "-counts")
    headers, fresh = _headers(request, Audience.PUBLIC, filename, version)
    if fresh:
        return Response(status_code=304, headers=headers)
    return Response(counts_csv(counts), media_type=MEDIA_TYPES[Format.CSV], headers=headers)


_MODERATION = "/moderation/discussions/{slug}/"
routes: list[BaseRoute] = [
    Route(_MODERATION + "export.csv", moderation_csv, name="moderation_export_csv"),
    Route(_MODERATION + "export.json", moderation_json, name="moderation_export_json"),
    Route("/discussions/{slug}/export.csv", open_csv, name="open_data_csv"),
    Route("/discussions/{slug}/export.json", open_json, name="open_data_json"),
    Route("/discussions/{slug}/counts.csv", open_counts_csv, name="open_data_counts_csv"),
]
