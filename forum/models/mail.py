"""The mail outbox: every message is written here first, then sent by the mailer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from forum.models.types import UTCDateTime


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # Optional idempotency key: the same key is never queued twice (e.g. one digest per reader).
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    to_address: str = Field(max_length=320)
    to_name: str = Field(default="", max_length=200)
    language: str = Field(max_length=5)
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_column=Column(Text, nullable=False))
    html_body: str = Field(sa_column=Column(Text, nullable=False))
    extra_headers: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON
    status: str = Field(default="pending", sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
