"""The front door outside any language: the redirect by Accept-Language and the probes."""

from __future__ import annotations

import logging

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from forum.core.i18n import negotiate_language
from forum.schema import SchemaBehind, ensure_current
from forum.web.observe import Metrics, may_scrape
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


async def _health(request: Request) -> tuple[dict[str, str], int]:
    expected: str = request.app.state.schema_head
    try:
        async with database(request).engine.connect() as connection:
            found = await ensure_current(connection, expected)
    except SchemaBehind as behind:
        logger.warning("health check: schema %s, the code needs %s", behind.found, expected)
        body = {"database": "ok", "schema": behind.found or "none", "expected": expected}
        return {"status": "unavailable", **body}, 503
    except Exception as error:  # any failure to reach the database means "not healthy"
        logger.warning("health check: the database cannot be reached: %s", error)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok", "schema": found}, 200


async def healthz(request: Request) -> Response:
    """Healthy: the database answers and its schema is the one the code needs (else 503)."""
    body, status = await _health(request)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


async def readyz(request: Request) -> Response:
    """Ready for traffic: healthy, started, and not shutting down (a load balancer's probe)."""
    state = request.app.state.lifecycle
    if state != "serving":
        body, status = {"status": state}, 503
    else:
        body, status = await _health(request)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


async def metrics(request: Request) -> Response:
    """The Prometheus metrics, to a scraper with the token, or from this machine (else 404)."""
    token = settings_of(request).metrics_token
    client = request.client.host if request.client else ""
    if not may_scrape(client, request.headers.get("authorization", ""), token):
        return Response(status_code=404)
    found: Metrics = request.app.state.metrics
    async with database(request).session() as session:
        await found.read_database(session)
    return Response(
        generate_latest(found.registry),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )
