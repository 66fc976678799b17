"""Scheduled jobs: when each last ran, and who holds it now (a lease, so one machine runs it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from forum.models.types import UTCDateTime


class ScheduledJob(SQLModel, table=True):
    """One job of `forum scheduler` (e.g. "newsletter"): its last run and its current lease."""

    __tablename__ = "scheduled_jobs"

    name: str = Field(max_length=50, primary_key=True)
    last_run_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    holder: str = Field(default="", max_length=100)  # host and process of the lease's holder
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_error: str = Field(default="", max_length=1000)
