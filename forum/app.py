"""Build the Starlette application from settings: engine, catalogs, templates, routes."""

from __future__ import annotations

import asyncio
import gc
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from forum.accounts import profile_routes as profile
from forum.accounts import routes as accounts
from forum.contributions import routes as posts
from forum.contributions.language import warm_up
from forum.core.clock import Clock, SystemClock
from forum.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from forum.core.i18n import build_templates, load_catalogs
from forum.db import Database
from forum.discussions import routes as discussions
from forum.guidelines.rules import load_rules
from forum.guidelines.text import load_guidelines
from forum.mail.compose import Postman
from forum.moderation import accountability_routes as accountability
from forum.moderation import admin_routes as admin
from forum.moderation import routes as moderation
from forum.newsletter import routes as newsletter
from forum.settings import Settings
from forum.web import front as pages
from forum.web.cache import PageCache
from forum.web.security import BodySizeLimitMiddleware, CSRFMiddleware, SecurityHeadersMiddleware
from forum.web.viewer import ViewerMiddleware

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
GUIDELINES = ROOT / "guidelines"


class LanguageConvertor(Convertor[str]):
    """A two-letter language code in the path; which ones we serve is checked per request."""

    regex = "[a-z]{2}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class IdConvertor(Convertor[int]):
    """A row id or number in the path: at most nine digits, so it always fits the columns."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("lang", LanguageConvertor())
register_url_convertor("id", IdConvertor())


def _static_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def post_routes() -> list[Route]:
    both = ["GET", "POST"]
    base = "/{lang:lang}/discussions/{slug}"
    return [
        Route(base + "/questions/{number:id}", posts.question, name="question"),
        Route(base + "/questions/{number:id}/answer", posts.answer, methods=["POST"]),
        Route(base + "/comments", posts.comments, name="comments"),
        Route(base + "/comments/new", posts.comment, methods=["POST"]),
        Route(base + "/posts/{id:id}", posts.permalink, name="post"),
        Route(base + "/posts/{id:id}/reply", posts.reply, methods=["POST"]),
        Route(base + "/posts/{id:id}/edit", posts.edit, methods=both),
    ]


def moderation_routes() -> list[Route]:
    base = "/{lang:lang}/moderation"
    post = ["POST"]
    return [
        Route(base + "/", moderation.queue, name="moderation"),
        Route(base + "/posts/{id:id}/approve", moderation.approve, methods=post),
        Route(base + "/posts/{id:id}/reject", moderation.reject, methods=post),
        Route(base + "/posts/{id:id}/hide", moderation.hide, methods=post),
        Route(base + "/posts/{id:id}/restore", moderation.restore, methods=post),
        Route(base + "/posts/{id:id}/key-quote", moderation.key_quote, methods=post),
        Route(base + "/posts/{id:id}/tags", moderation.tags, methods=post),
        Route(base + "/posts/{id:id}/reports", moderation.resolve, methods=post),
        Route(base + "/people/{id:id}", moderation.person, methods=post),
        Route(base + "/reports", moderation.reports_page),
        Route(base + "/log", moderation.log),
        Route(
            base + "/discussions/{slug}/weeks/{position:id}/summary",
            moderation.summary,
            methods=["GET", "POST"],
        ),
        Route(
            "/{lang:lang}/discussions/{slug}/posts/{id:id}/report",
            accountability.report,
            methods=post,
        ),
        Route("/{lang:lang}/discussions/{slug}/transparency", accountability.transparency),
        Route(
            "/{lang:lang}/admin/discussions/{slug}/moderators",
            admin.moderators,
            methods=["GET", "POST"],
        ),
        Route(
            "/{lang:lang}/admin/discussions/{slug}/moderators/{id:id}/remove",
            admin.remove,
            methods=post,
        ),
    ]


def newsletter_routes() -> list[Route]:
    both = ["GET", "POST"]
    base = "/{lang:lang}/newsletter"
    return [
        Route(base, newsletter.subscribe, methods=both, name="newsletter"),
        Route(base + "/confirm/{token}", newsletter.confirm, methods=both),
        Route(base + "/manage/{token}", newsletter.manage, methods=both),
        Route(base + "/unsubscribe/{token}", newsletter.unsubscribe, methods=both),
    ]


def account_routes() -> list[Route]:
    both = ["GET", "POST"]
    return [
        Route("/{lang:lang}/account/register", accounts.register, methods=both),
        Route("/{lang:lang}/account/confirm/{token}", accounts.confirm, methods=both),
        Route("/{lang:lang}/account/confirm-again", accounts.confirm_again, methods=["POST"]),
        Route("/{lang:lang}/account/sign-in", accounts.sign_in, methods=both),
        Route("/{lang:lang}/account/sign-out", accounts.sign_out, methods=["POST"]),
        Route("/{lang:lang}/account/reset", accounts.reset_request, methods=both),
        Route("/{lang:lang}/account/reset/{token}", accounts.reset, methods=both),
        Route("/{lang:lang}/account/profile", profile.profile, methods=both),
        Route("/{lang:lang}/account/password", profile.password, methods=both),
        Route("/{lang:lang}/people/{id:id}", profile.person),
    ]


def create_app(settings: Settings, *, clock: Clock | None = None) -> Starlette:
    """Build the forum for `settings`; `clock` lets tests decide what time it is."""
    db = Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Objects made at start-up live for the whole process: keep the collector off them.
        await asyncio.to_thread(warm_up)  # load the language model before the first post
        gc.collect()
        gc.freeze()
        yield
        await db.dispose()

    routes = [
        Route("/", pages.root, name="root"),
        Route("/healthz", pages.healthz, name="healthz"),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/{lang:lang}/", pages.home, name="home"),
        Route("/{lang:lang}/guidelines", pages.guidelines, name="guidelines"),
        Route("/{lang:lang}/discussions/{slug}", discussions.discussion, name="discussion"),
        *post_routes(),
        Route(
            "/{lang:lang}/discussions/{slug}/documents/{id:id}",
            discussions.document,
            name="document",
        ),
    ]
    clock = clock or SystemClock()
    middleware = [
        Middleware(SecurityHeadersMiddleware, https=settings.https),
        Middleware(
            BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes, too_large=pages.too_large
        ),
        Middleware(
            CSRFMiddleware,
            secret_key=settings.secret_key,
            https=settings.https,
            reject=pages.csrf_failed,
            exempt=newsletter.one_click_unsubscribe,  # RFC 8058: the URL's token is the proof
        ),
        Middleware(ViewerMiddleware, db=db, settings=settings, clock=clock),
    ]
    app = Starlette(
        routes=[*routes, *account_routes(), *moderation_routes(), *newsletter_routes()],
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            NotFound: pages.not_found,
            PermissionDenied: pages.forbidden,
            Conflict: pages.conflict,
            Invalid: pages.invalid,
            HTTPException: pages.http_error,
            500: pages.server_error,
        },
    )
    app.state.settings = settings
    app.state.db = db
    app.state.clock = clock
    app.state.catalogs = load_catalogs(settings.languages)
    app.state.templates = build_templates(TEMPLATES)
    app.state.guidelines = load_guidelines(GUIDELINES, settings.languages)
    sections = [s.id for s in app.state.guidelines[settings.default_language].sections]
    app.state.rules = load_rules(GUIDELINES / "rules.toml", sections)
    app.state.page_cache = PageCache()
    app.state.postman = Postman(
        templates=app.state.templates,
        catalogs=app.state.catalogs,
        base_url=settings.base_url,
        default_language=settings.default_language,
    )
    app.state.static_version = _static_version()
    return app
