"""The one definition of a post's export row, for moderators and for open data.

The column names are stable machine names (README lists them): the export is data, not UI,
so they are never translated. CSV, JSON, JSON lines and `forum export` all use these rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Audience(StrEnum):
    """Who an export is for: a discussion's moderators and organisers, or anyone (open data)."""

    MODERATORS = "moderators"
    PUBLIC = "public"


# Every column, in order; the public variant keeps only what the site shows readers.
MODERATOR_COLUMNS: tuple[str, ...] = (
    "id",
    "parent_id",
    "thread_id",
    "discussion",
    "week",
    "question",
    "language",
    "tags",
    "status",
    "created_at",
    "edited_at",
    "approved_at",
    "author_group",
    "author_country",
    "author_organisation",
    "author_name",
    "quote_consent",
    "key_quote",
    "text",
)
PUBLIC_COLUMNS: tuple[str, ...] = tuple(
    # Only published posts are open data, and how an author agreed to be quoted is theirs.
    name
    for name in MODERATOR_COLUMNS
    if name not in ("status", "quote_consent")
)


def columns(audience: Audience) -> tuple[str, ...]:
    """The columns of an export for `audience`, in order."""
    return MODERATOR_COLUMNS if audience is Audience.MODERATORS else PUBLIC_COLUMNS


Value = str | int | bool | list[str] | None


@dataclass(frozen=True, slots=True)
class PostRecord:
    """One post as read for an export, before an audience's columns are chosen."""

    id: int
    parent_id: int | None
    thread_id: int
    discussion: str
    week: int | None
    question: int | None
    language: str
    tags: tuple[str, ...]
    status: str
    created_at: datetime
    edited_at: datetime | None
    approved_at: datetime | None
    author_group: str
    author_country: str
    author_organisation: str
    author_name: str
    quote_consent: str
    key_quote: bool
    text: str


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_row(record: PostRecord, audience: Audience) -> dict[str, Value]:
    """The row of `record` for `audience`: column name to a JSON-ready value."""
    every: dict[str, Value] = {
        "id": record.id,
        "parent_id": record.parent_id,
        "thread_id": record.thread_id,
        "discussion": record.discussion,
        "week": record.week,
        "question": record.question,
        "language": record.language,
        "tags": list(record.tags),
        "status": record.status,
        "created_at": _moment(record.created_at),
        "edited_at": _moment(record.edited_at),
        "approved_at": _moment(record.approved_at),
        "author_group": record.author_group,
        "author_country": record.author_country,
        "author_organisation": record.author_organisation,
        "author_name": record.author_name,
        "quote_consent": record.quote_consent,
        "key_quote": record.key_quote,
        "text": record.text,
    }
    return {name: every[name] for name in columns(audience)}
