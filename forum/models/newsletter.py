"""Readers who follow by e-mail, what they follow, and the moderators' weekly summaries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from forum.models.types import UTCDateTime


class Subscriber(SQLModel, table=True):
    """An e-mail address that follows discussions; no account needed."""

    __tablename__ = "subscribers"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)  # stored lower-cased
    language: str = Field(max_length=5)
    all_discussions: bool = Field(default=True)
    status: str = Field(sa_column=Column(String(16), nullable=False))  # see SubscriberStatus
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    unsubscribed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class SubscribedDiscussion(SQLModel, table=True):
    """A discussion a subscriber chose, when they do not follow them all."""

    __tablename__ = "subscribed_discussions"

    subscriber_id: int = Field(foreign_key="subscribers.id", primary_key=True, ondelete="CASCADE")
    discussion_id: int = Field(
        foreign_key="discussions.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class DigestRun(SQLModel, table=True):
    """One weekly digest of a discussion: posts approved in [period_start, period_end)."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("discussion_id", "period_end"),)

    id: int | None = Field(default=None, primary_key=True)
    discussion_id: int = Field(foreign_key="discussions.id", ondelete="CASCADE")
    period_start: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    period_end: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WeeklySummary(SQLModel, table=True):
    """The moderators' summary of one question set, in one language (Markdown and HTML)."""

    __tablename__ = "weekly_summaries"

    question_set_id: int = Field(
        foreign_key="question_sets.id", primary_key=True, ondelete="CASCADE"
    )
    language: str = Field(max_length=5, primary_key=True)
    source: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
