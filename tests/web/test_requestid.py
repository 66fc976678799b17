"""A request id on every response and error page; a 500 page with the same headers as any page."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from forum.app import create_app
from forum.settings import Settings
from tests.conftest import SECRET
from tests.helpers import csrf_token

BROKEN_DATABASE = "sqlite+aiosqlite:////nonexistent-dir/forum.db"


def assert_security_headers(response: httpx.Response, *, https: bool = False) -> None:
    """The headers every page carries, whatever its status."""
    csp = response.headers["content-security-policy"]
    assert re.search(r"script-src 'self' 'nonce-[\w-]+'", csp), csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert ("strict-transport-security" in response.headers) is https


def shown_request_id(response: httpx.Response) -> str:
    """The request id the page shows, which must be the one in the X-Request-Id header."""
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id), request_id
    assert f"<code>{request_id}</code>" in response.text
    return request_id


@pytest.fixture
async def broken() -> AsyncIterator[httpx.AsyncClient]:
    """The forum on a database it cannot open: every page that reads it fails."""
    app: Starlette = create_app(
        Settings(database_url=BROKEN_DATABASE, env="test", secret_key=SECRET)
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await app.state.db.dispose()


async def test_every_response_carries_its_own_request_id(client: httpx.AsyncClient) -> None:
    first, second = await client.get("/en/"), await client.get("/en/")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.headers["x-request-id"] not in first.text  # only error pages show it


async def test_500_page_has_security_headers_and_logs_its_request_id(
    broken: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await broken.get("/es/")
    assert response.status_code == 500
    assert "Se ha producido un error" in response.text and "Traceback" not in response.text
    assert_security_headers(response)
    request_id = shown_request_id(response)
    [record] = [r for r in caplog.records if request_id in r.getMessage()]
    assert "GET /es/" in record.getMessage() and record.exc_info is not None


async def test_500_page_over_https_sends_hsts() -> None:
    settings = Settings(
        database_url=BROKEN_DATABASE,
        env="test",
        secret_key=SECRET,
        base_url="https://forum.example.org",
    )
    app: Starlette = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        response = await http.get("/fr/")
    await app.state.db.dispose()
    assert response.status_code == 500
    assert_security_headers(response, https=True)
    shown_request_id(response)


async def test_403_and_413_pages_have_security_headers_and_request_id(
    client: httpx.AsyncClient,
) -> None:
    await csrf_token(client, "/es/account/register")
    forged = await client.post("/es/account/register", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and "Este formulario ha caducado" in forged.text
    token = await csrf_token(client, "/es/account/register")
    huge = await client.post(
        "/es/account/register", data={"csrf_token": token, "display_name": "x" * 2_000_000}
    )
    assert huge.status_code == 413
    for response in (forged, huge):
        assert_security_headers(response)
        shown_request_id(response)


async def test_404_and_405_pages_show_the_request_id(client: httpx.AsyncClient) -> None:
    missing = await client.get("/fr/nowhere")
    form_only = await client.get("/fr/account/sign-out")
    assert (missing.status_code, form_only.status_code) == (404, 405)
    for response in (missing, form_only):
        assert_security_headers(response)
        assert "Identifiant de la requête" in response.text
        shown_request_id(response)
