"""What every endpoint shares: the reader's language, the clock, links, and rendering a page."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from forum.core.i18n import I18n, negotiate_language
from forum.db import Database
from forum.mail.compose import Postman
from forum.mail.worker import send_claimed, send_due
from forum.models import User
from forum.settings import Settings
from forum.web.forms import return_to
from forum.web.urls import path_for, switcher, this_page, url_builder

logger = logging.getLogger(__name__)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def viewer(request: Request) -> User | None:
    """Return the signed-in user, or None (set by ViewerMiddleware)."""
    user: User | None = getattr(request.state, "user", None)
    return user


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def postman(request: Request) -> Postman:
    courier: Postman = request.app.state.postman
    return courier


async def _send_queued(
    db: Database, settings: Settings, now: datetime, claimed: str | None
) -> None:
    """Send what is due (or the one message `claimed`); a failure is logged and left in the
    outbox for `forum worker`."""
    try:
        if claimed is None:
            await send_due(db, settings, now=now)
        else:
            await send_claimed(db, settings, dedupe_key=claimed, now=now)
    except Exception:  # the response is sent: nothing may escape to the server now
        logger.exception("sending mail after the response failed; the worker will retry it")


def send_mail_after_response(request: Request, *, claimed: str | None = None) -> BackgroundTask:
    """Send what the request queued once its transaction has committed: every message due,
    or only the one with the key `claimed`, which the request queued already claimed (no
    claiming transaction after the response)."""
    return BackgroundTask(
        _send_queued,
        database(request),
        settings_of(request),
        request.app.state.clock.now(),
        claimed,
    )


def now(request: Request) -> datetime:
    moment: datetime = request.app.state.clock.now()
    return moment


def page_i18n(request: Request) -> I18n:
    """Return the reader's language, resolved once by the /{lang} mount."""
    i18n: I18n | None = getattr(request.state, "i18n", None)
    if i18n is None:  # only pages under the mount have a language of their own
        raise HTTPException(status_code=404)
    return i18n


def fallback_i18n(request: Request) -> I18n:
    """Pick a language for a page outside /{lang}/: the mount's, else Accept-Language's."""
    i18n: I18n | None = getattr(request.state, "i18n", None)
    if i18n is not None:
        return i18n
    catalogs: dict[str, I18n] = request.app.state.catalogs
    first = request.url.path.strip("/").split("/", 1)[0]
    if first in catalogs:
        return catalogs[first]
    settings = settings_of(request)
    language = negotiate_language(
        request.headers.get("accept-language"), catalogs, settings.default_language
    )
    return catalogs[language]


def url(request: Request, name: str, /, **params: Any) -> str:
    """Build the path of a named route, in the reader's language unless `lang` is given."""
    return path_for(request, name, **params)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    i18n: I18n,
    status: int = 200,
    headers: dict[str, str] | None = None,
    background: BackgroundTask | None = None,
) -> HTMLResponse:
    """Render `template` in the reader's language with the layout's shared values."""
    env = request.app.state.templates
    html = env.get_template(template).render({**page_context(request, i18n), **context})
    return HTMLResponse(
        html,
        status_code=status,
        headers={"Content-Language": i18n.language, **(headers or {})},
        background=background,
    )


def page_context(request: Request, i18n: I18n) -> dict[str, Any]:
    """The values every template may use: the reader, their language, links, the layout's."""
    return {
        "request": request,
        "i18n": i18n,
        "lang": i18n.language,
        "switcher": switcher(request, i18n),
        "this_page": this_page(request),
        "url": url_builder(request),
        "static_version": request.app.state.static_version,
        "user": viewer(request),
        "return_to": return_to(request),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "csp_nonce": getattr(request.state, "csp_nonce", ""),
        "request_id": getattr(request.state, "request_id", ""),
    }
