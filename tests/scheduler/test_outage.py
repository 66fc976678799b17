"""The database goes away and comes back: the mail worker and the scheduler log one line,
back off, and go on; nothing is lost and nothing is sent twice.

PostgreSQL is reached through a loopback relay that the test cuts and restores (an SQLite
file cannot go away like a server)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.engine import make_url

from forum.core import outage
from forum.core.clock import FixedClock
from forum.db import Database
from forum.mail.worker import run_worker
from forum.scheduler.jobs import Job
from forum.scheduler.runner import run_scheduler
from forum.settings import Settings
from tests.helpers import outbox
from tests.mail.samples import queue
from tests.relay import Relay


@pytest.fixture
async def relay(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Relay:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a server that goes away: PostgreSQL only")
    monkeypatch.setattr(outage, "FIRST_WAIT", 0.05)
    monkeypatch.setattr(outage, "LONGEST_WAIT", 0.2)
    found = Relay((url.host or "127.0.0.1", url.port or 5432))
    await found.restore()
    await found.cut()  # the server is away from the start
    return found


def _through(settings: Settings, relay: Relay) -> Settings:
    url = make_url(settings.database_url).set(host="127.0.0.1", port=relay.port)
    return replace(settings, database_url=url.render_as_string(hide_password=False))


async def _back_after(relay: Relay, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await relay.restore()


async def test_the_worker_waits_for_the_database_then_sends_once(
    db: Database,
    clock: FixedClock,
    settings: Settings,
    relay: Relay,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await queue(db, clock)
    caplog.set_level(logging.WARNING, logger="forum.outage")
    await asyncio.gather(
        run_worker(_through(settings, relay), once=False, interval=0.02, clock=clock, max_loops=25),
        _back_after(relay, 0.4),
    )
    await relay.cut()
    [row] = await outbox(db)
    assert (row.status, row.attempts) == ("sent", 0)
    said = [record.getMessage() for record in caplog.records]
    assert len(said) == 2, said
    assert said[0].startswith("mail worker: cannot reach a server")
    assert said[1] == "mail worker: reachable again, going on"


async def test_the_scheduler_waits_for_the_database_then_runs_each_job_once(
    settings: Settings, relay: Relay, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    runs: list[str] = []

    async def note(_db: Database, _now: object) -> str:
        runs.append("ran")
        return "noted"

    caplog.set_level(logging.WARNING, logger="forum.outage")
    away = Database(_through(settings, relay).database_url)
    try:
        await asyncio.gather(
            run_scheduler(
                away, [Job("note", timedelta(hours=1), note)], tick=0.02, clock=clock, max_loops=25
            ),
            _back_after(relay, 0.4),
        )
    finally:
        await away.dispose()
        await relay.cut()
    assert runs == ["ran"]  # due once in the hour, however many rounds
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0].startswith("scheduler: cannot reach a server")
    assert messages[-1] == "scheduler: reachable again, going on" and len(messages) == 2
