"""People and their sign-in state: accounts, e-mail tokens and server-side sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from forum.models.types import Role, StakeholderGroup, UserState, UTCDateTime


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)  # stored lower-cased
    display_name: str = Field(max_length=120)
    organisation: str = Field(default="", max_length=200)
    country: str = Field(default="", max_length=2)
    stakeholder_group: str = Field(
        default=StakeholderGroup.OTHER.value, sa_column=Column(String(32), nullable=False)
    )
    preferred_language: str = Field(default="en", max_length=5)
    role: str = Field(default=Role.CONTRIBUTOR.value, sa_column=Column(String(16), nullable=False))
    state: str = Field(default=UserState.ACTIVE.value, sa_column=Column(String(16), nullable=False))
    suspended_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    trusted: bool = Field(default=False)
    password_hash: str = Field(default="", max_length=200)  # empty: cannot sign in yet
    quote_consent: str | None = Field(default=None, max_length=16)  # last choice, the default
    notify_replies: bool = Field(default=True)  # mail me when someone replies to my post
    notify_moderation: bool = Field(default=True)  # mail me when my post is approved or not
    email_confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AccountToken(SQLModel, table=True):
    """A single-use, expiring link sent by mail: confirm an address or reset a password."""

    __tablename__ = "account_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    purpose: str = Field(sa_column=Column(String(16), nullable=False))
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex of the secret in the link
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class UserSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, this row holds its hash."""

    __tablename__ = "user_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
