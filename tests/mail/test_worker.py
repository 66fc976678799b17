"""The worker: due mail sent once, failures retried with back-off, then given up."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from forum.core.clock import FixedClock
from forum.db import Database
from forum.mail.worker import CLAIM, MAX_ATTEMPTS, run_worker, send_claimed, send_due
from forum.models import OutboxMessage
from forum.settings import Settings
from tests.helpers import outbox
from tests.mail.samples import SUBJECT_ES, queue
from tests.smtp import Inbox, smtp_server


async def test_smtp_down_keeps_message_then_delivers_once(
    db: Database, clock: FixedClock, smtp_settings: Settings, smtp_port: int
) -> None:
    await queue(db, clock)

    report = await send_due(db, smtp_settings, now=clock.now())

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    [row] = await outbox(db)
    assert (row.status, row.attempts, row.claimed_until) == ("pending", 1, None)
    assert row.next_attempt_at > clock.now()
    assert row.last_error
    with smtp_server(smtp_port) as inbox:
        assert not await send_due(db, smtp_settings, now=clock.now())  # not due yet
        clock.advance(timedelta(minutes=1, seconds=1))
        report = await send_due(db, smtp_settings, now=clock.now())
        again = await send_due(db, smtp_settings, now=clock.now())
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert not again
    assert [m["Subject"] for m in inbox.messages()] == [SUBJECT_ES]
    [row] = await outbox(db)
    assert (row.status, row.attempts) == ("sent", 1)


async def test_concurrent_send_due_delivers_each_message_once(
    db: Database, clock: FixedClock, smtp_settings: Settings, inbox: Inbox
) -> None:
    for index in range(12):
        await queue(db, clock, subject=f"Message {index}", to_address=f"r{index}@example.org")

    reports = await asyncio.gather(
        send_due(db, smtp_settings, now=clock.now()),
        send_due(db, smtp_settings, now=clock.now()),
    )

    assert sum(report.sent for report in reports) == 12
    subjects = sorted(str(message["Subject"]) for message in inbox.messages())
    assert subjects == sorted(f"Message {index}" for index in range(12))
    assert {row.status for row in await outbox(db)} == {"sent"}


async def test_a_round_claims_the_earliest_due_first_and_no_more_than_its_limit(
    db: Database, clock: FixedClock, smtp_settings: Settings, inbox: Inbox
) -> None:
    for minutes in (3, 1, 2):  # queued later, due... in that order of minutes ago
        clock.advance(timedelta(minutes=1))
        await queue(db, clock, subject=f"Due {minutes}", to_address=f"r{minutes}@example.org")
    async with db.transaction() as session:
        for row in await outbox(db):
            minutes = int(row.subject.split()[-1])
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == row.id)
                .values(next_attempt_at=clock.now() - timedelta(minutes=minutes))
            )
    report = await send_due(db, smtp_settings, now=clock.now(), limit=2)
    assert report.sent == 2
    assert [str(message["Subject"]) for message in inbox.messages()] == ["Due 3", "Due 2"]
    pending = [row.subject for row in await outbox(db) if row.status == "pending"]
    assert pending == ["Due 1"]


async def test_a_message_born_claimed_is_its_requests_then_the_workers(
    db: Database, clock: FixedClock, smtp_settings: Settings, inbox: Inbox
) -> None:
    """A reply's mail is queued already claimed by the request, which sends it after its
    response; if that process stops first, the worker sends it once the claim runs out."""
    until = clock.now() + CLAIM
    await queue(db, clock, dedupe_key="reply:1", claimed_until=until, subject="Uno")
    await queue(db, clock, dedupe_key="reply:2", claimed_until=until, subject="Dos")
    assert not await send_due(db, smtp_settings, now=clock.now())  # both claimed
    report = await send_claimed(db, smtp_settings, dedupe_key="reply:1", now=clock.now())
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert not await send_claimed(db, smtp_settings, dedupe_key="reply:1", now=clock.now())
    clock.advance(CLAIM + timedelta(seconds=1))  # reply:2's process never sent it
    assert (await send_due(db, smtp_settings, now=clock.now())).sent == 1
    assert [str(message["Subject"]) for message in inbox.messages()] == ["Uno", "Dos"]
    assert {row.status for row in await outbox(db)} == {"sent"}


async def test_eight_failures_mark_message_failed(
    db: Database, clock: FixedClock, smtp_settings: Settings
) -> None:
    await queue(db, clock)
    reports = []
    for _ in range(MAX_ATTEMPTS):
        reports.append(await send_due(db, smtp_settings, now=clock.now()))
        clock.advance(timedelta(hours=7))

    assert [r.retried for r in reports] == [1] * (MAX_ATTEMPTS - 1) + [0]
    assert reports[-1].failed == 1
    [row] = await outbox(db)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert "Connect" in row.last_error or "connect" in row.last_error
    assert not await send_due(db, smtp_settings, now=clock.now() + timedelta(days=30))


async def test_run_worker_once_prints_summary(
    db: Database, clock: FixedClock, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await queue(db, clock)
    await queue(db, clock, to_address="autre@example.org")

    await run_worker(settings, once=True, clock=clock)
    summary = capsys.readouterr().out.splitlines()[-1]
    await run_worker(settings, once=False, interval=0, clock=clock, max_loops=2)

    assert summary.endswith("mail: 2 sent, 0 to retry, 0 failed")
    assert capsys.readouterr().out == ""  # nothing left: quiet rounds print nothing
