"""Mail backends: build the MIME message of an outbox row and hand it to SMTP or the console."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Protocol

import aiosmtplib

from forum.mail.outbox import clean_address, clean_headers, header_text
from forum.models.mail import OutboxMessage
from forum.settings import Settings

SMTP_TIMEOUT_SECONDS = 15.0


def parse_sender(mail_from: str) -> tuple[str, str]:
    """Return the display name and address of FORUM_MAIL_FROM; raise ValueError if it has none."""
    display, address = parseaddr(mail_from)
    if "@" not in address:
        raise ValueError(f"FORUM_MAIL_FROM={mail_from!r} has no address")
    return header_text(display), clean_address(address)


def build_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    """Build the MIME message (text and HTML alternatives, UTF-8) for one outbox row."""
    from_name, from_address = parse_sender(mail_from)
    email = EmailMessage(policy=SMTP)
    # The body first: setting content drops every Content-* header already on the message.
    # Quoted-printable keeps every line 7-bit, so relays without 8BITMIME pass it unchanged.
    email.set_content(message.text_body, charset="utf-8", cte="quoted-printable")
    email.add_alternative(
        message.html_body, subtype="html", charset="utf-8", cte="quoted-printable"
    )
    email["From"] = Address(display_name=from_name, addr_spec=from_address)
    # Every header value goes through header_text again: the row may have been written by
    # something other than queue_message, and a line break here would start a new header.
    email["To"] = Address(
        display_name=header_text(message.to_name), addr_spec=clean_address(message.to_address)
    )
    _set_subject(email, header_text(message.subject))
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2])
    email["Content-Language"] = header_text(message.language)
    email["Auto-Submitted"] = "auto-generated"
    for name, value in clean_headers(json.loads(message.extra_headers or "{}")).items():
        email[name] = value
    return email


def _set_subject(email: EmailMessage, subject: str) -> None:
    """Set the Subject, folded so that a reader sees exactly `subject`.

    Python's folder (3.11 to 3.13) ends a line with the space before an encoded word, and
    readers then see that space doubled; encoded words all along fold between words' bytes,
    where unfolding adds nothing.
    """
    if subject.isascii():
        email["Subject"] = subject
    else:
        email.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode())


class MailBackend(Protocol):
    async def send(self, email: EmailMessage, *, sender: str, recipients: Sequence[str]) -> None:
        """Deliver `email` to exactly `recipients`; raise if it was not accepted."""
        ...


class ConsoleBackend:
    """Print each mail, readable, on standard output instead of sending it."""

    async def send(self, email: EmailMessage, *, sender: str, recipients: Sequence[str]) -> None:
        """Print the headers a reader sees and the text part."""
        lines = ["-" * 72]
        lines += [f"{name}: {email[name]}" for name in ("From", "To", "Subject", "Date")]
        lines += [f"Envelope: {sender} -> {', '.join(recipients)}", ""]
        body = email.get_body(("plain",))
        if isinstance(body, EmailMessage):
            lines.append(str(body.get_content()).rstrip("\n"))
        lines.append("-" * 72)
        # sys.stdout is looked up on every call so that a redirected stdout is honoured.
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()


class SmtpBackend:
    """Send each mail to the SMTP server named in the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, email: EmailMessage, *, sender: str, recipients: Sequence[str]) -> None:
        """Hand `email` to the server for exactly `recipients`, within the timeout."""
        settings = self.settings
        await aiosmtplib.send(
            email,
            # An explicit envelope: the recipients never come from the headers.
            sender=sender,
            recipients=list(recipients),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            start_tls=settings.smtp_starttls,
            timeout=SMTP_TIMEOUT_SECONDS,
        )


def backend_for(settings: Settings) -> MailBackend:
    """Choose the backend named by FORUM_MAIL_BACKEND."""
    if settings.mail_backend == "smtp":
        return SmtpBackend(settings)
    return ConsoleBackend()
