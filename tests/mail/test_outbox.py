"""The outbox: what is queued, in which transaction, and what is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.core.clock import FixedClock
from forum.db import Database
from forum.mail.outbox import BadAddress, queue_message
from forum.models import OutboxMessage
from tests.helpers import outbox
from tests.mail.samples import HTML_FR, READER, SUBJECT_ES, TEXT_ES, queue


async def test_queue_in_rolled_back_transaction_leaves_outbox_empty(
    db: Database, clock: FixedClock
) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            queued = await queue_message(
                session,
                to_address=READER,
                to_name="Begoña",
                language="es",
                subject=SUBJECT_ES,
                text_body=TEXT_ES,
                html_body=HTML_FR,
                now=clock.now(),
            )
            assert queued is not None and queued.id is not None
            raise RuntimeError("the reply that caused the mail was not saved")
    assert await outbox(db) == []


async def test_address_with_line_break_is_refused(db: Database, clock: FixedClock) -> None:
    for address in (f"{READER}\r\nBcc: evil@example.org", "two words@example.org", "nobody"):
        with pytest.raises(BadAddress):
            await queue(db, clock, to_address=address)
    with pytest.raises(ValueError):
        await queue(db, clock, extra_headers={"Bcc": "evil@example.org"})
    assert await outbox(db) == []


async def test_same_dedupe_key_queues_one_row(db: Database, clock: FixedClock) -> None:
    first = await queue(db, clock, dedupe_key="digest:7:2026-03-04")
    second = await queue(db, clock, dedupe_key="digest:7:2026-03-04", subject="Autre résumé")
    other = await queue(db, clock, dedupe_key="digest:8:2026-03-04")

    assert first is not None and other is not None and second is None
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert count == 2
    assert [row.subject for row in await outbox(db)] == [SUBJECT_ES, SUBJECT_ES]
