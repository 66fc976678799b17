"""Helpers for tests: make people, sign them in without the form, read forms and mail, count
the SQL a piece of code runs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import event
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles

from forum.accounts.passwords import hash_password
from forum.accounts.sessions import SessionPolicy, start_session
from forum.core.i18n import build_templates, load_catalogs
from forum.core.links import Links
from forum.db import Database
from forum.mail.compose import Postman
from forum.models import OutboxMessage, User
from forum.models.types import Role, UserState
from forum.settings import SUPPORTED_LANGUAGES
from forum.web.urls import LanguageMount, mail_links
from tests.conftest import NOW, StatementCounter
from tests.paths import TEMPLATES

PASSWORD = "a quiet lake at dawn"
_hash_cache: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    """Hash once per test run: argon2 is slow on purpose."""
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


async def make_user(
    db: Database,
    *,
    email: str = "maria@example.org",
    name: str = "María Pérez",
    role: Role = Role.CONTRIBUTOR,
    confirmed: bool = True,
    state: UserState = UserState.ACTIVE,
    language: str = "es",
    until: datetime | None = None,
) -> User:
    async with db.transaction() as session:
        user = User(
            email=email,
            display_name=name,
            organisation="Centro de Formación",
            country="PE",
            stakeholder_group="training_provider",
            preferred_language=language,
            role=role.value,
            state=state.value,
            suspended_until=until,
            password_hash=password_hash(),
            email_confirmed_at=NOW if confirmed else None,
            created_at=NOW,
        )
        session.add(user)
    return user


async def sign_in_as(
    client: httpx.AsyncClient,
    db: Database,
    user: User,
    now: datetime = NOW,
    cookie: str = "forum_session",
) -> str:
    """Open a session for `user` directly and give its cookie to `client`."""
    assert user.id is not None
    from datetime import timedelta

    policy = SessionPolicy(idle=timedelta(days=14), absolute=timedelta(days=60))
    async with db.transaction() as session:
        raw = await start_session(session, user_id=user.id, policy=policy, now=now)
    client.cookies.set(cookie, raw)
    return raw


async def csrf_token(client: httpx.AsyncClient, url: str) -> str:
    """Load a page with a form and return the form's CSRF token."""
    response = await client.get(url)
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient, url: str, data: dict[str, str], *, form_page: str | None = None
) -> httpx.Response:
    """Post `data` as a browser would: with the CSRF token of the page holding the form."""
    token = await csrf_token(client, form_page or url)
    return await client.post(url, data={**data, "csrf_token": token})


async def outbox(db: Database, to: str | None = None) -> list[OutboxMessage]:
    async with db.session() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        if to is not None:
            query = query.where(OutboxMessage.to_address == to)
        return list(await session.scalars(query))


def link_in(text: str, path_part: str) -> str:
    """Return the path of the first link in a mail's text containing `path_part`."""
    match = re.search(r"https?://[^/\s]+(/\S*" + re.escape(path_part) + r"\S*)", text)
    assert match, f"no link with {path_part!r} in:\n{text}"
    return match.group(1)


async def user_row(db: Database, email: str) -> User | None:
    async with db.session() as session:
        return (await session.scalars(select(User).where(User.email == email))).first()


def walk_routes(app: Starlette) -> list[tuple[str, Route]]:
    """Every endpoint route of the app with its full path template, mounts included."""

    def walk(routes: list[BaseRoute], prefix: str) -> list[tuple[str, Route]]:
        found: list[tuple[str, Route]] = []
        for route in routes:
            if isinstance(route, Route):
                found.append((prefix + route.path, route))
            elif isinstance(route, Mount) and not isinstance(route.app, StaticFiles):
                found.extend(walk(route.routes, prefix + route.path))
        return found

    return walk(list(app.routes), "")


@contextmanager
def counting(db: Database) -> Iterator[StatementCounter]:
    """Count the SQL statements `db` runs inside the block."""
    counter = StatementCounter()
    with listening(db, counter):
        yield counter


@contextmanager
def listening(db: Database, listener: Callable[..., None]) -> Iterator[None]:
    """Call `listener` before each SQL statement of any of `db`'s engines inside the block."""
    engines = [engine.sync_engine for engine in db.engines]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", listener)
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", listener)


def selects(counter: StatementCounter) -> int:
    return sum(sql.lstrip().startswith("SELECT") for sql in counter.statements)


def site_links(base_url: str) -> Links:
    """The app's own absolute link builder for mail, on its real route table."""
    from forum.app import localised_routes

    router = Router([LanguageMount(SUPPORTED_LANGUAGES, localised_routes())])
    return mail_links(router, base_url)


MAIL_BASE = "http://127.0.0.1:8000"


def make_postman(base_url: str = MAIL_BASE, templates: Path = TEMPLATES) -> Postman:
    """The app's mail composer on the shipped templates, in every offered language."""
    return Postman(
        templates=build_templates(templates),
        catalogs=load_catalogs(SUPPORTED_LANGUAGES),
        base_url=base_url,
        default_language="en",
        links=site_links(base_url),
    )
