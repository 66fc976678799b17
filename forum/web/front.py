"""The front door: language redirect, home page, health probe, error pages."""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from forum.core.errors import N_, Conflict, DomainError, Invalid, PermissionDenied
from forum.core.i18n import I18n, negotiate_language
from forum.core.permissions import SignInRequired
from forum.discussions.listing import list_discussions
from forum.web.request import database, fallback_i18n, now, page_i18n, render, settings_of

logger = logging.getLogger(__name__)
CSRF_EXPIRED = N_("This form has expired. Go back, reload the page and try again.")
TOO_LARGE = N_("What you sent is too large.")


async def root(request: Request) -> Response:
    """Send the reader to the home page in the language their browser prefers."""
    settings = settings_of(request)
    language = negotiate_language(
        request.headers.get("accept-language"),
        request.app.state.catalogs,
        settings.default_language,
    )
    return RedirectResponse(f"/{language}/", status_code=302, headers={"Vary": "Accept-Language"})


async def home(request: Request) -> Response:
    i18n = page_i18n(request)
    async with database(request).session() as session:
        listing = await list_discussions(session, language=i18n.language, now=now(request))
    return render(request, "pages/home.html", {"listing": listing}, i18n=i18n)


async def guidelines(request: Request) -> Response:
    i18n = page_i18n(request)
    book = request.app.state.guidelines[i18n.language]
    return render(request, "pages/guidelines.html", {"book": book}, i18n=i18n)


async def healthz(request: Request) -> Response:
    try:
        await database(request).ping()
    except Exception:  # any failure to reach the database means "not ready"
        logger.exception("health check failed")
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


async def not_found(request: Request, exc: Exception) -> Response:
    return render(request, "pages/404.html", {}, i18n=fallback_i18n(request), status=404)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await not_found(request, exc)
    return render(
        request,
        "pages/error.html",
        {"status": exc.status_code},
        i18n=fallback_i18n(request),
        status=exc.status_code,
    )


async def server_error(request: Request, exc: Exception) -> Response:
    return render(
        request,
        "pages/error.html",
        {"status": 500, "reason": None},
        i18n=fallback_i18n(request),
        status=500,
    )


def explain(i18n: I18n, error: DomainError) -> str:
    """Translate a domain error's message and fill in its placeholders."""
    text = i18n.gettext(error.message)
    return text % error.params if error.params else text


async def forbidden(request: Request, exc: Exception) -> Response:
    """Send anonymous visitors to sign in; tell signed-in people why they may not."""
    assert isinstance(exc, PermissionDenied)
    i18n = fallback_i18n(request)
    if isinstance(exc, SignInRequired):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/{i18n.language}/account/sign-in?next={target}", status_code=303)
    return render(
        request,
        "pages/error.html",
        {"status": 403, "reason": explain(i18n, exc)},
        i18n=i18n,
        status=403,
    )


async def conflict(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Conflict)
    return render(
        request,
        "pages/error.html",
        {"status": 409, "reason": explain(fallback_i18n(request), exc)},
        i18n=fallback_i18n(request),
        status=409,
    )


async def invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Invalid)
    return render(
        request,
        "pages/error.html",
        {"status": 422, "reason": explain(fallback_i18n(request), exc)},
        i18n=fallback_i18n(request),
        status=422,
    )


async def csrf_failed(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a form sent without a valid token (it expired, or another site sent it)."""
    request = Request(scope, receive)
    response = render(
        request,
        "pages/error.html",
        {
            "status": 403,
            "reason": fallback_i18n(request).gettext(CSRF_EXPIRED),
        },
        i18n=fallback_i18n(request),
        status=403,
    )
    await response(scope, receive, send)


async def too_large(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    response = render(
        request,
        "pages/error.html",
        {"status": 413, "reason": fallback_i18n(request).gettext(TOO_LARGE)},
        i18n=fallback_i18n(request),
        status=413,
    )
    await response(scope, receive, send)
