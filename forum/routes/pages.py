"""The front door: language redirect, home page, health probe, error pages."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from forum.i18n import negotiate_language
from forum.routes.common import database, fallback_i18n, now, page_i18n, render, settings_of
from forum.services.discussions import list_discussions

logger = logging.getLogger(__name__)


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
        request, "pages/error.html", {"status": 500}, i18n=fallback_i18n(request), status=500
    )
