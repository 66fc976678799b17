"""Moderation: the append-only log of actions, readers' reports, and posts' topic tags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from forum.models.types import UTCDateTime


class ModerationAction(SQLModel, table=True):
    """Who did what to which post or person, why, and when. Rows are never changed."""

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_discussion", "discussion_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id")  # None: the system
    action: str = Field(sa_column=Column(String(24), nullable=False))
    discussion_id: int | None = Field(default=None, foreign_key="discussions.id")
    post_id: int | None = Field(default=None, foreign_key="posts.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    section: str = Field(default="", max_length=40)  # the guidelines section cited
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Report(SQLModel, table=True):
    """A reader's report that a published post breaks a guideline."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True, ondelete="CASCADE")
    reporter_id: int = Field(foreign_key="users.id")
    section: str = Field(max_length=40)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    resolution: str = Field(default="", max_length=24)


class PostTag(SQLModel, table=True):
    __tablename__ = "post_tags"

    post_id: int = Field(foreign_key="posts.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tags.id", primary_key=True, index=True, ondelete="CASCADE")
