"""Tags: topics and subjects that posts and discussions are filed under."""

from __future__ import annotations

from sqlalchemy import Column, String, Text
from sqlmodel import Field, SQLModel


class Tag(SQLModel, table=True):
    __tablename__ = "tags"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    kind: str = Field(sa_column=Column(String(16), nullable=False))


class TagTranslation(SQLModel, table=True):
    __tablename__ = "tag_translations"

    tag_id: int = Field(foreign_key="tags.id", primary_key=True, ondelete="CASCADE")
    language: str = Field(max_length=5, primary_key=True)
    label: str = Field(max_length=120)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class DiscussionTag(SQLModel, table=True):
    __tablename__ = "discussion_tags"

    discussion_id: int = Field(foreign_key="discussions.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tags.id", primary_key=True, index=True, ondelete="CASCADE")
    position: int = Field(default=0)
