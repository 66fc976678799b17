"""What the analysis computed once and kept: key phrases per question and language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from forum.models.types import UTCDateTime


class Theme(SQLModel, table=True):
    """A key phrase of the published answers to one question in one language (a hint only).

    `forum analyse SLUG` (or the analysis page's button) replaces a discussion's rows.
    """

    __tablename__ = "analysis_themes"
    __table_args__ = (Index("ix_analysis_themes_discussion", "discussion_id", "question_number"),)

    id: int | None = Field(default=None, primary_key=True)
    discussion_id: int = Field(foreign_key="discussions.id", ondelete="CASCADE")
    question_number: int | None = Field(default=None)  # none: general comments
    language: str = Field(max_length=5)
    phrase: str = Field(max_length=200)
    rank: int = Field(default=0)  # 0 is the most telling
    posts: int = Field(default=0)  # published posts that contain the phrase
    computed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
