"""What endpoints share: the mail sent after the response, whatever happens to it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette

from forum.db import Database
from forum.mail.worker import send_due
from forum.settings import Settings
from forum.web import request as request_module
from tests.helpers import outbox, post_form

REGISTRATION = {
    "email": "lucia.gomez@example.org",
    "password": "tres tristes tigres",
    "display_name": "Lucía Gómez",
    "organisation": "",
    "country": "CO",
    "stakeholder_group": "ngo",
    "preferred_language": "es",
}


@pytest.fixture
async def strict(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client that fails the test if anything escapes the app, as a dropped connection would."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_failed_mail_after_response_is_logged_and_left_for_the_worker(
    strict: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def locked(db: Database, settings: Settings, *, now: datetime) -> None:
        raise OperationalError("UPDATE outbox", {}, Exception("database is locked"))

    monkeypatch.setattr(request_module, "send_due", locked)
    with caplog.at_level(logging.ERROR):
        response = await post_form(strict, "/es/account/register", REGISTRATION)
    assert response.status_code == 303  # the person goes on to "check your inbox"
    [logged] = [r for r in caplog.records if "the worker will retry" in r.getMessage()]
    assert logged.exc_info is not None and "database is locked" in str(logged.exc_info[1])
    [mail] = await outbox(db, "lucia.gomez@example.org")
    assert mail.status == "pending"
    monkeypatch.undo()
    report = await send_due(db, settings, now=mail.next_attempt_at)  # what `forum worker` does
    assert report.sent == 1
    assert (await outbox(db))[0].status == "sent"
