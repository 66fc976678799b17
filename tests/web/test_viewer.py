"""Who is signed in, found once per request: from the database, or from what this process
kept while nothing about people has changed since (`accounts/session_cache.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from forum.accounts.sessions import end_session
from forum.app import create_app
from forum.core.clock import FixedClock
from forum.db import Database
from forum.models import User
from forum.settings import Settings
from tests.conftest import StatementCounter
from tests.helpers import make_user, sign_in_as

PROFILE = "/en/account/profile"
PROFILE_FORM = {
    "organisation": "",
    "country": "",
    "stakeholder_group": "other",
    "preferred_language": "en",
}


async def _read_versions(app: Starlette) -> None:
    """What each process's background reader does every quarter of a second."""
    async with app.state.db.session() as session:
        await app.state.versions.read(session)


def _looked_up(counter: StatementCounter, since: int) -> bool:
    return any("user_sessions" in sql for sql in counter.statements[since:])


@pytest.fixture
async def elsewhere(settings: Settings, clock: FixedClock) -> AsyncIterator[Starlette]:
    """The same forum served by another process (its own Database and caches)."""
    application = create_app(settings, clock=clock)
    yield application
    await application.state.db.dispose()


@pytest.fixture
async def there(elsewhere: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=elsewhere, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_a_known_session_costs_no_statement_while_people_are_unchanged(
    app: Starlette, db: Database, client: httpx.AsyncClient, count_statements: StatementCounter
) -> None:
    user = await make_user(db, name="Nadia Haddad")
    await sign_in_as(client, db, user)
    await _read_versions(app)
    assert "Nadia Haddad" in (await client.get(PROFILE)).text
    before = count_statements.count
    page = await client.get(PROFILE)
    assert page.status_code == 200 and "Nadia Haddad" in page.text
    assert not _looked_up(count_statements, before)


async def test_versions_not_read_lately_send_the_lookup_to_the_database(
    app: Starlette, db: Database, client: httpx.AsyncClient, count_statements: StatementCounter
) -> None:
    user = await make_user(db)
    await sign_in_as(client, db, user)
    await client.get(PROFILE)  # no reader has run: nothing is trusted
    before = count_statements.count
    assert (await client.get(PROFILE)).status_code == 200
    assert _looked_up(count_statements, before)


async def test_a_sign_out_in_another_process_ends_the_session_here_at_the_next_read(
    app: Starlette, elsewhere: Starlette, db: Database, there: httpx.AsyncClient
) -> None:
    user = await make_user(db)
    raw = await sign_in_as(there, db, user)
    await _read_versions(elsewhere)
    assert (await there.get(PROFILE)).status_code == 200  # kept there now
    async with app.state.db.transaction() as session:  # signed out through this process
        await end_session(session, raw_token=raw)
    await _read_versions(elsewhere)
    assert (await there.get(PROFILE)).status_code == 303


async def test_a_ban_in_another_process_signs_the_person_out_here_at_the_next_read(
    app: Starlette, elsewhere: Starlette, db: Database, there: httpx.AsyncClient
) -> None:
    user = await make_user(db)
    await sign_in_as(there, db, user)
    await _read_versions(elsewhere)
    assert (await there.get(PROFILE)).status_code == 200
    async with app.state.db.transaction() as session:
        stored = await session.scalar(select(User).where(User.id == user.id))
        assert stored is not None
        stored.state = "banned"
    await _read_versions(elsewhere)
    assert (await there.get(PROFILE)).status_code == 303


async def test_a_change_in_this_process_shows_at_once(
    app: Starlette, db: Database, client: httpx.AsyncClient
) -> None:
    user = await make_user(db, name="Nadia Haddad")
    await sign_in_as(client, db, user)
    await _read_versions(app)
    assert "Nadia Haddad" in (await client.get(PROFILE)).text
    async with app.state.db.transaction() as session:  # no read of the versions after this
        stored = await session.scalar(select(User).where(User.id == user.id))
        assert stored is not None
        stored.display_name = "Nadia H. Haddad"
    assert "Nadia H. Haddad" in (await client.get(PROFILE)).text


async def test_a_form_sent_always_asks_the_database(
    app: Starlette, elsewhere: Starlette, db: Database, there: httpx.AsyncClient
) -> None:
    """A session ended elsewhere may read a page here until the next read of the versions
    (a quarter of a second), but can never act: a POST looks it up."""
    user = await make_user(db, name="Nadia Haddad")
    raw = await sign_in_as(there, db, user)
    await _read_versions(elsewhere)
    form = await there.get(PROFILE)
    assert form.status_code == 200
    token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    fields = {"csrf_token": token, **PROFILE_FORM}
    saved = await there.post(PROFILE, data={**fields, "display_name": "Nadia H."})
    assert saved.status_code == 303  # the form is whole: while the session lives, it saves
    assert (await there.get(PROFILE)).status_code == 200  # the session kept there again
    async with app.state.db.transaction() as session:
        await end_session(session, raw_token=raw)
    sent = await there.post(PROFILE, data={**fields, "display_name": "Someone Else"})
    assert sent.status_code in (303, 403)
    async with db.session() as session:
        stored = await session.scalar(select(User).where(User.id == user.id))
    assert stored is not None and stored.display_name == "Nadia H."
