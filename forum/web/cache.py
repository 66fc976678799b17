"""Whole pages kept for anonymous readers until their discussion changes.

A page is built once through the whole stack (`cached_page`, in the endpoint) and kept with the
content version and the minute it was built at. Later anonymous requests for the same address
are answered by `CacheHitMiddleware` before routing, the CSRF and viewer middlewares or the
endpoint run: with the versions the process reads in the background (`core.versions`), a hit
touches no database and costs little more than sending the bytes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from forum.core.clock import Clock
from forum.core.content import discussion_version, site_version
from forum.core.lru import Lru
from forum.core.versions import ContentVersions
from forum.web.observe import Metrics
from forum.web.request import database, now, viewer
from forum.web.viewer import may_carry_session, session_marker

PageKey = tuple[str, bytes]  # the path and the raw query string
# Seconds after a page is built during which it may still be sent when its source has changed
# since (X-Cache: stale): under a stream of posts a busy page is built at most about twice a
# second, and a change still reaches readers within STALE_FOR plus a build. A page built
# longer ago is built again on the next request, as before.
STALE_FOR = 0.5
T = TypeVar("T")


class CachedBody(Response):
    """A response other than a page (a feed) that the page cache may keep, with its type."""


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A page's bytes and headers, and what they were built from: the version of `source`
    (a discussion's slug, or None for the site's) and the minute, as `minute_of` writes it."""

    source: str | None
    version: int
    minute: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]  # as sent on a hit, X-Cache included
    route: Any  # the route that built it, for the access log and the metrics
    built: float  # time.monotonic() when built

    def current(self, source: str | None, version: int | None, minute: int) -> bool:
        return (self.source, self.version, self.minute) == (source, version, minute)


def minute_of(moment: datetime) -> int:
    # The minute is part of a page's identity: sets open and close by the clock, not by an edit.
    return int(moment.timestamp()) // 60


def page_key(scope: Scope) -> PageKey:
    return (scope["path"], scope.get("query_string", b""))


class _LeaderGone(Exception):
    """The call the others waited on was cancelled (its reader went away): ask again."""


class Flights:
    """Concurrent callers asking for the same key share one call's outcome.

    When a content version changes, every reader of a busy page misses at once; without this
    each would build the same page, and the process would spend its time building copies.
    """

    def __init__(self) -> None:
        self.running: dict[Hashable, asyncio.Future[Any]] = {}

    async def run(self, key: Hashable, call: Callable[[], Awaitable[T]]) -> T:
        while (running := self.running.get(key)) is not None:
            try:
                result: T = await asyncio.shield(running)
                return result
            except _LeaderGone:
                continue
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.running[key] = future
        try:
            result = await call()
        except Exception as error:
            future.set_exception(error)
            raise
        except BaseException:
            future.set_exception(_LeaderGone())
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self.running[key]
            if future.done() and not future.cancelled():
                future.exception()  # seen here: no "never retrieved" warning without waiters


class PageCache(Lru[PageKey, CachedPage]):
    """Rendered pages by address, bounded in bytes: one entry an address, replaced when the
    page is built again at a newer version or minute; `flights` builds a page once however
    many readers miss it together."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        super().__init__(max_bytes, lambda page: len(page.body))
        self.flights = Flights()


def _kept_headers(response: Response, body: bytes) -> tuple[tuple[bytes, bytes], ...]:
    kept = [(b"content-length", str(len(body)).encode("ascii"))]
    for name in (b"content-type", b"content-language"):
        kept += [(n, v) for n, v in response.raw_headers if n == name]
    return (*kept, (b"x-cache", b"hit"))


async def content_version(request: Request, source: str | None) -> int | None:
    """The content version the page depends on: from the process's reader when it is fresh
    (no database at all), else from the database."""
    known: ContentVersions = request.app.state.versions
    if known.fresh():
        return known.of(source)
    async with database(request).single_read() as session:  # one statement: no BEGIN
        if source is None:
            return await site_version(session)
        return await discussion_version(session, slug=source)


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
    source = None if site_wide else str(request.path_params["slug"])
    version = await content_version(request, source)
    if version is None:
        return await build()
    cache: PageCache = request.app.state.page_cache
    metrics: Metrics = request.app.state.metrics
    key, minute = page_key(request.scope), minute_of(now(request))
    found = cache.get(key)
    if found is None or not found.current(source, version, minute):
        built: list[Response] = []

        async def build_and_keep() -> CachedPage | None:
            response = await build()
            built.append(response)
            if response.status_code != 200 or not isinstance(response, HTMLResponse | CachedBody):
                return None
            body = bytes(response.body)
            headers = _kept_headers(response, body)
            route = request.scope.get("route")
            page = CachedPage(source, version, minute, body, headers, route, time.monotonic())
            cache.put(key, page)
            return page

        found = await cache.flights.run((key, source, version, minute), build_and_keep)
        if built:  # this request built it
            if found is not None:
                built[0].headers["X-Cache"] = "miss"
                metrics.cache.labels("miss").inc()
            return built[0]
        if found is None:  # built by another request, but not a page to share: build our own
            return await build()
    metrics.cache.labels("hit").inc()
    return Response(found.body, headers={k.decode(): v.decode() for k, v in found.headers})


class CacheHitMiddleware:
    """Answer an anonymous GET or HEAD from the page cache before anything else runs.

    It stands inside the security headers, the request id and the access log (so a hit carries
    and logs them like any page) and outside everything else. It serves only what is certainly
    current: the versions read in the background are fresh, the page was built at the version
    its source has now and in this minute, and the request carries no session cookie (a
    signed-in reader, or one whose session has ended, goes through the whole stack). Anything
    else falls through, and `cached_page` decides as before.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: PageCache,
        versions: ContentVersions,
        clock: Clock,
        session_cookie: str,
        metrics: Metrics,
    ) -> None:
        self.app = app
        self.cache = cache
        self.versions = versions
        self.clock = clock
        self.session_marker = session_marker(session_cookie)
        self.hits = metrics.cache.labels("hit")
        self.stale = metrics.cache.labels("stale")

    def _find(self, scope: Scope) -> tuple[CachedPage, bool] | None:
        """The page to send, and whether it is current (else within its grace, stale)."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        if not self.versions.fresh():
            return None
        page = self.cache.get(page_key(scope))
        if page is None:
            return None
        version = self.versions.of(page.source)
        minute = minute_of(self.clock.now())
        if page.current(page.source, version, minute):
            found = (page, True)
        elif page.minute == minute and time.monotonic() - page.built < STALE_FOR:
            found = (page, False)  # never across a minute: the clock's changes are never late
        else:
            return None
        if may_carry_session(scope, self.session_marker):
            return None
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._find(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        page, current = found
        scope["route"] = page.route
        # A new list each time: the middlewares outside add their headers to it.
        headers = list(page.headers)
        if current:
            self.hits.inc()
        else:
            self.stale.inc()
            headers = [
                (b"x-cache", b"stale") if name == b"x-cache" else (name, value)
                for name, value in headers
            ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else page.body
        await send({"type": "http.response.body", "body": body, "more_body": False})
