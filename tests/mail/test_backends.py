"""Backends: the MIME message built from an outbox row, delivered over SMTP or printed."""

from __future__ import annotations

import base64
import json
from email import message_from_bytes, policy
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


INJECTED = "Jo\r\nReply-To: x@example.org\r\n\r\nText"
# RFC 2047 encoded words that the email package decodes back into line breaks when it reads
# a header value, then writes out unfolded: each would add a Reply-To and end the headers.
ENCODED_WORD_NAMES = [
    "=?utf-8?q?Jo=0d=0aReply-To:_x@example.org=0d=0a=0d=0aText?=",
    "Begoña =?utf-8?q?Jo=0d=0aReply-To:_x@example.org=0d=0a=0d=0aText?=",
    "=?utf-8?b?" + base64.b64encode(INJECTED.encode()).decode() + "?=",
    '"=?iso-8859-1?Q?Jo=0AReply-To:_x@example.org=0A=0AText?=" ' + "palabra " * 12,
    "Jo=?utf-8?q?=0d=0aReply-To:_x@example.org?=",
]
NAME_IDS = ["q", "after-a-word", "base64", "quoted-and-folded", "inside-a-word"]


def assert_clean(raw: bytes, body: str) -> EmailMessage:
    """Parse `raw` as a mail client would: one To, no Reply-To, the body as it was written."""
    received = message_from_bytes(raw, policy=policy.default)
    assert isinstance(received, EmailMessage)
    assert len(received.get_all("To") or []) == 1
    assert [a.addr_spec for a in received["To"].addresses] == [READER]
    assert "Reply-To" not in received and b"\nReply-To:" not in raw
    for name in ("To", "Subject", "List-Id"):
        assert not any(ch in str(received[name]) for ch in "\r\n"), name
    plain = received.get_body(("plain",))
    assert isinstance(plain, EmailMessage)
    assert plain.get_content().replace("\r\n", "\n") == body
    return received


@pytest.mark.parametrize("name", ENCODED_WORD_NAMES, ids=NAME_IDS)
def test_build_email_with_encoded_word_name_keeps_one_recipient_and_the_body(
    clock: FixedClock, name: str
) -> None:
    row = OutboxMessage(
        to_address=READER,
        to_name=name,
        language="es",
        subject=f"Respuesta de {name} en «Formación dual»",
        text_body=TEXT_ES,
        html_body=HTML_FR,
        extra_headers=json.dumps({"List-Id": f"{name} <dual.example.org>"}),
        next_attempt_at=clock.now(),
        created_at=clock.now(),
    )

    received = assert_clean(build_email(row, "Forum <forum@forum.example.org>").as_bytes(), TEXT_ES)

    # What the person typed stays visible as text, never decoded.
    assert "= ?" in received["To"].addresses[0].display_name
    assert str(received["Subject"]).startswith("Respuesta de ")
    assert "= ?" in str(received["Subject"]) and "= ?" in str(received["List-Id"])


@pytest.mark.parametrize("name", ENCODED_WORD_NAMES, ids=NAME_IDS)
async def test_send_due_with_encoded_word_name_delivers_one_clean_mail(
    db: Database, clock: FixedClock, smtp_settings: Settings, inbox: Inbox, name: str
) -> None:
    await queue(db, clock, to_name=name, subject=f"Hola {name}")

    report = await send_due(db, smtp_settings, now=clock.now())

    assert report.sent == 1
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == [READER]
    assert_clean(envelope.original_content, TEXT_ES)


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
