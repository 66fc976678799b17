"""The outbox: clean addresses and header values, and queue mail in the caller's transaction."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from forum.models.mail import OutboxMessage
from forum.models.types import OutboxStatus

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
# What starts an RFC 2047 encoded word. The email package decodes encoded words whenever it
# reads a header value, our own included, and writes what they hide (line breaks too) as is.
_ENCODED_WORD = "=?"
_SPACES = re.compile(r"[^\S\u00a0\u2007\u202f]+")


class BadAddress(ValueError):
    """An e-mail address that mail cannot be sent to."""


def header_text(value: str, limit: int | None = None) -> str:
    """Return `value` on one line, safe in a header: no control character, no encoded word.

    Control characters and line breaks become single spaces, and a space parts every "=?", so
    that no text of a person's can be read as an encoded word hiding a line break.
    """
    spaced = "".join(" " if unicodedata.category(ch) in _BREAKING else ch for ch in value)
    single = _SPACES.sub(" ", spaced).strip().replace(_ENCODED_WORD, "= ?")  # no-break spaces stay
    return single if limit is None else single[:limit].rstrip()


def clean_address(address: str) -> str:
    """Return `address` as a plain ASCII addr-spec; raise BadAddress if it is not one."""
    if any(ch.isspace() or unicodedata.category(ch) in _BREAKING for ch in address):
        raise BadAddress("an e-mail address may not contain spaces or control characters")
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        raise BadAddress(f"{address!r} is not an e-mail address")
    if not local.isascii():
        raise BadAddress(f"{address!r}: internationalised local parts cannot be sent")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise BadAddress(f"{address!r} has an invalid domain") from error
    spec = f"{local}@{domain}"
    try:
        Address(addr_spec=spec)
    except (ValueError, HeaderParseError) as error:
        raise BadAddress(f"{address!r} is not an e-mail address") from error
    if len(spec) > MAX_ADDRESS_LENGTH:
        raise BadAddress(f"{address!r} is too long")
    return spec


def clean_headers(headers: dict[str, str] | None) -> dict[str, str]:
    """Return extra headers with one-line values; raise ValueError for a name we set ourselves."""
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
    claimed_until: datetime | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction; None if `dedupe_key` is taken.

    `claimed_until`: the message is born claimed by its caller, which will send it (no other
    sender takes it until then, and the worker does after)."""
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
        "extra_headers": json.dumps(clean_headers(extra_headers), ensure_ascii=False),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "created_at": now,
        "claimed_until": claimed_until,
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
