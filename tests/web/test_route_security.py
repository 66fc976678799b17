"""Every route, walked from the app's route table: CSRF, permissions, headers, body size."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select
from starlette.applications import Starlette

from forum.contributions.posting import Draft, PostLimits, create_post
from forum.db import Database
from forum.models import Question, QuestionSet, Tag
from forum.models.types import Role, UserState
from tests.conftest import NOW
from tests.factories import add_discussion, discussion_data
from tests.helpers import csrf_token, make_user, sign_in_as, walk_routes

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PARAMS = {
    "lang": "en",
    "slug": "remote-apprenticeships",
    "position": "1",
    "number": "1",
    "id": "1",
    "token": "sometoken",
}


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PARAMS[m.group(1)], path)


def _routes(app: Starlette) -> list[tuple[str, set[str]]]:
    return [(_concrete(path), set(route.methods or ())) for path, route in walk_routes(app)]


def test_every_state_changing_route_is_listed(app: Starlette) -> None:
    unsafe = [path for path, methods in _routes(app) if methods & UNSAFE]
    assert len(unsafe) >= 8, unsafe  # the walk below must not pass by walking nothing


@pytest.mark.parametrize("with_token", ["none", "wrong"])
async def test_state_changing_routes_refuse_without_valid_token(
    app: Starlette, client: httpx.AsyncClient, db: Database, with_token: str
) -> None:
    user = await make_user(db)
    await sign_in_as(client, db, user)
    await csrf_token(client, "/en/account/profile")  # the browser holds a real CSRF cookie
    for path, methods in _routes(app):
        if path.startswith("/en/newsletter/unsubscribe/"):
            continue  # RFC 8058 one-click: the signed token in the URL is the proof (tested apart)
        for method in sorted(methods & UNSAFE):
            data = {"csrf_token": "forged"} if with_token == "wrong" else {}
            response = await client.request(method, path, data=data)
            assert response.status_code == 403, (method, path, response.status_code)
            assert "This form has expired" in response.text


VIEWERS = ["anonymous", "unconfirmed", "contributor", "moderator", "admin", "banned", "suspended"]
# GET pages and what each kind of visitor gets: 200 shown, 303 sent to sign in, 404 absent.
MATRIX = {
    "/en/": [200] * 7,
    "/en/discussions/remote-apprenticeships": [200] * 7,
    "/en/discussions/remote-apprenticeships/questions/1": [200] * 7,
    "/en/account/register": [200] * 7,
    "/en/guidelines": [200] * 7,
    "/en/search": [200] * 7,
    "/en/newsletter": [200] * 7,
    "/en/newsletter/confirm/sometoken": [404] * 7,
    "/en/newsletter/manage/sometoken": [404] * 7,
    "/en/newsletter/unsubscribe/sometoken": [404] * 7,
    "/en/account/sign-in": [200] * 7,
    "/en/account/reset": [200] * 7,
    "/en/account/profile": [303, 200, 200, 200, 200, 303, 200],
    "/en/account/password": [303, 200, 200, 200, 200, 303, 200],
    "/en/account/data": [303, 200, 200, 200, 200, 303, 200],
    "/en/account/delete": [303, 200, 200, 200, 200, 303, 200],
    "/en/privacy": [200] * 7,
    "/en/people/{id}": [200] * 7,
    "/en/discussions/remote-apprenticeships/comments": [200] * 7,
    "/en/discussions/remote-apprenticeships/transparency": [200] * 7,
    "/en/moderation/": [303, 403, 403, 200, 200, 303, 403],
    "/en/moderation/reports": [303, 403, 403, 200, 200, 303, 403],
    "/en/moderation/log": [303, 403, 403, 200, 200, 303, 403],
    "/en/moderation/discussions/remote-apprenticeships/weeks/1/summary": [
        303,
        403,
        403,
        200,
        200,
        303,
        403,
    ],
    "/en/admin/discussions/remote-apprenticeships/moderators": [303, 403, 403, 403, 200, 303, 403],
    # its moderators and organisers too (tested apart in tests/analysis)
    "/en/moderation/discussions/remote-apprenticeships/analysis": [
        303,
        403,
        403,
        403,
        200,
        303,
        403,
    ],
    # The synthesis: the discussion's own moderators and organisers (tested in tests/synthesis)
    # and admins; this moderator moderates other discussions only.
    "/en/moderation/discussions/remote-apprenticeships/synthesis": [
        303,
        403,
        403,
        403,
        200,
        303,
        403,
    ],
    "/en/discussions/remote-apprenticeships/posts/{post}": [200] * 7,
    "/en/discussions/remote-apprenticeships/posts/{post}/edit": [303, 403, 403, 403, 403, 303, 403],
    "/en/discussions/remote-apprenticeships/posts/{post}/history": [200] * 7,
    "/en/people/999999": [404] * 7,
    # The studio: admins, and the discussion's organisers (tested apart in tests/studio).
    "/en/studio/": [303, 200, 200, 200, 200, 303, 200],
    "/en/studio/new": [303, 403, 403, 403, 200, 303, 403],
    **{
        f"/en/studio/remote-apprenticeships{page}": [303, 403, 403, 403, 200, 303, 403]
        for page in (
            "",
            "/settings",
            "/texts",
            "/weeks",
            "/weeks/{week}",
            "/questions/{question}",
            "/tags",
            "/tags/{tag}",
            "/preview",
            "/history",
        )
    },
    "/en/studio/remote-apprenticeships/sessions": [303, 403, 403, 403, 200, 303, 403],
    "/en/discussions/remote-apprenticeships/sessions.ics": [200] * 7,
    "/en/discussions/remote-apprenticeships/sessions/1.ics": [404] * 7,  # no such session
    "/en/studio/remote-apprenticeships/documents": [303, 403, 403, 403, 200, 303, 403],
    "/en/search/feed.atom": [200] * 7,
    "/en/tags/": [200] * 7,
    "/en/tags/access-to-training": [200] * 7,
    "/en/tags/access-to-training/feed.atom": [200] * 7,
    "/en/tags/remote-apprenticeships": [404] * 7,  # no such tag
    "/en/tags/remote-apprenticeships/feed.atom": [404] * 7,
    "/en/discussions/remote-apprenticeships/feed.atom": [200] * 7,
    "/en/discussions/remote-apprenticeships/questions/1/feed.atom": [200] * 7,
    # Exports: the moderators' for the discussion's moderators (this one moderates another),
    # organisers and admins; open data for everyone.
    "/en/moderation/discussions/remote-apprenticeships/export.csv": [
        303,
        403,
        403,
        403,
        200,
        303,
        403,
    ],
    "/en/moderation/discussions/remote-apprenticeships/export.json": [
        303,
        403,
        403,
        403,
        200,
        303,
        403,
    ],
    "/en/discussions/remote-apprenticeships/export.csv": [200] * 7,
    "/en/discussions/remote-apprenticeships/export.json": [200] * 7,
    "/en/discussions/remote-apprenticeships/counts.csv": [200] * 7,
}


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_permission_matrix(
    app: Starlette, client: httpx.AsyncClient, db: Database, viewer: str
) -> None:
    async with db.transaction() as session:
        await add_discussion(session, discussion_data(start=NOW - timedelta(days=1)), now=NOW)
    shown = await make_user(db, email="shown@example.org", name="Shown Person", role=Role.MODERATOR)
    async with db.transaction() as session:
        post = await create_post(
            session,
            author=shown,
            discussion_slug="remote-apprenticeships",
            question_number=1,
            parent_id=None,
            draft=Draft("Una respuesta publicada para la prueba.", "es", "by_name"),
            limits=PostLimits(),
            now=NOW,
        )
    async with db.session() as session:
        ids = {
            "week": await session.scalar(select(func.min(QuestionSet.id))),
            "question": await session.scalar(select(func.min(Question.id))),
            "tag": await session.scalar(select(func.min(Tag.id))),
        }
    kinds = {
        "unconfirmed": {"confirmed": False},
        "contributor": {},
        "moderator": {"role": Role.MODERATOR},
        "admin": {"role": Role.ADMIN},
        "banned": {"state": UserState.BANNED},
        "suspended": {"state": UserState.SUSPENDED, "until": NOW + timedelta(days=3)},
    }
    if viewer in kinds:
        user = await make_user(db, email=f"{viewer}@example.org", **kinds[viewer])  # type: ignore[arg-type]
        await sign_in_as(client, db, user)
    column = VIEWERS.index(viewer)
    for path, expected in MATRIX.items():
        concrete = path.replace("{id}", str(shown.id)).replace("{post}", str(post.id))
        for name, value in ids.items():
            concrete = concrete.replace("{" + name + "}", str(value))
        response = await client.get(concrete)
        assert response.status_code == expected[column], (viewer, path)
    # every GET page of the app is in the matrix, so a new page cannot slip through
    pages = {path for path, methods in _routes(app) if "GET" in methods}
    covered = {_concrete(re.sub(r"\{(id|post|week|question|tag)\}", "1", p)) for p in MATRIX} | {
        "/",
        "/healthz",
        "/readyz",  # 503 until the app has started: tests/web/test_front.py
        "/metrics",  # this machine or a token: tests/web/test_observe.py
        "/en/account/confirm/sometoken",
        "/en/account/reset/sometoken",
        "/en/discussions/remote-apprenticeships/documents/1",
    }
    assert pages <= covered | {"/en/people/1"}, pages - covered


async def test_pages_carry_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/en/")
    csp = response.headers["content-security-policy"]
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]+'", csp)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    assert "strict-transport-security" not in response.headers


async def test_oversized_body_is_refused_with_413(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client, "/en/account/register")
    response = await client.post(
        "/en/account/register", data={"csrf_token": token, "display_name": "x" * 2_000_000}
    )
    assert response.status_code == 413
