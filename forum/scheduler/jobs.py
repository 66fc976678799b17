"""What `forum scheduler` runs: the newsletter's due mails, and housekeeping.

Housekeeping deletes what can no longer be used: expired or idle sessions, rate-limit
counters whose window is long past, and account tokens (confirmation, reset) used or expired
a week ago. Each job says in one line what it did.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import col

from forum.accounts.sessions import SessionPolicy, prune_sessions
from forum.core import ratelimit
from forum.db import Database
from forum.mail.compose import Postman
from forum.models import AccountToken
from forum.newsletter.due import queue_due

RATE_LIMITS_KEPT = timedelta(days=1)  # longer than any limit's window
TOKENS_KEPT = timedelta(days=7)  # after use or expiry, for a person asking "what happened?"

Run = Callable[[Database, datetime], Awaitable[str]]


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Run


async def housekeeping(db: Database, now: datetime, *, policy: SessionPolicy) -> str:
    """Delete spent sessions, old rate-limit counters and spent tokens; say how many."""
    async with db.transaction() as session:
        await prune_sessions(session, policy=policy, now=now)
        counters = await ratelimit.prune(session, older_than=now - RATE_LIMITS_KEPT)
        spent = now - TOKENS_KEPT
        tokens = await session.execute(
            delete(AccountToken)
            .where(or_(col(AccountToken.used_at) < spent, col(AccountToken.expires_at) < spent))
            .returning(col(AccountToken.id))
        )
        gone = len(tokens.all())
    return f"{counters} rate-limit counters and {gone} spent tokens deleted, sessions pruned"


def schedule(*, postman: Postman, secret: str, policy: SessionPolicy) -> list[Job]:
    """The jobs and how often each runs."""

    async def newsletter(db: Database, now: datetime) -> str:
        return (await queue_due(db, postman=postman, secret=secret, now=now)).summary()

    async def tidy(db: Database, now: datetime) -> str:
        return await housekeeping(db, now, policy=policy)

    return [
        Job("newsletter", timedelta(minutes=1), newsletter),
        Job("housekeeping", timedelta(hours=1), tidy),
    ]
