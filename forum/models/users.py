"""People: contributors, moderators and admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from forum.models.types import Role, StakeholderGroup, UserState, UTCDateTime


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(max_length=120)
    organisation: str = Field(default="", max_length=200)
    country: str = Field(default="", max_length=2)
    stakeholder_group: str = Field(
        default=StakeholderGroup.OTHER.value, sa_column=Column(String(32), nullable=False)
    )
    preferred_language: str = Field(default="en", max_length=5)
    role: str = Field(default=Role.CONTRIBUTOR.value, sa_column=Column(String(16), nullable=False))
    state: str = Field(default=UserState.ACTIVE.value, sa_column=Column(String(16), nullable=False))
    trusted: bool = Field(default=False)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
