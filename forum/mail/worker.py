"""The outbox worker: claim the mail that is due, send it, and retry failures with back-off."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import col, select

from forum.core.clock import Clock, SystemClock
from forum.core.outage import Outage, is_outage
from forum.db import Database
from forum.mail.backends import (
    SMTP_TIMEOUT_SECONDS,
    MailBackend,
    backend_for,
    build_email,
    parse_sender,
)
from forum.mail.outbox import clean_address
from forum.models.mail import OutboxMessage
from forum.models.types import OutboxStatus
from forum.settings import Settings

MAX_ATTEMPTS = 8
BATCH = 100
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
CLAIM = timedelta(minutes=5)
MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class SendReport:
    """What one round of sending did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.retried or self.failed)

    @classmethod
    def of(cls, statuses: Iterable[str]) -> SendReport:
        """The report of messages left in these statuses (`_finish`'s answers)."""
        counts = Counter(statuses)
        return cls(
            sent=counts[OutboxStatus.SENT.value],
            retried=counts[OutboxStatus.PENDING.value],
            failed=counts[OutboxStatus.FAILED.value],
        )


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the `attempts`-th failure (doubling, capped)."""
    doublings = min(max(attempts - 1, 0), 20)  # bounded, so a huge count cannot overflow
    return min(FIRST_RETRY * (1 << doublings), MAX_RETRY)


async def _claim(db: Database, *, now: datetime, limit: int) -> list[OutboxMessage]:
    """Claim up to `limit` due messages, the earliest first, in one UPDATE ... RETURNING: a
    write transaction holds SQLite's one write turn, so it says as little as it can."""
    due = (
        select(col(OutboxMessage.id))
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            col(OutboxMessage.next_attempt_at) <= now,
            or_(
                col(OutboxMessage.claimed_until).is_(None),
                col(OutboxMessage.claimed_until) < now,
            ),
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
    )
    if not db.is_sqlite:
        # Concurrent claimers skip the rows another one is claiming instead of waiting for them;
        # on SQLite the write transaction (BEGIN IMMEDIATE) already lets one claimer in at a time.
        due = due.with_for_update(skip_locked=True)
    claim = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(due.scalar_subquery()))
        .values(claimed_until=now + CLAIM)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    async with db.transaction() as session:
        rows = list((await session.scalars(claim)).all())
    return sorted(rows, key=lambda row: (row.next_attempt_at, row.id or 0))


async def _finish(db: Database, row: OutboxMessage, now: datetime, error: str | None) -> str:
    values: dict[str, Any] = {"claimed_until": None}
    if error is None:
        values |= {"status": OutboxStatus.SENT.value, "sent_at": now, "last_error": ""}
    else:
        attempts = row.attempts + 1
        gave_up = attempts >= MAX_ATTEMPTS
        values |= {
            "attempts": attempts,
            "last_error": error[:MAX_ERROR_LENGTH],
            "next_attempt_at": now + retry_delay(attempts),
            "status": (OutboxStatus.FAILED if gave_up else OutboxStatus.PENDING).value,
        }
    async with db.transaction() as session:
        await session.execute(
            update(OutboxMessage).where(col(OutboxMessage.id) == row.id).values(values)
        )
    return str(values.get("status", OutboxStatus.PENDING.value))


async def _release(db: Database, rows: Sequence[OutboxMessage]) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_([row.id for row in rows]))
            .values(claimed_until=None)
        )


async def _deliver(backend: MailBackend, row: OutboxMessage, mail_from: str) -> str | None:
    try:
        email = build_email(row, mail_from)
        recipients = [clean_address(row.to_address)]
        await backend.send(email, sender=parse_sender(mail_from)[1], recipients=recipients)
    except Exception as error:  # any failure of one message must not stop the others
        detail = str(error)
        return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return None


async def send_due(
    db: Database,
    settings: Settings,
    *,
    now: datetime,
    limit: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> SendReport:
    """Claim the messages that are due, send them, and record each outcome."""
    rows = await _claim(db, now=now, limit=limit)
    backend = backend_for(settings)
    loop = asyncio.get_running_loop()
    # Stop before the claim runs out, so that no other sender can take a row still in flight.
    deadline = loop.time() + CLAIM.total_seconds() - 2 * SMTP_TIMEOUT_SECONDS
    statuses: list[str] = []
    for index, row in enumerate(rows):
        if loop.time() > deadline:
            await _release(db, rows[index:])
            break
        error = await _deliver(backend, row, settings.mail_from)
        statuses.append(await _finish(db, row, now, error))
        if progress is not None:
            progress(index + 1, len(rows))
    return SendReport.of(statuses)


async def send_claimed(
    db: Database, settings: Settings, *, dedupe_key: str, now: datetime
) -> SendReport:
    """Send the message with `dedupe_key` that its request queued already claimed
    (`queue_message(claimed_until=...)`), and record the outcome: no claiming transaction.
    A message not found pending (sent meanwhile) is left alone; one left unsent, because this
    process stopped first, is the worker's once its claim runs out."""
    async with db.single_read() as session:
        row = await session.scalar(
            select(OutboxMessage).where(
                col(OutboxMessage.dedupe_key) == dedupe_key,
                OutboxMessage.status == OutboxStatus.PENDING.value,
            )
        )
    if row is None:
        return SendReport()
    error = await _deliver(backend_for(settings), row, settings.mail_from)
    return SendReport.of([await _finish(db, row, now, error)])


async def run_worker(
    settings: Settings,
    *,
    once: bool,
    interval: float = 10.0,
    clock: Clock | None = None,
    max_loops: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Send due mail every `interval` seconds (one round if `once`), printing what was done."""
    clock = clock or SystemClock()
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    outage = Outage("mail worker")  # the database away: one line, back off, go on
    loops = 0
    try:
        while True:
            now = clock.now()
            try:
                report = await send_due(db, settings, now=now, progress=progress)
            except Exception as error:
                if not is_outage(error):
                    raise
                wait = outage.failed(error)
                report = SendReport()
            else:
                outage.recovered()
                wait = interval
            if report:
                sys.stdout.write(
                    f"{now:%Y-%m-%d %H:%M:%S} mail: {report.sent} sent, "
                    f"{report.retried} to retry, {report.failed} failed\n"
                )
                sys.stdout.flush()
            loops += 1
            if once or (max_loops is not None and loops >= max_loops):
                return
            # A full round means more mail is waiting: go on at once instead of sleeping.
            if report.sent + report.retried + report.failed < BATCH:
                await asyncio.sleep(wait)
    finally:
        await db.dispose()
