"""Backends: the MIME message built from an outbox row, delivered over SMTP or printed."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from forum.core.clock import FixedClock
from forum.db import Database
from forum.mail.backends import build_email
from forum.mail.worker import send_due
from forum.models import OutboxMessage
from forum.settings import Settings
from tests.helpers import outbox
from tests.mail.samples import HTML_FR, READER, SUBJECT_ES, TEXT_ES, queue
from tests.smtp import Inbox


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


@pytest.mark.parametrize(
    "subject",
    [
        "Les questions de la semaine 2 sont ouvertes\u202f: Assurer la continuité de la "
        "formation professionnelle en temps de crise",
        "Une nouvelle discussion est ouverte\u202f: Assurer la continuité de la formation "
        "professionnelle en temps de crise, une consultation régionale élargie",
        "Cette semaine dans «\u202fAssurer la continuité de la formation professionnelle en "
        "temps de crise\u202f»",
        "Las preguntas de la semana 2 están abiertas: Mantener la formación profesional en "
        "tiempos de crisis y después de ella",
    ],
)
def test_build_email_long_subject_reads_back_with_single_spaces(
    clock: FixedClock, subject: str
) -> None:
    row = OutboxMessage(
        to_address=READER,
        to_name="Amara Diop",
        language="fr",
        subject=subject,
        text_body="Bonjour.\n",
        html_body="<p>Bonjour.</p>",
        extra_headers="{}",
        next_attempt_at=clock.now(),
        created_at=clock.now(),
    )

    raw = build_email(row, "Forum <forum@forum.example.org>").as_bytes()

    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))  # it was folded
    received = message_from_bytes(raw, policy=default)
    assert received["Subject"] == subject
