"""The mailer: the outbox, rendering, MIME building, and delivery to a real SMTP server."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import func, select

from forum.core.clock import FixedClock
from forum.core.i18n import build_templates, load_catalogs
from forum.db import Database
from forum.mail.outbox import (
    MAX_ATTEMPTS,
    build_email,
    queue_message,
    render_mail,
    run_worker,
    send_due,
)
from forum.models import OutboxMessage
from forum.settings import Settings
from tests.paths import TEST_TEMPLATES
from tests.smtp import Inbox, free_port, smtp_server

READER = "lectora@example.org"
SUBJECT_ES = "Nueva respuesta en «Formación dual»: ¿qué opina la señora Núñez?"
TEXT_ES = "Hola, Begoña:\nAlguien ha contestado a su pregunta sobre la formación dual.\n"
HTML_FR = "<p>Bonjour Hélène, une réponse à votre question vous attend.</p>"


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp_settings(settings: Settings, smtp_port: int) -> Settings:
    return dataclasses.replace(
        settings, mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=smtp_port
    )


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    with smtp_server(smtp_port) as server:
        yield server


async def queue(db: Database, clock: FixedClock, **fields: Any) -> OutboxMessage | None:
    values: dict[str, Any] = {
        "to_address": READER,
        "to_name": "Begoña Núñez",
        "language": "es",
        "subject": SUBJECT_ES,
        "text_body": TEXT_ES,
        "html_body": HTML_FR,
    }
    async with db.transaction() as session:
        return await queue_message(session, now=clock.now(), **(values | fields))


async def outbox(db: Database) -> list[OutboxMessage]:
    async with db.session() as session:
        return list((await session.scalars(select(OutboxMessage).order_by("id"))).all())


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


async def test_send_due_delivers_text_and_html_over_smtp(
    db: Database, clock: FixedClock, smtp_settings: Settings, inbox: Inbox
) -> None:
    await queue(db, clock, extra_headers={"List-Id": "Formación dual <dual.example.org>"})

    report = await send_due(db, smtp_settings, now=clock.now())

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [received] = inbox.messages()
    assert received["Subject"] == SUBJECT_ES
    assert received["To"].addresses[0].display_name == "Begoña Núñez"
    assert received["To"].addresses[0].addr_spec == READER
    assert received["Content-Language"] == "es"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["List-Id"] == "Formación dual <dual.example.org>"
    assert received["Message-ID"].endswith("@localhost>")
    assert received.get_content_type() == "multipart/alternative"
    plain = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    assert plain.get_content().replace("\r\n", "\n") == TEXT_ES
    assert HTML_FR in html.get_content()
    [row] = await outbox(db)
    assert (row.status, row.sent_at, row.claimed_until) == ("sent", clock.now(), None)


async def test_name_with_line_break_adds_no_header_or_recipient(
    db: Database, clock: FixedClock, smtp_settings: Settings, inbox: Inbox
) -> None:
    await queue(db, clock, to_name="Mallory\r\nBcc: evil@example.org", subject="Hi\nBcc: x@y.z")

    await send_due(db, smtp_settings, now=clock.now())

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == [READER]
    [received] = inbox.messages()
    assert "Bcc" not in received
    assert [a.addr_spec for a in received["To"].addresses] == [READER]
    assert received["To"].addresses[0].display_name == "Mallory Bcc: evil@example.org"
    assert received["Subject"] == "Hi Bcc: x@y.z"
    assert b"\nBcc:" not in envelope.original_content


async def test_address_with_line_break_is_refused(db: Database, clock: FixedClock) -> None:
    for address in (f"{READER}\r\nBcc: evil@example.org", "two words@example.org", "nobody"):
        with pytest.raises(ValueError):
            await queue(db, clock, to_address=address)
    with pytest.raises(ValueError):
        await queue(db, clock, extra_headers={"Bcc": "evil@example.org"})
    assert await outbox(db) == []


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


async def test_same_dedupe_key_queues_one_row(db: Database, clock: FixedClock) -> None:
    first = await queue(db, clock, dedupe_key="digest:7:2026-03-04")
    second = await queue(db, clock, dedupe_key="digest:7:2026-03-04", subject="Autre résumé")
    other = await queue(db, clock, dedupe_key="digest:8:2026-03-04")

    assert first is not None and other is not None and second is None
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert count == 2
    assert [row.subject for row in await outbox(db)] == [SUBJECT_ES, SUBJECT_ES]


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


async def test_console_backend_prints_subject_and_marks_sent(
    db: Database, clock: FixedClock, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await queue(db, clock)

    report = await send_due(db, settings, now=clock.now())

    assert report.sent == 1
    printed = capsys.readouterr().out
    assert f"Subject: {SUBJECT_ES}" in printed
    assert "Begoña Núñez <lectora@example.org>" in printed
    assert "Alguien ha contestado a su pregunta" in printed
    [row] = await outbox(db)
    assert row.status == "sent"


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


async def test_render_mail_escapes_html_but_not_text(clock: FixedClock) -> None:
    env = build_templates(TEST_TEMPLATES)  # a template kept for this test
    i18n = load_catalogs(["es"])["es"]
    context = {
        "title": "Débat  «Apprentissage»\n& <formation>",
        "when": clock.now(),
        "name": "Begoña & <Ana>",
        "message": "Une réponse vous attend.",
        "url": "http://127.0.0.1:8000/es/?a=1&b=2",
    }

    mail = render_mail(env, i18n, "example", context)

    assert mail.subject == "Débat «Apprentissage» & <formation> (4 de marzo de 2026)"
    assert mail.text.startswith("Begoña & <Ana>,\n")
    assert "http://127.0.0.1:8000/es/?a=1&b=2\n" in mail.text
    assert "(4 de marzo de 2026)" not in mail.text
    assert "Begoña &amp; &lt;Ana&gt;" in mail.html
    assert 'href="http://127.0.0.1:8000/es/?a=1&amp;b=2"' in mail.html
    assert '<html lang="es">' in mail.html


async def test_build_email_keeps_every_header_on_one_line(clock: FixedClock) -> None:
    row = OutboxMessage(
        to_address=READER,
        to_name="Eve\nX-Injected: yes",
        language="fr",
        subject="Sujet\r\nX-Injected: yes",
        text_body="Bonjour.\n",
        html_body="<p>Bonjour.</p>",
        extra_headers='{"X-Forum-Topic": "a\\r\\nX-Injected: yes"}',
        next_attempt_at=clock.now(),
        created_at=clock.now(),
    )

    email = build_email(row, "Forum <forum@forum.example.org>")

    raw = email.as_bytes()
    assert b"\nX-Injected" not in raw
    assert email["Message-ID"].endswith("@forum.example.org>")
    assert str(email["From"]) == "Forum <forum@forum.example.org>"
