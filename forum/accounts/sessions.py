"""Server-side sign-in sessions: the browser keeps a random token, the database its hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, exists
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from forum.models import Post, User, UserSession
from forum.models.posts import seen_only_by_author
from forum.settings import Settings

# Writing last_seen_at on every request would turn every page view into a write.
TOUCH_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta


def session_policy(settings: Settings) -> SessionPolicy:
    """How long sessions live, from the settings."""
    return SessionPolicy(
        idle=timedelta(days=settings.session_idle_days),
        absolute=timedelta(days=settings.session_max_days),
    )


def hash_token(raw: str) -> str:
    """Hash a secret from a cookie or a link; only hashes are stored."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


async def start_session(
    session: AsyncSession, *, user_id: int, policy: SessionPolicy, now: datetime
) -> str:
    """Open a session for `user_id` and return the raw token for the cookie."""
    raw = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=hash_token(raw),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute,
        )
    )
    await session.flush()
    return raw


@dataclass(frozen=True)
class SignedIn:
    """Who a session cookie stands for, and whether any of their posts shows to them
    otherwise than to readers (pages shared by everyone then need a closer look)."""

    user: User
    session: UserSession
    has_unshared_posts: bool


async def find_session(
    session: AsyncSession, *, raw_token: str, policy: SessionPolicy, now: datetime
) -> SignedIn | None:
    """Return who a cookie token stands for, if the session is still valid. One statement."""
    unshared = exists().where(col(Post.author_id) == col(User.id), seen_only_by_author())
    row = (
        await session.execute(
            select(User, UserSession, unshared.label("unshared"))
            .join(UserSession, col(UserSession.user_id) == col(User.id))
            .where(UserSession.token_hash == hash_token(raw_token))
        )
    ).first()
    if row is None:
        return None
    found = SignedIn(row[0], row[1], bool(row[2]))
    return found if still_valid(found, policy=policy, now=now) else None


def still_valid(found: SignedIn, *, policy: SessionPolicy, now: datetime) -> bool:
    """Say whether a session found earlier may still be used now: not expired, not idle too
    long, its person neither banned nor deleted."""
    user_session = found.session
    if now >= user_session.expires_at or now - user_session.last_seen_at >= policy.idle:
        return False
    return found.user.state not in ("banned", "deleted")


def needs_touch(user_session: UserSession, now: datetime) -> bool:
    return now - user_session.last_seen_at >= TOUCH_AFTER


async def touch_session(session: AsyncSession, *, session_id: int, now: datetime) -> None:
    """Record that a session was used now, which keeps it from idling out."""
    user_session = await session.get(UserSession, session_id)
    if user_session is not None:
        user_session.last_seen_at = now


async def end_session(session: AsyncSession, *, raw_token: str) -> None:
    """Sign out the browser holding `raw_token`."""
    await session.execute(
        delete(UserSession).where(col(UserSession.token_hash) == hash_token(raw_token))
    )


async def end_all_sessions(
    session: AsyncSession, *, user_id: int, keep_token: str | None = None
) -> None:
    """Sign a person out everywhere (but for the browser holding `keep_token`, if given)."""
    statement = delete(UserSession).where(col(UserSession.user_id) == user_id)
    if keep_token is not None:
        statement = statement.where(col(UserSession.token_hash) != hash_token(keep_token))
    await session.execute(statement)


async def prune_sessions(session: AsyncSession, *, policy: SessionPolicy, now: datetime) -> None:
    """Delete sessions that can no longer be used."""
    await session.execute(
        delete(UserSession).where(
            (col(UserSession.expires_at) <= now)
            | (col(UserSession.last_seen_at) <= now - policy.idle)
        )
    )


REGISTERED_SALT = "registered-here"
REGISTERED_FOR = timedelta(days=3)  # as long as the confirmation link lives


def registered_token(secret: str, email: str) -> str:
    """Sign the address a browser registered, so that browser alone is signed in on confirming."""
    return URLSafeTimedSerializer(secret, salt=REGISTERED_SALT).dumps(email)


def registered_email(secret: str, token: str) -> str | None:
    """Return the address a browser's token says it registered, or None if none or stale."""
    serializer = URLSafeTimedSerializer(secret, salt=REGISTERED_SALT)
    try:
        email = serializer.loads(token, max_age=int(REGISTERED_FOR.total_seconds()))
    except BadSignature:
        return None
    return email if isinstance(email, str) and email else None
