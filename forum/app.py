"""Build the Starlette application from settings: engine, catalogs, templates, routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from forum.accounts import routes as accounts
from forum.accounts.session_cache import SessionCache
from forum.accounts.sessions import session_policy
from forum.analysis import routes as analysis
from forum.contributions import routes as contributions
from forum.contributions.language import warm_up
from forum.core.clock import Clock, SystemClock
from forum.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from forum.core.i18n import build_templates, load_catalogs
from forum.core.versions import ContentVersions
from forum.db import Database
from forum.discussions import routes as discussions
from forum.exports import routes as exports
from forum.guidelines import routes as guidelines
from forum.guidelines.rules import load_rules
from forum.guidelines.text import load_guidelines
from forum.live import routes as live
from forum.mail.compose import Postman
from forum.moderation import routes as moderation
from forum.newsletter import routes as newsletter
from forum.schema import ensure_current, head_revision
from forum.search import routes as search
from forum.settings import Settings
from forum.studio import routes as studio
from forum.studio.routes import documents as studio_documents
from forum.synthesis import routes as synthesis
from forum.topics import routes as topics
from forum.web import errors, front, heap
from forum.web.cache import CacheHitMiddleware, PageCache
from forum.web.fragments import SharedStore
from forum.web.methods import HeadAsGetMiddleware
from forum.web.observe import Metrics, ObserveMiddleware
from forum.web.requestid import RequestIdMiddleware
from forum.web.security import BodySizeLimitMiddleware, CSRFMiddleware, SecurityHeadersMiddleware
from forum.web.urls import LanguageMount, mail_links
from forum.web.viewer import ViewerMiddleware

PACKAGE = Path(__file__).resolve().parent  # everything the app reads ships inside the package
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
GUIDELINES = PACKAGE / "data" / "guidelines"
MIB = 1024 * 1024


def _static_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def localised_routes() -> list[BaseRoute]:
    """Every page and action that lives under /{lang}/, area by area."""
    return [
        *discussions.routes,
        *guidelines.routes,
        *contributions.routes,
        *accounts.routes,
        *moderation.routes,
        *newsletter.routes,
        *studio.routes,
        *live.routes,
        *search.routes,
        *topics.routes,
        *analysis.routes,
        *exports.routes,
        *synthesis.routes,
    ]


def create_app(settings: Settings, *, clock: Clock | None = None) -> Starlette:
    """Build the forum for `settings`; `clock` lets tests decide what time it is."""
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        heap.limit_arenas()  # before the database's threads start
        async with db.engine.connect() as connection:  # a stale schema: refuse to start
            await ensure_current(connection, app.state.schema_head)
        # Objects made at start-up live for the whole process: keep the collector off them.
        await asyncio.to_thread(warm_up, settings.cache_dir)  # map the language model
        gc.collect()
        gc.freeze()
        background = [
            # Cache hits compare against versions read in the background, not per request.
            asyncio.create_task(app.state.versions.keep_reading(db)),
            asyncio.create_task(heap.keep_trimming()),
        ]
        app.state.lifecycle = "serving"
        yield
        app.state.lifecycle = "stopping"
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await db.dispose()

    routes = [
        Route("/", front.root, name="root"),
        Route("/healthz", front.healthz, name="healthz"),
        Route("/readyz", front.readyz, name="readyz"),
        Route("/metrics", front.metrics, name="metrics"),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        LanguageMount(settings.languages, localised_routes()),
    ]
    clock = clock or SystemClock()
    metrics = Metrics()
    page_cache = PageCache(settings.page_cache_mb * MIB)
    versions = ContentVersions()
    sessions = SessionCache(session_policy(settings))  # who is signed in, kept between pages
    middleware = [
        Middleware(SecurityHeadersMiddleware, https=settings.https),
        # Inside the security headers: the 500 page it sends carries them like any page.
        Middleware(RequestIdMiddleware, server_error=errors.server_error),
        Middleware(ObserveMiddleware, metrics=metrics),  # one log line per request, counted
        # An anonymous reader's cached page goes out from here: no routing, no database.
        Middleware(
            CacheHitMiddleware,
            cache=page_cache,
            versions=versions,
            clock=clock,
            session_cookie=settings.session_cookie,
            metrics=metrics,
        ),
        Middleware(HeadAsGetMiddleware),
        Middleware(
            BodySizeLimitMiddleware,
            max_bytes=settings.max_body_bytes,
            too_large=errors.too_large,
            limit_for=studio_documents.upload_limit(settings.max_document_bytes),  # its uploads
        ),
        Middleware(
            CSRFMiddleware,
            secret_key=settings.secret_key,
            https=settings.https,
            reject=errors.csrf_failed,
            unreadable=errors.unreadable,
            exempt=newsletter.one_click_unsubscribe,  # RFC 8058: the URL's token is the proof
        ),
        Middleware(
            ViewerMiddleware,
            db=db,
            settings=settings,
            clock=clock,
            sessions=sessions,
            versions=versions,
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            NotFound: errors.not_found,
            PermissionDenied: errors.forbidden,
            Conflict: errors.conflict,
            Invalid: errors.invalid,
            HTTPException: errors.http_error,
        },
    )
    if settings.trusted_proxies:
        # Outermost, so that every layer (rate limits, logs) sees the visitor's address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.schema_head = head_revision()
    app.state.lifecycle = "starting"
    app.state.db = db
    app.state.clock = clock
    app.state.catalogs = load_catalogs(settings.languages)
    app.state.templates = build_templates(TEMPLATES)
    app.state.guidelines = load_guidelines(GUIDELINES, settings.languages)
    sections = [s.id for s in app.state.guidelines[settings.default_language].sections]
    app.state.rules = load_rules(GUIDELINES / "rules.toml", sections)
    app.state.page_cache = page_cache
    app.state.shared_store = SharedStore(max_bytes=settings.shared_cache_mb * MIB)  # signed-in
    app.state.versions = versions
    app.state.sessions = sessions
    app.state.postman = Postman(
        templates=app.state.templates,
        catalogs=app.state.catalogs,
        base_url=settings.base_url,
        default_language=settings.default_language,
        links=mail_links(app.router, settings.base_url),
    )
    # Site-relative links, as pages write them, for what is rendered away from a request
    # and then shown on a page (the demo's synthesis).
    app.state.site_links = mail_links(app.router, "")
    app.state.static_version = _static_version()
    return app
