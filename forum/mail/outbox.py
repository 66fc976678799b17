"""The one mailer: queue mail in the outbox, render it, and send it with retries."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from functools import lru_cache
from typing import Any, Protocol

import aiosmtplib
from jinja2 import Environment
from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.core.clock import Clock, SystemClock
from forum.core.i18n import I18n
from forum.db import Database
from forum.models.mail import OutboxMessage
from forum.models.types import OutboxStatus
from forum.settings import Settings

MAX_ATTEMPTS = 8
BATCH = 100
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
CLAIM = timedelta(minutes=5)
SMTP_TIMEOUT_SECONDS = 15.0
MAX_ERROR_LENGTH = 1000
MAX_NAME_LENGTH = 200
MAX_SUBJECT_LENGTH = 300
MAX_ADDRESS_LENGTH = 320
# These are set by build_email itself; letting callers set them would allow forged senders,
# hidden recipients or a broken MIME structure.
RESERVED_HEADERS = frozenset(
    "from to cc bcc sender subject date message-id return-path mime-version content-type "
    "content-transfer-encoding content-language auto-submitted".split()
)
_HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,75}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,4})?$")
# Categories that could end a header line or hide in it: controls and Unicode line breaks.
_BREAKING = frozenset({"Cc", "Zl", "Zp"})


@dataclass(frozen=True)
class RenderedMail:
    """A mail rendered in one language, ready to be queued."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class SendReport:
    """What one round of sending did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.retried or self.failed)


def header_text(value: str, limit: int | None = None) -> str:
    """Return `value` on one line: control characters and line breaks become single spaces."""
    spaced = "".join(" " if unicodedata.category(ch) in _BREAKING else ch for ch in value)
    single = " ".join(spaced.split())
    return single if limit is None else single[:limit].rstrip()


def clean_address(address: str) -> str:
    """Return `address` as a plain ASCII addr-spec; raise ValueError if it is not one."""
    if any(ch.isspace() or unicodedata.category(ch) in _BREAKING for ch in address):
        raise ValueError("an e-mail address may not contain spaces or control characters")
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        raise ValueError(f"{address!r} is not an e-mail address")
    if not local.isascii():
        raise ValueError(f"{address!r}: internationalised local parts cannot be sent")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ValueError(f"{address!r} has an invalid domain") from error
    spec = f"{local}@{domain}"
    try:
        Address(addr_spec=spec)
    except (ValueError, HeaderParseError) as error:
        raise ValueError(f"{address!r} is not an e-mail address") from error
    if len(spec) > MAX_ADDRESS_LENGTH:
        raise ValueError(f"{address!r} is too long")
    return spec


def _clean_headers(headers: dict[str, str] | None) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.match(name) or name.lower() in RESERVED_HEADERS:
            raise ValueError(f"{name!r} cannot be set as an extra header")
        cleaned[name] = header_text(value)
    return cleaned


async def queue_message(
    session: AsyncSession,
    *,
    to_address: str,
    to_name: str,
    language: str,
    subject: str,
    text_body: str,
    html_body: str,
    now: datetime,
    extra_headers: dict[str, str] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction; None if `dedupe_key` is taken."""
    if not _LANGUAGE.match(language):
        raise ValueError(f"{language!r} is not a language tag")
    values: dict[str, Any] = {
        "dedupe_key": dedupe_key,
        "to_address": clean_address(to_address),
        "to_name": header_text(to_name, MAX_NAME_LENGTH),
        "language": language,
        "subject": header_text(subject, MAX_SUBJECT_LENGTH),
        "text_body": text_body,
        "html_body": html_body,
        "extra_headers": json.dumps(_clean_headers(extra_headers), ensure_ascii=False),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "created_at": now,
    }
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    # The unique key, not a prior SELECT, decides: concurrent queuers leave one row, none fails.
    statement = (
        insert(OutboxMessage)
        .values(values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage)
    )
    return (await session.scalars(statement)).first()


@lru_cache(maxsize=8)
def _text_environment(env: Environment) -> Environment:
    # An overlay shares loader, filters, globals and gettext; it is cached so that the text
    # templates are parsed once, not on every mail.
    return env.overlay(autoescape=False)


def _render_subject(env: Environment, template_name: str, context: dict[str, Any]) -> str:
    template = env.get_template(template_name)
    if "subject" not in template.blocks:
        raise ValueError(f"{template_name} has no {{% block subject %}}")
    return header_text("".join(template.blocks["subject"](template.new_context(context))))


def _render_body(env: Environment, template_name: str, context: dict[str, Any]) -> str:
    template = env.get_template(template_name)
    jinja_context = template.new_context(context)
    # The subject block is silenced, not removed: a template that extends a layout never shows
    # it anyway, but a standalone one would otherwise print its subject at the top of the body.
    jinja_context.blocks["subject"] = [lambda _context: iter(())]
    return env.concat(template.root_render_func(jinja_context))


def render_mail(env: Environment, i18n: I18n, name: str, context: dict[str, Any]) -> RenderedMail:
    """Render the subject block of mail/{name}.txt, then that file and mail/{name}.html."""
    full = {**context, "i18n": i18n, "lang": i18n.language}
    text_env = _text_environment(env)
    subject = _render_subject(text_env, f"mail/{name}.txt", full)
    text = _render_body(text_env, f"mail/{name}.txt", full).strip("\n") + "\n"
    html = env.get_template(f"mail/{name}.html").render(full)
    return RenderedMail(subject=subject, text=text, html=html)


def _sender(mail_from: str) -> tuple[str, str]:
    display, address = parseaddr(mail_from)
    if "@" not in address:
        raise ValueError(f"FORUM_MAIL_FROM={mail_from!r} has no address")
    return header_text(display), clean_address(address)


def build_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    """Build the MIME message (text and HTML alternatives, UTF-8) for one outbox row."""
    from_name, from_address = _sender(mail_from)
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
    email["Subject"] = header_text(message.subject)
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2])
    email["Content-Language"] = header_text(message.language)
    email["Auto-Submitted"] = "auto-generated"
    for name, value in _clean_headers(json.loads(message.extra_headers or "{}")).items():
        email[name] = value
    return email


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


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the `attempts`-th failure (doubling, capped)."""
    doublings = min(max(attempts - 1, 0), 20)  # bounded, so a huge count cannot overflow
    return min(FIRST_RETRY * (1 << doublings), MAX_RETRY)


async def _claim(db: Database, *, now: datetime, limit: int) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
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
        query = query.with_for_update(skip_locked=True)
    async with db.transaction() as session:
        rows = list((await session.scalars(query)).all())
        for row in rows:
            row.claimed_until = now + CLAIM
    return rows


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
        await backend.send(email, sender=_sender(mail_from)[1], recipients=recipients)
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
    counts = {"sent": 0, "pending": 0, "failed": 0}
    for index, row in enumerate(rows):
        if loop.time() > deadline:
            await _release(db, rows[index:])
            break
        error = await _deliver(backend, row, settings.mail_from)
        counts[await _finish(db, row, now, error)] += 1
        if progress is not None:
            progress(index + 1, len(rows))
    return SendReport(sent=counts["sent"], retried=counts["pending"], failed=counts["failed"])


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
    db = Database(settings.database_url)
    loops = 0
    try:
        while True:
            now = clock.now()
            report = await send_due(db, settings, now=now, progress=progress)
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
                await asyncio.sleep(interval)
    finally:
        await db.dispose()
