"""A discussion's synthesis: a Markdown text per language, drafted then published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, Text
from sqlmodel import Field, SQLModel

from forum.models.types import UTCDateTime


class Synthesis(SQLModel, table=True):
    """One per discussion: when it was last saved and, once published, when and by whom."""

    __tablename__ = "syntheses"

    discussion_id: int = Field(foreign_key="discussions.id", primary_key=True, ondelete="CASCADE")
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # Readers see the published texts from this moment on; none while it is a draft.
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    published_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class SynthesisText(SQLModel, table=True):
    """The synthesis in one language: the draft being edited and the text readers see."""

    __tablename__ = "synthesis_texts"

    discussion_id: int = Field(foreign_key="discussions.id", primary_key=True, ondelete="CASCADE")
    language: str = Field(max_length=5, primary_key=True)
    source: str = Field(sa_column=Column(Text, nullable=False))
    published_source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    published_html: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class SynthesisEvent(SQLModel, table=True):
    """The history of publishing: who published or withdrew the synthesis, and when."""

    __tablename__ = "synthesis_events"

    id: int | None = Field(default=None, primary_key=True)
    discussion_id: int = Field(foreign_key="discussions.id", index=True, ondelete="CASCADE")
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    what: str = Field(sa_column=Column(String(16), nullable=False))  # publish, unpublish
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
