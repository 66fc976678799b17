"""The front door outside any language: the redirect by Accept-Language and the health probe."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from forum.core.i18n import negotiate_language
from forum.web.request import database, settings_of, url

logger = logging.getLogger(__name__)


async def root(request: Request) -> Response:
    """Send the reader to the home page in the language their browser prefers."""
    settings = settings_of(request)
    language = negotiate_language(
        request.headers.get("accept-language"),
        request.app.state.catalogs,
        settings.default_language,
    )
    return RedirectResponse(
        url(request, "home", lang=language), status_code=302, headers={"Vary": "Accept-Language"}
    )


async def healthz(request: Request) -> Response:
    try:
        await database(request).ping()
    except Exception:  # any failure to reach the database means "not ready"
        logger.exception("health check failed")
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
