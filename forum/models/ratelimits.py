"""Rate-limit counters, kept in the database so that every app process shares them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from forum.models.types import UTCDateTime


class RateLimitCounter(SQLModel, table=True):
    """Hits on one key (e.g. "sign-in:ip:192.0.2.1") in the window that began at window_start."""

    __tablename__ = "rate_limit_counters"

    key: str = Field(max_length=200, primary_key=True)
    window_start: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    count: int = Field(default=0)
