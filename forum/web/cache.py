"""Whole pages kept for anonymous readers until their discussion changes."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from forum.core.content import discussion_version, site_version
from forum.core.versions import ContentVersions
from forum.web.request import database, now, viewer

CacheKey = tuple[str, str, int, str]


class CachedBody(Response):
    """A response other than a page (a feed) that the page cache may keep, with its type."""


class PageCache:
    """A least-recently-used store of rendered pages, bounded in bytes."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.pages: OrderedDict[CacheKey, tuple[bytes, str, str]] = OrderedDict()

    def get(self, key: CacheKey) -> tuple[bytes, str, str] | None:
        found = self.pages.get(key)
        if found is not None:
            self.pages.move_to_end(key)
        return found

    def put(self, key: CacheKey, body: bytes, language: str, media_type: str = "") -> None:
        if len(body) > self.max_bytes // 4:
            return
        old = self.pages.pop(key, None)
        if old is not None:
            self.size -= len(old[0])
        self.pages[key] = (body, language, media_type)
        self.size += len(body)
        while self.size > self.max_bytes:
            _key, (dropped, _language, _type) = self.pages.popitem(last=False)
            self.size -= len(dropped)


def _key(request: Request, version: int, moment: datetime) -> CacheKey:
    # The minute is in the key because sets open and close by the clock, not by an edit.
    return (request.url.path, request.url.query, version, moment.strftime("%Y%m%d%H%M"))


async def _version(request: Request, site_wide: bool) -> int | None:
    """The content version the page depends on: from the process's reader when it is fresh
    (no database at all), else from the database."""
    known: ContentVersions = request.app.state.versions
    slug = "" if site_wide else request.path_params["slug"]
    if known.fresh():
        return known.site if site_wide else known.by_slug.get(slug)
    async with database(request).session() as session:
        if site_wide:
            return await site_version(session)
        return await discussion_version(session, slug=slug)


async def cached_page(
    request: Request,
    build: Callable[[], Awaitable[Response]],
    *,
    site_wide: bool = False,
) -> Response:
    """Serve an anonymous reader's page (or feed) from the cache, or build and keep it.

    Anonymous pages hold nothing personal (no form token, no own pending posts), so one
    copy serves every anonymous reader until the content version changes: the discussion's
    named by the path's slug, or the site's for pages spanning discussions (`site_wide`).
    """
    if viewer(request) is not None:
        return await build()
    version = await _version(request, site_wide)
    if version is None:
        return await build()
    cache: PageCache = request.app.state.page_cache
    key = _key(request, version, now(request))
    found = cache.get(key)
    if found is not None:
        body, language, media_type = found
        request.app.state.metrics.cache.labels("hit").inc()
        headers = {"Content-Language": language, "X-Cache": "hit"}
        if media_type:
            return Response(body, media_type=media_type, headers=headers)
        return HTMLResponse(body, headers=headers)
    response = await build()
    if response.status_code == 200 and isinstance(response, HTMLResponse | CachedBody):
        kept_type = (response.media_type or "") if isinstance(response, CachedBody) else ""
        language = response.headers.get("content-language", "")
        cache.put(key, bytes(response.body), language, kept_type)
        response.headers["X-Cache"] = "miss"
        request.app.state.metrics.cache.labels("miss").inc()
    return response
