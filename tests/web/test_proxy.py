"""Behind a reverse proxy: X-Forwarded-For and -Proto count only from FORUM_TRUSTED_PROXIES.

A forged header from any other peer changes nothing, so one visitor cannot spend another's
sign-in budget, and visitors behind a trusted proxy no longer share one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from forum.app import create_app
from forum.core.clock import FixedClock
from forum.settings import Settings
from tests.helpers import post_form

PROXY = "10.0.0.5"
STRANGER = "198.51.100.9"
VISITOR = "203.0.113.7"


async def _peer(request: Request) -> PlainTextResponse:
    client = request.client.host if request.client else ""
    return PlainTextResponse(f"{client} {request.url.scheme}")


@pytest.fixture
async def behind_proxy(settings: Settings, clock: FixedClock) -> AsyncIterator[Starlette]:
    app = create_app(replace(settings, trusted_proxies=(PROXY, "fd00::/8")), clock=clock)
    app.router.routes.append(Route("/peer", _peer))  # what the app believes, for the tests
    yield app
    await app.state.db.dispose()


def _client(app: Starlette, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_trusted_proxy_names_the_visitor(behind_proxy: Starlette) -> None:
    async with _client(behind_proxy, PROXY) as http:
        seen = await http.get(
            "/peer", headers={"X-Forwarded-For": VISITOR, "X-Forwarded-Proto": "https"}
        )
        chained = await http.get("/peer", headers={"X-Forwarded-For": f"192.0.2.1, {VISITOR}"})
        plain = await http.get("/peer")
    assert seen.text == f"{VISITOR} https"
    # the proxy appends the address it saw; anything before it was written by the visitor
    assert chained.text == f"{VISITOR} http"
    assert plain.text == f"{PROXY} http"


async def test_a_forged_header_from_anyone_else_changes_nothing(behind_proxy: Starlette) -> None:
    async with _client(behind_proxy, STRANGER) as http:
        seen = await http.get(
            "/peer", headers={"X-Forwarded-For": VISITOR, "X-Forwarded-Proto": "https"}
        )
    assert seen.text == f"{STRANGER} http"


async def test_without_trusted_proxies_no_header_is_believed(app: Starlette) -> None:
    app.router.routes.append(Route("/peer", _peer))
    async with _client(app, "127.0.0.1") as http:
        seen = await http.get("/peer", headers={"X-Forwarded-For": VISITOR})
    assert seen.text == "127.0.0.1 http"


async def test_visitors_behind_the_proxy_each_have_their_own_sign_in_budget(
    behind_proxy: Starlette,
) -> None:
    async with _client(behind_proxy, PROXY) as http:
        for number in range(12):
            http.headers["X-Forwarded-For"] = f"203.0.113.{number + 1}"
            data = {"email": f"someone{number}@example.org", "password": "wrong guess"}
            failed = await post_form(http, "/en/account/sign-in", data)
            assert failed.status_code == 400, number


async def test_forged_addresses_from_an_untrusted_peer_share_one_budget(
    behind_proxy: Starlette,
) -> None:
    async with _client(behind_proxy, STRANGER) as http:
        statuses = []
        for number in range(11):
            http.headers["X-Forwarded-For"] = f"203.0.113.{number + 1}"
            data = {"email": f"someone{number}@example.org", "password": "wrong guess"}
            statuses.append((await post_form(http, "/en/account/sign-in", data)).status_code)
    assert statuses == [400] * 10 + [429]


def test_trusted_proxies_are_read_and_checked() -> None:
    read = Settings.from_environ(
        {"FORUM_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8,::1"}, env_file=None
    )
    assert read.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    assert Settings.from_environ({}, env_file=None).trusted_proxies == ()
    with pytest.raises(Exception, match="FORUM_TRUSTED_PROXIES: 'proxy.example' is not"):
        Settings.from_environ({"FORUM_TRUSTED_PROXIES": "proxy.example"}, env_file=None)
