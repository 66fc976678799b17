"""Discussions, their weekly question sets, questions, moderators and documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from forum.models.types import UTCDateTime


class Discussion(SQLModel, table=True):
    __tablename__ = "discussions"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    opens_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    timezone: str = Field(default="UTC", max_length=64)
    moderation_mode: str = Field(sa_column=Column(String(8), nullable=False))
    languages: str = Field(max_length=32)  # comma-separated codes, the first is the default
    general_comments: bool = Field(default=False)  # posts not tied to a question allowed
    # Bumped in the same transaction as any change readers see, so caches know they are stale.
    content_version: int = Field(default=0)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Readers see the discussion from this moment on; none while it is a draft in the studio.
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Archived: still readable, no longer listed among the current ones; none otherwise.
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

    @property
    def language_list(self) -> list[str]:
        return self.languages.split(",")


class DiscussionTranslation(SQLModel, table=True):
    __tablename__ = "discussion_translations"

    discussion_id: int = Field(foreign_key="discussions.id", primary_key=True, ondelete="CASCADE")
    language: str = Field(max_length=5, primary_key=True)
    title: str = Field(max_length=200)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    introduction_source: str = Field(sa_column=Column(Text, nullable=False))
    introduction_html: str = Field(sa_column=Column(Text, nullable=False))


class DiscussionModerator(SQLModel, table=True):
    __tablename__ = "discussion_moderators"

    discussion_id: int = Field(foreign_key="discussions.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE")
    position: int = Field(default=0)


class DiscussionOrganiser(SQLModel, table=True):
    """A person who sets the discussion up and corrects it in the studio (admins always may)."""

    __tablename__ = "discussion_organisers"

    discussion_id: int = Field(foreign_key="discussions.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE")


class DiscussionChange(SQLModel, table=True):
    """One change made to a discussion in the studio or from a file: who, what, when.

    `before` and `after` hold the changed values as JSON (a question's earlier wording, for
    one), so that the history can show what a text said before it was corrected.
    """

    __tablename__ = "discussion_changes"
    __table_args__ = (Index("ix_discussion_changes_discussion", "discussion_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    discussion_id: int = Field(foreign_key="discussions.id", ondelete="CASCADE")
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    what: str = Field(sa_column=Column(String(32), nullable=False))  # a ChangeKind
    item: str = Field(default="", max_length=120)  # e.g. "question:7", "week:2", "tag:green-jobs"
    before: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    after: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class QuestionSet(SQLModel, table=True):
    __tablename__ = "question_sets"
    __table_args__ = (UniqueConstraint("discussion_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    discussion_id: int = Field(foreign_key="discussions.id", ondelete="CASCADE")
    position: int
    opens_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class QuestionSetTranslation(SQLModel, table=True):
    __tablename__ = "question_set_translations"

    question_set_id: int = Field(
        foreign_key="question_sets.id", primary_key=True, ondelete="CASCADE"
    )
    language: str = Field(max_length=5, primary_key=True)
    title: str = Field(max_length=200)


class Question(SQLModel, table=True):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("discussion_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    discussion_id: int = Field(foreign_key="discussions.id", ondelete="CASCADE")
    question_set_id: int = Field(foreign_key="question_sets.id", index=True, ondelete="CASCADE")
    number: int


class QuestionTranslation(SQLModel, table=True):
    __tablename__ = "question_translations"

    question_id: int = Field(foreign_key="questions.id", primary_key=True, ondelete="CASCADE")
    language: str = Field(max_length=5, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))


class Document(SQLModel, table=True):
    __tablename__ = "documents"

    id: int | None = Field(default=None, primary_key=True)
    discussion_id: int = Field(foreign_key="discussions.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=5)
    title: str = Field(max_length=200)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)  # what the content is, never what its name says
    size_bytes: int
    # Where the bytes are, relative to the data directory: documents/<discussion>/<token>.<ext>.
    stored_path: str = Field(max_length=200)
    sha256: str = Field(max_length=64)  # of the content: the download's ETag


class LiveSession(SQLModel, table=True):
    """A live session (a webinar) announced beside a discussion."""

    __tablename__ = "live_sessions"

    id: int | None = Field(default=None, primary_key=True)
    discussion_id: int = Field(foreign_key="discussions.id", index=True, ondelete="CASCADE")
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    duration_minutes: int = Field(default=120)
    timezone: str = Field(default="UTC", max_length=64)  # the zone the organiser gave the time in
    language: str = Field(max_length=5)  # the working language of the session
    registration_url: str = Field(default="", max_length=500)
    uid: str = Field(max_length=120, unique=True)  # the iCalendar UID, stable across edits
    sequence: int = Field(default=0)  # iCalendar SEQUENCE, bumped on every change
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class LiveSessionTranslation(SQLModel, table=True):
    __tablename__ = "live_session_translations"

    live_session_id: int = Field(
        foreign_key="live_sessions.id", primary_key=True, ondelete="CASCADE"
    )
    language: str = Field(max_length=5, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
