"""Counters of changes that every process reads, so in-memory caches know when to look again."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class ChangeCounter(SQLModel, table=True):
    """How many committed transactions changed something (e.g. "people"): only ever rises.
    A name without a row has counted nothing yet."""

    __tablename__ = "change_counters"

    name: str = Field(max_length=50, primary_key=True)
    value: int = Field(default=0)
