"""Changes to people (their accounts, sessions and posts), counted for caches of who is signed in.

A process may keep who a session cookie stands for (`accounts/session_cache.py`) rather than ask
the database on every page. It must look again when that person changed: signed out, banned,
renamed, or wrote a post that only they see yet. Rather than trusting every service to say so,
any transaction that writes a person (`users`), a post (`posts`) or ends a session
(`user_sessions`: a sign-out, or a session pruned) raises one counter in the same commit,
through SQLAlchemy's session events. Opening or using a session does not count.

The counter lives in the database (`change_counters`, name "people"), where the background
reader of the content versions reads it for every process (`core/versions.py`), and each
`Database` also counts the commits of its own sessions that raised it (`LocalChanges`), so a
change made in this process shows at once, without waiting for the next read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Insert, Update, event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel import col, select

from forum.models import ChangeCounter, Post, User, UserSession

PEOPLE = "people"
LOCAL = "forum_local_changes"  # session.info: the LocalChanges of the Database that opened it
_CHANGED = "forum_people_changed"  # session.info: written since the last count
_COUNTED = "forum_people_counted"  # session.info: counted in the transaction under way
_ANY_WRITE = frozenset({"users", "posts"})
_DELETE_ONLY = frozenset({"user_sessions"})
# One statement on SQLite (3.24+) and PostgreSQL alike; the first count makes the row.
_COUNT = text(
    "INSERT INTO change_counters (name, value) VALUES (:name, 1) "
    "ON CONFLICT (name) DO UPDATE SET value = change_counters.value + 1"
)


@dataclass
class LocalChanges:
    """How many commits of one Database's sessions changed people."""

    count: int = 0


async def people_version(session: AsyncSession) -> int:
    """The count of committed changes to people, from every process. One statement."""
    value = await session.scalar(
        select(col(ChangeCounter.value)).where(col(ChangeCounter.name) == PEOPLE)
    )
    return int(value or 0)


def _flush_changes_people(session: Session) -> bool:
    for instance in session.new:
        if isinstance(instance, User | Post):
            return True
    for instance in session.dirty:
        if isinstance(instance, User | Post) and session.is_modified(instance):
            return True
    return any(isinstance(instance, User | Post | UserSession) for instance in session.deleted)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if not session.info.get(_CHANGED) and _flush_changes_people(session):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    statement = state.statement
    if not isinstance(statement, Insert | Update | Delete):
        return
    table = getattr(statement.table, "name", "")
    if table in _ANY_WRITE or (table in _DELETE_ONLY and isinstance(statement, Delete)):
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()  # what is still pending is part of this commit
    if session.info.pop(_CHANGED, False):
        session.execute(_COUNT, {"name": PEOPLE})
        session.info[_COUNTED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_COUNTED, False):
        local = session.info.get(LOCAL)
        if isinstance(local, LocalChanges):
            local.count += 1


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_COUNTED, None)
