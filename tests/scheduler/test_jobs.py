"""Housekeeping deletes only what can no longer be used; the schedule names its jobs."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from forum.accounts.sessions import SessionPolicy
from forum.core import ratelimit
from forum.db import Database
from forum.models import AccountToken, RateLimitCounter, UserSession
from forum.scheduler.jobs import housekeeping
from tests.conftest import NOW
from tests.helpers import make_user

POLICY = SessionPolicy(idle=timedelta(days=14), absolute=timedelta(days=60))


async def test_housekeeping_deletes_spent_rows_and_keeps_live_ones(db: Database) -> None:
    user = await make_user(db)
    assert user.id is not None
    async with db.transaction() as session:
        for name, created, expires, used in (
            ("live", NOW, NOW + timedelta(days=2), None),
            (
                "used-long-ago",
                NOW - timedelta(days=20),
                NOW + timedelta(days=1),
                NOW - timedelta(days=8),
            ),
            (
                "used-yesterday",
                NOW - timedelta(days=2),
                NOW + timedelta(days=1),
                NOW - timedelta(days=1),
            ),
            ("expired-long-ago", NOW - timedelta(days=20), NOW - timedelta(days=10), None),
        ):
            session.add(
                AccountToken(
                    user_id=user.id,
                    purpose="reset",
                    token_hash=name.ljust(64, "x"),
                    created_at=created,
                    expires_at=expires,
                    used_at=used,
                )
            )
        for name, seen in (("fresh", NOW), ("idle", NOW - timedelta(days=15))):
            session.add(
                UserSession(
                    token_hash=name.ljust(64, "y"),
                    user_id=user.id,
                    created_at=NOW - timedelta(days=20),
                    last_seen_at=seen,
                    expires_at=NOW + timedelta(days=40),
                )
            )
        for key, when in (("old", NOW - timedelta(days=2)), ("new", NOW - timedelta(minutes=5))):
            await ratelimit.hit(session, key=key, limit=5, window=timedelta(minutes=10), now=when)
    said = await housekeeping(db, NOW, policy=POLICY)
    async with db.session() as session:
        tokens = set(await session.scalars(select(AccountToken.token_hash)))
        sessions = set(await session.scalars(select(UserSession.token_hash)))
        counters = set(
            await session.scalars(
                select(RateLimitCounter.key).where(col(RateLimitCounter.count) > 0)
            )
        )
    assert {token.rstrip("x") for token in tokens} == {"live", "used-yesterday"}
    assert {token.rstrip("y") for token in sessions} == {"fresh"}
    assert counters == {"new"}
    assert said == "1 rate-limit counters and 2 spent tokens deleted, sessions pruned"
