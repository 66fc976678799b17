"""Discussions, their weekly question sets, questions, moderators and documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, String, Text, UniqueConstraint
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
    content_type: str = Field(max_length=100)
    size_bytes: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
