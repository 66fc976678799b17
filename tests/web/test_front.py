"""The front door: language redirect, home listing, health probe, translated 404."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from forum.app import create_app
from forum.db import Database
from forum.schema import SchemaBehind, head_revision
from forum.settings import Settings
from tests.conftest import NOW, SECRET
from tests.factories import add_discussion, discussion_data


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ("de-DE,de;q=0.9,es;q=0.5", "es"),
        ("en-GB;q=0.2, es-MX;q=0.8", "es"),
        ("de", "en"),
        ("", "en"),
        ("*;q=0.5, fr;q=0", "en"),
        ("fr;q=abc, es", "es"),
    ],
)
async def test_root_redirects_by_accept_language(
    client: httpx.AsyncClient, header: str, language: str
) -> None:
    response = await client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 302
    assert response.headers["location"] == f"/{language}/"
    assert "Accept-Language" in response.headers["vary"]


async def test_home_lists_open_upcoming_and_past(client: httpx.AsyncClient, db: Database) -> None:
    async with db.transaction() as session:
        await add_discussion(
            session, discussion_data(slug="now-open", start=NOW - timedelta(days=1)), now=NOW
        )
        await add_discussion(
            session, discussion_data(slug="later", start=NOW + timedelta(days=10)), now=NOW
        )
        await add_discussion(
            session, discussion_data(slug="long-ago", start=NOW - timedelta(days=90)), now=NOW
        )
    page = (await client.get("/es/")).text
    open_now, rest = page.split('id="upcoming"', 1)
    upcoming, past = rest.split('id="past"', 1)
    assert "/es/discussions/now-open" in open_now
    assert "/es/discussions/later" in upcoming and "/es/discussions/later" not in past
    assert "/es/discussions/long-ago" in past and "/es/discussions/long-ago" not in upcoming
    # dates are written in the reader's locale (Spanish month abbreviations)
    assert "3–24 mar 2026" in open_now  # in the reader's locale and the discussion's zone


async def test_home_says_when_nothing_is_open(client: httpx.AsyncClient) -> None:
    page = (await client.get("/fr/")).text
    assert "Aucune discussion n’est ouverte en ce moment." in page


async def test_language_without_slash_redirects(client: httpx.AsyncClient) -> None:
    response = await client.get("/fr")
    assert response.status_code in (301, 307, 308)
    assert response.headers["location"].endswith("/fr/")


@pytest.mark.parametrize(
    ("path", "accept", "words"),
    [
        ("/es/no-existe", "", "Página no encontrada"),
        ("/fr/discussions/inconnue", "", "Page introuvable"),
        ("/xx/", "fr", "Page introuvable"),
        ("/nowhere", "es", "Página no encontrada"),
    ],
)
async def test_404_is_translated(
    client: httpx.AsyncClient, path: str, accept: str, words: str
) -> None:
    response = await client.get(path, headers={"Accept-Language": accept})
    assert response.status_code == 404
    assert words in response.text


async def test_healthz_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "schema": head_revision()}
    assert response.headers["cache-control"] == "no-store"


async def test_healthz_and_readyz_say_when_the_schema_is_behind(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    async with db.transaction() as session:
        await session.execute(text("UPDATE alembic_version SET version_num = '0013'"))
    try:
        health = await client.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {
            "status": "unavailable",
            "database": "ok",
            "schema": "0013",
            "expected": head_revision(),
        }
        with pytest.raises(SchemaBehind, match="needs revision .*Run `forum migrate`"):
            async with app.router.lifespan_context(app):
                pass  # the app refuses to start: it never serves on a stale schema
    finally:
        async with db.transaction() as session:
            await session.execute(
                text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()}
            )


async def test_readyz_follows_the_app_from_start_to_stop(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    before = await client.get("/readyz")
    assert (before.status_code, before.json()) == (503, {"status": "starting"})
    async with app.router.lifespan_context(app):
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ok"
    after = await client.get("/readyz")
    assert (after.status_code, after.json()) == (503, {"status": "stopping"})


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:////nonexistent-dir/forum.db",
        "postgresql+asyncpg://postgres@127.0.0.1:1/test",
    ],
)
async def test_healthz_503_when_database_unreachable(url: str) -> None:
    app: Starlette = create_app(Settings(database_url=url, env="test", secret_key=SECRET))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/healthz")
    await app.state.db.dispose()
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_the_caches_take_their_bounds_from_the_settings(settings: Settings) -> None:
    app = create_app(replace(settings, page_cache_mb=3, shared_cache_mb=2))
    assert app.state.page_cache.max_weight == 3 * 1024 * 1024
    store = app.state.shared_store
    assert store.lists.max_weight + store.articles.max_weight + store.shells.max_weight == (
        2 * 1024 * 1024 * 7 // 8
    )


async def test_static_css_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/style.css")
    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]


async def test_database_failure_gives_translated_error_page() -> None:
    settings = Settings(
        database_url="sqlite+aiosqlite:////nonexistent-dir/forum.db", env="test", secret_key=SECRET
    )
    app: Starlette = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/es/")
    await app.state.db.dispose()
    assert response.status_code == 500
    assert "Se ha producido un error" in response.text
    assert "Traceback" not in response.text


async def test_guidelines_page_has_anchor_per_section(client: httpx.AsyncClient) -> None:
    response = await client.get("/fr/guidelines")
    assert response.status_code == 200
    assert "<h1>Charte de la communauté</h1>" in response.text
    for section in ("respect", "personal-data", "moderation"):
        assert f'<section id="{section}"' in response.text
        assert f'href="#{section}"' in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/en/people/99999999999999999999",
        "/en/discussions/remote-apprenticeships/questions/99999999999999",
        "/en/discussions/remote-apprenticeships/posts/4294967296",
    ],
)
async def test_numbers_too_large_for_a_column_are_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.text
